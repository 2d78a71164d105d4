//go:build k8s129

package harness

import corev1 "k8s.io/api/core/v1"

// Version is the minor of the kube-scheduler this build of the harness runs.
const Version = "1.29"

// podsInActiveQ: v1.29's queue cannot list its activeQ alone; every pending Pod bounds the pops.
func podsInActiveQ(q interface {
	PendingPods() ([]*corev1.Pod, string)
}) []*corev1.Pod {
	pods, _ := q.PendingPods()
	return pods
}
