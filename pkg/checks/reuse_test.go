package checks

import (
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fx "github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// indexCluster: Pods of three namespaces over four nodes in two zones (one tainted), some with
// anti-affinity.
func indexCluster() *snapshot.Snapshot {
	s := &snapshot.Snapshot{Namespaces: []*corev1.Namespace{fx.Namespace("a", "team", "x"), fx.Namespace("b", "team", "x"), fx.Namespace("c")}}
	for i := 0; i < 4; i++ {
		name := fmt.Sprintf("n%d", i)
		opts := []fx.NodeOption{fx.Zone([]string{"z1", "z2"}[i%2])}
		if i == 3 {
			opts = append(opts, fx.Taint("k", "v", corev1.TaintEffectNoSchedule))
		}
		s.Nodes = append(s.Nodes, fx.Node(name, opts...))
		for j, ns := range []string{"c", "a", "b", "a"} {
			opts := []fx.PodOption{fx.On(name), fx.PodLabels("app", []string{"web", "db"}[(i+j)%2])}
			if j == 2 {
				opts = append(opts, fx.AntiAffinity("kubernetes.io/hostname", map[string]string{"app": "web"}))
			}
			s.Pods = append(s.Pods, fx.Pod(ns, fmt.Sprintf("p%d-%d", i, j), opts...))
		}
	}
	return s
}

// TestAffinityNamespaceIndex: reading only the terms' namespaces' Pods through the index gives
// the state a walk over every Pod gives, evidence order included.
func TestAffinityNamespaceIndex(t *testing.T) {
	web := map[string]string{"app": "web"}
	withNS := func(term corev1.PodAffinityTerm, sel *metav1.LabelSelector, names ...string) corev1.PodAffinityTerm {
		term.NamespaceSelector, term.Namespaces = sel, names
		return term
	}
	pods := map[string]*corev1.Pod{
		"own namespace":        fx.Pod("a", "in", fx.Affinity(zoneKey, web), fx.AntiAffinity("kubernetes.io/hostname", web)),
		"two namespaces":       fx.Pod("a", "in", fx.PodAntiAffinityTerm(withNS(term(zoneKey, web), nil, "b", "c"))),
		"namespace selector":   fx.Pod("c", "in", fx.PodAffinityTerm(withNS(term(zoneKey, web), &metav1.LabelSelector{MatchLabels: map[string]string{"team": "x"}}))),
		"every namespace ({})": fx.Pod("c", "in", fx.PodAntiAffinityTerm(withNS(term(zoneKey, web), &metav1.LabelSelector{}))),
		"existing terms only":  fx.Pod("a", "in", fx.PodLabels("app", "web")),
	}
	c := NewCluster(indexCluster())
	full := *c
	full.podsByNamespace = nil
	for name, pod := range pods {
		indexed, rej := newAffinityState(pod, c, false)
		walked, rej2 := newAffinityState(pod, &full, false)
		if rej != nil || rej2 != nil {
			t.Fatalf("%s: rejected: %v %v", name, rej, rej2)
		}
		if !reflect.DeepEqual(indexed, walked) {
			t.Errorf("%s: the namespace index gives another state:\nindexed %+v\nwalked  %+v", name, indexed, walked)
		}
	}
}

// TestPlaceKeepsNamespaceIndex: a Pod placed (what-if) is found through the index.
func TestPlaceKeepsNamespaceIndex(t *testing.T) {
	c := NewCluster(indexCluster())
	shared := c.Derive(ClusterEdit{}) // shares the index: Place must not change it
	before := len(shared.podsByNamespace["c"])
	c.Place(fx.Pod("c", "placed", fx.PodLabels("app", "web")), "n1")
	fresh := *c
	fresh.indexPodsByNamespace()
	if !reflect.DeepEqual(c.podsByNamespace, fresh.podsByNamespace) {
		t.Errorf("index after Place:\n%v\nwant %v", c.podsByNamespace, fresh.podsByNamespace)
	}
	if len(shared.podsByNamespace["c"]) != before {
		t.Error("Place changed the index of a cluster derived before it")
	}
}

// TestPreFilterReuse: a cycle of a changed copy of the Pod, or over a derived cluster, keeps a
// plugin's PreFilter state only when nothing it reads changed, takes node statuses from the
// earlier cycle only for plugins whose Pod input is unchanged, and equals a cycle computed afresh.
func TestPreFilterReuse(t *testing.T) {
	c := NewCluster(indexCluster())
	pod := fx.Pod("a", "in", fx.PodLabels("app", "web"), fx.AntiAffinity(zoneKey, map[string]string{"app": "db"}),
		fx.Spread(zoneKey, 1, map[string]string{"app": "web"}))
	first := RunCycle(DefaultProfile, c, pod, CycleOptions{})
	if first.State == nil {
		t.Fatal("no state")
	}
	tolerating := pod.DeepCopy()
	tolerating.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
	relabelled := pod.DeepCopy()
	relabelled.Labels["app"] = "db"
	n0 := c.Node("n0").Node.DeepCopy()
	n0.Spec.Taints = nil
	n0.Labels["extra"] = "1"
	relabelledCopy := c.Node("n2").Pods[1].DeepCopy()
	relabelledCopy.Labels["app"] = "web"
	tainted := c.Node("n1").Node.DeepCopy()
	tainted.Spec.Taints = []corev1.Taint{{Key: "k", Effect: corev1.TaintEffectNoSchedule}}
	tests := []struct {
		name             string
		pod              *corev1.Pod
		cluster          *Cluster
		affinity, spread bool // state kept
	}{
		{"same Pod, same cluster", pod, c, true, true},
		{"toleration added", tolerating, c, true, false},
		{"labels changed", relabelled, c, false, false},
		{"node relabelled", pod, c.Derive(ClusterEdit{Nodes: map[string]*corev1.Node{"n0": n0}}), false, false},
		{"node tainted", pod, c.Derive(ClusterEdit{Nodes: map[string]*corev1.Node{"n1": tainted}}), true, false},
		{"node added", pod, c.Derive(ClusterEdit{Add: []*corev1.Node{fx.Node("n9", fx.Zone("z3"))}}), true, false},
		// Adjusted by RemovePods/AddPods: a new state, equal to one computed afresh.
		{"Pod evicted", pod, c.Derive(ClusterEdit{Evict: c.Node("n2").Pods[1:2]}), false, false},
		{"Pod replaced by a relabelled copy", pod, c.Derive(ClusterEdit{Evict: c.Node("n2").Pods[1:2], Bind: []*corev1.Pod{relabelledCopy}}), false, false},
		{"another cluster", pod, NewCluster(indexCluster()), false, false},
	}
	for _, tt := range tests {
		// Every blocker everywhere, and (as verification filters most nodes) first failures only.
		for _, firstOnly := range []bool{false, true} {
			opts := CycleOptions{SkipPostFilter: true}
			if firstOnly {
				opts.AllBlockersOn = func(string) bool { return false }
			}
			fresh := RunCycle(DefaultProfile, tt.cluster, tt.pod, opts)
			opts.Earlier = first
			reused := RunCycle(DefaultProfile, tt.cluster, tt.pod, opts)
			reused.State, fresh.State = nil, nil
			if !reflect.DeepEqual(reused, fresh) {
				t.Errorf("%s (first failures only: %v): the earlier cycle gives another cycle:\nreused %+v\nfresh  %+v", tt.name, firstOnly, reused, fresh)
			}
		}
		again := RunCycle(DefaultProfile, tt.cluster, tt.pod, CycleOptions{Earlier: first})
		for plugin, want := range map[string]bool{PluginInterPodAffinity: tt.affinity, PluginPodTopologySpread: tt.spread} {
			kept := again.State.data[plugin] == first.State.data[plugin]
			if kept != want {
				t.Errorf("%s: %s state kept %v, want %v", tt.name, plugin, kept, want)
			}
		}
	}
}
