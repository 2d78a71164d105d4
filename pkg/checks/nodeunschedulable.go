package checks

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/sets"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
)

// unschedulableTaint is what NodeUnschedulable checks tolerations against for spec.unschedulable.
var unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}

// CheckNodeUnschedulable mirrors the NodeUnschedulable filter: a cordoned node rejects the Pod
// unless it tolerates node.kubernetes.io/unschedulable:NoSchedule.
func CheckNodeUnschedulable(pod *corev1.Pod, node *corev1.Node) *Status {
	if pod == nil || node == nil || !node.Spec.Unschedulable {
		return nil
	}
	if corev1helpers.TolerationsTolerateTaint(logger, pod.Spec.Tolerations, &unschedulableTaint, comparisonOperators) {
		return nil
	}
	return &Status{
		Plugin:   PluginNodeUnschedulable,
		Code:     UnschedulableAndUnresolvable,
		Reasons:  []string{ReasonUnschedulable},
		Blockers: []Blocker{{Plugin: PluginNodeUnschedulable, Kind: KindCordoned}},
	}
}

// NodeUnschedulable is the NodeUnschedulable plugin.
type NodeUnschedulable struct{}

func (NodeUnschedulable) Name() string { return PluginNodeUnschedulable }

func (NodeUnschedulable) PreFilter(*CycleState, *corev1.Pod, *Cluster) (sets.Set[string], *PreFilterRejection) {
	return nil, nil
}

// SamePodInput: the Pod's tolerations.
func (NodeUnschedulable) SamePodInput(a, b *corev1.Pod) bool {
	return equality.Semantic.DeepEqual(a.Spec.Tolerations, b.Spec.Tolerations)
}

func (NodeUnschedulable) Filter(cs *CycleState, ni *NodeInfo) *Status {
	return CheckNodeUnschedulable(cs.Pod, ni.Node)
}
