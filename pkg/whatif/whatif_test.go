package whatif

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

func write(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: c, image: nginx, resources: {limits: {cpu: "1"}}}]
`

func TestLoadManifests(t *testing.T) {
	yamlFile := write(t, "app.yaml", "# leading comment\n"+deployment+`---
apiVersion: v1
kind: Service
metadata: {name: web}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: one}
  spec: {containers: [{name: c, image: busybox}]}
- apiVersion: batch/v1
  kind: Job
  metadata: {name: batch}
  spec: {parallelism: 4, completions: 2, template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}}
`)
	jsonFile := write(t, "app.json", `{"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"}, "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [{"name": "c", "image": "agent"}]}}}}
{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "db"}}, "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "pg"}]}}}}`)
	ws, warnings, err := LoadManifests([]string{yamlFile, jsonFile}, nil, "team")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, w := range ws {
		got = append(got, w.Kind+" "+w.Namespace+"/"+w.Name+" @ "+strings.TrimPrefix(w.Origin, filepath.Dir(w.Origin)+"/"))
	}
	want := []string{
		"Deployment shop/web @ app.yaml: document 1 (line 2)",
		"Pod team/one @ app.yaml: document 3 (line 17) item 1",
		"Job team/batch @ app.yaml: document 3 (line 17) item 2",
		"DaemonSet team/agent @ app.json: document 1 (line 1)",
		"StatefulSet team/db @ app.json: document 2 (line 2)",
	}
	if !slices.Equal(got, want) {
		t.Errorf("workloads:\n got %q\nwant %q", got, want)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "ignored Service") {
		t.Errorf("warnings: %q", warnings)
	}
}

func TestLoadManifestsErrors(t *testing.T) {
	tests := []struct{ text, want string }{
		{"kind: Pod\nmetadata: {name: [\n", "document 1 (line 1): invalid YAML"},
		{deployment + "---\nmetadata: {name: x}\n", "document 2 (line 12): not a Kubernetes object: no kind"},
		{"apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: {name: x}\n", `Deployment with apiVersion "extensions/v1beta1": want "apps/v1"`},
		{"apiVersion: v1\nkind: Pod\nspec: {}\n", "document 1 (line 1): Pod has no metadata.name"},
		{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", "the manifest has no Pod, Deployment"},
		{"# nothing\n", "no Kubernetes objects found"},
		{`{"kind": "Pod",`, "document 1 (line 1): invalid JSON"},
	}
	for _, tt := range tests {
		path := write(t, "m.yaml", tt.text)
		_, _, err := LoadManifests([]string{path}, nil, "default")
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: got %v, want one line with %q", tt.text, err, tt.want)
		}
	}
	if _, _, err := LoadManifests(nil, nil, "default"); err == nil {
		t.Error("no files: want an error")
	}
}

func load(t *testing.T, text string) []Workload {
	t.Helper()
	ws, _, err := LoadManifests([]string{write(t, "m.yaml", text)}, nil, "default")
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

func TestReplicas(t *testing.T) {
	nodes := []*corev1.Node{
		fixture.Node("a"), fixture.Node("b", fixture.Taint("gpu", "yes", corev1.TaintEffectNoSchedule)),
		fixture.Node("c", fixture.Cordoned(), fixture.Taint(corev1.TaintNodeUnschedulable, "", corev1.TaintEffectNoSchedule)),
	}
	ws := load(t, deployment+`---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, image: pg}]}}
  volumeClaimTemplates: [{metadata: {name: data}, spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: Exists}]}]}}}
      containers: [{name: c, image: agent}]
`)
	web := Replicas(ws[0], nodes)
	if len(web) != 3 || web[0].Labels[appsv1.DefaultDeploymentUniqueLabelKey] == "" ||
		!strings.HasPrefix(web[0].Name, "web-"+web[0].Labels[appsv1.DefaultDeploymentUniqueLabelKey]+"-") {
		t.Fatalf("deployment replicas: %d, first %s %v", len(web), web[0].Name, web[0].Labels)
	}
	if q := web[0].Spec.Containers[0].Resources.Requests[corev1.ResourceCPU]; q.String() != "1" {
		t.Errorf("requests default to limits: got %v", web[0].Spec.Containers[0].Resources.Requests)
	}
	if web[0].Spec.SchedulerName != corev1.DefaultSchedulerName || web[0].Spec.NodeName != "" {
		t.Errorf("admitted Pod: %+v", web[0].Spec)
	}
	db := Replicas(ws[1], nodes)
	if len(db) != 2 || db[1].Name != "db-1" || db[1].Labels[appsv1.PodIndexLabel] != "1" ||
		db[1].Spec.Volumes[0].PersistentVolumeClaim.ClaimName != "data-db-1" {
		t.Errorf("statefulset replicas: %v", db)
	}
	agent := Replicas(ws[2], nodes)
	var on []string
	for _, p := range agent {
		terms := p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		if len(terms) != 1 || len(terms[0].MatchExpressions) != 0 {
			t.Errorf("%s: daemon Pods are pinned by one matchFields term: %+v", p.Name, terms)
		}
		on = append(on, terms[0].MatchFields[0].Values[0])
	}
	// b's taint is not tolerated; c's cordon is (the controller adds that toleration).
	if !slices.Equal(on, []string{"a", "c"}) {
		t.Errorf("daemon Pods on %v, want a and c", on)
	}
}

func snapshotOf(nodes ...*corev1.Node) *snapshot.Snapshot {
	return &snapshot.Snapshot{Source: "test", Nodes: nodes, Namespaces: []*corev1.Namespace{fixture.Namespace("default")}}
}

func TestPlaceExactWhenNodeLocal(t *testing.T) {
	s := snapshotOf(fixture.Node("a", fixture.Allocatable("cpu", "2", "pods", "110")), fixture.Node("b", fixture.Allocatable("cpu", "1", "pods", "110")))
	ws := load(t, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: "1"}}}]}
`)
	r, err := Place(s, ws, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := r.Workloads[0]
	if r.AllPlaced || w.Replicas != 5 || w.Placed != 3 || !w.Exact || len(w.Unplaced) != 2 || w.FirstFailure == nil {
		t.Fatalf("report: %+v", w)
	}
	want := "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
	if w.Unplaced[0].SchedulerMessage != want || w.Unplaced[1].SchedulerMessage != want || w.FirstFailure.SchedulerMessage != want {
		t.Errorf("messages: %q, %q", w.Unplaced[0].SchedulerMessage, w.FirstFailure.SchedulerMessage)
	}
	if r.Kind != ReportKind || r.SchedulerVersion == "" {
		t.Errorf("header: %+v", r)
	}
}

func TestPlaceNotExact(t *testing.T) {
	zoned := func(name, zone string) *corev1.Node {
		return fixture.Node(name, fixture.Zone(zone), fixture.Labels(corev1.LabelHostname, name), fixture.Allocatable("cpu", "4", "pods", "110"))
	}
	s := snapshotOf(zoned("a1", "a"), zoned("a2", "a"), zoned("b1", "b"))
	ws := load(t, `apiVersion: apps/v1
kind: Deployment
metadata: {name: spread}
spec:
  replicas: 4
  selector: {matchLabels: {app: s}}
  template:
    metadata: {labels: {app: s}}
    spec:
      topologySpreadConstraints: [{maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: s}}}]
      containers: [{name: c, image: nginx, resources: {requests: {cpu: "1"}}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: after}
spec:
  replicas: 1
  selector: {matchLabels: {app: after}}
  template:
    metadata: {labels: {app: after}}
    spec: {containers: [{name: c, image: nginx, resources: {requests: {cpu: "1"}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
  affinity:
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: s}}}]
  containers: [{name: c, image: nginx}]
`)
	r, err := Place(s, ws, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]Coupling{}
	for _, w := range r.Workloads {
		if w.Exact != (len(w.DependsOn) == 0) {
			t.Errorf("%s: exact %v with dependsOn %v", w.Name, w.Exact, w.DependsOn)
		}
		got[w.Name] = w.DependsOn
	}
	if !slices.Equal(got["spread"], []Coupling{CouplingSpread}) || !slices.Contains(got["after"], CouplingEarlierWorkload) ||
		!slices.Contains(got["solo"], CouplingEarlierWorkload) {
		t.Errorf("dependsOn: %v", got)
	}
}

func TestPlaceQueueOrder(t *testing.T) {
	s := snapshotOf(fixture.Node("a", fixture.Allocatable("cpu", "1", "pods", "110")))
	ws := load(t, `apiVersion: v1
kind: Pod
metadata: {name: low}
spec: {containers: [{name: c, image: x, resources: {requests: {cpu: "1"}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: high}
spec: {priority: 10, containers: [{name: c, image: x, resources: {requests: {cpu: "1"}}}]}
`)
	r, err := Place(s, ws, Options{SchedulerVersion: "1.36"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Workloads[0].Name != "high" || r.Workloads[0].Placed != 1 || r.Workloads[1].Placed != 0 || r.SchedulerVersion != "1.36" {
		t.Errorf("the higher priority goes first: %+v", r.Workloads)
	}
	if low := r.Workloads[1]; low.Unplaced[0].WouldPreempt || !low.Exact {
		t.Errorf("low: %+v", low)
	}
}

func TestPlacePreemption(t *testing.T) {
	s := snapshotOf(fixture.Node("a", fixture.Allocatable("cpu", "1", "pods", "110")))
	s.Pods = []*corev1.Pod{fixture.Pod("default", "batch", fixture.On("a"), fixture.Requests("cpu", "1"), fixture.Priority(0))}
	ws := load(t, `apiVersion: v1
kind: Pod
metadata: {name: urgent}
spec: {priority: 100, containers: [{name: c, image: x, resources: {requests: {cpu: "1"}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: next}
spec: {containers: [{name: c, image: x, resources: {requests: {cpu: "1"}}}]}
`)
	r, err := Place(s, ws, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := r.Workloads[0]
	if w.Placed != 0 || !w.Unplaced[0].WouldPreempt || w.Exact || !slices.Equal(w.DependsOn, []Coupling{CouplingPreemption}) {
		t.Errorf("urgent: %+v", w)
	}
	// The preemption would nominate urgent and evict batch: what follows is not exact.
	if next := r.Workloads[1]; next.Exact || !slices.Contains(next.DependsOn, CouplingEarlierWorkload) {
		t.Errorf("next: %+v", next)
	}
}

func TestPlaceOnOvercommittedNode(t *testing.T) {
	s := snapshotOf(fixture.Node("a", fixture.Allocatable("cpu", "1", "memory", "1Gi", "pods", "110")))
	s.Pods = []*corev1.Pod{fixture.Pod("default", "hog", fixture.On("a"), fixture.Requests("cpu", "3", "memory", "3Gi"))}
	ws := load(t, "apiVersion: v1\nkind: Pod\nmetadata: {name: free}\nspec: {containers: [{name: c, image: x}]}\n")
	r, err := Place(s, ws, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if w := r.Workloads[0]; w.Placed != 1 || w.Placements[0].Node != "a" {
		t.Errorf("a Pod without requests fits an overcommitted node: %+v", w)
	}
}
