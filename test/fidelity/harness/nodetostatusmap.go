//go:build k8s129 || k8s130 || k8s131

package harness

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/scheduler/framework"
)

// nodeStatuses reads the FitError's per-node statuses. Before v1.32 a NodeToStatusMap holds the
// explicit ones; an absent node counts as UnschedulableAndUnresolvable, with no plugin or reason.
func nodeStatuses(fe *framework.FitError, nodes []*corev1.Node) map[string]NodeStatus {
	out := make(map[string]NodeStatus, len(nodes))
	for _, n := range nodes {
		s, ok := fe.Diagnosis.NodeToStatusMap[n.Name]
		if !ok {
			out[n.Name] = NodeStatus{Code: framework.UnschedulableAndUnresolvable.String(), Absent: true}
			continue
		}
		out[n.Name] = NodeStatus{
			Plugin:  s.Plugin(),
			Code:    s.Code().String(),
			Reasons: append([]string(nil), s.Reasons()...),
		}
	}
	return out
}
