package snapshot

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ControllerOf is the workload a Pod belongs to: its controller, lifted from a ReplicaSet to its
// Deployment when the ReplicaSet is named after the Deployment plus the Pod's pod-template-hash.
// ok is false for a Pod without a controller.
func ControllerOf(p *corev1.Pod) (kind, name string, ok bool) {
	ref := metav1.GetControllerOf(p)
	if ref == nil {
		return "", "", false
	}
	if ref.Kind == "ReplicaSet" {
		if h := p.Labels["pod-template-hash"]; h != "" && strings.HasSuffix(ref.Name, "-"+h) {
			return "Deployment", strings.TrimSuffix(ref.Name, "-"+h), true
		}
	}
	return ref.Kind, ref.Name, true
}
