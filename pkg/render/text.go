package render

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
)

// Limits that keep one Pod on one screen however many nodes the cluster has; -o wide and -o json
// have everything.
const (
	maxGroups  = 8
	maxFixes   = 5
	maxDomains = 10
)

// writeHuman prints the text (or, with wide, the per-node table) form of a report. It builds the
// whole output first so a failure never leaves half a report on the terminal.
func writeHuman(w io.Writer, r *explain.WhyPendingReport, p paint, wide bool, rendered *Rendered) error {
	var blocks []string
	if s := reportNotes(r, p); s != "" {
		blocks = append(blocks, s)
	}
	for i := range r.Pods {
		pod := &r.Pods[i]
		if pod.AnalysedWith != "" {
			continue // shown as "and N identical Pods" under the analysed one
		}
		if block, ok := rendered.block(pod); ok {
			blocks = append(blocks, block)
			continue
		}
		block, err := podBlock(pod, r.NodeCount, p, wide)
		if err != nil {
			return err
		}
		blocks = append(blocks, block)
	}
	_, err := io.WriteString(w, strings.Join(blocks, "\n"))
	return err
}

// podBlock is one analysed Pod's text (or, with wide, its per-node table).
func podBlock(pod *explain.PodReport, clusterNodes int, p paint, wide bool) (string, error) {
	var b strings.Builder
	var err error
	if wide {
		err = writePodWide(&b, pod, p)
	} else {
		err = writePodText(&b, pod, clusterNodes, p)
	}
	if err != nil {
		return "", fmt.Errorf("render pod %s/%s: %w", Clean(pod.Namespace), Clean(pod.Name), err)
	}
	return b.String(), nil
}

// Rendered are Pods' text or wide blocks rendered while the Pods were analysed, so that their
// reports can be compacted (explain.PodReport.Compact) before the whole report is printed.
type Rendered struct {
	opts   Options
	nodes  int
	mu     sync.Mutex
	blocks map[string]string
	err    error
}

// NewRendered renders blocks as o says, for a cluster of nodes nodes.
func NewRendered(o Options, nodes int) *Rendered {
	return &Rendered{opts: o, nodes: nodes, blocks: map[string]string{}}
}

// Add renders the Pod's block and keeps it; safe for concurrent use. The first error is kept
// for WhyPending to return.
func (r *Rendered) Add(pod *explain.PodReport) {
	block, err := podBlock(pod, r.nodes, paint(r.opts.Color), r.opts.Format == FormatWide)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if r.err == nil {
			r.err = err
		}
		return
	}
	r.blocks[pod.Namespace+"/"+pod.Name] = block
}

func (r *Rendered) block(pod *explain.PodReport) (string, bool) {
	if r == nil {
		return "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	b, ok := r.blocks[pod.Namespace+"/"+pod.Name]
	return b, ok
}

// reportNotes are the report-level lines: Pods that are not Pending, and the "nothing to explain"
// line. Warnings and missing permissions are not repeated here: the command prints them to stderr.
func reportNotes(r *explain.WhyPendingReport, p paint) string {
	var b strings.Builder
	for _, np := range r.NotPending {
		name := Clean(np.Namespace) + "/" + Clean(np.Name)
		switch {
		case np.Phase == string(corev1.PodSucceeded) || np.Phase == string(corev1.PodFailed):
			fmt.Fprintf(&b, "Pod %s is not Pending: it has %s", p.bold(name), Clean(np.Phase))
			if np.NodeName != "" {
				fmt.Fprintf(&b, " (it ran on node %s)", Clean(np.NodeName))
			}
			b.WriteString(".\n")
		case np.NodeName != "" && np.Phase == string(corev1.PodPending):
			// Bound but not started (images, volumes, init containers): the scheduler is done with it.
			fmt.Fprintf(&b, "Pod %s is already scheduled: it is bound to node %s and has not started yet (phase Pending); kubectl describe pod -n %s %s says why.\n",
				p.bold(name), Clean(np.NodeName), Clean(np.Namespace), Clean(np.Name))
		case np.NodeName != "":
			fmt.Fprintf(&b, "Pod %s is not Pending: it runs on node %s (phase %s).\n", p.bold(name), Clean(np.NodeName),
				Clean(np.Phase))
		default:
			fmt.Fprintf(&b, "Pod %s is not Pending (phase %s).\n", p.bold(name), Clean(np.Phase))
		}
	}
	if len(r.Pods) == 0 && len(r.NotPending) == 0 {
		fmt.Fprintf(&b, "No Pending Pods found in %s.\n", Clean(r.Source))
	}
	if s := versionNote(r); s != "" && len(r.Pods) > 0 {
		b.WriteString(s)
	}
	return b.String()
}

// versionNote says whose wording the Scheduler lines follow when it is not the newest scheduler's.
func versionNote(r *explain.WhyPendingReport) string {
	if r.SchedulerVersion == "" || r.SchedulerVersion == checks.DefaultProfile.SchedulerVersion {
		return ""
	}
	why := map[string]string{
		explain.VersionFromFlag:     "as --scheduler-version asks",
		explain.VersionFromServer:   "the cluster's version",
		explain.VersionFromRecorded: "the recorded messages are a v" + Clean(r.SchedulerVersion) + " scheduler's",
	}[r.SchedulerVersionFrom]
	if f := r.SchedulerVersionsFitting; r.SchedulerVersionFrom == explain.VersionFromRecorded && len(f) > 1 {
		why = fmt.Sprintf("the recorded messages read alike from v%s to v%s; the newest of them", Clean(f[len(f)-1]), Clean(f[0]))
	}
	if why != "" {
		why = " (" + why + ")"
	}
	return fmt.Sprintf("Scheduler lines are written as a v%s scheduler writes them%s.\n", Clean(r.SchedulerVersion), why)
}

// writePodHeader prints who the Pod is and its status, shared by text and wide.
func writePodHeader(b *strings.Builder, pod *explain.PodReport, p paint) {
	fmt.Fprintf(b, "Pod %s", p.bold(Clean(pod.Namespace)+"/"+Clean(pod.Name)))
	if pod.Owner != nil {
		fmt.Fprintf(b, " (%s %s)", Clean(pod.Owner.Kind), Clean(pod.Owner.Name))
	}
	if n := len(pod.SamePods); n > 0 {
		fmt.Fprintf(b, " and %s", plural(n, "identical Pod"))
	}
	b.WriteByte('\n')

	status := Clean(string(pod.Status))
	if status == "" {
		status = "<unknown>"
	}
	switch pod.Status {
	case explain.StatusUnschedulable:
		status = p.red(status)
	case explain.StatusSchedulable:
	default:
		status = p.yellow(status)
	}
	s := statusPhrase(pod)
	if pod.Status == explain.StatusNotModelled {
		s = "the cluster reports it unschedulable, yet a node passes every filter this analysis models"
	}
	if s != "" {
		status += " (" + s + ")"
	}
	fmt.Fprintf(b, "Status: %s\n", status)
	writeUnmodelled(b, pod)
	if pod.Priority != 0 || pod.PriorityClassName != "" {
		fmt.Fprintf(b, "Priority: %d", pod.Priority)
		if pod.PriorityClassName != "" {
			fmt.Fprintf(b, " (%s)", Clean(pod.PriorityClassName))
		}
		b.WriteByte('\n')
	}
	if pod.NominatedNodeName != "" {
		fmt.Fprintf(b, "Nominated node: %s\n", Clean(pod.NominatedNodeName))
	}
}

// writeUnmodelled lists what the Pod uses that the analysis does not model or could not read, so
// no answer reads as complete when it is not.
func writeUnmodelled(b *strings.Builder, pod *explain.PodReport) {
	if len(pod.Unmodelled) == 0 {
		if pod.Status == explain.StatusNotModelled {
			b.WriteString("Not modelled: nothing this Pod uses is known to be outside the analysis; the cluster may have " +
				"changed since the scheduler's last attempt, or a filter this analysis does not model rejects it\n")
		}
		return
	}
	b.WriteString("Not modelled (blockers from these are not in this report):\n")
	for _, u := range pod.Unmodelled {
		fmt.Fprintf(b, "  - %s\n", unmodelledPhrase(u))
	}
}

// unmodelledPhrase words one thing the analysis does not model or could not read.
func unmodelledPhrase(u explain.Unmodelled) string {
	d := Clean(u.Detail)
	switch u.Feature {
	case explain.UnmodelledSchedulerName:
		return fmt.Sprintf("scheduler %s: only default-scheduler's default profile is modelled", d)
	case explain.UnmodelledResourceClaim:
		return fmt.Sprintf("resource claims %s: the snapshot lacks the DRA objects to allocate them", d)
	case explain.UnmodelledExtendedResource:
		return fmt.Sprintf("extended resource %s: no node advertises it; a DeviceClass may provide it through DRA, "+
			"which is not modelled", d)
	case explain.UnmodelledUnreadKind:
		return fmt.Sprintf("%s: the snapshot has none; add `%s` to the kubectl get command (or grant list on it)",
			d, Clean(u.Resource))
	}
	return fmt.Sprintf("%s %s", Clean(string(u.Feature)), d)
}

func writePodText(b *strings.Builder, pod *explain.PodReport, clusterNodes int, p paint) error {
	writePodHeader(b, pod, p)
	b.WriteByte('\n')
	writeReasons(b, pod, clusterNodes, p)
	for _, sd := range pod.Spread {
		b.WriteByte('\n')
		if err := writeSpread(b, sd); err != nil {
			return err
		}
	}
	if len(pod.Closest) > 0 || len(pod.Fixes) > 0 {
		b.WriteByte('\n')
		writeClosest(b, pod)
		writeFixes(b, pod)
	}
	b.WriteByte('\n')
	writeScheduler(b, pod, p)
	return nil
}

// writeReasons says why the nodes reject the Pod, one line per group of nodes with the same
// blockers, largest group first (the order explain gives).
func writeReasons(b *strings.Builder, pod *explain.PodReport, clusterNodes int, p paint) {
	if pf := pod.PreFilter; pf != nil {
		fmt.Fprintf(b, "The scheduler's %s plugin rejected the Pod before looking at any node: %s.\n",
			Clean(pf.Plugin), Clean(pf.Reason))
		if checks.HeldBeforeQueue(pf) {
			b.WriteString("DynamicResources' PreEnqueue checks the same first: the scheduler usually holds the Pod back without trying it and writes no line.\n")
		}
		return
	}
	if len(pod.Nodes) == 0 {
		if clusterNodes == 0 {
			b.WriteString("The snapshot holds no nodes (a file without Node objects, or a cluster with none).\n")
		} else {
			b.WriteString("The report lists no nodes for this Pod.\n")
		}
		return
	}
	var fit []string
	for _, n := range pod.Nodes {
		if n.Scheduler == nil && len(n.Blockers) == 0 {
			fit = append(fit, Clean(n.Name))
		}
	}
	total, blocked := len(pod.Nodes), len(pod.Nodes)-len(fit)
	if len(fit) > 0 {
		fmt.Fprintf(b, "%d of %d nodes %s now: %s.\n", len(fit), total, verb(len(fit), "fits", "fit"),
			listSome(fit, maxListed))
	}
	if blocked == 0 {
		return
	}
	lead, rejects := "", verb(blocked, "rejects", "reject")+" it:"
	if pod.Status == explain.StatusSchedulingGated {
		lead, rejects = "Once its gates are removed, ", "would still reject it:"
	}
	fmt.Fprintf(b, "%s%s %s\n", lead, p.red(fmt.Sprintf("%d of %d nodes", blocked, total)), rejects)

	shown, restGroups, restNodes := 0, 0, 0
	for _, g := range pod.Groups {
		if len(g.Blockers) == 0 {
			continue // nodes that fit, said above
		}
		if shown == maxGroups {
			restGroups++
			restNodes += len(g.Nodes)
			continue
		}
		shown++
		phrases := groupPhrases(g)
		subject := fmt.Sprintf("%s (%s)", plural(len(g.Nodes), "node"), listSome(cleanAll(g.Nodes), maxListed))
		if len(phrases) == 1 {
			fmt.Fprintf(b, "  %s: %s.\n", subject, phrases[0])
			continue
		}
		fmt.Fprintf(b, "  %s:\n", subject)
		for _, ph := range phrases {
			fmt.Fprintf(b, "    - %s\n", ph)
		}
	}
	if restGroups > 0 {
		fmt.Fprintf(b, "  and %d more %s (%s); -o wide lists every node.\n", restGroups,
			map[bool]string{true: "group", false: "groups"}[restGroups == 1], plural(restNodes, "node"))
	}
}

// verb agrees with "N of M nodes": "1 of 3 nodes fits", "2 of 3 nodes fit".
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// groupPhrases describes each blocker of a group, summarising what differs between its nodes
// from the evidence the group carries.
func groupPhrases(g explain.NodeGroup) []string {
	phrases := make([]string, 0, len(g.Blockers))
	for i, example := range g.Blockers {
		same := []checks.Blocker{example}
		if i < len(g.Evidence) && len(g.Evidence[i]) > 0 {
			same = g.Evidence[i]
		}
		phrases = append(phrases, phrase(same))
	}
	return phrases
}

// writeSpread prints one spread constraint and its domain table.
func writeSpread(b *strings.Builder, sd checks.SpreadDomains) error {
	fmt.Fprintf(b, "Spread constraint %d: %s, maxSkew %d", sd.Constraint, Clean(sd.TopologyKey), sd.MaxSkew)
	if sd.MinDomains > 0 {
		fmt.Fprintf(b, ", minDomains %d", sd.MinDomains)
	}
	fmt.Fprintf(b, ", selector %s", Clean(selectorText(sd.Selector)))
	if sd.NodeAffinityPolicy != "" && sd.NodeAffinityPolicy != "Honor" {
		fmt.Fprintf(b, ", nodeAffinityPolicy %s", Clean(string(sd.NodeAffinityPolicy)))
	}
	if sd.NodeTaintsPolicy != "" && sd.NodeTaintsPolicy != "Ignore" {
		fmt.Fprintf(b, ", nodeTaintsPolicy %s", Clean(string(sd.NodeTaintsPolicy)))
	}
	fmt.Fprintf(b, "; global minimum %d\n", sd.GlobalMinimum)
	if len(sd.Domains) == 0 {
		b.WriteString("  no eligible domains\n")
		return nil
	}
	return writeDomainTable(b, sd.Domains, domainTable{
		header: []string{"DOMAIN", "MATCHING", "NODES"},
		row: func(d checks.DomainCount) []string {
			return []string{Clean(d.Name), fmt.Sprint(d.Matching), fmt.Sprint(d.Nodes)}
		},
		more: "(%d more)",
	})
}

// domainTable says how a constraint's domain table reads: why-pending and spread print the same
// table with their own columns.
type domainTable struct {
	header []string
	row    func(d checks.DomainCount) []string
	// all lists every domain; otherwise, with more domains than fit (one per node for
	// kubernetes.io/hostname), the emptiest and the fullest show the skew around one row "more"
	// (a format taking how many are left out).
	all  bool
	more string
}

// writeDomainTable prints the domain table of one spread constraint.
func writeDomainTable(b *strings.Builder, domains []checks.DomainCount, t domainTable) error {
	var rows [][]string
	if t.all || len(domains) <= maxDomains {
		for _, d := range domains {
			rows = append(rows, t.row(d))
		}
		return writeTable(b, "  ", t.header, rows)
	}
	byCount := append([]checks.DomainCount(nil), domains...)
	sort.SliceStable(byCount, func(i, j int) bool { return byCount[i].Matching < byCount[j].Matching })
	half := maxDomains / 2
	for _, d := range byCount[:half] {
		rows = append(rows, t.row(d))
	}
	more := make([]string, len(t.header))
	more[0] = fmt.Sprintf(t.more, len(byCount)-2*half)
	rows = append(rows, more)
	for _, d := range byCount[len(byCount)-half:] {
		rows = append(rows, t.row(d))
	}
	return writeTable(b, "  ", t.header, rows)
}

func writeClosest(b *strings.Builder, pod *explain.PodReport) {
	if len(pod.Closest) == 0 {
		return
	}
	names := make([]string, 0, len(pod.Closest))
	for _, c := range pod.Closest {
		names = append(names, fmt.Sprintf("%s (%s)", Clean(c.Name), plural(c.Blockers, "blocker")))
	}
	fmt.Fprintf(b, "Closest: %s\n", listSome(names, maxListed))
}

func writeFixes(b *strings.Builder, pod *explain.PodReport) {
	type worded struct {
		explain.Fix
		index int // in pod.Fixes
		text  string
	}
	var fixes []worded
	for i, f := range pod.Fixes {
		if s := strings.TrimSpace(fixPhrase(f)); s != "" {
			fixes = append(fixes, worded{f, i, s})
		}
	}
	if len(fixes) == 0 {
		return
	}
	b.WriteString("Fixes:\n")
	shown := map[int]int{}
	for i, f := range fixes {
		if i == maxFixes {
			fmt.Fprintf(b, "  and %d more; -o yaml lists them all.\n", len(fixes)-maxFixes)
			break
		}
		shown[f.index] = i + 1
		fmt.Fprintf(b, "  %d. %s (%s: %s)\n", i+1, Clean(f.text), plural(f.Nodes, "node"), outcomePhrase(f.Fix))
		if f.Command != "" && !strings.Contains(f.text, f.Command) {
			fmt.Fprintf(b, "     $ %s\n", Clean(f.Command))
		}
	}
	writePlan(b, pod.Plan, shown)
}

// writePlan names the least change found when no single fix is enough.
func writePlan(b *strings.Builder, plan *explain.Plan, shown map[int]int) {
	if plan == nil || len(plan.Fixes) < 2 {
		return
	}
	var nums []string
	for _, i := range plan.Fixes {
		n, ok := shown[i]
		if !ok {
			return
		}
		nums = append(nums, fmt.Sprint(n))
	}
	fmt.Fprintf(b, "Least change: no fix is enough alone; %s together: %s.\n", joinLast(nums, " and "), schedulesOnPhrase(plan.Outcome))
}

// writeScheduler prints what the scheduler itself says, its line whole and unwrapped so it can be
// compared and searched for, and what the cluster recorded.
func writeScheduler(b *strings.Builder, pod *explain.PodReport, p paint) {
	// A Pod that fits, or waits for its gates, goes through no PostFilter: nothing to say.
	// Nor does one that passes every modelled filter: NotAttempted without a PreFilter rejection.
	postFilterRan := pod.PreFilter != nil || pod.Preemption.Outcome != explain.PreemptionNotAttempted
	if s := preemptionPhrase(pod.Preemption); s != "" && postFilterRan && pod.Status != explain.StatusSchedulable &&
		pod.Status != explain.StatusSchedulingGated {
		fmt.Fprintf(b, "Preemption: %s\n", s)
	}
	switch {
	case pod.SchedulerMessage != "":
		fmt.Fprintf(b, "Scheduler: %s\n", Clean(pod.SchedulerMessage))
	case pod.Status == explain.StatusSchedulingGated:
		b.WriteString("Scheduler: writes no message for a gated Pod\n")
	case pod.Status == explain.StatusSchedulable:
		b.WriteString("Scheduler: writes no message for a Pod that fits\n")
	case pod.Status == explain.StatusNotModelled:
		b.WriteString("Scheduler: no line computed: a node passes every modelled filter\n")
	default:
		b.WriteString("Scheduler: <none>\n")
	}
	if pod.EventNote != "" {
		b.WriteString("Event: the FailedScheduling event holds this line cut to 1024 bytes\n")
	}
	rec := pod.Recorded
	if rec == nil {
		return
	}
	where := map[string]string{
		"PodScheduled": "the PodScheduled condition",
		"Event":        "the FailedScheduling event",
	}[rec.Source]
	if where == "" {
		where = Clean(rec.Source)
	}
	if rec.Time != nil {
		where += " of " + rec.Time.UTC().Format(time.RFC3339)
	}
	if rec.Matches {
		fmt.Fprintf(b, "Recorded: %s holds the same line\n", where)
		return
	}
	msg := Clean(rec.Message)
	if msg == "" {
		msg = "<none>"
	}
	fmt.Fprintf(b, "Recorded: %s\n", msg)
	why := differencePhrase(rec.Difference)
	if rec.Difference == explain.DifferenceNotModelled {
		why = "because of what this analysis does not model or could not read (under Not modelled)"
	}
	fmt.Fprintf(b, "  From %s. %s %s.\n", where, p.yellow("It differs"), why)
}
