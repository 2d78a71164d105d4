package spread

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// The next replica goes through the same cycle as why-pending: a Pending Pod nominated to b1 at
// a priority at least the replica's holds its room there; a lower-priority one does not.
func TestNextReplicaHonoursNominatedPods(t *testing.T) {
	nodes := []*corev1.Node{
		fixture.Node("a1", fixture.Zone("a"), fixture.Allocatable("cpu", "2")),
		fixture.Node("b1", fixture.Zone("b"), fixture.Allocatable("cpu", "2")),
	}
	classes := []*schedulingv1.PriorityClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000},
		{ObjectMeta: metav1.ObjectMeta{Name: "low"}, Value: -1},
	}
	nominated := func(class string) *corev1.Pod {
		p := fixture.Pod("shop", "batch", fixture.Requests("cpu", "2"))
		p.Spec.PriorityClassName = class // resolved from the PriorityClass, as admission would
		p.Status.NominatedNodeName = "b1"
		return p
	}
	tests := []struct {
		name  string
		extra []*corev1.Pod
		want  []string
	}{
		{name: "no nominated Pod", want: []string{"a1", "b1"}},
		{name: "higher-priority Pod nominated to b1", extra: []*corev1.Pod{nominated("high")}, want: []string{"a1"}},
		{name: "equal-priority Pod nominated to b1", extra: []*corev1.Pod{nominated("")}, want: []string{"a1"}},
		{name: "lower-priority Pod nominated to b1", extra: []*corev1.Pod{nominated("low")}, want: []string{"a1", "b1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pods := append([]*corev1.Pod{replica("web-1", "a1", fixture.Requests("cpu", "1"))}, tt.extra...)
			snap := &snapshot.Snapshot{Source: "test", Nodes: nodes, Pods: pods, PriorityClasses: classes,
				Namespaces: []*corev1.Namespace{fixture.Namespace("shop")}}
			w, err := FromPods(snap, KindDeployment, "shop", "web")
			if err != nil {
				t.Fatal(err)
			}
			r, err := Analyze(snap, w)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, r.NextReplica.Nodes); d != "" {
				t.Errorf("next replica nodes (-want +got):\n%s", d)
			}
		})
	}
}
