package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

func TestNodeDeclaredFeatures(t *testing.T) {
	restartAll := func(p *corev1.Pod) {
		p.Spec.Containers[0].RestartPolicyRules = []corev1.ContainerRestartRule{{Action: corev1.ContainerRestartRuleActionRestartAllContainers,
			ExitCodes: &corev1.ContainerRestartRuleOnExitCodes{Operator: corev1.ContainerRestartRuleOnExitCodesOpIn, Values: []int32{42}}}}
	}
	hostNetNoUserNS := func(p *corev1.Pod) {
		f := false
		p.Spec.HostNetwork, p.Spec.HostUsers = true, &f
	}
	declared := func(fs ...string) fixture.NodeOption {
		return func(n *corev1.Node) { n.Status.DeclaredFeatures = fs }
	}
	fail := func(required, missing []string, node []string) *Status {
		return &Status{Plugin: PluginNodeDeclaredFeatures, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonNodeDeclaredFeatures},
			Blockers: []Blocker{{Plugin: PluginNodeDeclaredFeatures, Kind: KindNodeFeatureMissing,
				Features: &FeatureEvidence{Required: required, Missing: missing, Declared: node}}}}
	}
	const restart, userNS = "RestartAllContainersOnContainerExits", "UserNamespacesHostNetworkSupport"
	tests := []struct {
		name string
		pod  *corev1.Pod
		node *corev1.Node
		want *Status
	}{
		{name: "no feature needed", pod: fixture.Pod("ns", "p"), node: fixture.Node("n1")},
		{name: "hostNetwork with host users needs nothing", pod: fixture.Pod("ns", "p", func(p *corev1.Pod) { p.Spec.HostNetwork = true }), node: fixture.Node("n1")},
		{name: "restart rule, declared", pod: fixture.Pod("ns", "p", restartAll), node: fixture.Node("n1", declared(restart))},
		{name: "restart rule, not declared", pod: fixture.Pod("ns", "p", restartAll), node: fixture.Node("n1"),
			want: fail([]string{restart}, []string{restart}, nil)},
		{name: "both, one declared", pod: fixture.Pod("ns", "p", restartAll, hostNetNoUserNS), node: fixture.Node("n1", declared(restart, "Unknown")),
			want: fail([]string{restart, userNS}, []string{userNS}, []string{restart, "Unknown"})},
		{name: "a feature outside the version's registry is not inferred", pod: fixture.Pod("ns", "p", restartAll), node: fixture.Node("n1"),
			want: nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := NodeDeclaredFeatures{Version: "1.36.3", Features: v136NodeFeatures}
			if i == len(tests)-1 {
				pl.Features = []string{userNS}
			}
			cs := newCycleState(tt.pod)
			pl.PreFilter(cs, tt.pod, nil)
			got := pl.Filter(cs, &NodeInfo{Node: tt.node})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
