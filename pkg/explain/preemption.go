package explain

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// preempt is DefaultPreemption's PostFilter dry run (scheduler-semantics §4.2). Its Message is the
// text the scheduler appends after "no new claims to deallocate, ".
func preempt(ps *checks.PodState, outcomes []nodeOutcome, idx *clusterIndex) Preemption {
	pod := ps.Pod
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == corev1.PreemptNever {
		return Preemption{Outcome: PreemptionNotEligible, Message: "preemption: " + checks.ReasonPreemptionNeverPolicy}
	}
	if nom := pod.Status.NominatedNodeName; nom != "" {
		// A nominated node that is missing or UnschedulableAndUnresolvable lets the Pod preempt again.
		for _, o := range outcomes {
			if o.ni.Node.Name != nom || o.verdict == nil || o.verdict.Code == checks.UnschedulableAndUnresolvable {
				continue
			}
			for _, p := range o.ni.Pods {
				if priorityOf(p) < ps.Priority && terminatingByPreemption(p) {
					return Preemption{Outcome: PreemptionNotEligible, Message: "preemption: " + checks.ReasonPreemptionTerminating}
				}
			}
		}
	}

	// Only nodes whose status is Unschedulable are candidates; all others count as absent. Any
	// candidate means success and no preemption text. Among candidates the scheduler prefers the
	// lowest highest-victim priority, then the lowest priority sum, then the fewest victims (after
	// PodDisruptionBudgets, not modelled), and breaks ties at random.
	var verdicts []*SchedulerVerdict
	var best *nodeOutcome
	var bestVictims []*corev1.Pod
	var bestKey [3]int64
	candidates := 0
	for i, o := range outcomes {
		if o.verdict == nil || o.verdict.Code != checks.Unschedulable {
			continue
		}
		var victims []*corev1.Pod
		for _, p := range o.ni.Pods {
			if priorityOf(p) < ps.Priority {
				victims = append(victims, p)
			}
		}
		if len(victims) == 0 {
			verdicts = append(verdicts, &SchedulerVerdict{Code: checks.UnschedulableAndUnresolvable, Reasons: []string{checks.ReasonNoPreemptionVictims}})
			continue
		}
		ps2, ni2 := ps.WithPodsRemoved(o.ni, victims)
		if st := filterWithNominated(ps2, ni2, idx); len(st) > 0 {
			verdicts = append(verdicts, &SchedulerVerdict{Plugin: st[0].Plugin, Code: st[0].Code, Reasons: st[0].Reasons})
			continue
		}
		candidates++
		if key := victimKey(victims); best == nil || lessKey(key, bestKey) {
			best, bestVictims, bestKey = &outcomes[i], victims, key
		}
	}
	if best != nil {
		var names []string
		for _, v := range reprieve(ps, best.ni, bestVictims, idx) {
			names = append(names, v.Namespace+"/"+v.Name)
		}
		return Preemption{Outcome: PreemptionWouldSucceed, Node: best.ni.Node.Name, Victims: names, Candidates: candidates}
	}
	n := len(outcomes)
	return Preemption{
		Outcome: PreemptionNoCandidates,
		Message: fmt.Sprintf("preemption: 0/%d nodes are available: %s.", n, histogram(verdicts, n-len(verdicts), []string{checks.ReasonPreemptionNotHelpful})),
	}
}

// reprieve keeps as many potential victims as possible, most important first, as
// SelectVictimsOnNode does (PodDisruptionBudgets are not modelled).
func reprieve(ps *checks.PodState, ni *checks.NodeInfo, potential []*corev1.Pod, idx *clusterIndex) []*corev1.Pod {
	sorted := append([]*corev1.Pod(nil), potential...)
	sort.SliceStable(sorted, func(i, j int) bool { return priorityOf(sorted[i]) > priorityOf(sorted[j]) })
	removed := append([]*corev1.Pod(nil), sorted...)
	var victims []*corev1.Pod
	for i, p := range sorted {
		trial := append(append([]*corev1.Pod(nil), victims...), removed[i+1:]...)
		ps2, ni2 := ps.WithPodsRemoved(ni, trial)
		if len(filterWithNominated(ps2, ni2, idx)) > 0 {
			victims = append(victims, p)
		}
	}
	return victims
}

// victimKey orders candidate nodes by their potential victims: highest priority, priority sum, count.
func victimKey(victims []*corev1.Pod) [3]int64 {
	var top, sum int64 = -1 << 31, 0
	for _, v := range victims {
		p := int64(priorityOf(v))
		sum += p
		if p > top {
			top = p
		}
	}
	return [3]int64{top, sum, int64(len(victims))}
}

func lessKey(a, b [3]int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// terminatingByPreemption: a victim the scheduler already evicted and that is still terminating.
func terminatingByPreemption(p *corev1.Pod) bool {
	if p.DeletionTimestamp == nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.DisruptionTarget {
			return c.Status == corev1.ConditionTrue && c.Reason == corev1.PodReasonPreemptionByScheduler
		}
	}
	return false
}
