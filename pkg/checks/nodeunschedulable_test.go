package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

func TestCheckNodeUnschedulable(t *testing.T) {
	const key = corev1.TaintNodeUnschedulable
	blocked := &Status{Plugin: PluginNodeUnschedulable, Code: UnschedulableAndUnresolvable,
		Reasons: []string{ReasonUnschedulable}, Blockers: []Blocker{{Plugin: PluginNodeUnschedulable, Kind: KindCordoned}}}
	tests := []struct {
		name string
		node *corev1.Node
		pod  *corev1.Pod
		want *Status
	}{
		{name: "schedulable node", node: fixture.Node("n1"), pod: fixture.Pod("ns", "p")},
		{name: "cordoned", node: fixture.Node("n1", fixture.Cordoned()), pod: fixture.Pod("ns", "p"), want: blocked},
		{name: "Exists on the key", node: fixture.Node("n1", fixture.Cordoned()),
			pod: fixture.Pod("ns", "p", fixture.Tolerate(key, corev1.TolerationOpExists, "", ""))},
		{name: "Exists on the key, NoSchedule", node: fixture.Node("n1", fixture.Cordoned()),
			pod: fixture.Pod("ns", "p", fixture.Tolerate(key, corev1.TolerationOpExists, "", corev1.TaintEffectNoSchedule))},
		{name: "Exists everything", node: fixture.Node("n1", fixture.Cordoned()),
			pod: fixture.Pod("ns", "p", fixture.Tolerate("", corev1.TolerationOpExists, "", ""))},
		{name: "NoExecute effect does not tolerate", node: fixture.Node("n1", fixture.Cordoned()),
			pod: fixture.Pod("ns", "p", fixture.Tolerate(key, corev1.TolerationOpExists, "", corev1.TaintEffectNoExecute)), want: blocked},
		{name: "Equal with a value does not tolerate the empty value", node: fixture.Node("n1", fixture.Cordoned()),
			pod: fixture.Pod("ns", "p", fixture.Tolerate(key, corev1.TolerationOpEqual, "true", "")), want: blocked},
		{name: "nil node", pod: fixture.Pod("ns", "p")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, CheckNodeUnschedulable(tt.pod, tt.node)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
