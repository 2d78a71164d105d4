package spread

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

const zone = corev1.LabelTopologyZone

var webLabels = map[string]string{"app": "web"}

// replica is a bound, ready Pod of the Deployment web (ReplicaSet web-h1).
func replica(name, node string, opts ...fixture.PodOption) *corev1.Pod {
	base := []fixture.PodOption{
		fixture.PodLabels("app", "web", "pod-template-hash", "h1"),
		fixture.OwnedBy("ReplicaSet", "web-h1"),
	}
	if node != "" {
		base = append(base, fixture.On(node), ready)
	}
	return fixture.Pod("shop", name, append(base, opts...)...)
}

func ready(p *corev1.Pod) {
	p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue})
}

func withSpread(c corev1.TopologySpreadConstraint) fixture.PodOption {
	return fixture.TopologySpread(c)
}

func zoneSpread(maxSkew int32, mutate ...func(*corev1.TopologySpreadConstraint)) corev1.TopologySpreadConstraint {
	c := corev1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: zone, WhenUnsatisfiable: corev1.DoNotSchedule,
		LabelSelector: &metav1.LabelSelector{MatchLabels: webLabels}}
	for _, m := range mutate {
		if m != nil {
			m(&c)
		}
	}
	return c
}

func analyse(t *testing.T, nodes []*corev1.Node, pods []*corev1.Pod, w *Workload) *SpreadReport {
	t.Helper()
	snap := &snapshot.Snapshot{Source: "test", Nodes: nodes, Pods: pods, Namespaces: []*corev1.Namespace{fixture.Namespace("shop")}}
	if w == nil {
		var err error
		if w, err = FromPods(snap, KindDeployment, "shop", "web"); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Analyze(snap, w)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// domainRow is the arithmetic of one domain, compact enough for a table.
type domainRow struct {
	Name     string
	Matching int32
	Eligible bool
	Skew     int32 // SkewIfPlaced
	Open     bool
	CanPlace bool
	Excluded string // reasons, comma-joined
}

func rows(c checks.SpreadDomains) []domainRow {
	var out []domainRow
	for _, d := range c.Domains {
		r := domainRow{Name: d.Name, Matching: d.Matching, Eligible: d.Eligible(), Skew: d.SkewIfPlaced, Open: d.Open, CanPlace: d.CanPlace}
		for i, e := range d.Excluded {
			if i > 0 {
				r.Excluded += ","
			}
			r.Excluded += string(e.Reason)
		}
		out = append(out, r)
	}
	return out
}

// TestConstraintArithmetic covers every nodeAffinityPolicy x nodeTaintsPolicy combination on one
// cluster: zone a (untainted, ssd), zone b (tainted, ssd), zone c (no ssd), and a node without a
// zone; the workload wants disk=ssd.
func TestConstraintArithmetic(t *testing.T) {
	nodes := []*corev1.Node{
		fixture.Node("a1", fixture.Zone("a"), fixture.Labels("disk", "ssd")),
		fixture.Node("b1", fixture.Zone("b"), fixture.Labels("disk", "ssd"), fixture.Taint("dedicated", "db", corev1.TaintEffectNoSchedule)),
		fixture.Node("c1", fixture.Zone("c")),
		fixture.Node("nozone", fixture.Labels("disk", "ssd")),
	}
	honor, ignore := corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore
	tests := []struct {
		name            string
		affinity, taint *corev1.NodeInclusionPolicy
		minDomains      *int32
		wantMin         int32
		wantMinMatching int32
		wantSkew        int32
		wantEligible    int
		want            []domainRow
		wantOpen        []string
	}{
		{
			name:    "defaults (affinity Honor, taints Ignore): tainted b counts, c does not",
			wantMin: 1, wantMinMatching: 1, wantSkew: 1, wantEligible: 2,
			want: []domainRow{
				{Name: "a", Matching: 2, Eligible: true, Skew: 2}, // closed, so the spread filter rejects a1 too
				{Name: "b", Matching: 1, Eligible: true, Skew: 1, Open: true},
				{Name: "c", Eligible: false, Skew: 0, Open: true, Excluded: "NodeAffinityPolicy"},
			},
			wantOpen: []string{},
		},
		{
			name: "affinity Honor, taints Honor: only a is counted", affinity: &honor, taint: &honor,
			wantMin: 2, wantMinMatching: 2, wantSkew: 0, wantEligible: 1,
			want: []domainRow{
				{Name: "a", Matching: 2, Eligible: true, Skew: 1, Open: true, CanPlace: true},
				{Name: "b", Eligible: false, Skew: -1, Open: true, Excluded: "NodeTaintsPolicy"},
				{Name: "c", Eligible: false, Skew: -1, Open: true, Excluded: "NodeAffinityPolicy"},
			},
			wantOpen: []string{"a"},
		},
		{
			name: "affinity Ignore, taints Ignore: every zone counts", affinity: &ignore, taint: &ignore,
			wantMin: 1, wantMinMatching: 1, wantSkew: 1, wantEligible: 3,
			want: []domainRow{
				{Name: "a", Matching: 2, Eligible: true, Skew: 2}, // closed, so the spread filter rejects a1 too
				{Name: "b", Matching: 1, Eligible: true, Skew: 1, Open: true},
				{Name: "c", Matching: 1, Eligible: true, Skew: 1, Open: true},
			},
			wantOpen: []string{},
		},
		{
			name: "affinity Ignore, taints Honor: b excluded by its taint", affinity: &ignore, taint: &honor,
			wantMin: 1, wantMinMatching: 1, wantSkew: 1, wantEligible: 2,
			want: []domainRow{
				{Name: "a", Matching: 2, Eligible: true, Skew: 2}, // closed, so the spread filter rejects a1 too
				{Name: "b", Eligible: false, Skew: 0, Open: true, Excluded: "NodeTaintsPolicy"},
				{Name: "c", Matching: 1, Eligible: true, Skew: 1, Open: true},
			},
			wantOpen: []string{},
		},
		{
			name: "minDomains 3 with one eligible domain forces the minimum to 0", affinity: &honor, taint: &honor, minDomains: ptr.To[int32](3),
			wantMin: 0, wantMinMatching: 2, wantSkew: 2, wantEligible: 1,
			want: []domainRow{
				{Name: "a", Matching: 2, Eligible: true, Skew: 3, CanPlace: false},
				{Name: "b", Eligible: false, Skew: 1, Open: true, Excluded: "NodeTaintsPolicy"},
				{Name: "c", Eligible: false, Skew: 1, Open: true, Excluded: "NodeAffinityPolicy"},
			},
			wantOpen: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := zoneSpread(1, func(c *corev1.TopologySpreadConstraint) {
				c.NodeAffinityPolicy, c.NodeTaintsPolicy, c.MinDomains = tt.affinity, tt.taint, tt.minDomains
			})
			opts := []fixture.PodOption{withSpread(c), fixture.NodeSelector("disk", "ssd")}
			// Other Pods matching app=web count too; the workload's own are on a1 and nozone.
			other := func(name, node string) *corev1.Pod {
				return fixture.Pod("shop", name, fixture.PodLabels("app", "web"), fixture.On(node))
			}
			pods := []*corev1.Pod{
				replica("web-h1-1", "a1", opts...), other("x-a", "a1"),
				other("x-b", "b1"), other("x-c", "c1"),
				replica("web-h1-2", "nozone", opts...),
			}
			r := analyse(t, nodes, pods, nil)
			got := r.Constraints[0]
			if diff := cmp.Diff(tt.want, rows(got)); diff != "" {
				t.Errorf("domains (-want +got):\n%s", diff)
			}
			if got.GlobalMinimum != tt.wantMin || got.MinMatching == nil || *got.MinMatching != tt.wantMinMatching ||
				got.Skew != tt.wantSkew || got.EligibleDomains != tt.wantEligible {
				t.Errorf("min %d (without minDomains %v), skew %d, eligible %d; want %d, %d, %d, %d",
					got.GlobalMinimum, got.MinMatching, got.Skew, got.EligibleDomains, tt.wantMin, tt.wantMinMatching, tt.wantSkew, tt.wantEligible)
			}
			if diff := cmp.Diff(tt.wantOpen, got.OpenDomains); diff != "" {
				t.Errorf("open domains (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"nozone"}, got.NodesWithoutKey); diff != "" {
				t.Errorf("nodes without key (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMissingKeyOfAnotherConstraint: a node lacking one constraint's key is left out of every
// constraint's domains, as the scheduler does.
func TestMissingKeyOfAnotherConstraint(t *testing.T) {
	nodes := []*corev1.Node{
		fixture.Node("a1", fixture.Zone("a"), fixture.Labels("rack", "r1")),
		fixture.Node("a2", fixture.Zone("a")),
	}
	rack := zoneSpread(1, func(c *corev1.TopologySpreadConstraint) { c.TopologyKey = "rack" })
	pods := []*corev1.Pod{replica("web-h1-1", "a1", withSpread(zoneSpread(1)), withSpread(rack))}
	r := analyse(t, nodes, pods, nil)
	d := r.Constraints[0].Domains[0]
	if d.Name != "a" || d.NodesWithValue != 2 || d.Nodes != 1 || len(d.Excluded) != 1 ||
		d.Excluded[0].Node != "a2" || d.Excluded[0].Reason != "MissingTopologyKey" {
		t.Errorf("zone a: got %+v", d)
	}
	if got := r.Constraints[1].NodesWithoutKey; len(got) != 1 || got[0] != "a2" {
		t.Errorf("rack: nodes without key %v, want [a2]", got)
	}
}

func TestDefaultConstraints(t *testing.T) {
	nodes := []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b")), fixture.Node("x")}
	pods := []*corev1.Pod{replica("web-h1-1", "a1"), replica("web-h1-2", "a1"), replica("web-h1-3", "x")}
	r := analyse(t, nodes, pods, nil)
	if !r.DefaultConstraints || len(r.Constraints) != 2 {
		t.Fatalf("want the two system defaults, got %+v", r.Constraints)
	}
	host, zones := r.Constraints[0], r.Constraints[1]
	if host.TopologyKey != corev1.LabelHostname || host.MaxSkew != 3 || host.WhenUnsatisfiable != corev1.ScheduleAnyway {
		t.Errorf("hostname default: %+v", host)
	}
	// Defaults are counted one at a time: node x has no zone but is still a hostname domain.
	if len(host.Domains) != 3 || host.Domains[2].Name != "x" || !host.Domains[2].Eligible() || host.Domains[2].Matching != 1 {
		t.Errorf("hostname domains: %+v", host.Domains)
	}
	if zones.TopologyKey != zone || zones.MaxSkew != 5 || len(zones.Domains) != 2 || zones.Domains[0].Matching != 2 {
		t.Errorf("zone default: %+v", zones)
	}
	if got := metav1.FormatLabelSelector(host.Selector); got != "app=web,pod-template-hash=h1" {
		t.Errorf("default selector %q, want the Pod's labels", got)
	}
	for _, w := range r.Findings {
		if w.Constraint != nil {
			t.Errorf("defaults must not warn about constraints: %+v", w)
		}
	}
}

func TestAntiAffinity(t *testing.T) {
	nodes := []*corev1.Node{fixture.Node("n1"), fixture.Node("n2"), fixture.Node("n3")}
	anti := fixture.AntiAffinity(corev1.LabelHostname, webLabels)
	pods := []*corev1.Pod{replica("web-h1-1", "n1", anti), replica("web-h1-2", "n2", anti)}
	r := analyse(t, nodes, pods, nil)
	if len(r.AntiAffinity) != 1 {
		t.Fatalf("want one term, got %+v", r.AntiAffinity)
	}
	term := r.AntiAffinity[0]
	if !term.Required || !term.SelfMatch || term.Occupied != 2 || term.Remaining == nil || *term.Remaining != 1 {
		t.Errorf("term: %+v", term)
	}
	if diff := cmp.Diff([]string{"n3"}, r.NextReplica.Nodes); diff != "" {
		t.Errorf("next replica nodes (-want +got):\n%s", diff)
	}

	// Four replicas wanted with three hostnames: one can never be placed.
	w := &Workload{Kind: KindDeployment, Namespace: "shop", Name: "web", Replicas: ptr.To[int32](4), Pods: pods}
	r = analyse(t, nodes, pods, w)
	if !hasFinding(r, FindingReplicasExceedDomains) {
		t.Errorf("want %s, got %+v", FindingReplicasExceedDomains, r.Findings)
	}
}

// kafka in examples/cluster.yaml: the replicas select the data pool, so the free hostnames of the
// other pools take none of them: no more replicas fit, and three replicas over two data nodes is
// more replicas than domains.
func TestAntiAffinityCountsOnlySelectedNodes(t *testing.T) {
	nodes := []*corev1.Node{fixture.Node("d1", fixture.Labels("pool", "data")), fixture.Node("d2", fixture.Labels("pool", "data")),
		fixture.Node("w1", fixture.Labels("pool", "web")), fixture.Node("w2", fixture.Labels("pool", "web"))}
	opts := []fixture.PodOption{fixture.AntiAffinity(corev1.LabelHostname, webLabels), fixture.NodeSelector("pool", "data")}
	pods := []*corev1.Pod{replica("web-h1-1", "d1", opts...), replica("web-h1-2", "d2", opts...)}
	w := &Workload{Kind: KindDeployment, Namespace: "shop", Name: "web", Replicas: ptr.To[int32](3), Pods: pods}
	r := analyse(t, nodes, pods, w)
	term := r.AntiAffinity[0]
	if len(term.Domains) != 2 || term.NodesNotSelected != 2 || term.Remaining == nil || *term.Remaining != 0 {
		t.Errorf("term: %+v, want 2 domains, 2 nodes left out, 0 more replicas", term)
	}
	if !hasFinding(r, FindingReplicasExceedDomains) {
		t.Errorf("want %s, got %+v", FindingReplicasExceedDomains, r.Findings)
	}
}

func hasFinding(r *SpreadReport, k FindingKind) bool {
	for _, w := range r.Findings {
		if w.Kind == k {
			return true
		}
	}
	return false
}

func TestFindings(t *testing.T) {
	twoZones := []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("a2", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b"))}
	spreadWith := func(mutate func(*corev1.TopologySpreadConstraint)) fixture.PodOption {
		return withSpread(zoneSpread(1, mutate))
	}
	newRevision := func(p *corev1.Pod) {
		p.Labels["pod-template-hash"] = "h2"
		fixture.OwnedBy("ReplicaSet", "web-h2")(p)
	}
	tests := []struct {
		name  string
		nodes []*corev1.Node
		pods  []*corev1.Pod
		every fixture.PodOption // applied to every Pod: the newest stands for the next replica
		want  []FindingKind
	}{
		{
			name:  "selector typo matches none of the workload",
			nodes: twoZones,
			pods:  []*corev1.Pod{replica("web-h1-1", "a1"), replica("web-h1-2", "b1")},
			every: spreadWith(func(c *corev1.TopologySpreadConstraint) {
				c.LabelSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "wbe"}}
			}),
			want: []FindingKind{FindingSelectorMatchesNone},
		},
		{
			name:  "empty selector counts nothing",
			nodes: twoZones,
			pods:  []*corev1.Pod{replica("web-h1-1", "a1"), replica("web-h1-2", "b1")},
			every: spreadWith(func(c *corev1.TopologySpreadConstraint) { c.LabelSelector = &metav1.LabelSelector{} }),
			want:  []FindingKind{FindingSelectorMatchesNone},
		},
		{
			name:  "topology key on no node",
			nodes: twoZones,
			pods:  []*corev1.Pod{replica("web-h1-1", "a1"), replica("web-h1-2", "b1")},
			every: spreadWith(func(c *corev1.TopologySpreadConstraint) { c.TopologyKey = "topology.kubernetes.io/zne" }),
			want:  []FindingKind{FindingTopologyKeyOnNoNode},
		},
		{
			name:  "fewer domains than minDomains",
			nodes: twoZones,
			pods:  []*corev1.Pod{replica("web-h1-1", "a1"), replica("web-h1-2", "b1")},
			every: spreadWith(func(c *corev1.TopologySpreadConstraint) { c.MinDomains = ptr.To[int32](3) }),
			want:  []FindingKind{FindingFewerDomainsThanMinDomains},
		},
		{
			name:  "rollout counts old and new ReplicaSets",
			nodes: twoZones,
			pods:  []*corev1.Pod{replica("web-h1-1", "a1"), replica("web-h2-1", "b1", newRevision)},
			every: spreadWith(nil),
			want:  []FindingKind{FindingRolloutCountsBoth},
		},
		{
			name:  "matchLabelKeys pod-template-hash keeps revisions apart",
			nodes: twoZones,
			pods:  []*corev1.Pod{replica("web-h1-1", "a1"), replica("web-h2-1", "b1", newRevision)},
			every: spreadWith(func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"pod-template-hash"} }),
		},
		{
			name:  "pending replica and a zone holding the majority",
			nodes: twoZones,
			pods:  []*corev1.Pod{replica("web-h1-1", "a1"), replica("web-h1-2", "a2"), replica("web-h1-3", "b1"), replica("web-h1-4", "")},
			want:  []FindingKind{FindingPendingReplicas, FindingZoneHoldsMajority},
		},
		{
			name: "tainted node still counts and holds the minimum",
			nodes: []*corev1.Node{fixture.Node("w1"), fixture.Node("w2"),
				fixture.Node("w3", fixture.Taint("dedicated", "database", corev1.TaintEffectNoSchedule))},
			pods:  []*corev1.Pod{replica("web-h1-1", "w1"), replica("web-h1-2", "w2")},
			every: spreadWith(func(c *corev1.TopologySpreadConstraint) { c.TopologyKey = corev1.LabelHostname }),
			want:  []FindingKind{FindingStuckDomainHoldsMinimum},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.every != nil {
				for _, p := range tt.pods {
					tt.every(p)
				}
			}
			r := analyse(t, tt.nodes, tt.pods, nil)
			var got []FindingKind
			for _, w := range r.Findings {
				got = append(got, w.Kind)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s\n%+v", diff, r.Findings)
			}
		})
	}
}

func TestImpact(t *testing.T) {
	nodes := []*corev1.Node{fixture.Node("a1", fixture.Zone("a")), fixture.Node("b1", fixture.Zone("b")), fixture.Node("c1", fixture.Zone("c"))}
	pods := []*corev1.Pod{replica("web-h1-1", "a1"), replica("web-h1-2", "a1"), replica("web-h1-3", "b1"),
		fixture.Pod("shop", "web-h1-4", fixture.PodLabels("app", "web", "pod-template-hash", "h1"), fixture.OwnedBy("ReplicaSet", "web-h1"), fixture.On("c1"))} // not ready
	r := analyse(t, nodes, pods, nil)
	want := Impact{
		ReadyReplicas: 3,
		Zones:         []FailureDomain{{Name: "a", Ready: 2, Percent: 67, MoreThanHalf: true}, {Name: "b", Ready: 1, Percent: 33}, {Name: "c", Ready: 0, Percent: 0}},
		Nodes:         []FailureDomain{{Name: "a1", Ready: 2, Percent: 67, MoreThanHalf: true}, {Name: "b1", Ready: 1, Percent: 33}},
	}
	if diff := cmp.Diff(want, r.Impact); diff != "" {
		t.Errorf("impact (-want +got):\n%s", diff)
	}
}
