package explain

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// FixOutcome is what a fix achieves, found by applying it to a copy of the cluster and running
// the whole scheduling cycle again with the same profile.
type FixOutcome struct {
	// Action is the change that was applied (the fix's Action or, when that one cannot be
	// applied to a copy, the first alternative that can).
	Action FixAction `json:"action"`
	// Schedulable is how many nodes then pass every filter; SchedulesOn names the first of them.
	Schedulable int      `json:"schedulable"`
	SchedulesOn []string `json:"schedulesOn,omitempty"`
	// Cleared is how many of the nodes the cause was found on no longer have it.
	Cleared int `json:"cleared"`
	// Remaining are the blocker kinds still found on the cleared nodes, most nodes first.
	Remaining []checks.BlockerKind `json:"remaining,omitempty"`
	// PreFilter is the reason the changed Pod is rejected before any node is looked at.
	PreFilter string `json:"preFilter,omitempty"`
	// NewNodes maps each node the change adds to the existing node it copies.
	NewNodes map[string]string `json:"newNodes,omitempty"`
	// Evicted are the lower-priority Pods (namespace/name) the change evicts (FreeCapacity).
	Evicted []string `json:"evicted,omitempty"`
}

// Plan is the least found to change: the smallest set of fixes that, applied together to a copy
// of the cluster, lets the Pod pass every filter on some node.
type Plan struct {
	// Fixes are indexes into the Pod's Fixes.
	Fixes   []int      `json:"fixes"`
	Outcome FixOutcome `json:"outcome"`
}

// Verification bounds: a fix is one more Filter pass over every node, so the candidates are capped.
const (
	maxVerifiedFixes = 12 // single fixes applied
	maxPlanFixes     = 6  // the best verified fixes combined in pairs and triples
	maxPlanSize      = 3
	maxSchedulesOn   = 5
)

// edit is a fix as a change: to the Pod (applied to a copy), to nodes (each to a copy), Pods to
// evict and nodes to add.
type edit struct {
	action FixAction
	pod    []func(*corev1.Pod)
	nodes  map[string][]func(*corev1.Node)
	evict  []*corev1.Pod
	bind   []*corev1.Pod // changed copies of evicted Pods, bound where they were
	add    []*corev1.Node
	like   map[string]string // added node -> the node it copies
}

func (e *edit) onNodes(names []string, f func(*corev1.Node)) {
	if e.nodes == nil {
		e.nodes = map[string][]func(*corev1.Node){}
	}
	for _, n := range names {
		e.nodes[n] = append(e.nodes[n], f)
	}
}

// merge is both edits at once.
func merge(es ...*edit) *edit {
	out := &edit{}
	for _, e := range es {
		out.pod = append(out.pod, e.pod...)
		for n, fs := range e.nodes {
			if out.nodes == nil {
				out.nodes = map[string][]func(*corev1.Node){}
			}
			out.nodes[n] = append(out.nodes[n], fs...)
		}
		out.evict = append(out.evict, e.evict...)
		out.bind = append(out.bind, e.bind...)
		for _, a := range e.add {
			for _, have := range out.add {
				if have.Name == a.Name {
					a = a.DeepCopy()
					a.Name = fmt.Sprintf("%s-%d", a.Name, len(out.add))
					a.Labels[corev1.LabelHostname] = a.Name
				}
			}
			out.add = append(out.add, a)
		}
		for n, like := range e.like {
			if out.like == nil {
				out.like = map[string]string{}
			}
			out.like[n] = like
		}
	}
	return out
}

// apply returns the changed Pod and cluster.
func (e *edit) apply(c *checks.Cluster, pod *corev1.Pod) (*checks.Cluster, *corev1.Pod) {
	if len(e.pod) > 0 {
		pod = pod.DeepCopy()
		for _, f := range e.pod {
			f(pod)
		}
	}
	if len(e.nodes) == 0 && len(e.evict) == 0 && len(e.add) == 0 {
		return c, pod
	}
	ce := checks.ClusterEdit{Nodes: map[string]*corev1.Node{}, Evict: e.evict, Add: e.add, Bind: e.bind}
	for name, fs := range e.nodes {
		ni := c.Node(name)
		if ni == nil {
			continue
		}
		n := ni.Node.DeepCopy()
		for _, f := range fs {
			f(n)
		}
		ce.Nodes[name] = n
	}
	return c.Derive(ce), pod
}

// verifier re-runs the cycle for changed copies of one Pod's cluster.
type verifier struct {
	profile *checks.Profile
	cluster *checks.Cluster
	pod     *corev1.Pod
	// failing are the first cycle's verdicts by a node-local plugin (checks.NodeLocal), by node:
	// a fix that changes neither the Pod nor such a node leaves it failing, so it is not filtered
	// again.
	failing map[string]*checks.Verdict
	// first is the Pod's first cycle (every blocker on every node): a fix reuses what it did not
	// change of its PreFilter states and node statuses (CycleOptions.Earlier).
	first *checks.CycleResult
}

func newVerifier(profile *checks.Profile, c *checks.Cluster, pod *corev1.Pod, first *checks.CycleResult, nodes []keyedNode) *verifier {
	v := &verifier{profile: profile, cluster: c, pod: pod, first: first, failing: map[string]*checks.Verdict{}}
	for _, n := range nodes {
		if s := n.Scheduler; s != nil && s.Code != checks.Error && checks.NodeLocal(s.Plugin) {
			v.failing[n.Name] = &checks.Verdict{Plugin: s.Plugin, Code: s.Code, Reasons: s.Reasons}
		}
	}
	return v
}

func (v *verifier) run(e *edit, causeKey string, causeNodes []string) FixOutcome {
	c, pod := e.apply(v.cluster, v.pod)
	onCause := make(map[string]bool, len(causeNodes))
	for _, n := range causeNodes {
		onCause[n] = true
	}
	// Every blocker is read on the cause nodes only; elsewhere whether the node passes.
	opts := checks.CycleOptions{SkipPostFilter: true, Earlier: v.first,
		AllBlockersOn: func(node string) bool { return causeKey != "" && onCause[node] }}
	if len(e.pod) == 0 {
		opts.KnownVerdict = func(ni *checks.NodeInfo) *checks.Verdict {
			if known := v.failing[ni.Node.Name]; known != nil && v.cluster.Node(ni.Node.Name) == ni {
				return known // the same NodeInfo: the edit left this node alone
			}
			return nil
		}
	}
	res := checks.RunCycle(v.profile, c, pod, opts)
	out := FixOutcome{Action: e.action}
	if len(e.bind) == 0 { // a Pod replaced by its changed copy is not evicted
		for _, p := range e.evict {
			out.Evicted = append(out.Evicted, p.Namespace+"/"+p.Name)
		}
	}
	if res.PreFilter != nil {
		out.PreFilter = res.PreFilter.Reason
		return out
	}
	remaining := map[checks.BlockerKind]int{}
	for _, n := range res.Nodes {
		if n.Verdict == nil {
			out.Schedulable++
			if len(out.SchedulesOn) < maxSchedulesOn {
				out.SchedulesOn = append(out.SchedulesOn, n.Name)
			}
			if like, ok := e.like[n.Name]; ok {
				if out.NewNodes == nil {
					out.NewNodes = map[string]string{}
				}
				out.NewNodes[n.Name] = like
			}
		}
		if !onCause[n.Name] || causeKey == "" {
			continue
		}
		still, kinds := false, map[checks.BlockerKind]bool{}
		for _, st := range n.Statuses {
			for _, b := range st.Blockers {
				if checks.Identity(b) == causeKey {
					still = true
				}
				kinds[b.Kind] = true
			}
		}
		if still {
			continue
		}
		out.Cleared++
		for k := range kinds {
			remaining[k]++
		}
	}
	for k := range remaining {
		out.Remaining = append(out.Remaining, k)
	}
	sort.Slice(out.Remaining, func(i, j int) bool {
		a, b := out.Remaining[i], out.Remaining[j]
		if remaining[a] != remaining[b] {
			return remaining[a] > remaining[b]
		}
		return a < b
	})
	return out
}

// verifyFixes applies each fix to a copy of the cluster, records what it achieves and sets
// Sufficient from that; when no single fix is enough it looks for the smallest combination.
func verifyFixes(profile *checks.Profile, c *checks.Cluster, pod *corev1.Pod, first *checks.CycleResult, fixes []Fix, metas []fixMeta, nodes []keyedNode) *Plan {
	v := newVerifier(profile, c, pod, first, nodes)
	tried := 0
	for i := range fixes {
		f, m := &fixes[i], &metas[i]
		f.Sufficient = false
		if tried == maxVerifiedFixes {
			continue
		}
		// The fix's action first; when that is not enough, each alternative that can be applied
		// (lowering a request may not be enough where adding a node like the closest is).
		var out *FixOutcome
		for _, a := range append([]FixAction{f.Action}, f.Alternatives...) {
			e := editForAction(a, f, m, c, pod)
			if e == nil {
				continue
			}
			e.action = a
			o := v.run(e, m.key, m.causeNodes)
			if out == nil || o.Schedulable > 0 {
				out, m.edit = &o, e
			}
			if o.Schedulable > 0 {
				break
			}
		}
		if out == nil {
			continue
		}
		tried++
		f.Outcome = out
		f.Sufficient = out.Schedulable > 0
	}
	intended, selects := podSelection(nodes)
	for i := range fixes {
		metas[i].intent = intentRank(&fixes[i], &metas[i], intended, selects)
	}
	rankFixes(fixes, metas)
	for i := range fixes {
		if fixes[i].Sufficient {
			return &Plan{Fixes: []int{i}, Outcome: *fixes[i].Outcome}
		}
	}
	// The pool: verified fixes that clear their cause somewhere, in rank order.
	var pool []int
	for i := range fixes {
		if metas[i].edit != nil && fixes[i].Outcome != nil && fixes[i].Outcome.Cleared > 0 && len(pool) < maxPlanFixes {
			pool = append(pool, i)
		}
	}
	for size := 2; size <= maxPlanSize && size <= len(pool); size++ {
		var found *Plan
		combinations(len(pool), size, func(idx []int) bool {
			var parts []*edit
			var set []int
			for _, k := range idx {
				parts = append(parts, metas[pool[k]].edit)
				set = append(set, pool[k])
			}
			e := merge(parts...)
			out := v.run(e, "", nil)
			if out.Schedulable == 0 {
				return true
			}
			out.Action = ""
			found = &Plan{Fixes: set, Outcome: out}
			return false
		})
		if found != nil {
			return found
		}
	}
	return nil
}

// combinations calls f with every size-subset of 0..n-1 in lexicographic order until f returns false.
func combinations(n, size int, f func([]int) bool) {
	idx := make([]int, size)
	for i := range idx {
		idx[i] = i
	}
	for {
		if !f(append([]int(nil), idx...)) {
			return
		}
		i := size - 1
		for i >= 0 && idx[i] == n-size+i {
			i--
		}
		if i < 0 {
			return
		}
		idx[i]++
		for j := i + 1; j < size; j++ {
			idx[j] = idx[j-1] + 1
		}
	}
}

// editForAction turns a fix into a change to a copy of the cluster by one of its actions; nil
// when that action cannot be applied (then the fix stays unverified).
func editForAction(a FixAction, f *Fix, m *fixMeta, c *checks.Cluster, pod *corev1.Pod) *edit {
	ch := f.Change
	e := &edit{}
	switch a {
	case ActionUncordon:
		// The cordon and its node.kubernetes.io/unschedulable taint are one cause: uncordon lifts both.
		e.onNodes(m.causeNodes, func(n *corev1.Node) {
			n.Spec.Unschedulable = false
			n.Spec.Taints = withoutTaint(n.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
		})
	case ActionRemoveTaint, ActionRepairNode:
		if ch.Taint == nil {
			return nil
		}
		t := *ch.Taint
		e.onNodes(m.causeNodes, func(n *corev1.Node) {
			n.Spec.Taints = withoutTaint(n.Spec.Taints, t)
			if t.Key == corev1.TaintNodeUnschedulable {
				n.Spec.Unschedulable = false
			}
		})
	case ActionAddToleration:
		if ch.Toleration == nil {
			return nil
		}
		tol, near := *ch.Toleration, ch.NearestToleration
		e.pod = append(e.pod, func(p *corev1.Pod) { p.Spec.Tolerations = withToleration(p.Spec.Tolerations, tol, near) })
	case ActionChangeNodeSelector:
		if ch.Label == nil {
			return nil
		}
		key := ch.Label.Key
		e.pod = append(e.pod, func(p *corev1.Pod) { delete(p.Spec.NodeSelector, key) })
	case ActionLabelNode:
		if ch.Label == nil || ch.Label.Value == "" || len(m.causeNodes) == 0 || f.Kind != checks.KindNodeSelectorMismatch {
			return nil
		}
		l := *ch.Label
		targets := targetNodeNames(f)
		if len(targets) == 0 {
			return nil
		}
		e.onNodes(targets[:1], func(n *corev1.Node) {
			if n.Labels == nil {
				n.Labels = map[string]string{}
			}
			n.Labels[l.Key] = l.Value
		})
	case ActionRelaxNodeAffinity:
		if pinnedToNode(ch.Terms) {
			// A matchFields metadata.name pin is how a DaemonSet places its Pod on one node:
			// dropping it is never the fix.
			return nil
		}
		e.pod = append(e.pod, func(p *corev1.Pod) {
			if p.Spec.Affinity != nil && p.Spec.Affinity.NodeAffinity != nil {
				p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
			}
		})
	case ActionDropHostPort:
		if ch.HostPort == nil {
			return nil
		}
		port := ch.HostPort.Port
		e.pod = append(e.pod, func(p *corev1.Pod) {
			for i := range p.Spec.Containers {
				for j := range p.Spec.Containers[i].Ports {
					if p.Spec.Containers[i].Ports[j].HostPort == port {
						p.Spec.Containers[i].Ports[j].HostPort = 0
					}
				}
			}
		})
	case ActionAddNodes:
		template := addNodeTemplate(m, c, pod)
		if template == nil {
			return nil
		}
		n := template.DeepCopy()
		n.Name = template.Name + "-copy"
		n.ResourceVersion, n.UID = "", ""
		n.Spec.Unschedulable = false
		n.Spec.Taints = withoutTaint(n.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Labels[corev1.LabelHostname] = n.Name
		e.add = append(e.add, n)
		e.like = map[string]string{n.Name: template.Name}
	case ActionChangeRequest:
		r := ch.Resource
		if r == nil || r.LowerTo == nil || len(pod.Spec.Containers) != 1 || len(pod.Spec.InitContainers) > 0 || pod.Spec.Resources != nil {
			return nil
		}
		name, q := r.Resource, r.LowerTo.DeepCopy()
		e.pod = append(e.pod, func(p *corev1.Pod) {
			c := &p.Spec.Containers[0]
			if c.Resources.Requests == nil {
				c.Resources.Requests = corev1.ResourceList{}
			}
			c.Resources.Requests[name] = q
			if l, ok := c.Resources.Limits[name]; ok && l.Cmp(q) < 0 {
				c.Resources.Limits[name] = q
			}
		})
	case ActionRaiseMaxSkew:
		s := ch.Spread
		if s == nil || s.RaiseTo == 0 {
			return nil
		}
		i, to := s.Constraint, s.RaiseTo
		e.pod = append(e.pod, func(p *corev1.Pod) {
			if i < len(p.Spec.TopologySpreadConstraints) {
				p.Spec.TopologySpreadConstraints[i].MaxSkew = to
			}
		})
	case ActionChangeOtherPod:
		a := ch.PodAffinity
		if a == nil || f.Kind != checks.KindExistingAntiAffinity {
			return nil
		}
		names := map[string]bool{a.Pod: true}
		for _, p := range ch.Pods {
			names[p.Pod] = true
		}
		for _, ni := range c.Nodes {
			for _, p := range ni.Pods {
				if names[p.Namespace+"/"+p.Name] {
					changed := p.DeepCopy()
					dropPodAffinityTerm(changed, true, a.Term)
					e.evict, e.bind = append(e.evict, p), append(e.bind, changed)
				}
			}
		}
		if len(e.bind) == 0 {
			return nil
		}
	case ActionFreeCapacity:
		e.evict = evictionsFor(f, m, c, pod)
		if len(e.evict) == 0 {
			return nil
		}
	case ActionEnableNodeFeature:
		if ch.Features == nil || len(ch.Features.Required) == 0 {
			return nil
		}
		want := ch.Features.Required
		e.onNodes(m.causeNodes, func(n *corev1.Node) {
			have := map[string]bool{}
			for _, f := range n.Status.DeclaredFeatures {
				have[f] = true
			}
			for _, f := range want {
				if !have[f] {
					n.Status.DeclaredFeatures = append(n.Status.DeclaredFeatures, f)
				}
			}
			sort.Strings(n.Status.DeclaredFeatures)
		})
	case ActionRelaxPodAffinity:
		a := ch.PodAffinity
		if a == nil || f.Kind == checks.KindExistingAntiAffinity {
			return nil
		}
		anti, term := f.Kind == checks.KindPodAntiAffinityConflict, a.Term
		e.pod = append(e.pod, func(p *corev1.Pod) { dropPodAffinityTerm(p, anti, term) })
	default:
		return nil
	}
	return e
}

// addNodeTemplate is the node a new one is made like: the cause's node closest to fitting whose
// allocatable, empty, holds the Pod's requests (a copy of a small node cannot take a big Pod),
// else the closest.
func addNodeTemplate(m *fixMeta, c *checks.Cluster, pod *corev1.Pod) *corev1.Node {
	requests := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	var closest *corev1.Node
	for _, name := range m.causeNodes {
		ni := c.Node(name)
		if ni == nil {
			continue
		}
		if closest == nil {
			closest = ni.Node
		}
		holds := true
		for r, q := range requests {
			if a, ok := ni.Node.Status.Allocatable[r]; !ok || a.Cmp(q) < 0 {
				holds = false
				break
			}
		}
		if holds {
			return ni.Node
		}
	}
	return closest
}

func targetNodeNames(f *Fix) []string {
	var out []string
	for _, t := range f.Targets {
		if t.Kind == "Node" {
			out = append(out, t.Name)
		}
	}
	return out
}

func withoutTaint(taints []corev1.Taint, t corev1.Taint) []corev1.Taint {
	var out []corev1.Taint
	for _, x := range taints {
		if x.Key == t.Key && x.Effect == t.Effect {
			continue
		}
		out = append(out, x)
	}
	return out
}

// withToleration adds tol, replacing the near-miss toleration it corrects.
func withToleration(tols []corev1.Toleration, tol corev1.Toleration, near *corev1.Toleration) []corev1.Toleration {
	out := make([]corev1.Toleration, 0, len(tols)+1)
	for _, t := range tols {
		if near != nil && t.MatchToleration(near) {
			continue
		}
		out = append(out, t)
	}
	return append(out, tol)
}

func dropPodAffinityTerm(p *corev1.Pod, anti bool, term int) {
	a := p.Spec.Affinity
	if a == nil {
		return
	}
	drop := func(terms []corev1.PodAffinityTerm) []corev1.PodAffinityTerm {
		if term < 0 || term >= len(terms) {
			return terms
		}
		return append(append([]corev1.PodAffinityTerm(nil), terms[:term]...), terms[term+1:]...)
	}
	if anti && a.PodAntiAffinity != nil {
		a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = drop(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
	}
	if !anti && a.PodAffinity != nil {
		a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = drop(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
	}
}

// intentRank orders fixes by what the cluster already expresses: 0 acts on the nodes the Pod's
// own selection picks (tolerate their taint, uncordon them, add one like them), 1 changes only
// the Pod, 2 changes other nodes, 3 labels a node or drops the Pod's selection.
func intentRank(f *Fix, m *fixMeta, intended map[string]bool, selects bool) int {
	onIntended := false
	for _, n := range m.causeNodes {
		if intended[n] {
			onIntended = true
			break
		}
	}
	action := f.Action
	if f.Outcome != nil {
		action = f.Outcome.Action
	}
	switch action {
	case ActionChangeNodeSelector, ActionRelaxNodeAffinity, ActionLabelNode:
		return 3
	case ActionAddToleration, ActionUncordon, ActionRemoveTaint, ActionAddNodes, ActionRepairNode:
		if selects && onIntended {
			return 0
		}
		if action == ActionAddToleration || action == ActionRemoveTaint {
			// A taint on nodes the Pod does not select reserves them for others (a GPU or a
			// database pool): crossing it comes after every other kind of change.
			return 3
		}
	}
	if podSide(action) {
		return 1
	}
	return 2
}

func podSide(a FixAction) bool {
	switch a {
	case ActionAddToleration, ActionChangeNodeSelector, ActionRelaxNodeAffinity, ActionDropHostPort, ActionChangeHostPort,
		ActionChangeRequest, ActionRaiseMaxSkew, ActionRelaxPodAffinity, ActionChangePodLabels, ActionChangeNodeName:
		return true
	}
	return false
}

// objectsChanged is the blast radius: how many objects the fix changes.
func objectsChanged(m *fixMeta) int {
	if m.edit == nil {
		return 1 << 20
	}
	// A new node is more than a change to one that exists (it is bought, not edited).
	n := len(m.edit.nodes) + len(m.edit.evict) + 2*len(m.edit.add)
	if len(m.edit.pod) > 0 {
		n++
	}
	return n
}

// rankFixes orders verified-sufficient fixes first, then by intent, blast radius, then the most
// nodes made schedulable or the most nodes the cause is on.
func rankFixes(fixes []Fix, metas []fixMeta) {
	sortFixes(fixes, metas, func(a, b *Fix, ma, mb *fixMeta) bool {
		if a.Sufficient != b.Sufficient {
			return a.Sufficient
		}
		if ma.intent != mb.intent {
			return ma.intent < mb.intent
		}
		if oa, ob := objectsChanged(ma), objectsChanged(mb); oa != ob {
			return oa < ob
		}
		if sa, sb := schedulable(a), schedulable(b); sa != sb {
			return sa > sb
		}
		return a.Nodes > b.Nodes
	})
}

func schedulable(f *Fix) int {
	if f.Outcome == nil {
		return 0
	}
	return f.Outcome.Schedulable
}

// dedicatedLabel: the label marks a dedicated pool when nodes carrying it are tainted (the
// pool's owners keep others off), or its key says so.
func dedicatedLabel(key string) bool {
	k := strings.ToLower(key)
	return k == "dedicated" || strings.HasSuffix(k, "/dedicated") || strings.HasPrefix(k, "node-role.kubernetes.io/")
}

// maxEvictionNodes is how many of the cause's nodes (closest first) are tried for an eviction.
const maxEvictionNodes = 3

// evictionsFor names the fewest lower-priority Pods on one node whose eviction covers the
// resource shortfall there: lowest priority first, then the largest request. The snapshot holds
// no PodDisruptionBudgets, so none is consulted; Pods being deleted are not counted on.
func evictionsFor(f *Fix, m *fixMeta, c *checks.Cluster, pod *corev1.Pod) []*corev1.Pod {
	r := f.Change.Resource
	if r == nil || len(m.shortfall) == 0 {
		return nil
	}
	prio := priorityOf(pod)
	tried := 0
	for _, name := range m.causeNodes {
		need, ok := m.shortfall[name]
		ni := c.Node(name)
		if !ok || ni == nil {
			continue
		}
		if tried++; tried > maxEvictionNodes {
			break
		}
		type cand struct {
			p   *corev1.Pod
			req resource.Quantity
		}
		var cands []cand
		for _, p := range ni.Pods {
			if p.DeletionTimestamp != nil || priorityOf(p) >= prio {
				continue
			}
			q := resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})[r.Resource]
			if q.IsZero() {
				continue
			}
			cands = append(cands, cand{p, q})
		}
		sort.SliceStable(cands, func(i, j int) bool {
			if pi, pj := priorityOf(cands[i].p), priorityOf(cands[j].p); pi != pj {
				return pi < pj
			}
			return cands[i].req.Cmp(cands[j].req) > 0
		})
		var victims []*corev1.Pod
		freed := resource.Quantity{}
		for _, cd := range cands {
			if freed.Cmp(need) >= 0 {
				break
			}
			victims = append(victims, cd.p)
			freed.Add(cd.req)
		}
		if freed.Cmp(need) >= 0 && len(victims) > 0 {
			return victims
		}
	}
	return nil
}

// nameHolders says, for each resource fix, which Pods hold the most of the resource on the node
// with the most free: the capacity a reader would free or move.
func nameHolders(fixes []Fix, metas []fixMeta, c *checks.Cluster) {
	for i := range fixes {
		ch, m := fixes[i].Change.Resource, &metas[i]
		if ch == nil || fixes[i].Kind != checks.KindInsufficientResource || len(m.shortfall) == 0 {
			continue
		}
		best := ""
		for _, n := range m.causeNodes {
			q, ok := m.shortfall[n]
			if ok && (best == "" || q.Cmp(m.shortfall[best]) < 0) {
				best = n
			}
		}
		ni := c.Node(best)
		if ni == nil {
			continue
		}
		var held []PodQuantity
		for _, p := range ni.Pods {
			q := resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{})[ch.Resource]
			if !q.IsZero() {
				held = append(held, PodQuantity{Pod: p.Namespace + "/" + p.Name, Quantity: q})
			}
		}
		sort.SliceStable(held, func(a, b int) bool { return held[a].Quantity.Cmp(held[b].Quantity) > 0 })
		if len(held) > 3 {
			held = held[:3]
		}
		ch.Node, ch.HeldBy = best, held
	}
}

// pinnedToNode: every failed requirement of the terms is a matchFields requirement (a Pod pinned
// to named nodes, as the DaemonSet controller pins its Pods).
func pinnedToNode(terms []checks.TermMismatch) bool {
	pinned := false
	for _, t := range terms {
		for _, f := range t.Failed {
			if !f.Field {
				return false
			}
			pinned = true
		}
	}
	return pinned
}
