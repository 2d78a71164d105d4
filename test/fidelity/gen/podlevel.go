package gen

import (
	"math/rand"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// podLevelFraction is the share of cases that get the pod-level resources overlay.
const podLevelFraction = 0.25

// g3 draws the pod-level resources overlay from its own random stream.
type g3 struct {
	c *Case
	r *rand.Rand
}

func (v *g3) chance(p float64) bool { return v.r.Float64() < p }

func ppick[T any](v *g3, xs ...T) T { return xs[v.r.Intn(len(xs))] }

// genPodLevel gives the Pending Pod and some bound Pods spec.resources.requests (PodLevelResources,
// beta and on in 1.36) for cpu, memory or both, each at least the containers' aggregate request
// as API validation demands. Some bound Pods also carry a pod-level in-place resize in their
// status (actuated and allocated requests, sometimes an infeasible PodResizePending condition),
// which the scheduler's cache counts (InPlacePodLevelResourcesVerticalScaling, beta and on).
func (v *g3) genPodLevel() {
	for _, p := range v.c.Pods {
		pending := p == v.c.Pending
		if !v.chance(map[bool]float64{true: 0.6, false: 0.4}[pending]) {
			continue
		}
		v.podLevelRequests(p)
		if !pending && v.chance(0.5) {
			v.podLevelResize(p)
		}
	}
}

// podLevelRequests sets pod-level requests: the aggregate container request plus a margin.
func (v *g3) podLevelRequests(p *corev1.Pod) {
	agg := resourcehelper.AggregateContainerRequests(p, resourcehelper.PodResourcesOptions{})
	req := corev1.ResourceList{}
	which := v.r.Intn(3) // 0 cpu, 1 memory, 2 both
	if which != 1 {
		q := agg[corev1.ResourceCPU].DeepCopy()
		q.Add(resource.MustParse(ppick(v, "0", "0", "100m", "500m", "1", "2")))
		req[corev1.ResourceCPU] = q
	}
	if which != 0 {
		q := agg[corev1.ResourceMemory].DeepCopy()
		q.Add(resource.MustParse(ppick(v, "0", "0", "128Mi", "1Gi", "2Gi")))
		req[corev1.ResourceMemory] = q
	}
	p.Spec.Resources = &corev1.ResourceRequirements{Requests: req}
}

// podLevelResize records a pod-level resize in the status: the actuated requests (what runs) and
// the allocated ones differ from the spec.
func (v *g3) podLevelResize(p *corev1.Pod) {
	actuated, allocated := corev1.ResourceList{}, corev1.ResourceList{}
	for name, q := range p.Spec.Resources.Requests {
		step := resource.MustParse(ppick(v, "500m", "1"))
		if name == corev1.ResourceMemory {
			step = resource.MustParse(ppick(v, "512Mi", "1Gi"))
		}
		a := q.DeepCopy()
		switch v.r.Intn(4) {
		case 0, 1:
			a.Add(step) // shrinking: still running with more
		case 2:
			if a.Cmp(step) > 0 {
				a.Sub(step) // growing: still running with less
			}
		}
		actuated[name] = a
		if v.chance(0.5) {
			allocated[name] = q.DeepCopy()
		} else {
			allocated[name] = a.DeepCopy()
		}
	}
	p.Status.Resources = &corev1.ResourceRequirements{Requests: actuated}
	p.Status.AllocatedResources = allocated
	if v.chance(0.3) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodResizePending,
			Status: corev1.ConditionTrue, Reason: corev1.PodReasonInfeasible})
	}
}
