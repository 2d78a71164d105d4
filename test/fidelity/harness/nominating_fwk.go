//go:build k8s135

package harness

import fwk "k8s.io/kube-scheduler/framework"

// v1.35 moved NominatingInfo to k8s.io/kube-scheduler/framework.
type nominatingInfo = fwk.NominatingInfo
