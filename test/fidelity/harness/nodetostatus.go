//go:build !(k8s129 || k8s130 || k8s131)

package harness

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/scheduler/framework"
)

// nodeStatuses reads the FitError's per-node statuses. From v1.32 a NodeToStatus holds the
// explicit ones and one status for every absent node.
func nodeStatuses(fe *framework.FitError, nodes []*corev1.Node) map[string]NodeStatus {
	out := make(map[string]NodeStatus, len(nodes))
	explicit := map[string]bool{}
	fe.Diagnosis.NodeToStatus.ForEachExplicitNode(func(n string, _ *status) { explicit[n] = true })
	for _, n := range nodes {
		s := fe.Diagnosis.NodeToStatus.Get(n.Name)
		out[n.Name] = NodeStatus{
			Plugin:  s.Plugin(),
			Code:    s.Code().String(),
			Reasons: append([]string(nil), s.Reasons()...),
			Absent:  !explicit[n.Name],
		}
	}
	return out
}
