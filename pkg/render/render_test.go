package render

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestWhyPendingGolden(t *testing.T) {
	tests := []struct {
		file string
		opts Options
	}{
		{"whypending.text.golden", Options{Format: FormatText}},
		{"whypending.text-color.golden", Options{Format: FormatText, Color: true}},
		{"whypending.wide.golden", Options{Format: FormatWide}},
		{"whypending.json.golden", Options{Format: FormatJSON, Color: true}}, // colour must be ignored
		{"whypending.yaml.golden", Options{Format: FormatYAML, Color: true}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var out bytes.Buffer
			if err := WhyPending(&out, shopReport(t), tt.opts); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, tt.file, out.String())
		})
	}
}

func TestWhyPendingNothingToExplain(t *testing.T) {
	r := &explain.WhyPendingReport{APIVersion: explain.APIVersion, Kind: explain.ReportKind,
		Source: "cluster kind-kind", NodeCount: 3}
	for _, format := range []string{FormatText, FormatWide} {
		var out bytes.Buffer
		if err := WhyPending(&out, r, Options{Format: format}); err != nil {
			t.Fatal(err)
		}
		if want := "No Pending Pods found in cluster kind-kind.\n"; out.String() != want {
			t.Errorf("%s: got %q, want %q", format, out.String(), want)
		}
	}
}

func TestWhyPendingErrors(t *testing.T) {
	var out bytes.Buffer
	if err := WhyPending(&out, nil, Options{}); err == nil {
		t.Error("nil report: want an error")
	}
	err := WhyPending(&out, shopReport(t), Options{Format: "xml"})
	if err == nil || err.Error() != "--output must be one of: text, wide, json, yaml" {
		t.Errorf("unknown format: got %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("errors must print nothing, got %q", out.String())
	}
}

// TestWhyPendingMissingEvidence feeds blockers without their evidence (and empty lists
// everywhere): render must still say something and never panic.
func TestWhyPendingMissingEvidence(t *testing.T) {
	kinds := append(checks.Kinds(), "SomethingNew")
	var blockers []checks.Blocker
	for _, k := range kinds {
		blockers = append(blockers, checks.Blocker{Kind: k})
	}
	blockers = append(blockers, checks.Blocker{Kind: checks.KindNodeAffinityMismatch,
		NodeAffinity: &checks.NodeAffinityEvidence{Terms: []checks.TermMismatch{{Term: 0}, {Term: 1, Empty: true}}}})
	r := &explain.WhyPendingReport{Pods: []explain.PodReport{{
		Namespace: "ns", Name: "p", Status: explain.StatusUnschedulable,
		Nodes:    []explain.NodeReport{{Name: "n1", Blockers: blockers, Scheduler: &explain.SchedulerVerdict{}}},
		Groups:   []explain.NodeGroup{{Blockers: blockers, Nodes: []string{"n1", "gone"}}, {}},
		Closest:  []explain.ClosestNode{{Name: "n1"}, {Name: "gone"}},
		Fixes:    emptyFixes(),
		Spread:   []checks.SpreadDomains{{}},
		Recorded: &explain.RecordedMessage{Source: "Other"},
	}, {Namespace: "ns", Name: "empty"}}}
	for _, format := range Formats {
		var out bytes.Buffer
		if err := WhyPending(&out, r, Options{Format: format}); err != nil {
			t.Errorf("%s: %v", format, err)
		}
		if format == FormatText && !strings.Contains(out.String(), "cordoned") {
			t.Errorf("text lost the blockers:\n%s", out.String())
		}
	}
}

// emptyFixes is one fix per kind with no data at all.
func emptyFixes() []explain.Fix {
	var out []explain.Fix
	for _, k := range checks.Kinds() {
		out = append(out, explain.Fix{Kind: k})
	}
	return append(out, explain.Fix{})
}

// TestWhyPendingEscapes puts terminal control sequences in every kind of cluster-sourced string.
func TestWhyPendingEscapes(t *testing.T) {
	const evil = "\x1b[2J\x1b]0;owned\x07\u009b31m\x7f\ttab\nline\r\x00end"
	node := "node-" + evil
	r := &explain.WhyPendingReport{
		Source:   "file " + evil,
		Warnings: []string{"warning " + evil},
		MissingPermissions: []snapshot.Permission{
			{Verb: "list", Resource: "pods" + evil, Namespace: evil},
		},
		NotPending: []explain.PodPlacement{{Namespace: evil, Name: evil, NodeName: evil, Phase: evil}},
		Pods: []explain.PodReport{{
			Namespace: "ns" + evil, Name: "pod" + evil, Status: explain.StatusOtherScheduler,
			Owner: &explain.Owner{Kind: "Job", Name: evil}, SchedulerName: evil, PriorityClassName: evil,
			Priority: 1, NominatedNodeName: evil,
			SchedulerMessage: "0/1 nodes are available: " + evil,
			Recorded:         &explain.RecordedMessage{Source: "Event", Message: "recorded " + evil, Difference: evil},
			Nodes: []explain.NodeReport{{Name: node, Scheduler: &explain.SchedulerVerdict{Plugin: evil},
				Blockers: []checks.Blocker{taintBlocker("key"+evil, "value"+evil, "key"+evil, "effect")}}},
			Groups: []explain.NodeGroup{{Nodes: []string{node},
				Blockers: []checks.Blocker{taintBlocker("key"+evil, "value"+evil, "key"+evil, "effect")}}},
			Closest: []explain.ClosestNode{{Name: node, Blockers: 1}},
			Fixes: []explain.Fix{{Kind: checks.KindNodeNameMismatch, Action: explain.ActionChangeNodeName,
				Change: explain.FixChange{NodeName: evil}, Nodes: 1}, {Kind: checks.KindCordoned, Action: explain.ActionUncordon,
				Targets: []explain.ObjectRef{{Kind: "Node", Name: node}}, Nodes: 1}},
			Spread: []checks.SpreadDomains{{TopologyKey: evil, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"k": "v"}, MatchExpressions: []metav1.LabelSelectorRequirement{{Key: evil, Operator: metav1.LabelSelectorOpExists}}},
				Domains: []checks.DomainCount{{Name: evil}}}},
		}},
	}
	for _, format := range []string{FormatText, FormatWide} {
		var out bytes.Buffer
		if err := WhyPending(&out, r, Options{Format: format}); err != nil {
			t.Fatal(err)
		}
		got := out.String()
		for _, bad := range []string{"\x1b", "\x07", "\u009b", "\x7f", "\t", "\r", "\x00", "tab\n"} {
			if strings.Contains(got, bad) {
				t.Errorf("%s output contains %q:\n%s", format, bad, got)
			}
		}
		if !strings.Contains(got, "node-[2J]0;owned31mtablineend") {
			t.Errorf("%s output lost the printable text of the node name:\n%s", format, got)
		}
	}
}

func TestClean(t *testing.T) {
	tests := []struct{ in, want, wantLines string }{
		{"plain name-1.example.com", "plain name-1.example.com", "plain name-1.example.com"},
		{"a\tb\nc", "abc", "ab\nc"},
		{"\x1b[31mred\x1b[0m", "[31mred[0m", "[31mred[0m"},
		{"c1\u0085\u009b\u009fend", "c1end", "c1end"},
		{"del\x7f", "del", "del"},
		{"bad\xffutf8", "bad\ufffdutf8", "bad\ufffdutf8"},
		{"ünïcödé ✓ 日本", "ünïcödé ✓ 日本", "ünïcödé ✓ 日本"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := Clean(tt.in); got != tt.want {
			t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := cleanLines(tt.in); got != tt.wantLines {
			t.Errorf("cleanLines(%q) = %q, want %q", tt.in, got, tt.wantLines)
		}
	}
}

// TestTextFitsOnAScreen: 5,000 nodes in many groups, a spread over every hostname, must still read
// in one screen.
func TestTextFitsOnAScreen(t *testing.T) {
	const n = 5000
	pod := explain.PodReport{Namespace: "ns", Name: "big", Status: explain.StatusUnschedulable,
		SchedulerMessage: "0/5000 nodes are available: 5000 Insufficient cpu."}
	spread := checks.SpreadDomains{TopologyKey: "kubernetes.io/hostname", MaxSkew: 1, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "big"}}}
	var groups []explain.NodeGroup
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("node-%04d", i)
		b := resourceBlocker(fmt.Sprintf("example.com/r%d", i%40), "2", "0", "1")
		pod.Nodes = append(pod.Nodes, explain.NodeReport{Name: name, Blockers: []checks.Blocker{b}})
		if i < 40 {
			groups = append(groups, explain.NodeGroup{Blockers: []checks.Blocker{b}})
		}
		groups[i%40].Nodes = append(groups[i%40].Nodes, name)
		spread.Domains = append(spread.Domains, checks.DomainCount{Name: name, Matching: int32(i % 3), Nodes: 1})
		pod.Closest = append(pod.Closest, explain.ClosestNode{Name: name, Blockers: 1})
		pod.Fixes = append(pod.Fixes, explain.Fix{Kind: checks.KindCordoned, Action: explain.ActionUncordon,
			Targets: []explain.ObjectRef{{Kind: "Node", Name: name}}, Nodes: 1})
	}
	pod.Groups, pod.Spread = groups, []checks.SpreadDomains{spread}
	var out bytes.Buffer
	if err := WhyPending(&out, &explain.WhyPendingReport{Pods: []explain.PodReport{pod}}, Options{}); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out.String(), "\n"); lines > 45 {
		t.Errorf("5,000 nodes take %d lines, want at most 45:\n%s", lines, out.String())
	}
}

func assertGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./pkg/render/ -update to create it)", err)
	}
	// Line by line, so a diff reads as the output does.
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(got, "\n")); diff != "" {
		t.Errorf("%s differs (-want +got); go test ./pkg/render/ -update rewrites it:\n%s", path, diff)
	}
}

func taintBlocker(key, value, tolKey, nearMiss string) checks.Blocker {
	return checks.Blocker{Plugin: checks.PluginTaintToleration, Kind: checks.KindUntoleratedTaint,
		Taint: &checks.TaintEvidence{
			Taint: corev1.Taint{Key: key, Value: value, Effect: corev1.TaintEffectNoSchedule},
			NearestToleration: &corev1.Toleration{Key: tolKey, Operator: corev1.TolerationOpExists,
				Effect: corev1.TaintEffectNoExecute},
			NearMiss: nearMiss,
		}}
}

func resourceBlocker(name, requested, inUse, allocatable string) checks.Blocker {
	req, used, alloc := resource.MustParse(requested), resource.MustParse(inUse), resource.MustParse(allocatable)
	free := alloc.DeepCopy()
	free.Sub(used)
	short := req.DeepCopy()
	short.Sub(free)
	return checks.Blocker{Plugin: checks.PluginNodeResourcesFit, Kind: checks.KindInsufficientResource,
		Resource: &checks.ResourceEvidence{Resource: corev1.ResourceName(name), Requested: req, Allocatable: alloc,
			InUse: used, Free: free, Shortfall: short, ExceedsAllocatable: req.Cmp(alloc) > 0}}
}

func ptr[T any](v T) *T { return &v }

// TestRenderedWhileAnalysed: Pods rendered as they are analysed, their reports then compacted
// (what why-pending does for text and wide), print the same bytes as the whole report, and the
// summary reads the same from compacted reports.
func TestRenderedWhileAnalysed(t *testing.T) {
	whole := shopReport(t)
	for _, format := range []string{FormatText, FormatWide} {
		opts := Options{Format: format, Color: true}
		var want bytes.Buffer
		if err := WhyPending(&want, whole, opts); err != nil {
			t.Fatal(err)
		}
		var wantSummary bytes.Buffer
		if err := WhyPendingSummary(&wantSummary, whole, opts); err != nil {
			t.Fatal(err)
		}

		opts.Rendered = NewRendered(opts, len(shopSnapshot().Nodes))
		compacted, err := explain.Explain(shopSnapshot(), explain.Selection{Namespace: "shop",
			Names: []string{"web-7d9f8-x2x4q", "web-7d9f8-abcde", "web-7d9f8-fghij", "web-7d9f8-klmno", "postgres-0", "cache-0", "train-x7k2p"},
			Analysed: func(pr *explain.PodReport) {
				opts.Rendered.Add(pr)
				pr.Compact()
			}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range compacted.Pods {
			if len(p.Nodes) > 0 {
				t.Fatalf("%s: not compacted", p.Name)
			}
		}
		var got, gotSummary bytes.Buffer
		if err := WhyPending(&got, compacted, opts); err != nil {
			t.Fatal(err)
		}
		if err := WhyPendingSummary(&gotSummary, compacted, opts); err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want.String(), got.String()); d != "" {
			t.Errorf("%s: rendered while analysed differs (-whole +rendered):\n%s", format, d)
		}
		if d := cmp.Diff(wantSummary.String(), gotSummary.String()); d != "" {
			t.Errorf("%s: summary of compacted reports differs (-whole +compacted):\n%s", format, d)
		}
	}
}
