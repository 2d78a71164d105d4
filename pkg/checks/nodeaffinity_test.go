package checks

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

func TestPreFilterNodeAffinity(t *testing.T) {
	name := func(op corev1.NodeSelectorOperator, v ...string) corev1.NodeSelectorRequirement {
		return fixture.Expr("metadata.name", op, v...)
	}
	fields := func(r ...corev1.NodeSelectorRequirement) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchFields: r}
	}
	zone := fixture.Expr("topology.kubernetes.io/zone", corev1.NodeSelectorOpIn, "a")
	tests := []struct {
		name     string
		pod      *corev1.Pod
		want     sets.Set[string]
		conflict bool
	}{
		{name: "no affinity (Skip)", pod: fixture.Pod("ns", "p")},
		{name: "nodeSelector only", pod: fixture.Pod("ns", "p", fixture.NodeSelector("a", "b"))},
		{name: "label expressions only", pod: fixture.Pod("ns", "p", fixture.RequiredNodeAffinity(zone))},
		{name: "one name", pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(fields(name(corev1.NodeSelectorOpIn, "n1")))),
			want: sets.New("n1")},
		{name: "union over terms, ghost names kept", pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(
			fields(name(corev1.NodeSelectorOpIn, "n1")), fields(name(corev1.NodeSelectorOpIn, "n2", "ghost")))),
			want: sets.New("n1", "n2", "ghost")},
		{name: "intersection within a term", pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(
			fields(name(corev1.NodeSelectorOpIn, "n1", "n2"), name(corev1.NodeSelectorOpIn, "n2", "n3")))),
			want: sets.New("n2")},
		{name: "an unrestricted term admits all", pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(
			fields(name(corev1.NodeSelectorOpIn, "n1")), corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{zone}}))},
		{name: "NotIn does not restrict", pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(fields(name(corev1.NodeSelectorOpNotIn, "n1"))))},
		{name: "an empty term is unrestricted", pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(
			fields(name(corev1.NodeSelectorOpIn, "n1")), corev1.NodeSelectorTerm{}))},
		{name: "In n1 AND In n2 conflict", pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(
			fields(name(corev1.NodeSelectorOpIn, "n1"), name(corev1.NodeSelectorOpIn, "n2")))), conflict: true},
		{name: "In with no values conflicts", pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(
			fields(name(corev1.NodeSelectorOpIn)))), conflict: true},
		{name: "empty term list", pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, rej := preFilterNodeAffinity(tt.pod)
			if tt.conflict {
				want := &PreFilterRejection{Plugin: PluginNodeAffinity, Code: UnschedulableAndUnresolvable, Reason: "pod affinity terms conflict"}
				if diff := cmp.Diff(want, rej); diff != "" || got != nil {
					t.Errorf("rejection (-want +got):\n%s (set %v)", diff, got)
				}
				return
			}
			if rej != nil {
				t.Fatalf("unexpected rejection %+v", rej)
			}
			if (tt.want == nil) != (got == nil) || !tt.want.Equal(got) {
				t.Errorf("set = %v, want %v", sets.List(got), sets.List(tt.want))
			}
		})
	}
}

func TestCheckNodeAffinity(t *testing.T) {
	str := func(s string) *string { return &s }
	gpuExpr := fixture.Expr("gpu", corev1.NodeSelectorOpIn, "a100")
	tests := []struct {
		name string
		node *corev1.Node
		pod  *corev1.Pod
		want []Blocker // nil: passes
	}{
		{name: "nothing required", node: fixture.Node("n1"), pod: fixture.Pod("ns", "p")},
		{name: "empty nodeSelector map", node: fixture.Node("n1"), pod: fixture.Pod("ns", "p", fixture.NodeSelector())},
		{
			name: "nodeSelector: every failing key, sorted, with the actual value",
			node: fixture.Node("n1", fixture.Labels("disk", "hdd", "ok", "1")),
			pod:  fixture.Pod("ns", "p", fixture.NodeSelector("zone", "a", "disk", "ssd", "ok", "1")),
			want: []Blocker{
				{Plugin: PluginNodeAffinity, Kind: KindNodeSelectorMismatch, NodeSelector: &NodeSelectorEvidence{Key: "disk", Want: "ssd", Actual: str("hdd")}},
				{Plugin: PluginNodeAffinity, Kind: KindNodeSelectorMismatch, NodeSelector: &NodeSelectorEvidence{Key: "zone", Want: "a"}},
			},
		},
		{
			name: "nodeSelector passes, affinity fails",
			node: fixture.Node("n1", fixture.Labels("disk", "ssd", "gpu", "t4")),
			pod:  fixture.Pod("ns", "p", fixture.NodeSelector("disk", "ssd"), fixture.RequiredNodeAffinity(gpuExpr)),
			want: []Blocker{{Plugin: PluginNodeAffinity, Kind: KindNodeAffinityMismatch, NodeAffinity: &NodeAffinityEvidence{Terms: []TermMismatch{
				{Term: 0, Failed: []ExpressionMismatch{{Requirement: gpuExpr, Actual: str("t4")}}}}}}},
		},
		{
			name: "affinity passes, nodeSelector fails",
			node: fixture.Node("n1", fixture.Labels("gpu", "a100")),
			pod:  fixture.Pod("ns", "p", fixture.NodeSelector("disk", "ssd"), fixture.RequiredNodeAffinity(gpuExpr)),
			want: []Blocker{{Plugin: PluginNodeAffinity, Kind: KindNodeSelectorMismatch, NodeSelector: &NodeSelectorEvidence{Key: "disk", Want: "ssd"}}},
		},
		{
			name: "NotIn passes on a missing label",
			node: fixture.Node("n1"),
			pod:  fixture.Pod("ns", "p", fixture.RequiredNodeAffinity(fixture.Expr("gpu", corev1.NodeSelectorOpNotIn, "t4"))),
		},
		{
			name: "Gt with a non-integer label fails; every failed expression of the term is listed",
			node: fixture.Node("n1", fixture.Labels("gen", "abc")),
			pod: fixture.Pod("ns", "p", fixture.RequiredNodeAffinity(fixture.Expr("gen", corev1.NodeSelectorOpGt, "4"),
				fixture.Expr("gen", corev1.NodeSelectorOpExists), fixture.Expr("zone", corev1.NodeSelectorOpExists))),
			want: []Blocker{{Plugin: PluginNodeAffinity, Kind: KindNodeAffinityMismatch, NodeAffinity: &NodeAffinityEvidence{Terms: []TermMismatch{
				{Term: 0, Failed: []ExpressionMismatch{
					{Requirement: fixture.Expr("gen", corev1.NodeSelectorOpGt, "4"), Actual: str("abc")},
					{Requirement: fixture.Expr("zone", corev1.NodeSelectorOpExists)},
				}}}}}},
		},
		{
			name: "an empty term matches no node; an invalid term never matches; matchFields by name",
			node: fixture.Node("n1"),
			pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(
				corev1.NodeSelectorTerm{},
				corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{fixture.Expr("a", corev1.NodeSelectorOpIn)}},
				corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{fixture.Expr("metadata.name", corev1.NodeSelectorOpIn, "n2")}},
				corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{fixture.Expr("metadata.name", corev1.NodeSelectorOpNotIn, "n1")}},
			)),
			want: []Blocker{{Plugin: PluginNodeAffinity, Kind: KindNodeAffinityMismatch, NodeAffinity: &NodeAffinityEvidence{Terms: []TermMismatch{
				{Term: 0, Empty: true},
				{Term: 1, Invalid: "nodeSelectorTerms[1].matchExpressions[0].values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty"},
				{Term: 2, Failed: []ExpressionMismatch{{Field: true, Requirement: fixture.Expr("metadata.name", corev1.NodeSelectorOpIn, "n2"), Actual: str("n1")}}},
				{Term: 3, Failed: []ExpressionMismatch{{Field: true, Requirement: fixture.Expr("metadata.name", corev1.NodeSelectorOpNotIn, "n1"), Actual: str("n1")}}},
			}}}},
		},
		{
			name: "an invalid term does not spoil a matching one",
			node: fixture.Node("n1", fixture.Labels("gpu", "a100")),
			pod: fixture.Pod("ns", "p", fixture.NodeSelectorTerms(
				corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{fixture.Expr("a", "Foo")}},
				corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{gpuExpr}})),
		},
		{
			name: "no terms at all matches nothing",
			node: fixture.Node("n1"),
			pod:  fixture.Pod("ns", "p", fixture.NodeSelectorTerms()),
			want: []Blocker{{Plugin: PluginNodeAffinity, Kind: KindNodeAffinityMismatch, NodeAffinity: &NodeAffinityEvidence{Terms: []TermMismatch{}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := CheckNodeAffinity(tt.pod, nodeaffinity.GetRequiredNodeAffinity(tt.pod), tt.node)
			if !expectStatus(t, s, tt.want == nil, PluginNodeAffinity, UnschedulableAndUnresolvable, ReasonNodeAffinity) {
				return
			}
			if diff := cmp.Diff(tt.want, s.Blockers); diff != "" {
				t.Errorf("blockers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTermParseErrorKeepsIndex(t *testing.T) {
	terms := []corev1.NodeSelectorTerm{{}, {}, {MatchExpressions: []corev1.NodeSelectorRequirement{fixture.Expr("a", corev1.NodeSelectorOpGt, "x")}}}
	if got := termParseError(terms); !strings.HasPrefix(got, "nodeSelectorTerms[2].matchExpressions[0]") {
		t.Errorf("termParseError = %q", got)
	}
}
