package fidelity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/pkg/whatif"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// scenarioNode is a Node document: name, zone, cpu, extra labels and a taint ("" for none).
func scenarioNode(name, zone, cpu, labels, taint string) string {
	doc := fmt.Sprintf(`apiVersion: v1
kind: Node
metadata:
  name: %[1]s
  labels: {kubernetes.io/hostname: %[1]s, topology.kubernetes.io/zone: %[2]s%[4]s}
spec: {%[5]s}
status:
  allocatable: {cpu: "%[3]s", memory: 16Gi, pods: "110"}
  capacity: {cpu: "%[3]s", memory: 16Gi, pods: "110"}
`, name, zone, cpu, labels, taint)
	return doc
}

// whatIfScenarios are hand-made clusters and manifests of the kinds an engineer asks about before
// a rollout; want is the count per workload the real scheduler must reach too.
var whatIfScenarios = []struct {
	name      string
	nodes     []string
	manifest  string
	wantExact []bool
}{{
	name: "dedicated pool",
	nodes: []string{
		scenarioNode("db-1", "a", "8", ", dedicated: db", "taints: [{key: dedicated, value: db, effect: NoSchedule}]"),
		scenarioNode("db-2", "b", "8", ", dedicated: db", "taints: [{key: dedicated, value: db, effect: NoSchedule}]"),
		scenarioNode("db-3", "c", "8", ", dedicated: db", "taints: [{key: dedicated, value: db, effect: NoSchedule}]"),
		scenarioNode("gen-1", "a", "16", "", ""), scenarioNode("gen-2", "b", "16", "", ""),
	},
	manifest: `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg}
spec:
  replicas: 8
  serviceName: pg
  selector: {matchLabels: {app: pg}}
  template:
    metadata: {labels: {app: pg}}
    spec:
      nodeSelector: {dedicated: db}
      tolerations: [{key: dedicated, operator: Equal, value: db, effect: NoSchedule}]
      containers: [{name: pg, image: postgres, resources: {requests: {cpu: "3"}}}]
`,
	wantExact: []bool{true},
}, {
	name:  "anti-affinity with more replicas than nodes",
	nodes: []string{scenarioNode("n1", "a", "4", "", ""), scenarioNode("n2", "a", "4", "", ""), scenarioNode("n3", "b", "4", "", "")},
	manifest: `apiVersion: apps/v1
kind: Deployment
metadata: {name: cache}
spec:
  replicas: 5
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - labelSelector: {matchLabels: {app: cache}}
            topologyKey: kubernetes.io/hostname
      containers: [{name: c, image: redis, resources: {requests: {cpu: 500m}}}]
`,
	wantExact: []bool{true},
}, {
	name: "spread with a tainted domain",
	nodes: []string{scenarioNode("a1", "a", "4", "", ""), scenarioNode("b1", "b", "4", "", ""),
		scenarioNode("c1", "c", "4", "", "taints: [{key: maintenance, value: \"true\", effect: NoSchedule}]")},
	manifest: `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 6
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      topologySpreadConstraints:
      - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}
      containers: [{name: c, image: nginx, resources: {requests: {cpu: 100m}}}]
`,
	wantExact: []bool{false},
}, {
	name:  "two workloads, the second of higher priority and a DaemonSet",
	nodes: []string{scenarioNode("n1", "a", "4", "", ""), scenarioNode("n2", "b", "2", "", ""), scenarioNode("n3", "b", "2", ", gpu: \"yes\"", "taints: [{key: gpu, value: \"yes\", effect: NoSchedule}]")},
	manifest: `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  replicas: 5
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: c, image: api, resources: {requests: {cpu: "1"}}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: urgent}
spec:
  parallelism: 2
  template:
    spec:
      priority: 1000
      restartPolicy: Never
      containers: [{name: c, image: job, resources: {requests: {cpu: 1500m}}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: c, image: agent, resources: {requests: {cpu: 200m}}}]
`,
	// The Job may take n1 twice or n1 and n2: the Deployment's count depends on it, and so the
	// DaemonSet's; what-if must say so.
	wantExact: []bool{true, false, false},
}}

// TestWhatIfScenarios places hand-made workloads with what-if and with the real scheduler, in the
// same order, and requires the same count and first-failure line for every workload what-if calls
// exact, and exactness as intended.
func TestWhatIfScenarios(t *testing.T) {
	ctx := context.Background()
	agree := 0
	total := 0
	for _, sc := range whatIfScenarios {
		t.Run(sc.name, func(t *testing.T) {
			dir := t.TempDir()
			cluster := filepath.Join(dir, "cluster.yaml")
			manifest := filepath.Join(dir, "app.yaml")
			ns := "apiVersion: v1\nkind: Namespace\nmetadata: {name: default}\n"
			if err := os.WriteFile(cluster, []byte(strings.Join(append(sc.nodes, ns), "---\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(manifest, []byte(sc.manifest), 0o644); err != nil {
				t.Fatal(err)
			}
			snap, err := snapshot.LoadFiles([]string{cluster}, nil)
			if err != nil {
				t.Fatal(err)
			}
			ws, _, err := whatif.LoadManifests([]string{manifest}, nil, "default")
			if err != nil {
				t.Fatal(err)
			}
			ours, err := whatif.Place(snap, ws, whatif.Options{SchedulerVersion: harness.Version})
			if err != nil {
				t.Fatal(err)
			}
			objs := harness.Objects{Nodes: snap.Nodes, Namespaces: snap.Namespaces}
			groups := queueOrder(ws, snap.Nodes)
			var sequence []*corev1.Pod
			for _, g := range groups {
				sequence = append(sequence, g...)
			}
			truth, err := harness.RunSequence(ctx, objs, sequence)
			if err != nil {
				t.Fatal(err)
			}
			i := 0
			for gi, g := range groups {
				wr := ours.Workloads[gi]
				placed, firstMsg := 0, ""
				for range g {
					if truth[i].Scheduled {
						placed++
					} else if firstMsg == "" {
						firstMsg = truth[i].Message
					}
					i++
				}
				ourMsg := ""
				if len(wr.Unplaced) > 0 {
					ourMsg = wr.Unplaced[0].SchedulerMessage
				}
				if !wr.Exact {
					t.Logf("%s %s: not exact (%v): scheduler placed %d, what-if %d", wr.Kind, wr.Name, wr.DependsOn, placed, wr.Placed)
				} else if total++; placed == wr.Placed && firstMsg == ourMsg {
					agree++
				} else {
					t.Errorf("%s %s: scheduler placed %d of %d, what-if %d of %d\n  scheduler: %q\n  what-if:   %q", wr.Kind, wr.Name, placed, len(g), wr.Placed, wr.Replicas, firstMsg, ourMsg)
				}
				if gi < len(sc.wantExact) && wr.Exact != sc.wantExact[gi] {
					t.Errorf("%s %s: exact %v, want %v (depends on %v)", wr.Kind, wr.Name, wr.Exact, sc.wantExact[gi], wr.DependsOn)
				}
				t.Logf("%s %s: %d of %d placed (exact %v)", wr.Kind, wr.Name, wr.Placed, wr.Replicas, wr.Exact)
			}
		})
	}
	t.Logf("fidelity: what-if scenarios %d/%d exact workloads agree", agree, total)
}
