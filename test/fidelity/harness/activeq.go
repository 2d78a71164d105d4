//go:build k8s130 || k8s131 || k8s132 || k8s133 || k8s134 || k8s135

package harness

import corev1 "k8s.io/api/core/v1"

func podsInActiveQ(q interface{ PodsInActiveQ() []*corev1.Pod }) []*corev1.Pod {
	return q.PodsInActiveQ()
}
