package explain

import (
	"fmt"
	"sort"

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
	// SchedulerVersion picks the scheduler profile to reproduce ("1.36"); "" chooses by the
	// snapshot's server version, else its recorded messages, else the newest.
	SchedulerVersion string
	// Analysed, when set, is called with each analysed Pod's report (not its identical
	// siblings') as soon as it is complete, on the goroutine that analysed it (so concurrently):
	// a caller printing text renders the Pod there and Compacts it, instead of holding every
	// node's blockers of every Pod until the end (thousands of nodes times many Pods).
	Analysed func(*PodReport)
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
	profile, versionFrom, versionNote, err := chooseProfile(s, sel.SchedulerVersion)
	if err != nil {
		return nil, err
	}
	s = checks.WithResolvedPriorities(s)
	report := &WhyPendingReport{
		APIVersion: APIVersion, Kind: ReportKind, Source: s.Source, NodeCount: len(s.Nodes),
		SchedulerVersion: profile.SchedulerVersion, SchedulerVersionFrom: versionFrom,
		Warnings: s.Warnings, MissingPermissions: s.Missing, Pods: []PodReport{},
	}
	if fitting := consistentProfiles(s); len(fitting) > 1 && versionFrom == VersionFromRecorded {
		for _, p := range fitting {
			report.SchedulerVersionsFitting = append(report.SchedulerVersionsFitting, p.SchedulerVersion)
		}
	}
	if versionNote != "" {
		report.Warnings = append(append([]string(nil), report.Warnings...), versionNote)
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
	groups := groupIdentical(targets)
	analysed := make([][]PodReport, len(groups))
	forEachParallel(len(groups), func(i int) {
		group := groups[i]
		pr := analyzePod(profile, c, idx, group[0], nil)
		var same []PodReport
		for _, other := range group[1:] {
			pr.SamePods = append(pr.SamePods, other.Namespace+"/"+other.Name)
			same = append(same, sharedAnalysis(c, idx, other, &pr))
		}
		if sel.Analysed != nil {
			sel.Analysed(&pr)
		}
		analysed[i] = append([]PodReport{pr}, same...)
	})
	for _, prs := range analysed {
		report.Pods = append(report.Pods, prs...)
	}
	report.Warnings = append(append([]string(nil), report.Warnings...), unreadKindWarnings(s, report.Pods)...)
	if len(report.Warnings) == 0 {
		report.Warnings = nil
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
	// snap is the snapshot itself, for what it could not read.
	snap *snapshot.Snapshot
	// events are FailedScheduling events by namespace/name, oldest first.
	events map[string][]snapshot.Event
}

func newClusterIndex(s *snapshot.Snapshot) *clusterIndex {
	idx := &clusterIndex{snap: s, events: map[string][]snapshot.Event{}}
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

// analyzePod builds one Pod's report; keep, when set, receives the fixes' metas (for ApplyPlan).
func analyzePod(profile *checks.Profile, c *checks.Cluster, idx *clusterIndex, pod *corev1.Pod, keep *[]fixMeta) (pr PodReport) {
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
	defer func() { pr.Recorded = compareRecorded(idx, pod, &pr) }()

	cycle := checks.RunCycle(profile, c, pod, checks.CycleOptions{})
	pr.PreFilter, pr.Spread, pr.SchedulerMessage, pr.Preemption = cycle.PreFilter, cycle.Spread, cycle.Message, cycle.Preemption
	switch {
	case cycle.Feasible:
		pr.Status = StatusSchedulable
	case cycle.Preemption.Outcome == checks.PreemptionWouldSucceed:
		pr.Status = StatusPreemptionPending
	default:
		pr.Status = StatusUnschedulable
	}
	if len(cycle.Nodes) > 0 {
		for _, n := range cycle.Nodes {
			var verdict *SchedulerVerdict
			if v := n.Verdict; v != nil {
				verdict = &SchedulerVerdict{Plugin: v.Plugin, Code: v.Code, Reasons: v.Reasons}
			}
			blockers := []checks.Blocker{}
			for _, st := range n.Statuses {
				blockers = append(blockers, st.Blockers...)
			}
			pr.Nodes = append(pr.Nodes, NodeReport{Name: n.Name, Scheduler: verdict, Blockers: blockers})
		}
		keyed := keyNodes(pr.Nodes)
		pr.Groups = groupNodes(keyed)
		pr.Closest = closestNodes(keyed)
		var metas []fixMeta
		pr.Fixes, metas = proposeFixMetas(keyed, pr.Spread)
		nameHolders(pr.Fixes, metas, c)
		if !cycle.Feasible {
			pr.Plan = verifyFixes(profile, c, pod, cycle, pr.Fixes, metas, keyed)
		} else {
			for i := range pr.Fixes {
				pr.Fixes[i].Sufficient = false // the Pod fits already: nothing was verified
			}
		}
		addCommands(pr.Fixes, pod)
		if keep != nil {
			*keep = metas
		}
	}
	classify(&pr)
	notModelled(c, idx, pod, &pr)
	return pr
}

// sharedAnalysis is the report entry of a Pod identical to the analysed one: the same verdict and
// message, compared with what the cluster recorded for this Pod.
func sharedAnalysis(c *checks.Cluster, idx *clusterIndex, pod *corev1.Pod, with *PodReport) PodReport {
	pr := PodReport{
		Namespace: pod.Namespace, Name: pod.Name, Owner: with.Owner, AnalysedWith: with.Namespace + "/" + with.Name,
		Status: with.Status, Priority: with.Priority, PriorityClassName: with.PriorityClassName,
		SchedulerName: with.SchedulerName, SchedulingGates: with.SchedulingGates,
		SchedulerMessage: with.SchedulerMessage, EventNote: with.EventNote,
		PreFilter: with.PreFilter, Preemption: with.Preemption,
	}
	if pr.Status == StatusNotModelled {
		pr.Status = StatusSchedulable // this Pod's own record decides
	}
	notModelled(c, idx, pod, &pr)
	pr.Recorded = compareRecorded(idx, pod, &pr)
	return pr
}

// notModelled lists what the Pod uses that the analysis does not model or could not read, and
// never lets a Pod the cluster reports unschedulable pass as Schedulable: a node that passes every
// modelled filter is then no proof that the Pod fits.
func notModelled(c *checks.Cluster, idx *clusterIndex, pod *corev1.Pod, pr *PodReport) {
	pr.Unmodelled = unmodelledUses(idx.snap, c, pod)
	if pr.PreFilter != nil {
		// The cycle ended before any Filter: an unread kind the filters need changes nothing.
		kept := pr.Unmodelled[:0]
		for _, u := range pr.Unmodelled {
			if u.Feature != UnmodelledUnreadKind {
				kept = append(kept, u)
			}
		}
		pr.Unmodelled = kept
	}
	if pr.Status == StatusSchedulable && reportedUnschedulable(idx, pod) {
		pr.Status = StatusNotModelled
	}
}

// compareRecorded is recordedMessage, with a mismatch put down to what the analysis does not
// model when the Pod uses such a thing rather than to a changed cluster.
func compareRecorded(idx *clusterIndex, pod *corev1.Pod, pr *PodReport) *RecordedMessage {
	rec := recordedMessage(idx, pod, pr)
	if rec != nil && !rec.Matches && rec.Difference == DifferenceStale {
		switch {
		case len(idx.snap.Nodes) == 0:
			rec.Difference = DifferenceNoNodes
		case len(pr.Unmodelled) > 0:
			rec.Difference = DifferenceNotModelled
		}
	}
	return rec
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
