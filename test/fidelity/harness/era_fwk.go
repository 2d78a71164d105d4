//go:build !(k8s129 || k8s130 || k8s131 || k8s132 || k8s133)

package harness

import fwk "k8s.io/kube-scheduler/framework"

// From v1.34 the framework's interfaces and Status live in k8s.io/kube-scheduler/framework.
type (
	status     = fwk.Status
	cycleState = fwk.CycleState
)
