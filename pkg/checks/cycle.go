package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
)

// CycleOptions tune RunCycle.
type CycleOptions struct {
	// SkipPostFilter leaves out the preemption dry run and the message (for callers that only
	// want the feasible nodes).
	SkipPostFilter bool
	// AllBlockersOn, when set, names the nodes whose every failing plugin is wanted; on the other
	// nodes Filter stops at the first failing plugin, as the scheduler does (Statuses holds that
	// one status, the Verdict is the same) and nodes the PreFilterResult excludes are not
	// filtered. Fix verification needs only the cause nodes' blockers, and elsewhere whether a
	// node passes.
	AllBlockersOn func(node string) bool
	// KnownVerdict, with AllBlockersOn, may give a node (other than those) the verdict it is
	// known to have without filtering it: a failure that cannot have changed (NodeLocal).
	KnownVerdict func(ni *NodeInfo) *Verdict
	// Earlier is an earlier cycle, with the same profile, of this Pod or of the Pod it was changed
	// from (fix verification), over this cluster or the one it was derived from. Each PreFilterReuser whose
	// input is unchanged keeps its PreFilter state from it; when Earlier saw every blocker of the
	// same cluster, each FilterReuser whose Pod input is unchanged answers every node without
	// nominated Pods as it did then, without filtering. The cluster must not have changed in place
	// (Place) since.
	Earlier *CycleResult
}

// NodeLocal reports whether a plugin's Filter reads only the incoming Pod and the node's NodeInfo
// (its PreFilter state is the Pod's own): with the same Pod, NodeInfo and nominated Pods it fails
// the same node again, whatever else changed in the cluster.
func NodeLocal(plugin string) bool {
	switch plugin {
	case PluginNodeUnschedulable, PluginNodeName, PluginTaintToleration, PluginNodeAffinity, PluginNodePorts, PluginNodeResourcesFit:
		return true
	}
	return false
}

// CycleResult is one scheduling cycle of one Pod over a snapshot.
type CycleResult struct {
	SchedulerVersion string `json:"schedulerVersion"`
	// PreFilter is the rejection that ended the cycle before any Filter ran.
	PreFilter *PreFilterRejection `json:"preFilter,omitempty"`
	// Spread is PodTopologySpread's domain table per DoNotSchedule constraint (PreFilter passed).
	Spread []SpreadDomains `json:"spread,omitempty"`
	// Nodes are every node of the cluster, in its order, once PreFilter passed.
	Nodes []NodeResult `json:"nodes,omitempty"`
	// Feasible: some node passes every filter.
	Feasible bool `json:"feasible"`
	// Preemption is DefaultPreemption's PostFilter dry run.
	Preemption Preemption `json:"preemption"`
	// Message is the exact line the scheduler writes ("" when the Pod fits).
	Message string `json:"message"`
	// State is the cycle's PreFilter state (nil after a rejection), for CycleOptions.Earlier.
	State *CycleState `json:"-"`
	// everyBlocker: Nodes hold every failing plugin of every node (no AllBlockersOn).
	everyBlocker bool
}

// NodeResult is one node's outcome.
type NodeResult struct {
	Name string `json:"name"`
	// Statuses are every failing plugin's status, in Filter order, with all blockers; with
	// nominated Pods added when that made the node fail, as the scheduler filters (then followed
	// by the plugins that fail only without them).
	Statuses []Status `json:"statuses,omitempty"`
	// Verdict is what the scheduler records for the node (the first failing plugin, or the
	// PreFilterResult exclusion); nil when the node passes.
	Verdict *Verdict `json:"verdict,omitempty"`
}

// Verdict is the one status the scheduler records for a node.
type Verdict struct {
	Plugin  string   `json:"plugin"`
	Code    Code     `json:"code"`
	Reasons []string `json:"reasons"`
}

// RunCycle runs a Pod through the profile over the cluster as one scheduling cycle: PreFilter,
// Filter on every node with nominated Pods (never stopping at the first failing plugin), then,
// when no node fits, the PostFilter plugins (DynamicResources' text and DefaultPreemption's dry
// run) and the scheduler's message.
func RunCycle(p *Profile, c *Cluster, pod *corev1.Pod, opts CycleOptions) *CycleResult {
	res := &CycleResult{SchedulerVersion: p.SchedulerVersion, Preemption: Preemption{Outcome: PreemptionNotAttempted}}
	if len(c.Nodes) == 0 {
		res.Message = ReasonNoNodes
		return res
	}
	var earlierState *CycleState
	if opts.Earlier != nil {
		earlierState = opts.Earlier.State
	}
	cs, rej := p.preFilter(pod, c, earlierState)
	res.State, res.everyBlocker = cs, opts.AllBlockersOn == nil
	if rej != nil {
		res.PreFilter = rej
		switch {
		case rej.Code == Error:
			// An internal error (condition reason SchedulerError): the status text alone, no FitError.
			res.Message = rej.Reason
		case p.preFilterRanDRA(rej):
			// DynamicResources' state exists: its PostFilter finds no claims and preemption runs,
			// with every node UnschedulableAndUnresolvable.
			p.postFilterAfterRejection(res, newCycleState(pod), c, rej)
		case p.PreFilterRejectionPostFilter != "":
			res.Preemption.Message = p.PreFilterRejectionPostFilter
			res.Message = fmt.Sprintf("0/%d nodes are available: %s. %s", len(c.Nodes), rej.Reason, p.PreFilterRejectionPostFilter)
		default:
			res.Message = fmt.Sprintf("0/%d nodes are available: %s.", len(c.Nodes), rej.Reason)
		}
		return res
	}
	if s := stateOf[*SpreadState](cs, PluginPodTopologySpread); s != nil {
		res.Spread = s.Summary()
	}

	res.Nodes = make([]NodeResult, len(c.Nodes))
	verdicts := make([]*Verdict, len(c.Nodes))
	known := p.knownStatuses(opts.Earlier, pod, c)
	for i, ni := range c.Nodes {
		var statuses []Status
		var recorded *Status
		all := opts.AllBlockersOn == nil || opts.AllBlockersOn(ni.Node.Name)
		if !all && opts.KnownVerdict != nil {
			if v := opts.KnownVerdict(ni); v != nil {
				res.Nodes[i], verdicts[i] = NodeResult{Name: ni.Node.Name, Verdict: v}, v
				continue
			}
		}
		switch {
		case known != nil && len(c.nominated[ni.Node.Name]) == 0 && (all || !cs.Excluded(ni.Node.Name)):
			if statuses = p.filterKnown(cs, ni, opts.Earlier.Nodes[i].Statuses, known, !all); len(statuses) > 0 {
				recorded = &statuses[0]
			}
		case all:
			statuses, recorded = p.filterWithNominated(cs, ni, c, p.Filter)
		case !cs.Excluded(ni.Node.Name):
			statuses, recorded = p.filterWithNominated(cs, ni, c, p.filterFirst)
		}
		nr := NodeResult{Name: ni.Node.Name, Statuses: statuses}
		switch {
		case cs.Excluded(ni.Node.Name):
			nr.Verdict = &Verdict{Plugin: strings.Join(cs.restrictedBy, ","), Code: UnschedulableAndUnresolvable,
				Reasons: []string{fmt.Sprintf(ReasonNotInPreFilterFmt, cs.restrictedBy)}}
		case recorded != nil:
			nr.Verdict = &Verdict{Plugin: recorded.Plugin, Code: recorded.Code, Reasons: recorded.Reasons}
		default:
			res.Feasible = true
		}
		res.Nodes[i], verdicts[i] = nr, nr.Verdict
	}
	if msg := filterError(res.Nodes); msg != "" {
		// A plugin's internal error (DynamicResources' CEL runtime error) aborts the cycle with
		// reason SchedulerError, whatever the other nodes did. The scheduler filters nodes in
		// parallel and reports whichever error comes first; this is the first node's in order.
		res.Feasible, res.Message = false, msg
		return res
	}
	if res.Feasible || opts.SkipPostFilter {
		return res
	}
	counted := verdicts
	if p.UncountedPreFilterExclusions {
		counted = make([]*Verdict, len(verdicts))
		for i, v := range verdicts {
			if !cs.Excluded(res.Nodes[i].Name) {
				counted[i] = v
			}
		}
	}
	msg := fmt.Sprintf("0/%d nodes are available:", len(c.Nodes))
	if h := histogram(counted, 0, nil); h != "" {
		msg += " " + h + "."
	}
	res.Preemption = p.preempt(cs, c, verdicts)
	if res.Preemption.Outcome == PreemptionWouldSucceed {
		// A successful PostFilter drops every other PostFilter text; v1.37 writes its own.
		res.Message = strings.TrimSuffix(msg+" "+res.Preemption.Message, " ")
		return res
	}
	statuses := make([][]Status, len(res.Nodes))
	for i := range res.Nodes {
		statuses[i] = res.Nodes[i].Statuses
	}
	draText, _ := p.draPostFilter(cs, c, statuses)
	if res.Preemption.Failed {
		// An Error status from a PostFilter plugin replaces the texts of those before it.
		draText = ""
	}
	var post []string
	for _, s := range []string{draText, res.Preemption.Message} {
		if s != "" {
			post = append(post, s)
		}
	}
	res.Message = msg + " " + strings.Join(post, ", ")
	return res
}

// PreFilter runs every plugin's PreFilter in profile order and merges their node restrictions.
// The first rejection aborts, as in the scheduler.
func (p *Profile) PreFilter(pod *corev1.Pod, c *Cluster) (*CycleState, *PreFilterRejection) {
	return p.preFilter(pod, c, nil)
}

func (p *Profile) preFilter(pod *corev1.Pod, c *Cluster, reuse *CycleState) (*CycleState, *PreFilterRejection) {
	cs := newCycleState(pod)
	cs.profile, cs.cluster = p, c
	if reuse != nil && reuse.profile != p {
		reuse = nil
	}
	for _, pl := range p.Plugins {
		if change, ok := reuse.reusable(pl, pod, c); ok {
			if v, ok := reuse.data[pl.Name()]; ok {
				cs.data[pl.Name()] = v
				if ext, ok := pl.(PodsExtension); ok && change.PodsChanged() {
					for _, pods := range byNode(change.Evicted) {
						ext.RemovePods(cs, c.Node(pods[0].Spec.NodeName).Node, pods)
					}
					for _, pods := range byNode(change.Bound) {
						ext.AddPods(cs, c.Node(pods[0].Spec.NodeName).Node, pods)
					}
				}
			}
			continue
		}
		names, rej := pl.PreFilter(cs, pod, c)
		if rej != nil {
			return nil, rej
		}
		if names == nil {
			continue
		}
		if cs.nodeNames == nil {
			cs.nodeNames = names
		} else {
			cs.nodeNames = cs.nodeNames.Intersection(names)
		}
		cs.restrictedBy = append(cs.restrictedBy, pl.Name())
		sort.Strings(cs.restrictedBy)
		if len(cs.nodeNames) == 0 {
			// The restrictions leave no node: the framework rejects the Pod here.
			msg := fmt.Sprintf("node(s) didn't satisfy plugin(s) %v simultaneously", cs.restrictedBy)
			if len(cs.restrictedBy) == 1 {
				msg = fmt.Sprintf("node(s) didn't satisfy plugin %v", cs.restrictedBy[0])
			}
			return nil, &PreFilterRejection{Plugin: pl.Name(), Code: UnschedulableAndUnresolvable, Reason: msg}
		}
	}
	return cs, nil
}

// reusable: pl's PreFilter state in cs (an earlier cycle over c or the cluster c was derived
// from) holds for pod in c as well, once the change's Pods are taken off and added. A plugin
// that restricted the nodes is run again (its node names are not kept).
func (cs *CycleState) reusable(pl Plugin, pod *corev1.Pod, c *Cluster) (ClusterChange, bool) {
	r, ok := pl.(PreFilterReuser)
	if !ok || cs == nil || slices.Contains(cs.restrictedBy, pl.Name()) {
		return ClusterChange{}, false
	}
	change, ok := c.changeFrom(cs.cluster)
	if !ok || !r.SamePreFilterInput(cs.Pod, pod, change) {
		return ClusterChange{}, false
	}
	if _, ext := pl.(PodsExtension); change.PodsChanged() && !ext {
		return ClusterChange{}, false
	}
	return change, true
}

// byNode groups Pods by the node they are bound to, in order of first appearance.
func byNode(pods []*corev1.Pod) [][]*corev1.Pod {
	var out [][]*corev1.Pod
	at := map[string]int{}
	for _, p := range pods {
		i, ok := at[p.Spec.NodeName]
		if !ok {
			i = len(out)
			at[p.Spec.NodeName] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], p)
	}
	return out
}

// knownStatuses says, per plugin of the profile, whether earlier's status on a node stands for
// pod's (FilterReuser); nil when none does or earlier cannot tell.
func (p *Profile) knownStatuses(earlier *CycleResult, pod *corev1.Pod, c *Cluster) []bool {
	if earlier == nil || earlier.State == nil || earlier.State.profile != p || earlier.State.cluster != c || !earlier.everyBlocker || len(earlier.Nodes) != len(c.Nodes) {
		return nil
	}
	known, any := make([]bool, len(p.Plugins)), false
	for k, pl := range p.Plugins {
		if r, ok := pl.(FilterReuser); ok && r.SamePodInput(earlier.State.Pod, pod) {
			known[k], any = true, true
		}
	}
	if !any {
		return nil
	}
	return known
}

// filterKnown is Filter (or, with first, filterFirst) taking each known plugin's status from
// earlier, the node's statuses in an earlier cycle that saw every blocker.
func (p *Profile) filterKnown(cs *CycleState, ni *NodeInfo, earlier []Status, known []bool, first bool) []Status {
	var out []Status
	for k, pl := range p.Plugins {
		var st *Status
		if known[k] {
			for j := range earlier {
				if earlier[j].Plugin == pl.Name() {
					st = &earlier[j]
					break
				}
			}
		} else {
			st = pl.Filter(cs, ni)
		}
		if st != nil {
			out = append(out, *st)
			if first {
				break
			}
		}
	}
	return out
}

// Filter runs every plugin's Filter on one node and never stops at the first failure. It returns
// the failing plugins' statuses in profile order: the first is what the scheduler records.
func (p *Profile) Filter(cs *CycleState, ni *NodeInfo) []Status {
	var out []Status
	for _, pl := range p.Plugins {
		if st := pl.Filter(cs, ni); st != nil {
			out = append(out, *st)
		}
	}
	return out
}

// filterFirst is Filter stopping at the first failing plugin: the scheduler's own pass. Its
// callers read the verdict only, so plugins may leave out evidence (CycleState.verdictOnly).
func (p *Profile) filterFirst(cs *CycleState, ni *NodeInfo) []Status {
	quiet := *cs
	quiet.verdictOnly = true
	cs = &quiet
	for _, pl := range p.Plugins {
		if st := pl.Filter(cs, ni); st != nil {
			return []Status{*st}
		}
	}
	return nil
}

// filterWithNominated filters as RunFilterPluginsWithNominatedPods does: first with the Pods
// nominated to this node at equal or higher priority added, then (if that passes and any were
// added) without them; both must pass. It returns every failing plugin's status, in profile
// order, and the one the scheduler records for the node (nil when the node passes).
// filter is Filter or filterFirst.
func (p *Profile) filterWithNominated(cs *CycleState, ni *NodeInfo, c *Cluster,
	filter func(*CycleState, *NodeInfo) []Status) (statuses []Status, recorded *Status) {
	var add []*corev1.Pod
	for _, n := range c.nominated[ni.Node.Name] {
		if len(n.Spec.SchedulingGates) > 0 && !p.NominatesGatedPods {
			continue
		}
		if n.UID != cs.Pod.UID && corev1helpers.PodPriority(n) >= cs.Priority {
			add = append(add, n)
		}
	}
	without := filter(cs, ni)
	if len(add) > 0 {
		cs2, ni2 := p.withPods(cs, ni, add, true)
		if with := filter(cs2, ni2); len(with) > 0 {
			// The scheduler records the first of these; a plugin that fails only without the
			// nominated Pods blocks the node too (its second pass), in its profile place.
			return p.mergeStatuses(with, without), &with[0]
		}
	}
	if len(without) == 0 {
		return nil, nil
	}
	return without, &without[0]
}

// mergeStatuses is sts plus the statuses of more whose plugin sts lacks, in profile order.
func (p *Profile) mergeStatuses(sts, more []Status) []Status {
	byPlugin := map[string]Status{}
	for _, s := range more {
		byPlugin[s.Plugin] = s
	}
	for _, s := range sts {
		byPlugin[s.Plugin] = s
	}
	var out []Status
	for _, pl := range p.Plugins {
		if s, ok := byPlugin[pl.Name()]; ok {
			out = append(out, s)
		}
	}
	return out
}

// withPods is the state and node with pods added to the node (nominated Pods) or taken off it
// (preemption's victims): every PodsExtension's hook, and a NodeInfo rebuilt without or with them.
// cs and ni are not modified.
func (p *Profile) withPods(cs *CycleState, ni *NodeInfo, pods []*corev1.Pod, add bool) (*CycleState, *NodeInfo) {
	out := p.statesWithPods(cs, ni.Node, pods, add)
	if add {
		return out, ni.withPods(pods)
	}
	return out, ni.withoutPods(pods)
}

// statesWithPods is the state with every PodsExtension's hook run for pods added to node or
// taken off it; cs is not modified.
func (p *Profile) statesWithPods(cs *CycleState, node *corev1.Node, pods []*corev1.Pod, add bool) *CycleState {
	if !p.hasPodsStates(cs) {
		return cs // no hook would change anything (the usual Pod: no affinity, spread or RWOP claim)
	}
	out := cs.clone()
	for _, pl := range p.Plugins {
		ext, ok := pl.(PodsExtension)
		switch {
		case !ok:
		case add:
			ext.AddPods(out, node, pods)
		default:
			ext.RemovePods(out, node, pods)
		}
	}
	return out
}

// hasPodsStates: some PodsExtension plugin keeps a state in cs.
func (p *Profile) hasPodsStates(cs *CycleState) bool {
	for _, pl := range p.Plugins {
		if _, ok := pl.(PodsExtension); ok && cs.data[pl.Name()] != nil {
			return true
		}
	}
	return false
}

// histogram renders the scheduler's "count reason" list: every explicit verdict's reasons counted,
// absent nodes (nil verdicts are skipped) counted with absentReasons, sorted byte-wise.
func histogram(verdicts []*Verdict, absent int, absentReasons []string) string {
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

// preFilterRanDRA reports whether the PostFilter plugins run after the rejection: DynamicResources'
// PreFilter ran before it (it rejected the Pod itself, or a plugin after it did), or the profile
// has no DynamicResources.
func (p *Profile) preFilterRanDRA(rej *PreFilterRejection) bool {
	ran, dra := false, false
	for _, pl := range p.Plugins {
		if pl.Name() == PluginDynamicResources {
			ran, dra = true, true
		}
		if pl.Name() == rej.Plugin && dra {
			return ran
		}
	}
	// Without DynamicResources in the profile (v1.33 and older) nothing stops the PostFilter
	// plugins: preemption runs after every PreFilter rejection.
	return !dra
}

// postFilterAfterRejection writes the message of a PreFilter rejection after which the
// PostFilter plugins ran: DynamicResources' text for a Pod without claims, then preemption's.
func (p *Profile) postFilterAfterRejection(res *CycleResult, cs *CycleState, c *Cluster, rej *PreFilterRejection) {
	verdicts := make([]*Verdict, len(c.Nodes))
	for i := range verdicts {
		verdicts[i] = &Verdict{Plugin: rej.Plugin, Code: UnschedulableAndUnresolvable, Reasons: []string{rej.Reason}}
	}
	res.Preemption = p.preempt(cs, c, verdicts)
	var post []string
	for _, s := range []string{p.DRAPostFilterReason, res.Preemption.Message} {
		if s != "" {
			post = append(post, s)
		}
	}
	res.Message = fmt.Sprintf("0/%d nodes are available: %s. %s", len(c.Nodes), rej.Reason, strings.Join(post, ", "))
}

// FilterErrors are the texts the scheduler may end the cycle with when a Filter plugin returns
// an Error status on some nodes (one per such node, in node order); nil when none does.
func FilterErrors(nodes []NodeResult) []string {
	var out []string
	for _, nr := range nodes {
		if v := nr.Verdict; v != nil && v.Code == Error {
			out = append(out, fmt.Sprintf("running %q filter plugin: %s", v.Plugin, strings.Join(v.Reasons, ", ")))
		}
	}
	return out
}

func filterError(nodes []NodeResult) string {
	if errs := FilterErrors(nodes); len(errs) > 0 {
		return errs[0]
	}
	return ""
}
