package checks

import corev1 "k8s.io/api/core/v1"

// CheckNodeName mirrors the NodeName filter: spec.nodeName, when set, must name this node.
func CheckNodeName(pod *corev1.Pod, node *corev1.Node) *Status {
	if pod == nil || node == nil || pod.Spec.NodeName == "" || pod.Spec.NodeName == node.Name {
		return nil
	}
	return &Status{
		Plugin:  PluginNodeName,
		Code:    UnschedulableAndUnresolvable,
		Reasons: []string{ReasonNodeName},
		Blockers: []Blocker{{Plugin: PluginNodeName, Kind: KindNodeNameMismatch,
			NodeName: &NodeNameEvidence{Want: pod.Spec.NodeName}}},
	}
}
