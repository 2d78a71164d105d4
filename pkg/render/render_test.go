package render

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
			if err := WhyPending(&out, sampleReport(), tt.opts); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, tt.file, out.String())
		})
	}
}

func TestWhyPendingNothingToExplain(t *testing.T) {
	r := &explain.WhyPendingReport{APIVersion: explain.APIVersion, Kind: explain.KindWhyPending,
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
	err := WhyPending(&out, sampleReport(), Options{Format: "xml"})
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
	kinds := []checks.BlockerKind{
		checks.KindCordoned, checks.KindNodeNameMismatch, checks.KindUntoleratedTaint,
		checks.KindNodeSelectorMismatch, checks.KindNodeAffinityMismatch,
		checks.KindHostPortConflict, checks.KindTooManyPods, checks.KindInsufficientResource,
		checks.KindSpreadMissingLabel, checks.KindSpreadSkew, checks.KindPodAffinityUnsatisfied,
		checks.KindPodAntiAffinityConflict, checks.KindExistingAntiAffinity, "SomethingNew",
	}
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
		Closest:  []string{"n1", "gone"},
		Fixes:    []explain.Fix{{}},
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
			Closest: []string{node},
			// Multi-line actions keep their line breaks (YAML), so this one has none.
			Fixes: []explain.Fix{{Action: "Run kubectl taint " + strings.ReplaceAll(evil, "\n", ""), Nodes: 1}},
			Spread: []checks.SpreadDomains{{TopologyKey: evil, Selector: evil,
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
	spread := checks.SpreadDomains{TopologyKey: "kubernetes.io/hostname", MaxSkew: 1, Selector: "app=big"}
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
		pod.Closest = append(pod.Closest, name)
		pod.Fixes = append(pod.Fixes, explain.Fix{Action: "Do something.", Nodes: 1})
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

// sampleReport is a hand-built report covering every blocker the text has to explain: tainted GPU
// nodes with a near-miss toleration, a nodeSelector mismatch, insufficient cpu, a spread skew with
// its domain table, an anti-affinity collision, a host port conflict and a cordoned node; plus a
// Pod rejected at PreFilter and a gated Pod.
func sampleReport() *explain.WhyPendingReport {
	var nodes []explain.NodeReport
	var groups []explain.NodeGroup
	add := func(plugin string, names []string, blockersOf func(i int) []checks.Blocker) {
		g := explain.NodeGroup{Key: plugin + "/" + names[0], Blockers: blockersOf(0), Nodes: names}
		for i, name := range names {
			var verdict *explain.SchedulerVerdict
			if plugin != "" {
				verdict = &explain.SchedulerVerdict{Plugin: plugin, Code: checks.UnschedulableAndUnresolvable}
			}
			nodes = append(nodes, explain.NodeReport{Name: name, Scheduler: verdict, Blockers: blockersOf(i)})
		}
		groups = append(groups, g)
	}
	var gpus []string
	for i := 1; i <= 12; i++ {
		gpus = append(gpus, fmt.Sprintf("gpu-%d", i))
	}
	add(checks.PluginTaintToleration, gpus, func(int) []checks.Blocker {
		return []checks.Blocker{taintBlocker("nvidia.com/gpu", "present", "nvidia.com/gpu", "effect")}
	})
	add(checks.PluginNodeAffinity, []string{"cpu-1", "cpu-2", "cpu-3", "cpu-4"}, func(i int) []checks.Blocker {
		e := &checks.NodeSelectorEvidence{Key: "disktype", Want: "ssd"}
		if i < 2 {
			e.Actual = ptr("hdd")
		}
		return []checks.Blocker{{Plugin: checks.PluginNodeAffinity, Kind: checks.KindNodeSelectorMismatch, NodeSelector: e}}
	})
	add(checks.PluginPodTopologySpread, []string{"zone-a-1", "zone-a-2", "zone-b-1"}, func(i int) []checks.Blocker {
		domain := "us-east-1a"
		if i == 2 {
			domain = "us-east-1b"
		}
		return []checks.Blocker{{Plugin: checks.PluginPodTopologySpread, Kind: checks.KindSpreadSkew,
			Spread: &checks.SpreadEvidence{TopologyKey: "topology.kubernetes.io/zone", MaxSkew: 1, Domain: domain,
				MatchingInDomain: 2, SelfMatch: true, GlobalMinimum: 1, EligibleDomains: 3, Skew: 2}}}
	})
	add(checks.PluginNodeResourcesFit, []string{"cpu-5", "cpu-6"}, func(i int) []checks.Blocker {
		return []checks.Blocker{resourceBlocker("cpu", "2", []string{"2500m", "3500m"}[i], "4")}
	})
	add(checks.PluginNodeUnschedulable, []string{"zone-c-1"}, func(int) []checks.Blocker {
		return []checks.Blocker{
			{Plugin: checks.PluginNodeUnschedulable, Kind: checks.KindCordoned},
			resourceBlocker("cpu", "2", "3", "4"),
		}
	})
	add(checks.PluginInterPodAffinity, []string{"web-1"}, func(int) []checks.Blocker {
		return []checks.Blocker{{Plugin: checks.PluginInterPodAffinity, Kind: checks.KindPodAntiAffinityConflict,
			PodAffinity: &checks.PodAffinityEvidence{TopologyKey: "kubernetes.io/hostname", Domain: "web-1",
				Pod: "shop/web-7d9f8-x2x4q", Selector: "app=web"}}}
	})
	add(checks.PluginNodePorts, []string{"edge-1"}, func(int) []checks.Blocker {
		return []checks.Blocker{{Plugin: checks.PluginNodePorts, Kind: checks.KindHostPortConflict,
			HostPort: &checks.HostPortEvidence{HostIP: "0.0.0.0", Protocol: corev1.ProtocolTCP, Port: 8080,
				HeldBy: "ingress/proxy-5kq2w"}}}
	})
	recorded := metav1.NewTime(time.Date(2025, 5, 1, 3, 4, 5, 0, time.UTC))
	web := explain.PodReport{
		Namespace: "shop", Name: "web-7d9f8-abcde",
		Owner:             &explain.Owner{Kind: "Deployment", Name: "web"},
		SamePods:          []string{"shop/web-7d9f8-fghij", "shop/web-7d9f8-klmno"},
		Status:            explain.StatusUnschedulable,
		Priority:          1000,
		PriorityClassName: "shop-high",
		SchedulerMessage: "0/24 nodes are available: 1 node(s) didn't have free ports for the requested pod ports, " +
			"1 node(s) didn't match pod anti-affinity rules, 1 node(s) were unschedulable, " +
			"12 node(s) had untolerated taint(s), 2 Insufficient cpu, 3 node(s) didn't match pod topology spread " +
			"constraints, 4 node(s) didn't match Pod's node affinity/selector. no new claims to deallocate, " +
			"preemption: 0/24 nodes are available: 2 No preemption victims found for incoming pod, " +
			"22 Preemption is not helpful for scheduling.",
		Recorded: &explain.RecordedMessage{Source: "PodScheduled", Time: &recorded, Difference: "Stale",
			Message: "0/23 nodes are available: 12 node(s) had untolerated taint(s), 11 node(s) didn't match Pod's " +
				"node affinity/selector. no new claims to deallocate, preemption: 0/23 nodes are available: " +
				"23 Preemption is not helpful for scheduling."},
		Preemption: explain.Preemption{Outcome: explain.PreemptionNoCandidates},
		Spread: []checks.SpreadDomains{{
			TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.DoNotSchedule, MaxSkew: 1,
			Selector: "app=web", NodeAffinityPolicy: corev1.NodeInclusionPolicyHonor,
			NodeTaintsPolicy: corev1.NodeInclusionPolicyIgnore, GlobalMinimum: 1,
			Domains: []checks.DomainCount{{Name: "us-east-1a", Matching: 2, Nodes: 4}, {Name: "us-east-1b", Matching: 2,
				Nodes: 3}, {Name: "us-east-1c", Matching: 1, Nodes: 1}},
		}},
		Nodes:   nodes,
		Groups:  groups,
		Closest: []string{"cpu-5", "cpu-6", "web-1", "edge-1"},
		Fixes: []explain.Fix{
			{Kind: checks.KindUntoleratedTaint, Nodes: 12, Sufficient: true, Action: "Add to the Pod template the " +
				"toleration {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}."},
			{Kind: checks.KindNodeSelectorMismatch, Nodes: 4, Action: "Label the nodes:\n" +
				"kubectl label node cpu-1 cpu-2 cpu-3 cpu-4 disktype=ssd --overwrite"},
			{Kind: checks.KindInsufficientResource, Nodes: 3, Sufficient: true,
				Action: "Lower the Pod's cpu request to 1500m or less."},
		},
	}
	data := explain.PodReport{
		Namespace: "db", Name: "postgres-0", Owner: &explain.Owner{Kind: "StatefulSet", Name: "postgres"},
		Status:           explain.StatusUnschedulable,
		SchedulerMessage: `0/24 nodes are available: persistentvolumeclaim "data-postgres-0" not found. preemption: 0/24 nodes are available: 24 Preemption is not helpful for scheduling.`,
		Recorded:         &explain.RecordedMessage{Source: "Event", Matches: true, Time: &recorded},
		PreFilter: &checks.PreFilterRejection{Plugin: checks.PluginVolumeBinding,
			Code:   checks.UnschedulableAndUnresolvable,
			Reason: `persistentvolumeclaim "data-postgres-0" not found`, PVC: "db/data-postgres-0"},
		Preemption: explain.Preemption{Outcome: explain.PreemptionNotAttempted},
		Fixes: []explain.Fix{{Kind: "PreFilter", Nodes: 24, Sufficient: true,
			Action: "Create PersistentVolumeClaim db/data-postgres-0, or fix the claim name in the Pod."}},
	}
	var gatedNodes []explain.NodeReport
	for _, n := range []string{"cpu-5", "cpu-6", "zone-c-1"} {
		gatedNodes = append(gatedNodes, explain.NodeReport{Name: n})
	}
	gatedNodes[2].Scheduler = &explain.SchedulerVerdict{Plugin: checks.PluginNodeUnschedulable}
	gatedNodes[2].Blockers = []checks.Blocker{{Plugin: checks.PluginNodeUnschedulable, Kind: checks.KindCordoned}}
	gated := explain.PodReport{
		Namespace: "batch", Name: "train-x7k2p", Owner: &explain.Owner{Kind: "Job", Name: "train"},
		Status: explain.StatusSchedulingGated, SchedulingGates: []string{"example.com/quota"},
		Nodes: gatedNodes,
		Groups: []explain.NodeGroup{{Nodes: []string{"cpu-5", "cpu-6"}},
			{Nodes: []string{"zone-c-1"}, Blockers: gatedNodes[2].Blockers}},
	}
	return &explain.WhyPendingReport{
		APIVersion: explain.APIVersion, Kind: explain.KindWhyPending,
		Source: "file examples/cluster.yaml", NodeCount: 24, SchedulerVersion: "1.36",
		Warnings: []string{"events could not be read; recorded messages come from Pod conditions only"},
		MissingPermissions: []snapshot.Permission{
			{Verb: "list", Resource: "storageclasses", Group: "storage.k8s.io"},
		},
		NotPending: []explain.PodPlacement{{Namespace: "shop", Name: "web-7d9f8-x2x4q", NodeName: "web-1",
			Phase: "Running"}},
		Pods: []explain.PodReport{web, data, gated},
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
