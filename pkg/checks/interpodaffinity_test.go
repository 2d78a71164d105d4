package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

func term(key string, matchLabels map[string]string) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{TopologyKey: key, LabelSelector: &metav1.LabelSelector{MatchLabels: matchLabels}}
}

func TestInterPodAffinityFilter(t *testing.T) {
	nodes := []*corev1.Node{
		fixture.Node("a1", fixture.Zone("a")),
		fixture.Node("b1", fixture.Zone("b")),
	}
	aff := string(UnschedulableAndUnresolvable) + ": " + ReasonPodAffinity
	anti := string(Unschedulable) + ": " + ReasonPodAntiAffinity
	existing := string(Unschedulable) + ": " + ReasonExistingAntiAffinity
	nsSel := func(t corev1.PodAffinityTerm, sel *metav1.LabelSelector, names ...string) corev1.PodAffinityTerm {
		t.NamespaceSelector, t.Namespaces = sel, names
		return t
	}
	namespaces := []*corev1.Namespace{fixture.Namespace("default"), fixture.Namespace("other", "team", "blue"), fixture.Namespace("third")}
	tests := []struct {
		name  string
		nodes []*corev1.Node
		pods  []*corev1.Pod
		pod   *corev1.Pod
		want  map[string]string
	}{
		{
			name: "affinity satisfied in one zone only",
			pods: web("default", "a1", 1),
			pod:  fixture.Pod("default", "p", fixture.Affinity(zoneKey, webSel)),
			want: map[string]string{"a1": "", "b1": aff},
		},
		{
			name: "two affinity terms satisfied by different pods fail everywhere",
			pods: []*corev1.Pod{
				fixture.Pod("default", "x", fixture.On("a1"), fixture.PodLabels("app", "web")),
				fixture.Pod("default", "y", fixture.On("a1"), fixture.PodLabels("tier", "front")),
			},
			pod:  fixture.Pod("default", "p", fixture.Affinity(zoneKey, webSel), fixture.Affinity(zoneKey, map[string]string{"tier": "front"})),
			want: map[string]string{"a1": aff, "b1": aff},
		},
		{
			name: "self-match exception: the same pods, but the pod matches both of its terms",
			pods: []*corev1.Pod{
				fixture.Pod("default", "x", fixture.On("a1"), fixture.PodLabels("app", "web")),
				fixture.Pod("default", "y", fixture.On("a1"), fixture.PodLabels("tier", "front")),
			},
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web", "tier", "front"),
				fixture.Affinity(zoneKey, webSel), fixture.Affinity(zoneKey, map[string]string{"tier": "front"})),
			want: map[string]string{"a1": "", "b1": ""},
		},
		{
			name:  "self-match exception still needs the topology key",
			nodes: []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("nolabel")},
			pod:   fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Affinity(zoneKey, webSel)),
			want:  map[string]string{"a1": "", "nolabel": aff},
		},
		{
			name: "affinity to a pod in another namespace needs the namespace",
			pods: web("other", "a1", 1),
			pod:  fixture.Pod("default", "p", fixture.Affinity(zoneKey, webSel)),
			want: map[string]string{"a1": aff, "b1": aff},
		},
		{
			name: "the incoming pod's namespaceSelector is resolved against namespaces",
			pods: cat(web("other", "a1", 1), web("third", "b1", 1)),
			pod:  fixture.Pod("default", "p", fixture.PodAffinityTerm(nsSel(term(zoneKey, webSel), &metav1.LabelSelector{MatchLabels: map[string]string{"team": "blue"}}))),
			want: map[string]string{"a1": "", "b1": aff},
		},
		{
			name: "terminating pods count for affinity",
			pods: web("default", "b1", 1, fixture.Terminating()),
			pod:  fixture.Pod("default", "p", fixture.Affinity(zoneKey, webSel)),
			want: map[string]string{"a1": aff, "b1": ""},
		},
		{
			name: "anti-affinity blocks the zone holding a matching pod",
			pods: web("default", "a1", 1),
			pod:  fixture.Pod("default", "p", fixture.AntiAffinity(zoneKey, webSel)),
			want: map[string]string{"a1": anti, "b1": ""},
		},
		{
			name:  "anti-affinity: a node without the key satisfies the term",
			nodes: []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("nolabel")},
			pods:  cat(web("default", "a1", 1), web("default", "nolabel", 1)),
			pod:   fixture.Pod("default", "p", fixture.AntiAffinity(zoneKey, webSel)),
			want:  map[string]string{"a1": anti, "nolabel": ""},
		},
		{
			name: "existing pod in another namespace with namespaceSelector {} blocks its zone",
			pods: []*corev1.Pod{fixture.Pod("other", "guard", fixture.On("a1"),
				fixture.PodAntiAffinityTerm(nsSel(term(zoneKey, webSel), &metav1.LabelSelector{})))},
			pod:  fixture.Pod("default", "p", fixture.PodLabels("app", "web")),
			want: map[string]string{"a1": existing, "b1": ""},
		},
		{
			name: "existing pod's anti-affinity without namespaces covers only its own namespace",
			pods: []*corev1.Pod{fixture.Pod("other", "guard", fixture.On("a1"), fixture.AntiAffinity(zoneKey, webSel))},
			pod:  fixture.Pod("default", "p", fixture.PodLabels("app", "web")),
			want: map[string]string{"a1": "", "b1": ""},
		},
		{
			name: "existing pod's namespaceSelector is matched against the incoming pod's namespace labels",
			pods: []*corev1.Pod{fixture.Pod("default", "guard", fixture.On("b1"),
				fixture.PodAntiAffinityTerm(nsSel(term(zoneKey, webSel), &metav1.LabelSelector{MatchLabels: map[string]string{"team": "blue"}})))},
			pod:  fixture.Pod("other", "p", fixture.PodLabels("app", "web")),
			want: map[string]string{"a1": "", "b1": existing},
		},
		{
			name: "affinity is checked before anti-affinity and existing anti-affinity",
			pods: []*corev1.Pod{
				fixture.Pod("default", "guard", fixture.On("b1"), fixture.PodLabels("app", "web"), fixture.AntiAffinity(zoneKey, map[string]string{"role": "p"})),
			},
			pod: fixture.Pod("default", "p", fixture.PodLabels("role", "p"), fixture.Affinity(zoneKey, map[string]string{"app": "db"}),
				fixture.AntiAffinity(zoneKey, webSel)),
			want: map[string]string{"a1": aff, "b1": aff},
		},
		{
			name: "existing anti-affinity of a pod with an unparsable term is ignored",
			pods: []*corev1.Pod{fixture.Pod("default", "guard", fixture.On("a1"), fixture.PodAntiAffinityTerm(corev1.PodAffinityTerm{TopologyKey: zoneKey,
				LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}}))},
			pod:  fixture.Pod("default", "p", fixture.PodLabels("app", "web")),
			want: map[string]string{"a1": "", "b1": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := tt.nodes
			if ns == nil {
				ns = nodes
			}
			c := topoCluster(ns, append(tt.pods, tt.pod), namespaces...)
			s, rej := newAffinityState(tt.pod, c, true)
			if rej != nil {
				t.Fatalf("rejection %+v", rej)
			}
			got := map[string]string{}
			for _, ni := range c.Nodes {
				got[ni.Node.Name] = verdict(CheckInterPodAffinity(s, ni))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("verdicts (-want +got):\n%s", d)
			}
		})
	}
}

func TestInterPodAffinityBlockers(t *testing.T) {
	nodes := []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("nolabel")}
	pods := []*corev1.Pod{
		fixture.Pod("default", "w1", fixture.On("a1"), fixture.PodLabels("app", "web")),
		fixture.Pod("default", "w2", fixture.On("a1"), fixture.PodLabels("app", "web")),
		fixture.Pod("other", "guard", fixture.On("a1"), fixture.AntiAffinity("kubernetes.io/hostname", map[string]string{"x": "y"}),
			fixture.PodAntiAffinityTerm(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "p"}},
				NamespaceSelector: &metav1.LabelSelector{}})),
	}
	pod := fixture.Pod("default", "p", fixture.PodLabels("role", "p"),
		fixture.Affinity(zoneKey, map[string]string{"app": "db"}),
		fixture.Affinity("rack", map[string]string{"app": "db"}),
		fixture.AntiAffinity("kubernetes.io/hostname", map[string]string{"app": "none"}),
		fixture.AntiAffinity(zoneKey, webSel))
	c := topoCluster(nodes, append(pods, pod))
	s, _ := newAffinityState(pod, c, true)

	st := CheckInterPodAffinity(s, c.Node("a1"))
	b := func(kind BlockerKind, ev PodAffinityEvidence) Blocker {
		return Blocker{Plugin: PluginInterPodAffinity, Kind: kind, PodAffinity: &ev}
	}
	want := &Status{Plugin: PluginInterPodAffinity, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonPodAffinity}, Blockers: []Blocker{
		b(KindPodAffinityUnsatisfied, PodAffinityEvidence{Term: 1, TopologyKey: "rack", MissingLabel: true, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}),
		b(KindPodAffinityUnsatisfied, PodAffinityEvidence{Term: 0, TopologyKey: zoneKey, Domain: "a", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}}),
		b(KindPodAntiAffinityConflict, PodAffinityEvidence{Term: 1, TopologyKey: zoneKey, Domain: "a", Pod: "default/w1", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}),
		b(KindExistingAntiAffinity, PodAffinityEvidence{Term: 1, TopologyKey: zoneKey, Domain: "a", Pod: "other/guard", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"role": "p"}}}),
	}}
	if d := cmp.Diff(want, st); d != "" {
		t.Errorf("a1 status (-want +got):\n%s", d)
	}
}

func TestInterPodAffinityWithPods(t *testing.T) {
	nodes := []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b"))}
	victims := web("default", "a1", 2)
	pod := fixture.Pod("default", "p", fixture.PodLabels("app", "api"), fixture.AntiAffinity(zoneKey, webSel))
	c := topoCluster(nodes, victims)
	s, _ := newAffinityState(pod, c, true)
	a1, b1 := c.Node("a1"), c.Node("b1")

	one := s.withPods(a1.Node, victims[:1], -1)
	st := CheckInterPodAffinity(one, a1)
	if verdict(st) == "" || st.Blockers[0].PodAffinity.Pod != "default/a1-web-b" {
		t.Errorf("after removing one pod: %+v", st)
	}
	if st := CheckInterPodAffinity(one.withPods(a1.Node, victims[1:], -1), a1); st != nil {
		t.Errorf("after removing both: %+v", st)
	}
	if st := CheckInterPodAffinity(s, a1); verdict(st) == "" || st.Blockers[0].PodAffinity.Pod != "default/a1-web-a" {
		t.Errorf("receiver changed: %+v", st)
	}

	// A nominated pod whose anti-affinity selects us blocks its zone.
	nominated := fixture.Pod("default", "n", fixture.AntiAffinity(zoneKey, map[string]string{"app": "api"}))
	if got := verdict(CheckInterPodAffinity(s.withPods(b1.Node, []*corev1.Pod{nominated}, +1), b1)); got != string(Unschedulable)+": "+ReasonExistingAntiAffinity {
		t.Errorf("nominated anti-affinity: %q", got)
	}
}

func TestInterPodAffinityFirstOfGroupAfterRemoval(t *testing.T) {
	// Removing the only matching pod empties the counts, so the self-match exception applies again.
	nodes := []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b"))}
	only := web("default", "a1", 1)
	pod := fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Affinity(zoneKey, webSel))
	c := topoCluster(nodes, only)
	s, _ := newAffinityState(pod, c, true)
	if verdict(CheckInterPodAffinity(s, c.Node("b1"))) == "" {
		t.Fatal("b1 should fail while a pod exists in zone a")
	}
	if st := CheckInterPodAffinity(s.withPods(nodes[0], only, -1), c.Node("b1")); st != nil {
		t.Errorf("b1 after removal: %+v", st)
	}
}

func TestInterPodAffinityPreFilter(t *testing.T) {
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}
	c := topoCluster([]*corev1.Node{fixture.Node("a1", fixture.Zone("a"))}, nil)
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string // rejection reason, "" for none
		skip bool   // nil state: the plugin skips
	}{
		{name: "no terms and no existing anti-affinity skips", pod: fixture.Pod("default", "p"), skip: true},
		{name: "invalid required affinity selector",
			pod:  fixture.Pod("default", "p", fixture.PodAffinityTerm(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: bad})),
			want: `parsing pod: requiredAffinityTerms: "Bogus" is not a valid label selector operator`},
		{name: "invalid namespaceSelector in anti-affinity and invalid preferred term are aggregated",
			pod: func() *corev1.Pod {
				p := fixture.Pod("default", "p", fixture.PodAntiAffinityTerm(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: &metav1.LabelSelector{}, NamespaceSelector: bad}))
				p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{
					{Weight: 1, PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: bad}}}}
				return p
			}(),
			want: `parsing pod: [requiredAntiAffinityTerms: "Bogus" is not a valid label selector operator, preferredAffinityTerms: "Bogus" is not a valid label selector operator]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, rej := newAffinityState(tt.pod, c, true)
			if tt.want != "" {
				want := &PreFilterRejection{Plugin: PluginInterPodAffinity, Code: UnschedulableAndUnresolvable, Reason: tt.want}
				if d := cmp.Diff(want, rej); d != "" {
					t.Errorf("rejection (-want +got):\n%s", d)
				}
				return
			}
			if rej != nil || (s == nil) != tt.skip {
				t.Errorf("state %v rejection %+v", s, rej)
			}
		})
	}
}

// D4: a required term whose namespaceSelector has only NotIn/DoesNotExist matches Pods in every
// namespace in the real v1.36.3 scheduler (mergeAffinityTermNamespacesIfNotEmpty loses the
// selector reset), whatever the selector says; with In/Exists beside them it is resolved as written.
func TestNamespaceSelectorMatchesEveryNamespace(t *testing.T) {
	notIn := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"blue"}}}}
	absent := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpDoesNotExist}}}
	mixed := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "team", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"blue"}}, {Key: "team", Operator: metav1.LabelSelectorOpExists}}}
	withNS := func(sel *metav1.LabelSelector) corev1.PodAffinityTerm {
		t := term("kubernetes.io/hostname", webSel)
		t.NamespaceSelector = sel
		return t
	}
	cluster := func(pod *corev1.Pod) *Cluster {
		return NewCluster(&snapshot.Snapshot{
			Nodes:      []*corev1.Node{fixture.Node("n1", fixture.Labels("kubernetes.io/hostname", "n1"))},
			Pods:       []*corev1.Pod{fixture.Pod("other", "web", fixture.On("n1"), fixture.PodLabels("app", "web")), pod},
			Namespaces: []*corev1.Namespace{fixture.Namespace("default", "team", "red"), fixture.Namespace("other", "team", "blue")},
		})
	}
	antiBlocked := "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. no new claims to deallocate, " +
		"preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
	affinityFails := "0/1 nodes are available: 1 node(s) didn't match pod affinity rules. no new claims to deallocate, " +
		"preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string // "" : the Pod fits
		all  bool   // the blocker says the scheduler matched every namespace
	}{
		{"anti NotIn: blocks", fixture.Pod("default", "p", fixture.PodAntiAffinityTerm(withNS(notIn))), antiBlocked, true},
		{"anti DoesNotExist: blocks", fixture.Pod("default", "p", fixture.PodAntiAffinityTerm(withNS(absent))), antiBlocked, true},
		{"anti NotIn with Exists: as written", fixture.Pod("default", "p", fixture.PodAntiAffinityTerm(withNS(mixed))), "", false},
		{"affinity NotIn: places", fixture.Pod("default", "p", fixture.PodAffinityTerm(withNS(notIn))), "", false},
		{"affinity DoesNotExist: places", fixture.Pod("default", "p", fixture.PodAffinityTerm(withNS(absent))), "", false},
		{"affinity NotIn with Exists: as written", fixture.Pod("default", "p", fixture.PodAffinityTerm(withNS(mixed))), affinityFails, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := RunCycle(v136, cluster(tt.pod), tt.pod, CycleOptions{})
			if got.Message != tt.want {
				t.Fatalf("message\n%q\nwant\n%q", got.Message, tt.want)
			}
			if tt.want == "" {
				return
			}
			b := got.Nodes[0].Statuses[0].Blockers[0]
			if b.PodAffinity == nil || b.PodAffinity.AllNamespaces != tt.all || (tt.all && b.PodAffinity.Pod != "other/web") {
				t.Errorf("blocker %+v", b.PodAffinity)
			}
		})
	}

	// v1.37 keeps the reset: every selector is resolved as written.
	fixed := &Profile{SchedulerVersion: "fixed", Plugins: []Plugin{InterPodAffinity{}}}
	for _, tt := range []struct {
		pod  *corev1.Pod
		fits bool
	}{
		{fixture.Pod("default", "p", fixture.PodAntiAffinityTerm(withNS(notIn))), true},
		{fixture.Pod("default", "p", fixture.PodAntiAffinityTerm(withNS(absent))), true},
		{fixture.Pod("default", "p", fixture.PodAffinityTerm(withNS(notIn))), false},
		{fixture.Pod("default", "p", fixture.PodAffinityTerm(withNS(absent))), false},
	} {
		if got := RunCycle(fixed, cluster(tt.pod), tt.pod, CycleOptions{SkipPostFilter: true}); got.Feasible != tt.fits {
			t.Errorf("reset kept: feasible %v, want %v: %+v", got.Feasible, tt.fits, got.Nodes)
		}
	}
}
