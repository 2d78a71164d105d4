package gen

import (
	"fmt"
	"math/rand"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// nominatedFraction is the share of cases that get the nominated-pods overlay.
const nominatedFraction = 0.25

// genNominated adds one or two other Pending Pods with status.nominatedNodeName (as preemption
// leaves them while their victims terminate). The scheduler's nominator adds those of equal or
// higher priority to their node before filtering, so they take cpu, memory, Pod slots and host
// ports, count for spread and inter-pod (anti-)affinity. Some are of lower priority (ignored),
// nominated to a node that does not exist, gated (not in the nominator), of another scheduler
// (not in the queue), or being deleted (still nominated). The draws come from r, a stream of
// their own.
func (g *g) genNominated(r *rand.Rand) {
	main := g.r
	g.r = r
	defer func() { g.r = main }()

	created := metav1.NewTime(time.Date(2026, 1, 2, 3, 30, 0, 0, time.UTC))
	var added []*corev1.Pod
	for i := 1 + g.r.Intn(2); i > 0; i-- {
		ns := g.pendingNS
		if g.chance(0.2) {
			ns = pick(g, g.namespaces...)
		}
		p := g.basePod(fmt.Sprintf("nominated%d", len(added)+1), ns)
		if g.chance(0.6) {
			p.Labels = map[string]string{}
			for k, v := range g.pendingLabels {
				p.Labels[k] = v
			}
		}
		p.CreationTimestamp = created
		c := corev1.Container{Name: "app", Image: "registry.example/app:1",
			Resources: g.requests([]string{"0", "250m", "500m", "1", "2"}, []string{"0", "512Mi", "1Gi", "2Gi"}, 0.15)}
		if g.chance(0.3) {
			c.Ports = g.hostPorts()
		}
		p.Spec.Containers = []corev1.Container{c}
		if g.chance(0.2) {
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{g.podAffinityTerm(p)}}}
		}
		g.setPriority(p, false)
		node := "n9" // no such node
		if len(g.c.Nodes) > 0 && !g.chance(0.05) {
			node = pick(g, g.c.Nodes...).Name
		}
		p.Status = corev1.PodStatus{Phase: corev1.PodPending, NominatedNodeName: node,
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}}
		switch x := g.r.Float64(); {
		case x < 0.05:
			p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/hold"}}
		case x < 0.1:
			p.Spec.SchedulerName = "other-scheduler"
		case x < 0.15:
			p.DeletionTimestamp = ptr(metav1.NewTime(created.Add(time.Hour)))
			p.DeletionGracePeriodSeconds = ptr(int64(30))
			p.Finalizers = []string{"example.com/hold"}
		}
		added = append(added, p)
	}
	// Before the Pod under test, which stays last.
	pods := g.c.Pods[: len(g.c.Pods)-1 : len(g.c.Pods)-1]
	g.c.Pods = append(append(pods, added...), g.c.Pending)
}
