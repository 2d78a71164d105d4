package checks

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
)

// Preemption outcomes.
const (
	PreemptionNotEligible  = "NotEligible"  // preemptionPolicy Never, or victims still terminating
	PreemptionNoCandidates = "NoCandidates" // no node would fit even after evicting lower-priority Pods
	PreemptionWouldSucceed = "WouldSucceed" // evicting Victims on Node would make room
	PreemptionNotAttempted = "NotAttempted" // the Pod fits, or the cycle ended before PostFilter
)

// Preemption is the dry run of DefaultPreemption.
type Preemption struct {
	Outcome string `json:"outcome"`
	// Message is the PostFilter text the scheduler appends (after DynamicResources' text).
	Message string `json:"message,omitempty"`
	// Node and Victims (namespace/name), when preemption would succeed: the likeliest choice
	// among Candidates nodes.
	Node       string   `json:"node,omitempty"`
	Victims    []string `json:"victims,omitempty"`
	Candidates int      `json:"candidates,omitempty"`
	// Tied are the other candidates exactly as good as Node: the scheduler picks one of them
	// and Node at random.
	Tied []string `json:"tied,omitempty"`
	// Failed: a plugin's Error status ended the dry run; the PostFilter text is then Message alone.
	Failed bool `json:"failed,omitempty"`
}

func priorityOf(p *corev1.Pod) int32 { return corev1helpers.PodPriority(p) }

// preempt is DefaultPreemption's PostFilter dry run (scheduler-semantics §4.2); verdicts are the
// main cycle's, aligned with c.Nodes.
func (p *Profile) preempt(cs *CycleState, c *Cluster, verdicts []*Verdict) Preemption {
	pod := cs.Pod
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == corev1.PreemptNever {
		return Preemption{Outcome: PreemptionNotEligible, Message: "preemption: " + ReasonPreemptionNeverPolicy}
	}
	if nom := pod.Status.NominatedNodeName; nom != "" {
		// A nominated node that is missing or UnschedulableAndUnresolvable lets the Pod preempt again.
		for i, ni := range c.Nodes {
			if ni.Node.Name != nom || verdicts[i] == nil || verdicts[i].Code == UnschedulableAndUnresolvable {
				continue
			}
			for _, v := range ni.Pods {
				if priorityOf(v) < cs.Priority && terminatingByPreemption(v) {
					return Preemption{Outcome: PreemptionNotEligible, Message: "preemption: " + ReasonPreemptionTerminating}
				}
			}
		}
	}

	// Only nodes whose status is Unschedulable are candidates; all others count as absent. Any
	// candidate means success and no preemption text. Among candidates the scheduler prefers the
	// lowest highest-victim priority, then the lowest priority sum, then the fewest victims (after
	// PodDisruptionBudgets, not modelled), and breaks ties at random.
	var again []*Verdict
	type candidate struct {
		ni      *NodeInfo
		victims []*corev1.Pod
		key     [3]int64
	}
	var cands []candidate
	for i, ni := range c.Nodes {
		if verdicts[i] == nil || verdicts[i].Code != Unschedulable {
			continue
		}
		var potential []*corev1.Pod
		for _, v := range ni.Pods {
			if priorityOf(v) < cs.Priority {
				potential = append(potential, v)
			}
		}
		if len(potential) == 0 {
			again = append(again, &Verdict{Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonNoPreemptionVictims}})
			continue
		}
		cs2, ni2 := p.withPods(cs, ni, potential, false)
		if _, st := p.filterWithNominated(cs2, ni2, c, p.filterFirst); st != nil {
			if st.Code == Error {
				// A plugin's internal error (DynamicResources' CEL runtime error) ends the dry run.
				return Preemption{Outcome: PreemptionNoCandidates, Failed: true,
					Message: fmt.Sprintf("preemption: running %q filter plugin: %s", st.Plugin, strings.Join(st.Reasons, ", "))}
			}
			again = append(again, &Verdict{Plugin: st.Plugin, Code: st.Code, Reasons: st.Reasons})
			continue
		}
		// The scheduler ranks candidates by the victims left after the reprieve.
		victims := p.reprieve(cs2, ni2, c, potential, ni.antiPods)
		cands = append(cands, candidate{ni: ni, victims: victims, key: victimKey(victims)})
	}
	if len(cands) > 0 {
		best := 0
		for i := range cands {
			if lessKey(cands[i].key, cands[best].key) {
				best = i
			}
		}
		out := Preemption{Outcome: PreemptionWouldSucceed, Node: cands[best].ni.Node.Name, Candidates: len(cands)}
		for _, v := range cands[best].victims {
			out.Victims = append(out.Victims, v.Namespace+"/"+v.Name)
		}
		for i := range cands {
			if i != best && cands[i].key == cands[best].key {
				out.Tied = append(out.Tied, cands[i].ni.Node.Name)
			}
		}
		if p.PreemptionSuccessFmt != "" {
			out.Message = "preemption: " + fmt.Sprintf(p.PreemptionSuccessFmt, out.Node, len(out.Victims))
		}
		return out
	}
	n := len(c.Nodes)
	return Preemption{
		Outcome: PreemptionNoCandidates,
		Message: fmt.Sprintf("preemption: 0/%d nodes are available: %s.", n, histogram(again, n-len(again), []string{ReasonPreemptionNotHelpful})),
	}
}

// reprieve keeps as many potential victims as possible, most important first, as
// SelectVictimsOnNode does (PodDisruptionBudgets are not modelled): from the node without any of
// them, each is added back in turn and stays when the Pod still fits, else it is a victim. Each
// trial derives one state from the last kept one, as the scheduler's AddPod/RemovePod do.
// removedCS and removedNI are the state and node without any of potential.
func (p *Profile) reprieve(removedCS *CycleState, removedNI *NodeInfo, c *Cluster, potential []*corev1.Pod, anti []podAntiTerms) []*corev1.Pod {
	sorted := append([]*corev1.Pod(nil), potential...)
	sort.SliceStable(sorted, func(i, j int) bool { return priorityOf(sorted[i]) > priorityOf(sorted[j]) })
	// One private node changed in place, each trial's Pod pushed and, when it does not fit,
	// popped again: the scheduler's AddPod/RemovePod on its copy of the node.
	curCS, node := removedCS, removedNI.private()
	var victims []*corev1.Pod
	for _, v := range sorted {
		cs2 := p.statesWithPods(curCS, node.Node, []*corev1.Pod{v}, true)
		undo := node.push(v, anti)
		if _, st := p.filterWithNominated(cs2, node, c, p.filterFirst); st != nil {
			victims = append(victims, v)
			node.pop(undo)
			continue
		}
		curCS = cs2
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
