package checks

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

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

// NodeName is the NodeName plugin.
type NodeName struct{}

func (NodeName) Name() string { return PluginNodeName }

func (NodeName) PreFilter(*CycleState, *corev1.Pod, *Cluster) (sets.Set[string], *PreFilterRejection) {
	return nil, nil
}

// SamePodInput: the Pod's spec.nodeName.
func (NodeName) SamePodInput(a, b *corev1.Pod) bool { return a.Spec.NodeName == b.Spec.NodeName }

func (NodeName) Filter(cs *CycleState, ni *NodeInfo) *Status { return CheckNodeName(cs.Pod, ni.Node) }
