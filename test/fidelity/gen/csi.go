package gen

import (
	"math/rand"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// csiFraction is the share of cases that get the node-features and CSI overlay.
const csiFraction = 0.3

// g4 draws the node-features and CSI overlay from its own random stream.
type g4 struct {
	c *Case
	r *rand.Rand
}

func (v *g4) chance(p float64) bool { return v.r.Float64() < p }

// genCSI adds what NodeDeclaredFeatures reads: nodes' status.declaredFeatures and a Pending Pod
// whose spec needs some of them.
func (v *g4) genCSI() {
	v.genDeclaredFeatures()
}

// nodeFeatures are features a 1.36 kubelet may declare; the first two are what a Pod can need.
var nodeFeatures = []string{"RestartAllContainersOnContainerExits", "UserNamespacesHostNetworkSupport",
	"InPlacePodVerticalScalingInitContainers"}

// genDeclaredFeatures gives each node a random (sorted, as the kubelet writes it) subset of
// nodeFeatures, and the Pending Pod a restartPolicyRules action RestartAllContainers and/or
// hostNetwork with hostUsers: false.
func (v *g4) genDeclaredFeatures() {
	for _, n := range v.c.Nodes {
		var fs []string
		for _, f := range nodeFeatures {
			if v.chance(0.6) {
				fs = append(fs, f)
			}
		}
		sort.Strings(fs)
		n.Status.DeclaredFeatures = fs
	}
	p := v.c.Pending
	if v.chance(0.5) {
		c := &p.Spec.Containers[len(p.Spec.Containers)-1]
		c.RestartPolicyRules = []corev1.ContainerRestartRule{{Action: corev1.ContainerRestartRuleActionRestartAllContainers,
			ExitCodes: &corev1.ContainerRestartRuleOnExitCodes{Operator: corev1.ContainerRestartRuleOnExitCodesOpIn, Values: []int32{42}}}}
	}
	if v.chance(0.4) {
		f := false
		p.Spec.HostNetwork, p.Spec.HostUsers = true, &f
	}
}
