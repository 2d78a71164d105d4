//go:build k8s129 || k8s130 || k8s131 || k8s132 || k8s133

package harness

import "k8s.io/kubernetes/pkg/scheduler/framework"

// Before v1.34 the framework's Status and CycleState live in k8s.io/kubernetes.
type (
	status     = framework.Status
	cycleState = *framework.CycleState
)
