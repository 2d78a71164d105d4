package explain

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// Selection says which Pods to explain.
type Selection struct {
	// Namespace limits the Pods to one namespace unless AllNamespaces.
	Namespace     string
	AllNamespaces bool
	// Names are Pods named on the command line (in Namespace); empty means every Pending Pod.
	Names []string
	// Selector filters Pods by label; nil selects all.
	Selector labels.Selector
}

// PodNotFoundError is returned for a Pod named on the command line that the snapshot lacks.
type PodNotFoundError struct{ Namespace, Name string }

func (e *PodNotFoundError) Error() string {
	return fmt.Sprintf("pod %q not found in namespace %q", e.Name, e.Namespace)
}

// GatedMessage is what kube-apiserver writes to PodScheduled for a Pod with scheduling gates.
const GatedMessage = "Scheduling is blocked due to non-empty scheduling gates"

// IsPendingForScheduling: the scheduler still has to place the Pod. A bound Pod in phase Pending
// (pulling images, say) is not ours to explain.
func IsPendingForScheduling(p *corev1.Pod) bool {
	return p.Spec.NodeName == "" && !snapshot.Finished(p)
}

// Explain analyses the selected Pending Pods of a snapshot.
func Explain(s *snapshot.Snapshot, sel Selection) (*WhyPendingReport, error) {
	s = withResolvedPriorities(s)
	report := &WhyPendingReport{
		APIVersion: APIVersion, Kind: ReportKind, Source: s.Source, NodeCount: len(s.Nodes),
		Warnings: s.Warnings, MissingPermissions: s.Missing, Pods: []PodReport{},
	}
	targets, notPending, err := selectPods(s, sel)
	if err != nil {
		return nil, err
	}
	report.NotPending = notPending
	if len(targets) == 0 {
		return report, nil
	}

	c := checks.NewCluster(s)
	idx := newClusterIndex(s)
	for _, group := range groupIdentical(targets) {
		pr := analyzePod(c, idx, group[0])
		var same []PodReport
		for _, other := range group[1:] {
			pr.SamePods = append(pr.SamePods, other.Namespace+"/"+other.Name)
			same = append(same, sharedAnalysis(idx, other, &pr))
		}
		report.Pods = append(append(report.Pods, pr), same...)
	}
	return report, nil
}

// selectPods returns the Pending Pods to explain and, for Pods named on the command line, where the
// non-Pending ones run.
func selectPods(s *snapshot.Snapshot, sel Selection) ([]*corev1.Pod, []PodPlacement, error) {
	inScope := func(p *corev1.Pod) bool {
		if !sel.AllNamespaces && sel.Namespace != "" && p.Namespace != sel.Namespace {
			return false
		}
		return sel.Selector == nil || sel.Selector.Matches(labels.Set(p.Labels))
	}
	var targets []*corev1.Pod
	var notPending []PodPlacement
	if len(sel.Names) > 0 {
		byName := map[string]*corev1.Pod{}
		// Finished Pods are not in Pods (the scheduler ignores them), but a named one is reported
		// as not Pending rather than not found.
		for _, p := range append(append([]*corev1.Pod{}, s.Finished...), s.Pods...) {
			if p.Namespace == sel.Namespace {
				byName[p.Name] = p
			}
		}
		for _, name := range sel.Names {
			p, ok := byName[name]
			if !ok {
				return nil, nil, &PodNotFoundError{Namespace: sel.Namespace, Name: name}
			}
			if !IsPendingForScheduling(p) {
				notPending = append(notPending, PodPlacement{Namespace: p.Namespace, Name: p.Name, NodeName: p.Spec.NodeName, Phase: string(p.Status.Phase)})
				continue
			}
			targets = append(targets, p)
		}
		return targets, notPending, nil
	}
	for _, p := range s.Pods {
		if IsPendingForScheduling(p) && inScope(p) {
			targets = append(targets, p)
		}
	}
	sort.SliceStable(targets, func(i, j int) bool {
		if targets[i].Namespace != targets[j].Namespace {
			return targets[i].Namespace < targets[j].Namespace
		}
		return targets[i].Name < targets[j].Name
	})
	return targets, nil, nil
}

// clusterIndex holds lookups explain needs beyond the checks' Cluster.
type clusterIndex struct {
	snap *snapshot.Snapshot
	// nominated are Pending Pods with status.nominatedNodeName, by that node.
	nominated map[string][]*corev1.Pod
	// events are FailedScheduling events by namespace/name, oldest first.
	events map[string][]snapshot.Event
	// replicaSetOwners maps namespace/ReplicaSet to its Deployment, when known from Pod labels.
}

func newClusterIndex(s *snapshot.Snapshot) *clusterIndex {
	idx := &clusterIndex{snap: s, nominated: map[string][]*corev1.Pod{}, events: map[string][]snapshot.Event{}}
	for _, p := range s.Pods {
		if IsPendingForScheduling(p) && p.Status.NominatedNodeName != "" && inDefaultNominator(p) {
			idx.nominated[p.Status.NominatedNodeName] = append(idx.nominated[p.Status.NominatedNodeName], p)
		}
	}
	for _, e := range s.Events {
		if e.Reason != "" && e.Reason != "FailedScheduling" {
			continue
		}
		k := e.Namespace + "/" + e.PodName
		idx.events[k] = append(idx.events[k], e)
	}
	for k := range idx.events {
		ev := idx.events[k]
		sort.SliceStable(ev, func(i, j int) bool { return ev[i].Time.Before(&ev[j].Time) })
	}
	return idx
}

// inDefaultNominator: the default scheduler's nominator holds a nominated Pod only once its queue
// has taken the Pod in. Another scheduler's Pods never enter that queue, and gated ones wait
// outside the nominator (found by the differential test).
func inDefaultNominator(p *corev1.Pod) bool {
	return (p.Spec.SchedulerName == "" || p.Spec.SchedulerName == corev1.DefaultSchedulerName) && len(p.Spec.SchedulingGates) == 0
}

// nodeOutcome is one node's analysis for one Pod.
type nodeOutcome struct {
	ni       *checks.NodeInfo
	statuses []checks.Status // every failing plugin, filter order
	verdict  *SchedulerVerdict
}

func analyzePod(c *checks.Cluster, idx *clusterIndex, pod *corev1.Pod) (pr PodReport) {
	pr = PodReport{
		Namespace: pod.Namespace, Name: pod.Name, Owner: ownerOf(pod),
		Priority: priorityOf(pod), PriorityClassName: pod.Spec.PriorityClassName,
		NominatedNodeName: pod.Status.NominatedNodeName, Nodes: []NodeReport{}, Groups: []NodeGroup{},
	}
	if pod.Spec.SchedulerName != "" && pod.Spec.SchedulerName != corev1.DefaultSchedulerName {
		pr.SchedulerName = pod.Spec.SchedulerName
	}
	for _, g := range pod.Spec.SchedulingGates {
		pr.SchedulingGates = append(pr.SchedulingGates, g.Name)
	}
	// Compared last, once the message is final (pr is the named result, so this sticks).
	defer func() { pr.Recorded = recordedMessage(idx, pod, &pr) }()

	if len(c.Nodes) == 0 {
		pr.Status = StatusUnschedulable
		pr.SchedulerMessage = checks.ReasonNoNodes
		pr.Preemption = Preemption{Outcome: PreemptionNotAttempted}
		classify(&pr)
		return pr
	}

	ps, rejection := checks.PreFilter(pod, c)
	if rejection != nil {
		pr.PreFilter = rejection
		pr.Status = StatusUnschedulable
		if rejection.Code == checks.Error {
			// An internal error (condition reason SchedulerError): the status text alone, no FitError.
			pr.Preemption = Preemption{Outcome: PreemptionNotAttempted}
			pr.SchedulerMessage = rejection.Reason
			classify(&pr)
			return pr
		}
		// DynamicResources' PreFilter never ran, so its PostFilter fails with "not found" and
		// preemption is never tried (scheduler-semantics §4.2).
		pr.Preemption = Preemption{Outcome: PreemptionNotAttempted, Message: "not found"}
		pr.SchedulerMessage = fmt.Sprintf("0/%d nodes are available: %s. not found", len(c.Nodes), rejection.Reason)
		classify(&pr)
		return pr
	}
	if ps.Spread != nil {
		pr.Spread = ps.Spread.Summary()
	}

	outcomes := make([]nodeOutcome, len(c.Nodes))
	feasible := false
	for i, ni := range c.Nodes {
		o := nodeOutcome{ni: ni, statuses: filterWithNominated(ps, ni, idx)}
		switch {
		case ps.Excluded(ni.Node.Name):
			o.verdict = &SchedulerVerdict{Plugin: checks.PluginNodeAffinity, Code: checks.UnschedulableAndUnresolvable, Reasons: []string{checks.ReasonNotInPreFilterResult}}
		case len(o.statuses) > 0:
			first := o.statuses[0]
			o.verdict = &SchedulerVerdict{Plugin: first.Plugin, Code: first.Code, Reasons: first.Reasons}
		default:
			feasible = true
		}
		outcomes[i] = o
		var blockers []checks.Blocker
		for _, st := range o.statuses {
			blockers = append(blockers, st.Blockers...)
		}
		if blockers == nil {
			blockers = []checks.Blocker{}
		}
		pr.Nodes = append(pr.Nodes, NodeReport{Name: ni.Node.Name, Scheduler: o.verdict, Blockers: blockers})
	}
	keyed := keyNodes(pr.Nodes)
	pr.Groups = groupNodes(keyed)
	pr.Closest = closestNodes(keyed)
	pr.Fixes = proposeFixes(keyed, pr.Spread)

	if feasible {
		pr.Status = StatusSchedulable
		pr.Preemption = Preemption{Outcome: PreemptionNotAttempted}
		classify(&pr)
		return pr
	}

	verdicts := make([]*SchedulerVerdict, len(outcomes))
	for i := range outcomes {
		verdicts[i] = outcomes[i].verdict
	}
	msg := fmt.Sprintf("0/%d nodes are available: %s.", len(c.Nodes), histogram(verdicts, 0, nil))
	pr.Preemption = preempt(ps, outcomes, idx)
	pr.Status = StatusUnschedulable
	if pr.Preemption.Outcome == PreemptionWouldSucceed {
		pr.Status = StatusPreemptionPending
		pr.SchedulerMessage = msg
	} else {
		// DynamicResources' PostFilter adds its no-op reason before DefaultPreemption's.
		pr.SchedulerMessage = msg + " no new claims to deallocate, " + pr.Preemption.Message
	}
	classify(&pr)
	return pr
}

// sharedAnalysis is the report entry of a Pod identical to the analysed one: the same verdict and
// message, compared with what the cluster recorded for this Pod.
func sharedAnalysis(idx *clusterIndex, pod *corev1.Pod, with *PodReport) PodReport {
	pr := PodReport{
		Namespace: pod.Namespace, Name: pod.Name, Owner: with.Owner, AnalysedWith: with.Namespace + "/" + with.Name,
		Status: with.Status, Priority: with.Priority, PriorityClassName: with.PriorityClassName,
		SchedulerName: with.SchedulerName, SchedulingGates: with.SchedulingGates,
		SchedulerMessage: with.SchedulerMessage, EventNote: with.EventNote,
		PreFilter: with.PreFilter, Preemption: with.Preemption,
	}
	pr.Recorded = recordedMessage(idx, pod, &pr)
	return pr
}

// classify applies the pod-level states that override what the filters say, and the event form.
func classify(pr *PodReport) {
	switch {
	case len(pr.SchedulingGates) > 0:
		pr.Status = StatusSchedulingGated
		pr.SchedulerMessage = GatedMessage
	case pr.SchedulerName != "":
		pr.Status = StatusOtherScheduler
	}
	if pr.Status == StatusSchedulable {
		pr.SchedulerMessage = ""
	}
	if note := EventNote(pr.SchedulerMessage); note != pr.SchedulerMessage {
		pr.EventNote = note
	}
}

// EventNote is the message as the FailedScheduling event records it: notes over 1024 bytes are
// cut to 1020 bytes plus " ..." (the events API limit).
func EventNote(msg string) string {
	const limit = 1024
	if len(msg) <= limit {
		return msg
	}
	return msg[:limit-4] + " ..."
}

// filterWithNominated runs the filters as RunFilterPluginsWithNominatedPods does: first with the
// Pods nominated to this node at equal or higher priority added, then (if that passes and any were
// added) without them; both must pass.
func filterWithNominated(ps *checks.PodState, ni *checks.NodeInfo, idx *clusterIndex) []checks.Status {
	var add []*corev1.Pod
	for _, p := range idx.nominated[ni.Node.Name] {
		if p.UID != ps.Pod.UID && priorityOf(p) >= ps.Priority {
			add = append(add, p)
		}
	}
	if len(add) > 0 {
		ps2, ni2 := ps.WithPodsAdded(ni, add)
		if st := checks.Filter(ps2, ni2); len(st) > 0 {
			return st
		}
	}
	return checks.Filter(ps, ni)
}

// histogram renders the scheduler's "count reason" list: every explicit verdict's reasons counted,
// absent nodes (nil verdicts, or beyond len) counted with absentReason, sorted byte-wise.
func histogram(verdicts []*SchedulerVerdict, absent int, absentReasons []string) string {
	counts := map[string]int{}
	for _, v := range verdicts {
		if v == nil {
			continue
		}
		for _, r := range v.Reasons {
			counts[r]++
		}
	}
	if absent > 0 {
		for _, r := range absentReasons {
			counts[r] += absent
		}
	}
	items := make([]string, 0, len(counts))
	for r, n := range counts {
		items = append(items, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(items)
	return strings.Join(items, ", ")
}
