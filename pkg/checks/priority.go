package checks

import (
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// PriorityResolver fills spec.priority from PriorityClasses as the Priority admission plugin does
// (hand-written snapshots and Pods built from templates skip admission).
type PriorityResolver struct {
	values map[string]int32
	def    *int32
}

// NewPriorityResolver indexes the PriorityClasses.
func NewPriorityResolver(classes []*schedulingv1.PriorityClass) *PriorityResolver {
	r := &PriorityResolver{values: map[string]int32{}}
	for _, pc := range classes {
		r.values[pc.Name] = pc.Value
		if pc.GlobalDefault {
			v := pc.Value
			r.def = &v
		}
	}
	return r
}

// Priority is what admission would set for a Pod without spec.priority: its class's value, the
// global default without a class, nil when unknown.
func (r *PriorityResolver) Priority(p *corev1.Pod) *int32 {
	if val, ok := r.values[p.Spec.PriorityClassName]; ok {
		return &val
	}
	if p.Spec.PriorityClassName == "" {
		return r.def
	}
	return nil
}

// WithResolvedPriorities is s with spec.priority filled where a Pod lacks it. Pods are copied, not
// changed; s itself is returned when nothing changes.
func WithResolvedPriorities(s *snapshot.Snapshot) *snapshot.Snapshot {
	r := NewPriorityResolver(s.PriorityClasses)
	var pods []*corev1.Pod
	for i, p := range s.Pods {
		if p.Spec.Priority != nil {
			continue
		}
		v := r.Priority(p)
		if v == nil {
			continue
		}
		if pods == nil {
			pods = append([]*corev1.Pod(nil), s.Pods...)
		}
		cp := p.DeepCopy()
		cp.Spec.Priority = v
		pods[i] = cp
	}
	if pods == nil {
		return s
	}
	out := *s
	out.Pods = pods
	return &out
}
