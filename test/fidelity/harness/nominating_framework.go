//go:build k8s129 || k8s130 || k8s131 || k8s132 || k8s133 || k8s134

package harness

import "k8s.io/kubernetes/pkg/scheduler/framework"

type nominatingInfo = framework.NominatingInfo
