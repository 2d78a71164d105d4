package explain

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	fx "github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

func explainOne(t *testing.T, nodes []*corev1.Node, pods ...*corev1.Pod) PodReport {
	t.Helper()
	r, err := Explain(snap(nodes, pods...), Selection{Namespace: ns, Names: []string{"p"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.Pods[0]
}

func fixOf(pr PodReport, kind checks.BlockerKind) *Fix {
	for i := range pr.Fixes {
		if pr.Fixes[i].Kind == kind {
			return &pr.Fixes[i]
		}
	}
	return nil
}

// A cordon and its taint are one cause: uncordoning alone is enough, and says so.
func TestVerifyUncordonIsOneCause(t *testing.T) {
	pr := explainOne(t, []*corev1.Node{
		fx.Node("b1", fx.Cordoned(), fx.Taint(corev1.TaintNodeUnschedulable, "", corev1.TaintEffectNoSchedule), fx.Labels("pool", "batch")),
		fx.Node("w1", fx.Labels("pool", "web")),
	}, fx.Pod(ns, "p", fx.NodeSelector("pool", "batch")))
	f := pr.Fixes[0]
	if f.Kind != checks.KindCordoned || !f.Sufficient || f.Outcome == nil || f.Outcome.Schedulable != 1 || f.Outcome.SchedulesOn[0] != "b1" {
		t.Fatalf("first fix %+v (outcome %+v), want a sufficient uncordon of b1", f, f.Outcome)
	}
	if pr.Closest[0].Name != "b1" || pr.Closest[0].Blockers != 1 {
		t.Errorf("closest %+v, want b1 with 1 blocker", pr.Closest)
	}
	if f.Command != "kubectl uncordon b1" {
		t.Errorf("command %q", f.Command)
	}
}

// Nodes labelled for the Pod's selector but tainted: the toleration comes first, and no node of
// another pool is relabelled (the 5,000-node dedicated=db case in small).
func TestVerifyDedicatedPoolTolerationFirst(t *testing.T) {
	pr := explainOne(t, []*corev1.Node{
		fx.Node("db1", fx.Labels("dedicated", "db"), fx.Taint("dedicated", "db", corev1.TaintEffectNoSchedule)),
		fx.Node("db2", fx.Labels("dedicated", "db"), fx.Taint("dedicated", "db", corev1.TaintEffectNoSchedule)),
		fx.Node("n1"), fx.Node("n2", fx.Labels("dedicated", "web")),
	}, fx.Pod(ns, "p", fx.NodeSelector("dedicated", "db")))
	f := pr.Fixes[0]
	if f.Kind != checks.KindUntoleratedTaint || f.Action != ActionAddToleration || !f.Sufficient || f.Outcome.Schedulable != 2 {
		t.Fatalf("first fix %+v, want the toleration, enough for db1 and db2", f)
	}
	sel := fixOf(pr, checks.KindNodeSelectorMismatch)
	for _, a := range sel.Alternatives {
		if a == ActionLabelNode {
			t.Errorf("labelling offered for a dedicated pool: %+v", sel)
		}
	}
	if pr.Closest[0].Name != "db1" {
		t.Errorf("closest %+v, want db1 first (the Pod's own pool)", pr.Closest)
	}
	if pr.Plan == nil || len(pr.Plan.Fixes) != 1 || pr.Plan.Fixes[0] != 0 {
		t.Errorf("plan %+v, want the first fix", pr.Plan)
	}
}

// No single fix is enough: the plan combines them, and ApplyPlan's cluster really fits the Pod.
func TestVerifyPlanCombines(t *testing.T) {
	nodes := []*corev1.Node{fx.Node("n1", fx.Labels("pool", "gpu"), fx.Taint("gpu", "yes", corev1.TaintEffectNoSchedule), fx.Cordoned())}
	pod := fx.Pod(ns, "p", fx.NodeSelector("pool", "gpu"))
	pr := explainOne(t, nodes, pod)
	for _, f := range pr.Fixes {
		if f.Sufficient {
			t.Fatalf("%s claimed enough alone", f.Kind)
		}
	}
	if pr.Plan == nil || len(pr.Plan.Fixes) != 2 || pr.Plan.Outcome.Schedulable != 1 {
		t.Fatalf("plan %+v, want uncordon and the toleration together", pr.Plan)
	}
	changed, _, err := ApplyPlan(snap(nodes, pod), Selection{Namespace: ns, Names: []string{"p"}})
	if err != nil || changed == nil {
		t.Fatalf("apply plan: %v %v", changed, err)
	}
	r, err := Explain(changed, Selection{Namespace: ns, Names: []string{"p"}})
	if err != nil || r.Pods[0].Status != StatusSchedulable {
		t.Fatalf("after the plan: %v %+v", err, r.Pods[0].Status)
	}
}

// A Pod that may not preempt: evicting named lower-priority Pods is verified to make room.
func TestVerifyEviction(t *testing.T) {
	two := func(p *corev1.Pod) { // two containers: lowering "the" request is not one patch
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side"})
	}
	pr := explainOne(t, []*corev1.Node{fx.Node("n1")},
		fx.Pod(ns, "low", fx.On("n1"), fx.Requests("cpu", "3"), fx.Priority(0)),
		fx.Pod(ns, "p", fx.Requests("cpu", "2"), fx.Priority(100), never, two))
	f := fixOf(pr, checks.KindInsufficientResource)
	if f == nil || f.Outcome == nil || f.Outcome.Action != ActionFreeCapacity || !f.Sufficient ||
		len(f.Outcome.Evicted) != 1 || f.Outcome.Evicted[0] != ns+"/low" {
		t.Fatalf("resource fix %+v (outcome %+v), want evicting %s/low to be enough", f, f.Outcome, ns)
	}
}
