package checks

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/sets"
)

// affinityTerm is a parsed required (anti-)affinity term, as the scheduler's fwk.AffinityTerm.
type affinityTerm struct {
	index         int // in the owning Pod's required terms
	topologyKey   string
	namespaces    sets.Set[string]
	nsSelector    labels.Selector
	selector      labels.Selector
	labelSelector *metav1.LabelSelector // as written, for the report
	// allNamespaces: the incoming Pod's term matches Pods in every namespace because its
	// namespaceSelector matches an empty label set (see mergeTermNamespaces).
	allNamespaces bool
}

// matches mirrors AffinityTerm.Matches.
func (t *affinityTerm) matches(pod *corev1.Pod, nsLabels labels.Set) bool {
	if t.namespaces.Has(pod.Namespace) || t.nsSelector.Matches(nsLabels) {
		return t.selector.Matches(labels.Set(pod.Labels))
	}
	return false
}

// parseAffinityTerms mirrors fwk.GetAffinityTerms: the first bad selector fails them all.
func parseAffinityTerms(pod *corev1.Pod, terms []corev1.PodAffinityTerm) ([]affinityTerm, error) {
	var out []affinityTerm
	for i := range terms {
		term := &terms[i]
		sel, err := metav1.LabelSelectorAsSelector(term.LabelSelector)
		if err != nil {
			return nil, err
		}
		names := sets.New[string]()
		if len(term.Namespaces) == 0 && term.NamespaceSelector == nil {
			names.Insert(pod.Namespace)
		} else {
			names.Insert(term.Namespaces...)
		}
		nsSel, err := metav1.LabelSelectorAsSelector(term.NamespaceSelector)
		if err != nil {
			return nil, err
		}
		out = append(out, affinityTerm{index: i, topologyKey: term.TopologyKey, namespaces: names, nsSelector: nsSel,
			selector: sel, labelSelector: term.LabelSelector})
	}
	return out, nil
}

// AffinityTerm is one parsed pod (anti-)affinity term, matched exactly as InterPodAffinity does.
type AffinityTerm struct{ t affinityTerm }

// ParseAffinityTerm parses term as owned by owner (the term's default namespace is owner's).
func ParseAffinityTerm(owner *corev1.Pod, term corev1.PodAffinityTerm) (*AffinityTerm, error) {
	ts, err := parseAffinityTerms(owner, []corev1.PodAffinityTerm{term})
	if err != nil {
		return nil, err
	}
	return &AffinityTerm{t: ts[0]}, nil
}

// Matches reports whether pod (whose namespace carries nsLabels) is selected by the term.
func (a *AffinityTerm) Matches(pod *corev1.Pod, nsLabels map[string]string) bool {
	return a.t.matches(pod, labels.Set(nsLabels))
}

// LabelSelector is the term's label selector, as written.
func (a *AffinityTerm) LabelSelector() *metav1.LabelSelector { return a.t.labelSelector }

func requiredAffinityTerms(a *corev1.Affinity) []corev1.PodAffinityTerm {
	if a != nil && a.PodAffinity != nil {
		return a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	return nil
}

func requiredAntiAffinityTerms(a *corev1.Affinity) []corev1.PodAffinityTerm {
	if a != nil && a.PodAntiAffinity != nil {
		return a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	return nil
}

// podInfoParseError mirrors the error framework.NewPodInfo returns: every term list is parsed,
// preferred ones included, and the failures are aggregated.
func podInfoParseError(pod *corev1.Pod) error {
	var errs []error
	if _, err := parseAffinityTerms(pod, requiredAffinityTerms(pod.Spec.Affinity)); err != nil {
		errs = append(errs, fmt.Errorf("requiredAffinityTerms: %w", err))
	}
	if _, err := parseAffinityTerms(pod, requiredAntiAffinityTerms(pod.Spec.Affinity)); err != nil {
		errs = append(errs, fmt.Errorf("requiredAntiAffinityTerms: %w", err))
	}
	var preferred, preferredAnti []corev1.WeightedPodAffinityTerm
	if a := pod.Spec.Affinity; a != nil {
		if a.PodAffinity != nil {
			preferred = a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
		}
		if a.PodAntiAffinity != nil {
			preferredAnti = a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
		}
	}
	weighted := func(ws []corev1.WeightedPodAffinityTerm) error {
		terms := make([]corev1.PodAffinityTerm, len(ws))
		for i := range ws {
			terms[i] = ws[i].PodAffinityTerm
		}
		_, err := parseAffinityTerms(pod, terms)
		return err
	}
	if err := weighted(preferred); err != nil {
		errs = append(errs, fmt.Errorf("preferredAffinityTerms: %w", err))
	}
	if err := weighted(preferredAnti); err != nil {
		errs = append(errs, fmt.Errorf("preferredAntiAffinityTerms: %w", err))
	}
	return utilerrors.NewAggregate(errs)
}

// existingAntiTerms are an existing Pod's required anti-affinity terms; none when they do not
// parse, as the scheduler's cache ignores NewPodInfo's error.
func existingAntiTerms(pod *corev1.Pod) []affinityTerm {
	raw := requiredAntiAffinityTerms(pod.Spec.Affinity)
	if len(raw) == 0 {
		return nil
	}
	terms, _ := parseAffinityTerms(pod, raw)
	return terms
}

type topologyPair struct{ key, value string }

// antiPair counts the incoming Pod's anti-affinity per term, so each blocker names its own term;
// the scheduler's per-pair count is the sum over terms with the same key.
type antiPair struct {
	term int
	pair topologyPair
}

// podTermRef is a Pod (namespace/name) counted in an entry and the term that made it count.
type podTermRef struct {
	pod      string
	term     int
	selector *metav1.LabelSelector
}

type pairEntry struct {
	count int64
	// refs are in counting order; the first not removed names the evidence. A derived entry
	// shares its refs (never modified once shared) and counts what it took off in removed, so
	// preemption's dry run takes a victim off a domain of thousands of Pods without a copy.
	refs    []podTermRef
	removed map[refKey]int // per Pod and term, how many of its first occurrences in refs are off
	// occurrences counts PreFilter's refs per Pod and term for a long list, shared like them:
	// a removal then reads a victim's count instead of scanning every ref of a domain, once per
	// victim and candidate node. Built on the first removal: most cycles remove nothing.
	occurrences *refIndex
}

// refIndex counts refs[:len] per Pod and term, built once by whichever removal comes first.
type refIndex struct {
	once   sync.Once
	refs   []podTermRef
	counts map[refKey]int
}

func (x *refIndex) count(k refKey) int {
	x.once.Do(func() {
		x.counts = make(map[refKey]int, len(x.refs))
		for _, r := range x.refs {
			x.counts[refKey{r.pod, r.term}]++
		}
	})
	return x.counts[k]
}

// minIndexedRefs is the length from which an entry's refs get an occurrence index.
const minIndexedRefs = 32

// index gives every entry with long refs its (not yet built) occurrence index, at the end of
// PreFilter, before the entries are shared.
func (t *pairTable[K]) index() {
	for _, e := range t.base {
		if len(e.refs) >= minIndexedRefs {
			e.occurrences = &refIndex{refs: e.refs}
		}
	}
}

// occurrencesOf counts k's refs: the index, then the refs appended since.
func (e *pairEntry) occurrencesOf(k refKey) int {
	n, tail := 0, e.refs
	if e.occurrences != nil {
		n, tail = e.occurrences.count(k), e.refs[len(e.occurrences.refs):]
	}
	for _, r := range tail {
		if r.term == k.term && r.pod == k.pod {
			n++
		}
	}
	return n
}

type refKey struct {
	pod  string
	term int
}

// first is the first ref not removed.
func (e *pairEntry) first() (podTermRef, bool) {
	var seen map[refKey]int
	for _, r := range e.refs {
		k := refKey{r.pod, r.term}
		if e.removed[k] > seen[k] {
			if seen == nil {
				seen = map[refKey]int{}
			}
			seen[k]++
			continue
		}
		return r, true
	}
	return podTermRef{}, false
}

// pairTable is a count map that derived states change copy-on-write: base is shared and never
// modified after PreFilter, over holds changed entries (nil: the scheduler deleted the pair at 0).
type pairTable[K comparable] struct {
	base map[K]*pairEntry
	over map[K]*pairEntry
}

func (t *pairTable[K]) get(k K) *pairEntry {
	if e, ok := t.over[k]; ok {
		return e
	}
	return t.base[k]
}

func (t *pairTable[K]) count(k K) int64 {
	if e := t.get(k); e != nil {
		return e.count
	}
	return 0
}

// size is len() of the scheduler's map.
func (t *pairTable[K]) size() int {
	n := len(t.base)
	for k, e := range t.over {
		_, inBase := t.base[k]
		switch {
		case e != nil && !inBase:
			n++
		case e == nil && inBase:
			n--
		}
	}
	return n
}

// addBase counts during PreFilter.
func (t *pairTable[K]) addBase(k K, ref podTermRef, keepRef bool) {
	e := t.base[k]
	if e == nil {
		e = &pairEntry{}
		t.base[k] = e
	}
	e.count++
	if keepRef {
		e.refs = append(e.refs, ref)
	}
}

// update mirrors topologyToMatchedTermCount.update on a table whose over map is already private.
func (t *pairTable[K]) update(k K, delta int64, ref podTermRef, keepRef bool) {
	ne := &pairEntry{}
	if e := t.get(k); e != nil {
		ne.count, ne.refs, ne.removed, ne.occurrences = e.count, e.refs, e.removed, e.occurrences
	}
	ne.count += delta
	if keepRef {
		if delta > 0 {
			ne.refs = append(slices.Clip(ne.refs), ref) // a copy: refs are shared
		} else {
			// Take off the first occurrence still counted, if any.
			rk := refKey{ref.pod, ref.term}
			if ne.occurrencesOf(rk) > ne.removed[rk] {
				removed := make(map[refKey]int, len(ne.removed)+1)
				for k, v := range ne.removed {
					removed[k] = v
				}
				removed[rk]++
				ne.removed = removed
			}
		}
	}
	if ne.count == 0 {
		ne = nil
	}
	t.over[k] = ne
}

func (t pairTable[K]) private() pairTable[K] {
	over := make(map[K]*pairEntry, len(t.over)+2)
	for k, e := range t.over {
		over[k] = e
	}
	return pairTable[K]{base: t.base, over: over}
}

// AffinityState is InterPodAffinity's PreFilter state (required terms only).
type AffinityState struct {
	pod *corev1.Pod
	// nsLabels are the incoming Pod's namespace labels, for existing Pods' namespaceSelectors.
	nsLabels labels.Set
	// affinityTerms and antiTerms are the incoming Pod's, namespaceSelector merged into namespaces.
	affinityTerms, antiTerms []affinityTerm
	affinity                 pairTable[topologyPair]
	anti                     pairTable[antiPair]
	existingAnti             pairTable[topologyPair]
}

// newAffinityState is InterPodAffinity's PreFilter. A nil state means the plugin returns Skip
// (no terms and no existing anti-affinity against the Pod): its Filter and AddPod never run.
func newAffinityState(pod *corev1.Pod, c *Cluster, selectorResetLost bool) (*AffinityState, *PreFilterRejection) {
	if err := podInfoParseError(pod); err != nil {
		return nil, &PreFilterRejection{Plugin: PluginInterPodAffinity, Code: UnschedulableAndUnresolvable,
			Reason: fmt.Sprintf("parsing pod: %+v", err)}
	}
	s := &AffinityState{
		pod:          pod,
		nsLabels:     labels.Set(c.NamespaceLabels[pod.Namespace]),
		affinity:     pairTable[topologyPair]{base: map[topologyPair]*pairEntry{}},
		anti:         pairTable[antiPair]{base: map[antiPair]*pairEntry{}},
		existingAnti: pairTable[topologyPair]{base: map[topologyPair]*pairEntry{}},
	}
	s.affinityTerms, _ = parseAffinityTerms(pod, requiredAffinityTerms(pod.Spec.Affinity))
	s.antiTerms, _ = parseAffinityTerms(pod, requiredAntiAffinityTerms(pod.Spec.Affinity))
	for _, terms := range [][]affinityTerm{s.affinityTerms, s.antiTerms} {
		for i := range terms {
			mergeTermNamespaces(&terms[i], c, selectorResetLost)
		}
	}
	addPair := func(t *pairTable[topologyPair], k topologyPair, ref podTermRef, keep bool) { t.addBase(k, ref, keep) }
	addAnti := func(k antiPair, ref podTermRef) { s.anti.addBase(k, ref, true) }
	// Existing Pods' anti-affinity: each node's index of such Pods (in Pods order, terms parsed
	// once per snapshot) is all there is to read.
	for _, ni := range c.Nodes {
		if ni == nil || ni.Node == nil {
			continue
		}
		for _, a := range ni.antiPods {
			s.countPod(a.pod, a.terms, ni.Node, addPair, addAnti, false)
		}
	}
	// The incoming Pod's terms match only Pods of their namespaces: with the namespace index,
	// only those are read, in the same node and Pod order as a walk over every Pod.
	if len(s.affinityTerms) > 0 || len(s.antiTerms) > 0 {
		if locs, ok := s.candidates(c); ok {
			for _, l := range locs {
				ni := c.Nodes[l.node]
				s.countPod(ni.Pods[l.pos], nil, ni.Node, addPair, addAnti, true)
			}
		} else {
			for _, ni := range c.Nodes {
				if ni == nil || ni.Node == nil {
					continue
				}
				for _, e := range ni.Pods {
					s.countPod(e, nil, ni.Node, addPair, addAnti, true)
				}
			}
		}
	}
	if s.existingAnti.size() == 0 && len(s.affinityTerms) == 0 && len(s.antiTerms) == 0 {
		return nil, nil
	}
	s.anti.index()
	s.existingAnti.index()
	return s, nil
}

// mergeTermNamespaces mirrors mergeAffinityTermNamespacesIfNotEmpty: a non-empty namespaceSelector
// is resolved against the cluster's namespaces; {} stays "every namespace". In v1.36 the function
// takes the term by value (resetLost): the namespaces it inserts reach the shared set, but its
// `NamespaceSelector = labels.Nothing()` is lost. The incoming Pod's terms are then matched with
// nil namespace labels, so a selector made only of NotIn/DoesNotExist (it matches an empty label
// set) matches Pods in every namespace (v1.36.3 interpodaffinity/plugin.go, differential finding D4).
func mergeTermNamespaces(t *affinityTerm, c *Cluster, resetLost bool) {
	if t.nsSelector.Empty() {
		return
	}
	for name, l := range c.NamespaceLabels {
		if t.nsSelector.Matches(labels.Set(l)) {
			t.namespaces.Insert(name)
		}
	}
	if resetLost {
		t.allNamespaces = t.nsSelector.Matches(labels.Set{})
		return
	}
	t.nsSelector = labels.Nothing()
}

// countPod applies one Pod e on node to the three counts, as the plugin's PreFilter and
// updateWithPod do; pair and anti receive each (table, key) to change.
// eAnti are e's parsed required anti-affinity terms (existingAntiTerms).
func (s *AffinityState) countPod(e *corev1.Pod, eAnti []affinityTerm, node *corev1.Node,
	pair func(t *pairTable[topologyPair], k topologyPair, ref podTermRef, keep bool), anti func(k antiPair, ref podTermRef), incoming bool) {
	if e == nil {
		return
	}
	name := func() string { return e.Namespace + "/" + e.Name } // only for matches: most Pods match nothing
	for _, t := range eAnti {
		if v, ok := node.Labels[t.topologyKey]; ok && t.matches(s.pod, s.nsLabels) {
			pair(&s.existingAnti, topologyPair{t.topologyKey, v}, podTermRef{pod: name(), term: t.index, selector: t.labelSelector}, true)
		}
	}
	if !incoming {
		return
	}
	if podMatchesAllTerms(s.affinityTerms, e) {
		for _, t := range s.affinityTerms {
			if v, ok := node.Labels[t.topologyKey]; ok {
				pair(&s.affinity, topologyPair{t.topologyKey, v}, podTermRef{}, false)
			}
		}
	}
	for j := range s.antiTerms {
		t := &s.antiTerms[j]
		// The incoming Pod's namespaceSelector is merged already, so no namespace labels.
		if v, ok := node.Labels[t.topologyKey]; ok && t.matches(e, nil) {
			anti(antiPair{j, topologyPair{t.topologyKey, v}}, podTermRef{pod: name(), term: t.index, selector: t.labelSelector})
		}
	}
}

// candidates are the Pods the incoming Pod's terms can match, by the cluster's namespace index, in
// node and Pod order; false when there is no index or a term may match any namespace.
func (s *AffinityState) candidates(c *Cluster) ([]podLoc, bool) {
	if c.podsByNamespace == nil {
		return nil, false
	}
	names := map[string]bool{}
	for _, terms := range [][]affinityTerm{s.affinityTerms, s.antiTerms} {
		for i := range terms {
			// The incoming Pod's terms are matched with no namespace labels (countPod).
			if terms[i].nsSelector.Matches(labels.Set(nil)) {
				return nil, false
			}
			for ns := range terms[i].namespaces {
				names[ns] = true
			}
		}
	}
	var out []podLoc
	for ns := range names {
		out = append(out, c.podsByNamespace[ns]...)
	}
	if len(names) > 1 {
		sort.Slice(out, func(i, j int) bool {
			if out[i].node != out[j].node {
				return out[i].node < out[j].node
			}
			return out[i].pos < out[j].pos
		})
	}
	return out, true
}

// podMatchesAllTerms mirrors podMatchesAllAffinityTerms: false without terms.
func podMatchesAllTerms(terms []affinityTerm, pod *corev1.Pod) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].matches(pod, nil) {
			return false
		}
	}
	return true
}

// withPods returns a copy with pods on node added (delta=+1) or removed (delta=-1), as the
// plugin's AddPod/RemovePod (no namespace or deletionTimestamp filter). nil stays nil.
func (s *AffinityState) withPods(node *corev1.Node, pods []*corev1.Pod, delta int) *AffinityState {
	if s == nil || node == nil || len(pods) == 0 {
		return s
	}
	out := *s
	out.affinity, out.anti, out.existingAnti = s.affinity.private(), s.anti.private(), s.existingAnti.private()
	for _, p := range pods {
		out.countPod(p, existingAntiTerms(p), node, func(t *pairTable[topologyPair], k topologyPair, ref podTermRef, keep bool) {
			t.update(k, int64(delta), ref, keep)
		}, func(k antiPair, ref podTermRef) { out.anti.update(k, int64(delta), ref, true) }, true)
	}
	return &out
}

// CheckInterPodAffinity is InterPodAffinity's Filter: the status is the scheduler's (affinity,
// then the Pod's anti-affinity, then existing Pods' anti-affinity); Blockers list every violation.
func CheckInterPodAffinity(s *AffinityState, ni *NodeInfo) *Status {
	if s == nil || ni == nil || ni.Node == nil {
		return nil
	}
	node := ni.Node
	var st *Status
	fail := func(code Code, reason string, b []Blocker) {
		if st == nil {
			st = &Status{Plugin: PluginInterPodAffinity, Code: code, Reasons: []string{reason}}
		}
		st.Blockers = append(st.Blockers, b...)
	}
	block := func(kind BlockerKind, ev *PodAffinityEvidence) Blocker {
		return Blocker{Plugin: PluginInterPodAffinity, Kind: kind, PodAffinity: ev}
	}

	// 1. Required affinity (satisfyPodAffinity).
	var missing, unsatisfied []Blocker
	for i := range s.affinityTerms {
		t := &s.affinityTerms[i]
		v, ok := node.Labels[t.topologyKey]
		if !ok {
			missing = append(missing, block(KindPodAffinityUnsatisfied, &PodAffinityEvidence{Term: t.index, TopologyKey: t.topologyKey, MissingLabel: true, Selector: t.labelSelector, AllNamespaces: t.allNamespaces}))
			continue
		}
		if s.affinity.count(topologyPair{t.topologyKey, v}) <= 0 {
			unsatisfied = append(unsatisfied, block(KindPodAffinityUnsatisfied, &PodAffinityEvidence{Term: t.index, TopologyKey: t.topologyKey, Domain: v, Selector: t.labelSelector, AllNamespaces: t.allNamespaces}))
		}
	}
	// The first Pod of a group that selects itself may go anywhere that has the keys.
	firstOfGroup := s.affinity.size() == 0 && podMatchesAllTerms(s.affinityTerms, s.pod)
	switch {
	case len(missing) > 0 && firstOfGroup:
		fail(UnschedulableAndUnresolvable, ReasonPodAffinity, missing)
	case len(missing) > 0 || (len(unsatisfied) > 0 && !firstOfGroup):
		fail(UnschedulableAndUnresolvable, ReasonPodAffinity, append(missing, unsatisfied...))
	}

	// 2. The Pod's anti-affinity (satisfyPodAntiAffinity): the scheduler's count for a pair sums
	// every term with that key.
	var collisions []Blocker
	violated := false
	for j := range s.antiTerms {
		t := &s.antiTerms[j]
		v, ok := node.Labels[t.topologyKey]
		if !ok {
			continue
		}
		p := topologyPair{t.topologyKey, v}
		var sum int64
		for k := range s.antiTerms {
			if s.antiTerms[k].topologyKey == t.topologyKey {
				sum += s.anti.count(antiPair{k, p})
			}
		}
		violated = violated || sum > 0
		if e := s.anti.get(antiPair{j, p}); e != nil && e.count > 0 {
			ev := &PodAffinityEvidence{Term: t.index, TopologyKey: t.topologyKey, Domain: v, Selector: t.labelSelector, AllNamespaces: t.allNamespaces}
			if r, ok := e.first(); ok {
				ev.Pod = r.pod
			}
			collisions = append(collisions, block(KindPodAntiAffinityConflict, ev))
		}
	}
	if violated {
		fail(Unschedulable, ReasonPodAntiAffinity, collisions)
	}

	// 3. Existing Pods' anti-affinity (satisfyExistingPodsAntiAffinity): any node label pair.
	if s.existingAnti.size() > 0 {
		keys := make([]string, 0, len(node.Labels))
		for k := range node.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys) // blockers in a stable order
		var existing []Blocker
		for _, k := range keys {
			e := s.existingAnti.get(topologyPair{k, node.Labels[k]})
			if e == nil || e.count <= 0 {
				continue
			}
			ev := &PodAffinityEvidence{TopologyKey: k, Domain: node.Labels[k]}
			if r, ok := e.first(); ok {
				ev.Pod, ev.Term, ev.Selector = r.pod, r.term, r.selector
			}
			existing = append(existing, block(KindExistingAntiAffinity, ev))
		}
		if len(existing) > 0 {
			fail(Unschedulable, ReasonExistingAntiAffinity, existing)
		}
	}
	return st
}

// InterPodAffinity is the InterPodAffinity plugin; its state is the *AffinityState of the required
// terms (the Pod's and the existing Pods' anti-affinity).
type InterPodAffinity struct {
	// SelectorResetLost is v1.36's mergeAffinityTermNamespacesIfNotEmpty, which takes the term by
	// value: the selector it resolves stays on the term, so a namespaceSelector of only
	// NotIn/DoesNotExist matches every namespace. v1.37 passes a pointer and resolves it as written.
	SelectorResetLost bool
}

func (InterPodAffinity) Name() string { return PluginInterPodAffinity }

func (pl InterPodAffinity) PreFilter(cs *CycleState, pod *corev1.Pod, c *Cluster) (sets.Set[string], *PreFilterRejection) {
	s, rej := newAffinityState(pod, c, pl.SelectorResetLost)
	if s != nil {
		cs.Write(PluginInterPodAffinity, s)
	}
	return nil, rej
}

// SamePreFilterInput: the state is the Pod's namespace, labels and Pod (anti-)affinity terms
// counted over the bound Pods by their nodes' labels (added nodes have no Pods; AddPods and
// RemovePods count changed Pods).
func (InterPodAffinity) SamePreFilterInput(a, b *corev1.Pod, change ClusterChange) bool {
	if change.Labels {
		return false
	}
	var aa, ba corev1.Affinity
	if a.Spec.Affinity != nil {
		aa = *a.Spec.Affinity
	}
	if b.Spec.Affinity != nil {
		ba = *b.Spec.Affinity
	}
	return a.Namespace == b.Namespace && maps.Equal(a.Labels, b.Labels) &&
		equality.Semantic.DeepEqual(aa.PodAffinity, ba.PodAffinity) && equality.Semantic.DeepEqual(aa.PodAntiAffinity, ba.PodAntiAffinity)
}

// SamePodInput: what its PreFilter reads; Filter reads the state and the node.
func (pl InterPodAffinity) SamePodInput(a, b *corev1.Pod) bool {
	return pl.SamePreFilterInput(a, b, ClusterChange{})
}

func (InterPodAffinity) Filter(cs *CycleState, ni *NodeInfo) *Status {
	return CheckInterPodAffinity(stateOf[*AffinityState](cs, PluginInterPodAffinity), ni)
}

func (InterPodAffinity) AddPods(cs *CycleState, node *corev1.Node, pods []*corev1.Pod) {
	if s := stateOf[*AffinityState](cs, PluginInterPodAffinity); s != nil {
		cs.Write(PluginInterPodAffinity, s.withPods(node, pods, +1))
	}
}

func (InterPodAffinity) RemovePods(cs *CycleState, node *corev1.Node, pods []*corev1.Pod) {
	if s := stateOf[*AffinityState](cs, PluginInterPodAffinity); s != nil {
		cs.Write(PluginInterPodAffinity, s.withPods(node, pods, -1))
	}
}
