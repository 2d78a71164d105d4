package checks

import (
	"fmt"
	"maps"
	"math"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// spreadConstraint is one constraint as PodTopologySpread uses it: selector parsed (matchLabelKeys
// merged), minDomains and the node inclusion policies defaulted.
type spreadConstraint struct {
	index              int // in the list the caller gave (spec.topologySpreadConstraints)
	whenUnsatisfiable  corev1.UnsatisfiableConstraintAction
	maxSkew            int32
	topologyKey        string
	selector           labels.Selector
	labelSelector      *metav1.LabelSelector // effective (matchLabelKeys merged), for the report
	minDomains         int32
	nodeAffinityPolicy corev1.NodeInclusionPolicy
	nodeTaintsPolicy   corev1.NodeInclusionPolicy
}

// SpreadExclusionReason says why a node is not counted for a constraint.
type SpreadExclusionReason string

const (
	// SpreadMissingTopologyKey: the node lacks the topologyKey of some constraint, so the scheduler
	// skips it for every constraint.
	SpreadMissingTopologyKey SpreadExclusionReason = "MissingTopologyKey"
	// SpreadNodeAffinityPolicy: nodeAffinityPolicy Honor and the Pod's nodeSelector/affinity rejects the node.
	SpreadNodeAffinityPolicy SpreadExclusionReason = "NodeAffinityPolicy"
	// SpreadNodeTaintsPolicy: nodeTaintsPolicy Honor and the node has an untolerated NoSchedule/NoExecute taint.
	SpreadNodeTaintsPolicy SpreadExclusionReason = "NodeTaintsPolicy"
)

// SpreadExclusion is why one node is not counted in one constraint's domains.
type SpreadExclusion struct {
	Constraint int                   `json:"constraint"`
	Reason     SpreadExclusionReason `json:"reason"`
	// MissingKeys are the constraints' topology keys the node lacks (MissingTopologyKey).
	MissingKeys []string `json:"missingKeys,omitempty"`
	// Taint is the first untolerated taint (NodeTaintsPolicy).
	Taint *corev1.Taint `json:"taint,omitempty"`
}

// SpreadState is PodTopologySpread's PreFilter state: the constraints and, per constraint, the
// matching Pods per domain. States derived by withPods share the counted maps and keep only
// their changes in small overlays, because preemption derives one per candidate node.
type SpreadState struct {
	pod         *corev1.Pod
	required    nodeaffinity.RequiredNodeAffinity
	constraints []spreadConstraint
	// counts[i] maps a domain to its matching Pods; never modified after construction.
	counts []map[string]int
	// ascending[i] lists counts[i]'s domains by count, so the minimum outside an overlay is cheap.
	ascending [][]string
	// overlay[i] holds the absolute counts of domains changed by withPods; nil when none.
	overlay []map[string]int
	// domainNodes[i] maps a domain to the nodes counted in it.
	domainNodes []map[string][]string
	// excluded maps a node name to why it is not counted, one entry per constraint concerned.
	excluded map[string][]SpreadExclusion
	// sharedByKey: constraints with the same topologyKey share one count per domain (v1.32 and
	// older; shareCountsByKey).
	sharedByKey bool
}

// newSpreadState is PodTopologySpread's PreFilter: the Pod's DoNotSchedule constraints (system
// default constraints are ScheduleAnyway, so none apply without them) counted over all nodes.
// A nil state means no constraint applies (the plugin returns Skip).
func newSpreadState(pod *corev1.Pod, c *Cluster) (*SpreadState, *PreFilterRejection) {
	var hard []int
	for i, tsc := range pod.Spec.TopologySpreadConstraints {
		if tsc.WhenUnsatisfiable == corev1.DoNotSchedule {
			hard = append(hard, i)
		}
	}
	if len(hard) == 0 {
		return nil, nil
	}
	s, err := buildSpreadState(pod, pod.Spec.TopologySpreadConstraints, hard, nodeaffinity.GetRequiredNodeAffinity(pod), c)
	if err != nil {
		// The plugin returns this as an Error status, which the framework wraps; the cycle ends
		// with reason SchedulerError and this text, not a FitError.
		return nil, &PreFilterRejection{
			Plugin: PluginPodTopologySpread,
			Code:   Error,
			Reason: fmt.Sprintf("running PreFilter plugin %q: get constraints from pod: obtaining pod's hard topology spread constraints: %v", PluginPodTopologySpread, err),
		}
	}
	return s, nil
}

// NewSpreadAnalysis counts pod's domains for the given constraints exactly as PodTopologySpread's
// PreFilter counts DoNotSchedule ones, whatever their whenUnsatisfiable, for showing a workload's
// spread. Constraint indexes in the result are indexes in constraints.
func NewSpreadAnalysis(pod *corev1.Pod, constraints []corev1.TopologySpreadConstraint, c *Cluster) (*SpreadState, error) {
	idx := make([]int, len(constraints))
	for i := range constraints {
		idx[i] = i
	}
	s, err := buildSpreadState(pod, constraints, idx, nodeaffinity.GetRequiredNodeAffinity(pod), c)
	if err != nil {
		return nil, fmt.Errorf("pod %s/%s: topology spread constraints: %w", pod.Namespace, pod.Name, err)
	}
	return s, nil
}

func buildSpreadState(pod *corev1.Pod, all []corev1.TopologySpreadConstraint, use []int, required nodeaffinity.RequiredNodeAffinity, c *Cluster) (*SpreadState, error) {
	s := &SpreadState{pod: pod, required: required, excluded: map[string][]SpreadExclusion{}}
	for _, i := range use {
		sc, err := parseSpreadConstraint(pod, all[i])
		if err != nil {
			return nil, err
		}
		sc.index = i
		s.constraints = append(s.constraints, sc)
	}
	n := len(s.constraints)
	s.counts = make([]map[string]int, n)
	s.domainNodes = make([]map[string][]string, n)
	s.overlay = make([]map[string]int, n)
	for i := range s.constraints {
		s.counts[i] = map[string]int{}
		s.domainNodes[i] = map[string][]string{}
	}
	for _, ni := range c.Nodes {
		if ni == nil || ni.Node == nil {
			continue
		}
		node := ni.Node
		if missing := s.missingKeys(node); len(missing) > 0 {
			for _, sc := range s.constraints {
				s.excluded[node.Name] = append(s.excluded[node.Name], SpreadExclusion{Constraint: sc.index, Reason: SpreadMissingTopologyKey, MissingKeys: missing})
			}
			continue
		}
		for i := range s.constraints {
			sc := &s.constraints[i]
			if ex := s.inclusion(sc, node); ex != nil {
				s.excluded[node.Name] = append(s.excluded[node.Name], *ex)
				continue
			}
			d := node.Labels[sc.topologyKey]
			s.counts[i][d] += countSpreadMatches(ni.Pods, sc.selector, pod.Namespace)
			s.domainNodes[i][d] = append(s.domainNodes[i][d], node.Name)
		}
	}
	s.sortDomains()
	return s, nil
}

// sortDomains orders each constraint's domains by count, then name.
func (s *SpreadState) sortDomains() {
	s.ascending = make([][]string, len(s.counts))
	for i, m := range s.counts {
		ds := make([]string, 0, len(m))
		for d := range m {
			ds = append(ds, d)
		}
		sort.Slice(ds, func(a, b int) bool {
			if m[ds[a]] != m[ds[b]] {
				return m[ds[a]] < m[ds[b]]
			}
			return ds[a] < ds[b]
		})
		s.ascending[i] = ds
	}
}

// shareCountsByKey keeps one count per topology domain for all constraints with the same
// topologyKey, as v1.32 and older do (TpPairToMatchNum is keyed by key and value alone): on each
// node, the last such constraint that includes the node sets the node's count, and every one of
// them sees the sum, with the union of their domains.
func (s *SpreadState) shareCountsByKey(c *Cluster) {
	s.sharedByKey = true
	byKey := map[string][]int{}
	var keys []string
	for i := range s.constraints {
		k := s.constraints[i].topologyKey
		if byKey[k] == nil {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], i)
	}
	for _, k := range keys {
		idx := byKey[k]
		if len(idx) < 2 {
			continue
		}
		counts, nodes := map[string]int{}, map[string][]string{}
		for _, ni := range c.Nodes {
			if ni == nil || ni.Node == nil || len(s.missingKeys(ni.Node)) > 0 {
				continue
			}
			last := -1
			for _, i := range idx {
				if s.inclusion(&s.constraints[i], ni.Node) == nil {
					last = i
				}
			}
			if last < 0 {
				continue
			}
			d := ni.Node.Labels[k]
			counts[d] += countSpreadMatches(ni.Pods, s.constraints[last].selector, s.pod.Namespace)
			nodes[d] = append(nodes[d], ni.Node.Name)
		}
		for _, i := range idx {
			s.counts[i], s.domainNodes[i] = counts, nodes
		}
	}
	s.sortDomains()
}

// parseSpreadConstraint mirrors filterTopologySpreadConstraints (MatchLabelKeysInPodTopologySpread
// and NodeInclusionPolicyInPodTopologySpread on, as in v1.36 by default).
func parseSpreadConstraint(pod *corev1.Pod, tsc corev1.TopologySpreadConstraint) (spreadConstraint, error) {
	sel, err := metav1.LabelSelectorAsSelector(tsc.LabelSelector)
	if err != nil {
		return spreadConstraint{}, err
	}
	matchLabels := labels.Set{}
	if len(tsc.MatchLabelKeys) > 0 {
		for _, k := range tsc.MatchLabelKeys {
			if v, ok := pod.Labels[k]; ok {
				matchLabels[k] = v
			}
		}
		if len(matchLabels) > 0 {
			// As mergeLabelSetWithSelector: a Nothing selector has no requirements and stays Nothing.
			if reqs, ok := sel.Requirements(); ok {
				merged := labels.SelectorFromSet(matchLabels)
				for _, r := range reqs {
					merged = merged.Add(r)
				}
				sel = merged
			}
		}
	}
	sc := spreadConstraint{
		whenUnsatisfiable:  tsc.WhenUnsatisfiable,
		maxSkew:            tsc.MaxSkew,
		topologyKey:        tsc.TopologyKey,
		selector:           sel,
		minDomains:         1,
		nodeAffinityPolicy: corev1.NodeInclusionPolicyHonor,
		nodeTaintsPolicy:   corev1.NodeInclusionPolicyIgnore,
	}
	sc.labelSelector = withMatchLabels(tsc.LabelSelector, matchLabels)
	if tsc.MinDomains != nil {
		sc.minDomains = *tsc.MinDomains
	}
	if tsc.NodeAffinityPolicy != nil {
		sc.nodeAffinityPolicy = *tsc.NodeAffinityPolicy
	}
	if tsc.NodeTaintsPolicy != nil {
		sc.nodeTaintsPolicy = *tsc.NodeTaintsPolicy
	}
	return sc, nil
}

// missingKeys lists the constraints' topology keys the node lacks, each once.
func (s *SpreadState) missingKeys(node *corev1.Node) []string {
	var out []string
	for _, sc := range s.constraints {
		if _, ok := node.Labels[sc.topologyKey]; ok {
			continue
		}
		dup := false
		for _, k := range out {
			dup = dup || k == sc.topologyKey
		}
		if !dup {
			out = append(out, sc.topologyKey)
		}
	}
	return out
}

// inclusion mirrors matchNodeInclusionPolicies: nil when the node is counted for sc.
func (s *SpreadState) inclusion(sc *spreadConstraint, node *corev1.Node) *SpreadExclusion {
	if sc.nodeAffinityPolicy == corev1.NodeInclusionPolicyHonor {
		// The scheduler ignores parse errors here too.
		if ok, _ := s.required.Match(node); !ok {
			return &SpreadExclusion{Constraint: sc.index, Reason: SpreadNodeAffinityPolicy}
		}
	}
	if sc.nodeTaintsPolicy == corev1.NodeInclusionPolicyHonor {
		if t, bad := untoleratedDoNotScheduleTaint(s.pod, node); bad {
			return &SpreadExclusion{Constraint: sc.index, Reason: SpreadNodeTaintsPolicy, Taint: &t}
		}
	}
	return nil
}

// untoleratedDoNotScheduleTaint is the first NoSchedule/NoExecute taint the Pod does not tolerate,
// matched as the scheduler does (logger and comparisonOperators as TaintToleration uses them).
func untoleratedDoNotScheduleTaint(pod *corev1.Pod, node *corev1.Node) (corev1.Taint, bool) {
	return corev1helpers.FindMatchingUntoleratedTaint(logger, node.Spec.Taints, pod.Spec.Tolerations,
		func(t *corev1.Taint) bool {
			return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
		}, comparisonOperators)
}

// countSpreadMatches mirrors countPodsMatchSelector: an Everything selector ({}) counts nothing,
// terminating Pods and other namespaces are skipped.
func countSpreadMatches(pods []*corev1.Pod, sel labels.Selector, ns string) int {
	if sel.Empty() {
		return 0
	}
	n := 0
	for _, p := range pods {
		if p.DeletionTimestamp != nil || p.Namespace != ns {
			continue
		}
		if sel.Matches(labels.Set(p.Labels)) {
			n++
		}
	}
	return n
}

// count is constraint i's matching Pods in domain d, and whether the domain exists.
func (s *SpreadState) count(i int, d string) (int, bool) {
	if v, ok := s.overlay[i][d]; ok {
		return v, true
	}
	v, ok := s.counts[i][d]
	return v, ok
}

// domainCount is how many domains constraint i has.
func (s *SpreadState) domainCount(i int) int {
	n := len(s.counts[i])
	for d := range s.overlay[i] {
		if _, ok := s.counts[i][d]; !ok {
			n++
		}
	}
	return n
}

// minMatching is the smallest domain count of constraint i; math.MaxInt32 without domains, as
// the scheduler's critical paths start.
func (s *SpreadState) minMatching(i int) int {
	m := math.MaxInt32
	for _, v := range s.overlay[i] {
		m = min(m, v)
	}
	for _, d := range s.ascending[i] {
		if _, changed := s.overlay[i][d]; !changed {
			m = min(m, s.counts[i][d])
			break
		}
	}
	return m
}

// globalMin is minMatchNum: the minimum, or 0 when fewer domains than minDomains exist.
func (s *SpreadState) globalMin(i int) int {
	if s.domainCount(i) < int(s.constraints[i].minDomains) {
		return 0
	}
	return s.minMatching(i)
}

// withPods returns a copy with pods on node added (delta=+1) or removed (delta=-1), as the
// plugin's AddPod/RemovePod: same namespace, node has every key, selector matches (even {} and
// terminating Pods, unlike PreFilter's counting), node inclusion policies pass. nil stays nil.
func (s *SpreadState) withPods(node *corev1.Node, pods []*corev1.Pod, delta int) *SpreadState {
	if s == nil || node == nil || len(s.missingKeys(node)) > 0 {
		return s
	}
	out := *s
	out.overlay = append([]map[string]int(nil), s.overlay...)
	change := make([]int, len(s.constraints))
	changed := make([]bool, len(s.constraints))
	for i := range s.constraints {
		sc := &s.constraints[i]
		if s.inclusion(sc, node) != nil {
			continue
		}
		for _, p := range pods {
			if p.Namespace != s.pod.Namespace || !sc.selector.Matches(labels.Set(p.Labels)) {
				continue
			}
			change[i] += delta
			changed[i] = true
		}
	}
	if s.sharedByKey {
		// One count per domain: every constraint with the key moves by all of their changes.
		byKey, any := map[string]int{}, map[string]bool{}
		for i := range s.constraints {
			byKey[s.constraints[i].topologyKey] += change[i]
			any[s.constraints[i].topologyKey] = any[s.constraints[i].topologyKey] || changed[i]
		}
		for i := range s.constraints {
			change[i], changed[i] = byKey[s.constraints[i].topologyKey], any[s.constraints[i].topologyKey]
		}
	}
	for i := range s.constraints {
		sc := &s.constraints[i]
		if !changed[i] {
			continue
		}
		d := node.Labels[sc.topologyKey]
		v, _ := out.count(i, d)
		v += change[i]
		m := make(map[string]int, len(s.overlay[i])+1)
		for k, c := range s.overlay[i] {
			m[k] = c
		}
		m[d] = v
		out.overlay[i] = m
	}
	return &out
}

// CheckPodTopologySpread is PodTopologySpread's Filter. The status is the scheduler's (the first
// failing constraint decides); Blockers list every violated constraint.
func CheckPodTopologySpread(s *SpreadState, ni *NodeInfo) *Status {
	if s == nil || ni == nil || ni.Node == nil {
		return nil
	}
	var st *Status
	fail := func(code Code, reason string, ev *SpreadEvidence, kind BlockerKind) {
		if st == nil {
			st = &Status{Plugin: PluginPodTopologySpread, Code: code, Reasons: []string{reason}}
		}
		st.Blockers = append(st.Blockers, Blocker{Plugin: PluginPodTopologySpread, Kind: kind, Spread: ev})
	}
	for i := range s.constraints {
		sc := &s.constraints[i]
		evidence := func() *SpreadEvidence {
			return &SpreadEvidence{
				Constraint:      sc.index,
				TopologyKey:     sc.topologyKey,
				MaxSkew:         sc.maxSkew,
				MinDomains:      sc.minDomains,
				EligibleDomains: s.domainCount(i),
				GlobalMinimum:   int32(s.globalMin(i)),
			}
		}
		d, ok := ni.Node.Labels[sc.topologyKey]
		if !ok {
			ev := evidence()
			ev.MissingLabel = true
			fail(UnschedulableAndUnresolvable, ReasonSpreadMissingLabel, ev, KindSpreadMissingLabel)
			continue
		}
		self := 0
		if sc.selector.Matches(labels.Set(s.pod.Labels)) {
			self = 1
		}
		match, _ := s.count(i, d)
		skew := match + self - s.globalMin(i)
		if skew > int(sc.maxSkew) {
			ev := evidence()
			ev.Domain, ev.MatchingInDomain, ev.SelfMatch, ev.Skew = d, int32(match), self == 1, int32(skew)
			fail(Unschedulable, ReasonSpreadSkew, ev, KindSpreadSkew)
		}
	}
	return st
}

// Len is how many constraints the state holds.
func (s *SpreadState) Len() int {
	if s == nil {
		return 0
	}
	return len(s.constraints)
}

// Summary returns each constraint's domain table, domains sorted by name.
func (s *SpreadState) Summary() []SpreadDomains {
	if s == nil {
		return nil
	}
	out := make([]SpreadDomains, 0, len(s.constraints))
	for i := range s.constraints {
		sc := &s.constraints[i]
		out = append(out, SpreadDomains{
			Constraint:         sc.index,
			TopologyKey:        sc.topologyKey,
			WhenUnsatisfiable:  sc.whenUnsatisfiable,
			MaxSkew:            sc.maxSkew,
			MinDomains:         sc.minDomains,
			Selector:           sc.labelSelector,
			NodeAffinityPolicy: sc.nodeAffinityPolicy,
			NodeTaintsPolicy:   sc.nodeTaintsPolicy,
			SelfMatch:          s.SelfMatch(i),
			EligibleDomains:    len(s.Domains(i)),
			GlobalMinimum:      int32(s.globalMin(i)),
			Domains:            s.Domains(i),
		})
	}
	return out
}

// Domains is constraint i's (position in the state, not the spec index) domains sorted by name.
func (s *SpreadState) Domains(i int) []DomainCount {
	if s == nil || i < 0 || i >= len(s.constraints) {
		return nil
	}
	names := make([]string, 0, s.domainCount(i))
	for d := range s.counts[i] {
		names = append(names, d)
	}
	for d := range s.overlay[i] {
		if _, ok := s.counts[i][d]; !ok {
			names = append(names, d)
		}
	}
	sort.Strings(names)
	out := make([]DomainCount, 0, len(names))
	for _, d := range names {
		v, _ := s.count(i, d)
		out = append(out, DomainCount{Name: d, Matching: int32(v), Nodes: len(s.domainNodes[i][d])})
	}
	return out
}

// GlobalMinimum is constraint i's minimum as the skew uses it (0 with fewer domains than minDomains).
func (s *SpreadState) GlobalMinimum(i int) int32 {
	if s == nil || i < 0 || i >= len(s.constraints) {
		return 0
	}
	return int32(s.globalMin(i))
}

// MinMatching is constraint i's smallest domain count ignoring minDomains; false without domains.
func (s *SpreadState) MinMatching(i int) (int32, bool) {
	if s == nil || i < 0 || i >= len(s.constraints) || s.domainCount(i) == 0 {
		return 0, false
	}
	return int32(s.minMatching(i)), true
}

// SelfMatch reports whether the Pod matches constraint i's selector (it then adds one to its domain).
func (s *SpreadState) SelfMatch(i int) bool {
	if s == nil || i < 0 || i >= len(s.constraints) {
		return false
	}
	return s.constraints[i].selector.Matches(labels.Set(s.pod.Labels))
}

// DomainNodes lists the nodes counted in constraint i's domain, in cluster order.
func (s *SpreadState) DomainNodes(i int, domain string) []string {
	if s == nil || i < 0 || i >= len(s.constraints) {
		return nil
	}
	return s.domainNodes[i][domain]
}

// NodeExclusions says why node is not counted, one entry per constraint that leaves it out; nil
// when every constraint counts it.
func (s *SpreadState) NodeExclusions(node string) []SpreadExclusion {
	if s == nil {
		return nil
	}
	return s.excluded[node]
}

// PodTopologySpread is the PodTopologySpread plugin; its state is the *SpreadState of the Pod's
// DoNotSchedule constraints.
type PodTopologySpread struct {
	// SharedKeyCounts: constraints with the same topologyKey share one count per domain (v1.32
	// and older).
	SharedKeyCounts bool
}

func (PodTopologySpread) Name() string { return PluginPodTopologySpread }

func (p PodTopologySpread) PreFilter(cs *CycleState, pod *corev1.Pod, c *Cluster) (sets.Set[string], *PreFilterRejection) {
	s, rej := newSpreadState(pod, c)
	if s != nil && p.SharedKeyCounts {
		s.shareCountsByKey(c)
	}
	if s != nil {
		cs.Write(PluginPodTopologySpread, s)
	}
	return nil, rej
}

// SamePreFilterInput: the state is the Pod's constraints, labels and namespace counted over the
// nodes its required node affinity and tolerations admit (AddPods and RemovePods count changed
// Pods; a node added, relabelled or tainted may change the domains).
func (PodTopologySpread) SamePreFilterInput(a, b *corev1.Pod, change ClusterChange) bool {
	if change.NodesAdded || change.Labels || change.Taints {
		return false
	}
	return a.Namespace == b.Namespace && maps.Equal(a.Labels, b.Labels) && maps.Equal(a.Spec.NodeSelector, b.Spec.NodeSelector) &&
		equality.Semantic.DeepEqual(a.Spec.TopologySpreadConstraints, b.Spec.TopologySpreadConstraints) &&
		equality.Semantic.DeepEqual(nodeAffinityOf(a), nodeAffinityOf(b)) && equality.Semantic.DeepEqual(a.Spec.Tolerations, b.Spec.Tolerations)
}

// SamePodInput: what its PreFilter reads; Filter reads the state and the node.
func (pl PodTopologySpread) SamePodInput(a, b *corev1.Pod) bool {
	return pl.SamePreFilterInput(a, b, ClusterChange{})
}

func (PodTopologySpread) Filter(cs *CycleState, ni *NodeInfo) *Status {
	return CheckPodTopologySpread(stateOf[*SpreadState](cs, PluginPodTopologySpread), ni)
}

func (PodTopologySpread) AddPods(cs *CycleState, node *corev1.Node, pods []*corev1.Pod) {
	if s := stateOf[*SpreadState](cs, PluginPodTopologySpread); s != nil {
		cs.Write(PluginPodTopologySpread, s.withPods(node, pods, +1))
	}
}

func (PodTopologySpread) RemovePods(cs *CycleState, node *corev1.Node, pods []*corev1.Pod) {
	if s := stateOf[*SpreadState](cs, PluginPodTopologySpread); s != nil {
		cs.Write(PluginPodTopologySpread, s.withPods(node, pods, -1))
	}
}
