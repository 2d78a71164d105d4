package checks

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

const zoneKey = "topology.kubernetes.io/zone"

// topoCluster indexes nodes, pods and namespaces as the analysis does.
func topoCluster(nodes []*corev1.Node, pods []*corev1.Pod, nss ...*corev1.Namespace) *Cluster {
	return NewCluster(&snapshot.Snapshot{Nodes: nodes, Pods: pods, Namespaces: nss})
}

// web returns n Pods labelled app=web in namespace ns on node.
func web(ns, node string, n int, opts ...fixture.PodOption) []*corev1.Pod {
	var out []*corev1.Pod
	for i := 0; i < n; i++ {
		name := node + "-web-" + string(rune('a'+i))
		out = append(out, fixture.Pod(ns, name, append([]fixture.PodOption{fixture.On(node), fixture.PodLabels("app", "web")}, opts...)...))
	}
	return out
}

func cat(groups ...[]*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}

// verdict is the scheduler's part of a status: "" when the node passes.
func verdict(s *Status) string {
	if s == nil {
		return ""
	}
	return string(s.Code) + ": " + strings.Join(s.Reasons, ", ")
}

var webSel = map[string]string{"app": "web"}

func TestPodTopologySpreadFilter(t *testing.T) {
	twoZones := []*corev1.Node{
		fixture.Node("a1", fixture.Zone("a")),
		fixture.Node("b1", fixture.Zone("b")),
	}
	skew := string(Unschedulable) + ": " + ReasonSpreadSkew
	missing := string(UnschedulableAndUnresolvable) + ": " + ReasonSpreadMissingLabel
	tests := []struct {
		name  string
		nodes []*corev1.Node
		pods  []*corev1.Pod
		pod   *corev1.Pod
		want  map[string]string // node -> verdict
	}{
		{
			name:  "{} selector counts no pods: the loaded zone still takes the pod",
			nodes: twoZones,
			pods:  web("default", "a1", 5),
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.TopologySpread(corev1.TopologySpreadConstraint{
				MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{}})),
			want: map[string]string{"a1": "", "b1": ""},
		},
		{
			name:  "nil selector counts nothing and the pod does not match itself",
			nodes: twoZones,
			pods:  web("default", "a1", 5),
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.TopologySpread(corev1.TopologySpreadConstraint{
				MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule})),
			want: map[string]string{"a1": "", "b1": ""},
		},
		{
			name:  "skew: the loaded zone fails, the empty one passes",
			nodes: twoZones,
			pods:  web("default", "a1", 1),
			pod:   fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Spread(zoneKey, 1, webSel)),
			want:  map[string]string{"a1": skew, "b1": ""},
		},
		{
			name:  "tainted zone-b node with the default Ignore policy is a 0 domain, so zone a fails",
			nodes: []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b"), fixture.Taint("dedicated", "x", corev1.TaintEffectNoSchedule))},
			pods:  web("default", "a1", 1),
			pod:   fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Spread(zoneKey, 1, webSel)),
			want:  map[string]string{"a1": skew, "b1": ""},
		},
		{
			name:  "nodeTaintsPolicy Honor drops the tainted zone, so zone a passes",
			nodes: []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b"), fixture.Taint("dedicated", "x", corev1.TaintEffectNoExecute))},
			pods:  web("default", "a1", 1),
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.TopologySpread(corev1.TopologySpreadConstraint{
				MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: webSel},
				NodeTaintsPolicy: ptr.To(corev1.NodeInclusionPolicyHonor)})),
			want: map[string]string{"a1": "", "b1": ""},
		},
		{
			name:  "nodeTaintsPolicy Honor keeps a node whose taint is tolerated, and PreferNoSchedule never excludes",
			nodes: []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b"), fixture.Taint("dedicated", "x", corev1.TaintEffectNoSchedule)), fixture.Node("c1", fixture.Zone("c"), fixture.Taint("soft", "", corev1.TaintEffectPreferNoSchedule))},
			pods:  web("default", "a1", 1),
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Tolerate("dedicated", corev1.TolerationOpExists, "", ""), fixture.TopologySpread(corev1.TopologySpreadConstraint{
				MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: webSel},
				NodeTaintsPolicy: ptr.To(corev1.NodeInclusionPolicyHonor)})),
			want: map[string]string{"a1": skew, "b1": "", "c1": ""},
		},
		{
			name:  "a nodeSelector excluding zone b removes that domain (Honor)",
			nodes: twoZones,
			pods:  web("default", "a1", 1),
			pod:   fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.NodeSelector(zoneKey, "a"), fixture.Spread(zoneKey, 1, webSel)),
			want:  map[string]string{"a1": "", "b1": ""},
		},
		{
			name:  "nodeAffinityPolicy Ignore keeps zone b",
			nodes: twoZones,
			pods:  web("default", "a1", 1),
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.NodeSelector(zoneKey, "a"), fixture.TopologySpread(corev1.TopologySpreadConstraint{
				MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: webSel},
				NodeAffinityPolicy: ptr.To(corev1.NodeInclusionPolicyIgnore)})),
			want: map[string]string{"a1": skew, "b1": ""},
		},
		{
			name:  "minDomains 3 with 2 domains makes the global minimum 0",
			nodes: twoZones,
			pods:  cat(web("default", "a1", 1), web("default", "b1", 1)),
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.TopologySpread(corev1.TopologySpreadConstraint{
				MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: webSel},
				MinDomains: ptr.To[int32](3)})),
			want: map[string]string{"a1": skew, "b1": skew},
		},
		{
			name:  "a node without the key is missing-label UU and is not a domain",
			nodes: []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b")), fixture.Node("nolabel")},
			pods:  cat(web("default", "a1", 1), web("default", "nolabel", 3)),
			pod:   fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Spread(zoneKey, 1, webSel)),
			want:  map[string]string{"a1": skew, "b1": "", "nolabel": missing},
		},
		{
			name:  "a node lacking another constraint's key is skipped for every constraint",
			nodes: []*corev1.Node{fixture.Node("a1", fixture.Zone("a"), fixture.Labels("rack", "r1")), fixture.Node("b1", fixture.Zone("b"))},
			pods:  web("default", "a1", 1),
			pod:   fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Spread(zoneKey, 1, webSel), fixture.Spread("rack", 5, webSel)),
			// Zone b is not a domain (b1 lacks rack), so zone a's minimum is its own count.
			want: map[string]string{"a1": "", "b1": missing},
		},
		{
			name:  "other namespaces and terminating pods are not counted",
			nodes: twoZones,
			pods:  cat(web("other", "a1", 3), web("default", "a1", 2, fixture.Terminating())),
			pod:   fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Spread(zoneKey, 1, webSel)),
			want:  map[string]string{"a1": "", "b1": ""},
		},
		{
			name:  "matchLabelKeys narrows the selector to the pod's own value",
			nodes: twoZones,
			pods:  web("default", "a1", 3, fixture.PodLabels("rev", "old")),
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web", "rev", "new"), fixture.TopologySpread(corev1.TopologySpreadConstraint{
				MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: webSel},
				MatchLabelKeys: []string{"rev", "absent"}})),
			want: map[string]string{"a1": "", "b1": ""},
		},
		{
			name:  "ScheduleAnyway constraints are not filters",
			nodes: twoZones,
			pods:  web("default", "a1", 4),
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.TopologySpread(corev1.TopologySpreadConstraint{
				MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: webSel}})),
			want: map[string]string{"a1": "", "b1": ""},
		},
		{
			name:  "two constraints on the same key are counted separately",
			nodes: twoZones,
			pods:  cat(web("default", "a1", 2), []*corev1.Pod{fixture.Pod("default", "db", fixture.On("b1"), fixture.PodLabels("app", "db"))}),
			pod: fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Spread(zoneKey, 2, webSel),
				fixture.Spread(zoneKey, 1, map[string]string{"app": "db"})),
			// web: a=2,b=0 -> a skew 3 > 2; db: a=0,b=1 -> b skew 1 passes (self does not match).
			want: map[string]string{"a1": skew, "b1": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := topoCluster(tt.nodes, append(tt.pods, tt.pod))
			s, rej := newSpreadState(tt.pod, c)
			if rej != nil {
				t.Fatalf("rejection %+v", rej)
			}
			got := map[string]string{}
			for _, ni := range c.Nodes {
				got[ni.Node.Name] = verdict(CheckPodTopologySpread(s, ni))
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("verdicts (-want +got):\n%s", d)
			}
		})
	}
}

func TestPodTopologySpreadBlockersAndSummary(t *testing.T) {
	nodes := []*corev1.Node{
		fixture.Node("a1", fixture.Zone("a")), fixture.Node("a2", fixture.Zone("a")),
		fixture.Node("b1", fixture.Zone("b")), fixture.Node("nolabel"),
		fixture.Node("t1", fixture.Zone("c"), fixture.Taint("gpu", "", corev1.TaintEffectNoSchedule)),
	}
	pods := cat(web("default", "a1", 2), web("default", "a2", 1))
	pod := fixture.Pod("default", "p", fixture.PodLabels("app", "web"),
		fixture.TopologySpread(corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: webSel}}),
		fixture.TopologySpread(corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: webSel}}),
		fixture.TopologySpread(corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: webSel},
			NodeTaintsPolicy: ptr.To(corev1.NodeInclusionPolicyHonor)}))
	c := topoCluster(nodes, pods)
	s, _ := newSpreadState(pod, c)

	// a1 violates both hard constraints; the hostname one (spec index 1) decides the status.
	st := CheckPodTopologySpread(s, c.Node("a1"))
	want := &Status{Plugin: PluginPodTopologySpread, Code: Unschedulable, Reasons: []string{ReasonSpreadSkew}, Blockers: []Blocker{
		{Plugin: PluginPodTopologySpread, Kind: KindSpreadSkew, Spread: &SpreadEvidence{Constraint: 1, TopologyKey: "kubernetes.io/hostname", MaxSkew: 1, MinDomains: 1,
			Domain: "a1", MatchingInDomain: 2, SelfMatch: true, GlobalMinimum: 0, EligibleDomains: 4, Skew: 3}},
		{Plugin: PluginPodTopologySpread, Kind: KindSpreadSkew, Spread: &SpreadEvidence{Constraint: 2, TopologyKey: zoneKey, MaxSkew: 1, MinDomains: 1,
			Domain: "a", MatchingInDomain: 3, SelfMatch: true, GlobalMinimum: 0, EligibleDomains: 2, Skew: 4}},
	}}
	if d := cmp.Diff(want, st); d != "" {
		t.Errorf("a1 status (-want +got):\n%s", d)
	}

	// nolabel lacks the zone: UU from the zone constraint although the hostname one is checked first.
	st = CheckPodTopologySpread(s, c.Node("nolabel"))
	if verdict(st) != string(UnschedulableAndUnresolvable)+": "+ReasonSpreadMissingLabel || len(st.Blockers) != 1 ||
		st.Blockers[0].Kind != KindSpreadMissingLabel || !st.Blockers[0].Spread.MissingLabel || st.Blockers[0].Spread.Constraint != 2 {
		t.Errorf("nolabel status = %+v", st)
	}

	gotSummary := s.Summary()
	webLabelSelector := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	wantSummary := []SpreadDomains{
		{Constraint: 1, TopologyKey: "kubernetes.io/hostname", WhenUnsatisfiable: corev1.DoNotSchedule, MaxSkew: 1, MinDomains: 1, Selector: webLabelSelector,
			NodeAffinityPolicy: corev1.NodeInclusionPolicyHonor, NodeTaintsPolicy: corev1.NodeInclusionPolicyIgnore, GlobalMinimum: 0,
			SelfMatch: true, EligibleDomains: 4,
			Domains: []DomainCount{{Name: "a1", Matching: 2, Nodes: 1}, {Name: "a2", Matching: 1, Nodes: 1}, {Name: "b1", Matching: 0, Nodes: 1}, {Name: "t1", Matching: 0, Nodes: 1}}},
		{Constraint: 2, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule, MaxSkew: 1, MinDomains: 1, Selector: webLabelSelector,
			NodeAffinityPolicy: corev1.NodeInclusionPolicyHonor, NodeTaintsPolicy: corev1.NodeInclusionPolicyHonor, GlobalMinimum: 0,
			SelfMatch: true, EligibleDomains: 2,
			Domains: []DomainCount{{Name: "a", Matching: 3, Nodes: 2}, {Name: "b", Matching: 0, Nodes: 1}}},
	}
	if d := cmp.Diff(wantSummary, gotSummary); d != "" {
		t.Errorf("summary (-want +got):\n%s", d)
	}

	wantEx := map[string][]SpreadExclusion{
		"nolabel": {{Constraint: 1, Reason: SpreadMissingTopologyKey, MissingKeys: []string{zoneKey}}, {Constraint: 2, Reason: SpreadMissingTopologyKey, MissingKeys: []string{zoneKey}}},
		"t1":      {{Constraint: 2, Reason: SpreadNodeTaintsPolicy, Taint: &corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoSchedule}}},
		"a1":      nil,
	}
	for node, want := range wantEx {
		if d := cmp.Diff(want, s.NodeExclusions(node)); d != "" {
			t.Errorf("exclusions of %s (-want +got):\n%s", node, d)
		}
	}
	if d := cmp.Diff([]string{"a1", "a2"}, s.DomainNodes(1, "a")); d != "" {
		t.Errorf("DomainNodes (-want +got):\n%s", d)
	}
}

func TestPodTopologySpreadWithPods(t *testing.T) {
	nodes := []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b"))}
	victims := web("default", "a1", 2)
	pod := fixture.Pod("default", "p", fixture.PodLabels("app", "web"), fixture.Spread(zoneKey, 1, webSel))
	c := topoCluster(nodes, victims)
	s, _ := newSpreadState(pod, c)
	a1 := c.Node("a1")
	if verdict(CheckPodTopologySpread(s, a1)) == "" {
		t.Fatal("a1 should fail before removal")
	}

	removed := s.withPods(a1.Node, victims, -1)
	if st := CheckPodTopologySpread(removed, a1); st != nil {
		t.Errorf("after removing both pods a1 should pass, got %+v", st)
	}
	if got := removed.Domains(0); got[0].Matching != 0 {
		t.Errorf("zone a after removal = %d", got[0].Matching)
	}
	// The receiver is untouched.
	if got := s.Domains(0); got[0].Matching != 2 || verdict(CheckPodTopologySpread(s, a1)) == "" {
		t.Errorf("receiver changed: %+v", got)
	}

	// AddPod counts even terminating pods and checks the namespace; {} would match too.
	added := s.withPods(nodes[1], []*corev1.Pod{
		fixture.Pod("default", "n1", fixture.PodLabels("app", "web"), fixture.Terminating()),
		fixture.Pod("other", "n2", fixture.PodLabels("app", "web")),
	}, +1)
	if got := added.Domains(0); got[1].Matching != 1 {
		t.Errorf("zone b after adding = %+v", got)
	}
	if m, ok := added.MinMatching(0); !ok || m != 1 {
		t.Errorf("MinMatching after adding = %d, %v", m, ok)
	}
	// Chained: remove one of a1's pods from the added state.
	chained := added.withPods(a1.Node, victims[:1], -1)
	if got := chained.Domains(0); got[0].Matching != 1 || got[1].Matching != 1 {
		t.Errorf("chained = %+v", got)
	}
}

func TestPodTopologySpreadInvalidSelector(t *testing.T) {
	pod := fixture.Pod("default", "p", fixture.TopologySpread(corev1.TopologySpreadConstraint{
		MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule,
		LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}}))
	c := topoCluster([]*corev1.Node{fixture.Node("a1", fixture.Zone("a"))}, nil)
	_, rej := newSpreadState(pod, c)
	want := &PreFilterRejection{Plugin: PluginPodTopologySpread, Code: Error,
		Reason: `running PreFilter plugin "PodTopologySpread": get constraints from pod: obtaining pod's hard topology spread constraints: "Bogus" is not a valid label selector operator`}
	if d := cmp.Diff(want, rej); d != "" {
		t.Errorf("rejection (-want +got):\n%s", d)
	}
	// A ScheduleAnyway constraint is never parsed by the filter.
	pod.Spec.TopologySpreadConstraints[0].WhenUnsatisfiable = corev1.ScheduleAnyway
	if s, rej := newSpreadState(pod, c); s != nil || rej != nil {
		t.Errorf("ScheduleAnyway: state %v rejection %v", s, rej)
	}
	if _, err := NewSpreadAnalysis(pod, pod.Spec.TopologySpreadConstraints, c); err == nil {
		t.Error("NewSpreadAnalysis accepted an invalid selector")
	}
}

func TestNewSpreadAnalysis(t *testing.T) {
	nodes := []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b"))}
	pods := cat(web("default", "a1", 3), web("default", "b1", 1))
	pod := fixture.Pod("default", "p", fixture.PodLabels("app", "web"))
	cons := []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.ScheduleAnyway,
		LabelSelector: &metav1.LabelSelector{MatchLabels: webSel}, MinDomains: ptr.To[int32](3)}}
	s, err := NewSpreadAnalysis(pod, cons, topoCluster(nodes, pods))
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 1 || s.GlobalMinimum(0) != 0 || !s.SelfMatch(0) {
		t.Errorf("Len %d GlobalMinimum %d SelfMatch %v", s.Len(), s.GlobalMinimum(0), s.SelfMatch(0))
	}
	if m, ok := s.MinMatching(0); !ok || m != 1 {
		t.Errorf("MinMatching = %d, %v", m, ok)
	}
	want := []DomainCount{{Name: "a", Matching: 3, Nodes: 1}, {Name: "b", Matching: 1, Nodes: 1}}
	if d := cmp.Diff(want, s.Domains(0)); d != "" {
		t.Errorf("domains (-want +got):\n%s", d)
	}
	if got := s.Summary()[0].WhenUnsatisfiable; got != corev1.ScheduleAnyway {
		t.Errorf("WhenUnsatisfiable = %s", got)
	}
	// Out-of-range and nil receivers do not panic.
	var nilState *SpreadState
	_ = nilState.Summary()
	_, _ = s.MinMatching(5)
	_ = s.Domains(-1)
	_ = nilState.NodeExclusions("x")
}
