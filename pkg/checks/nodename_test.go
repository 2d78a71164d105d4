package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

func TestCheckNodeName(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want *Status
	}{
		{name: "no nodeName", pod: fixture.Pod("ns", "p")},
		{name: "this node", pod: fixture.Pod("ns", "p", fixture.On("n1"))},
		{name: "another node", pod: fixture.Pod("ns", "p", fixture.On("n2")), want: &Status{
			Plugin: PluginNodeName, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonNodeName},
			Blockers: []Blocker{{Plugin: PluginNodeName, Kind: KindNodeNameMismatch, NodeName: &NodeNameEvidence{Want: "n2"}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, CheckNodeName(tt.pod, fixture.Node("n1"))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
