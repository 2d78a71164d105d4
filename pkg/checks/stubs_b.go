package checks

// Stubs owned by the "spread and inter-pod affinity" helper; each moves to its own file.

import corev1 "k8s.io/api/core/v1"

// SpreadState is PodTopologySpread's PreFilter state: DoNotSchedule constraints and domain counts.
type SpreadState struct{}

func newSpreadState(ps *PodState, c *Cluster) (*SpreadState, *PreFilterRejection) { return nil, nil }

// withPods returns a copy with pods on node added (delta=+1) or removed (delta=-1); nil stays nil.
func (s *SpreadState) withPods(node *corev1.Node, pods []*corev1.Pod, delta int) *SpreadState {
	return s
}

// AffinityState is InterPodAffinity's PreFilter state.
type AffinityState struct{}

func newAffinityState(ps *PodState, c *Cluster) (*AffinityState, *PreFilterRejection) {
	return nil, nil
}

func (s *AffinityState) withPods(ps *PodState, node *corev1.Node, pods []*corev1.Pod, delta int) *AffinityState {
	return s
}

func CheckPodTopologySpread(ps *PodState, ni *NodeInfo) *Status { return nil }
func CheckInterPodAffinity(ps *PodState, ni *NodeInfo) *Status  { return nil }
