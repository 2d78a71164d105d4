package checks

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestKindsListsEveryKind: every BlockerKind constant declared in types.go is in Kinds(), with a
// plugin of the default profile, so a new kind cannot be left out of the table.
func TestKindsListsEveryKind(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "types.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []BlockerKind
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "BlockerKind" {
				continue
			}
			for _, val := range v.Values {
				lit := val.(*ast.BasicLit)
				declared = append(declared, BlockerKind(lit.Value[1:len(lit.Value)-1]))
			}
		}
	}
	if len(declared) == 0 {
		t.Fatal("found no BlockerKind constants in types.go")
	}
	kinds := Kinds()
	for _, k := range declared {
		if !slices.Contains(kinds, k) {
			t.Errorf("kind %s is declared but missing from kindSpecs", k)
		}
	}
	if len(kinds) != len(declared) {
		t.Errorf("Kinds() has %d kinds, types.go declares %d", len(kinds), len(declared))
	}
	for _, k := range kinds {
		s, _ := specOf(k)
		if !slices.Contains(DefaultProfile.PluginNames(), s.plugin) || s.evidence == nil || s.identity == nil {
			t.Errorf("kind %s: plugin %q, evidence check %v, identity %v", k, s.plugin, s.evidence != nil, s.identity != nil)
		}
	}
}

func TestIdentity(t *testing.T) {
	taint := func(value string, effect corev1.TaintEffect) Blocker {
		return Blocker{Plugin: PluginTaintToleration, Kind: KindUntoleratedTaint,
			Taint: &TaintEvidence{Taint: corev1.Taint{Key: "k", Value: value, Effect: effect}}}
	}
	res := func(name, free string) Blocker {
		return Blocker{Plugin: PluginNodeResourcesFit, Kind: KindInsufficientResource,
			Resource: &ResourceEvidence{Resource: corev1.ResourceName(name), Free: resource.MustParse(free)}}
	}
	spread := func(c int, domain string) Blocker {
		return Blocker{Plugin: PluginPodTopologySpread, Kind: KindSpreadSkew, Spread: &SpreadEvidence{Constraint: c, TopologyKey: "zone", Domain: domain}}
	}
	for _, tt := range []struct {
		name string
		a, b Blocker
		same bool
	}{
		{"same taint", taint("v", corev1.TaintEffectNoSchedule), taint("v", corev1.TaintEffectNoSchedule), true},
		{"other taint value", taint("v", corev1.TaintEffectNoSchedule), taint("w", corev1.TaintEffectNoSchedule), false},
		{"other taint effect", taint("v", corev1.TaintEffectNoSchedule), taint("v", corev1.TaintEffectNoExecute), false},
		{"same resource, other amounts", res("cpu", "1"), res("cpu", "2"), true},
		{"other resource", res("cpu", "1"), res("memory", "1"), false},
		{"same constraint, other domain", spread(0, "a"), spread(0, "b"), true},
		{"other constraint", spread(0, "a"), spread(1, "a"), false},
		{"evidence missing", Blocker{Plugin: PluginNodePorts, Kind: KindHostPortConflict}, Blocker{Plugin: PluginNodePorts, Kind: KindHostPortConflict}, true},
	} {
		if got := Identity(tt.a) == Identity(tt.b); got != tt.same {
			t.Errorf("%s: same %v, want %v (%q, %q)", tt.name, got, tt.same, Identity(tt.a), Identity(tt.b))
		}
	}
	if got := Identity(Blocker{Plugin: PluginNodeName, Kind: KindNodeNameMismatch, NodeName: &NodeNameEvidence{Want: "n9"}}); got != "NodeName/NodeNameMismatch/n9" {
		t.Errorf("Identity = %q", got)
	}
}

func TestWithMatchLabels(t *testing.T) {
	web := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	for _, tt := range []struct {
		name string
		ls   *metav1.LabelSelector
		m    labels.Set
		want *metav1.LabelSelector
	}{
		{"nil stays nil", nil, labels.Set{"h": "1"}, nil},
		{"nothing to merge", web, nil, web},
		{"merged", web, labels.Set{"h": "1"}, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web", "h": "1"}}},
		{"conflicting value kept as In", web, labels.Set{"app": "api"}, &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"},
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"api"}}}}},
	} {
		if got := withMatchLabels(tt.ls, tt.m); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.name, got, tt.want)
		}
	}
	if len(web.MatchLabels) != 1 {
		t.Errorf("the input selector was changed: %+v", web)
	}
}
