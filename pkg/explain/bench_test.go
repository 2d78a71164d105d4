package explain

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"

	fx "github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// benchCluster is a cluster of n nodes over 3 zones, 10 running Pods per node, a tainted GPU pool,
// and Pending Pods of four workloads that exercise every check (taints, selectors, spread,
// anti-affinity, resources, preemption).
func benchCluster(n int) *snapshot.Snapshot {
	var nodes []*corev1.Node
	var pods []*corev1.Pod
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("node-%05d", i)
		opts := []fx.NodeOption{fx.Zone(fmt.Sprintf("zone-%d", i%3)), fx.Labels("disk", []string{"hdd", "ssd"}[i%2])}
		if i%10 == 0 {
			opts = append(opts, fx.Taint("nvidia.com/gpu", "present", corev1.TaintEffectNoSchedule), fx.Allocatable("nvidia.com/gpu", "1"))
		}
		nodes = append(nodes, fx.Node(name, opts...))
		for j := 0; j < 10; j++ {
			pods = append(pods, fx.Pod("shop", fmt.Sprintf("run-%05d-%d", i, j), fx.On(name), fx.Requests("cpu", "350m", "memory", "512Mi"),
				fx.PodLabels("app", fmt.Sprintf("app-%d", j)), fx.Priority(int32(j%2*100))))
		}
	}
	for w, opts := range [][]fx.PodOption{
		{fx.Requests("cpu", "1", "nvidia.com/gpu", "1")},
		{fx.NodeSelector("disk", "nvme")},
		{fx.PodLabels("app", "app-1"), fx.Spread("topology.kubernetes.io/zone", 1, map[string]string{"app": "app-1"}), fx.Requests("cpu", "600m")},
		{fx.PodLabels("app", "app-3"), fx.AntiAffinity("kubernetes.io/hostname", map[string]string{"app": "app-3"}), fx.Priority(50)},
	} {
		for r := 0; r < 5; r++ {
			all := append([]fx.PodOption{fx.OwnedBy("ReplicaSet", fmt.Sprintf("wl%d-abc", w)), fx.PodLabels("pod-template-hash", "abc")}, opts...)
			pods = append(pods, fx.Pod("shop", fmt.Sprintf("wl%d-abc-%d", w, r), all...))
		}
	}
	return &snapshot.Snapshot{Source: "bench", Nodes: nodes, Pods: pods, Namespaces: []*corev1.Namespace{fx.Namespace("shop")}}
}

// BenchmarkExplain measures a whole why-pending analysis; compare nodes=5000 with nodes=500 from
// the same run (the ratio should stay near 10: linear in nodes).
func BenchmarkExplain(b *testing.B) {
	for _, n := range []int{500, 5000} {
		s := benchCluster(n)
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Explain(s, Selection{AllNamespaces: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestGroupsStayFewAtScale: 5,000 nodes must read in one screen, so the groups stay few.
func TestGroupsStayFewAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("large cluster")
	}
	r, err := Explain(benchCluster(2000), Selection{AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	analysed := 0
	for _, p := range r.Pods {
		if p.AnalysedWith == "" {
			analysed++
		}
	}
	if analysed != 4 || len(r.Pods) != 20 {
		t.Fatalf("want 4 analyses for 20 Pods (identical Pods folded), got %d for %d", analysed, len(r.Pods))
	}
	for _, p := range r.Pods {
		if len(p.Groups) > 6 {
			t.Errorf("%s: %d groups for 2000 nodes", p.Name, len(p.Groups))
		}
	}
}
