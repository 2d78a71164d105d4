package render

import (
	"bytes"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/pkg/spread"
)

func TestSpreadGolden(t *testing.T) {
	tests := []struct {
		file string
		opts Options
	}{
		{"spread.text.golden", Options{Format: FormatText}},
		{"spread.text-color.golden", Options{Format: FormatText, Color: true}},
		{"spread.wide.golden", Options{Format: FormatWide}},
		{"spread.json.golden", Options{Format: FormatJSON, Color: true}}, // colour must be ignored
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var out bytes.Buffer
			if err := Spread(&out, []*spread.SpreadReport{sampleSpreadReport(t)}, false, tt.opts); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, tt.file, out.String())
		})
	}
}

func TestSpreadListAndErrors(t *testing.T) {
	var out bytes.Buffer
	if err := Spread(&out, nil, true, Options{Format: FormatJSON}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"kind": "List"`) || !strings.Contains(out.String(), `"items": []`) {
		t.Errorf("empty list: %s", out.String())
	}
	out.Reset()
	if err := Spread(&out, nil, false, Options{}); err == nil {
		t.Error("no report: want an error")
	}
	if err := Spread(&out, []*spread.SpreadReport{sampleSpreadReport(t)}, false, Options{Format: "xml"}); err == nil {
		t.Error("unknown format: want an error")
	}
	if out.Len() != 0 {
		t.Errorf("errors must print nothing, got %q", out.String())
	}
}

func TestSpreadBar(t *testing.T) {
	for _, tt := range []struct {
		n, max int
		want   string
	}{
		{0, 3, "0"}, {3, 3, "███ 3"}, {60, 60, strings.Repeat("█", 30) + " 60"}, {1, 600, "█ 1"},
	} {
		if got := bar(tt.n, tt.max); got != tt.want {
			t.Errorf("bar(%d, %d) = %q, want %q", tt.n, tt.max, got, tt.want)
		}
	}
}

// sampleSpreadReport is the local control plane's surprise, analysed: six catalog replicas with
// maxSkew 1 per hostname, worker-3 tainted yet counted, so only two run; plus a zone constraint,
// a preferred anti-affinity term and a node name carrying an escape sequence.
func sampleSpreadReport(t *testing.T) *spread.SpreadReport {
	t.Helper()
	nodes := []*corev1.Node{
		fixture.Node("worker-1", fixture.Zone("zone-a")),
		fixture.Node("worker-2", fixture.Zone("zone-b")),
		fixture.Node("worker-3", fixture.Zone("zone-c"), fixture.Taint("dedicated", "database", corev1.TaintEffectNoSchedule)),
		fixture.Node("worker-4\x1b[31m", fixture.Zone("zone-a")),
	}
	honor := corev1.NodeInclusionPolicyHonor
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "catalog"}}
	template := []fixture.PodOption{
		fixture.PodLabels("app", "catalog", "pod-template-hash", "5d8f7c9b4"),
		fixture.OwnedBy("ReplicaSet", "catalog-5d8f7c9b4"),
		fixture.TopologySpread(corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: corev1.LabelHostname,
			WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel}),
		fixture.TopologySpread(corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone,
			WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: sel, NodeTaintsPolicy: &honor}),
		func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 100,
					PodAffinityTerm: corev1.PodAffinityTerm{TopologyKey: corev1.LabelTopologyZone, LabelSelector: sel}}},
			}}
		},
	}
	readyOn := func(node string) fixture.PodOption {
		return func(p *corev1.Pod) {
			fixture.On(node)(p)
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		}
	}
	var pods []*corev1.Pod
	for i, node := range []string{"worker-1", "worker-2", "worker-4\x1b[31m", "", "", ""} {
		opts := append([]fixture.PodOption{}, template...)
		if node != "" {
			opts = append(opts, readyOn(node))
		}
		p := fixture.Pod("shop", "catalog-5d8f7c9b4-"+string(rune('a'+i)), opts...)
		p.CreationTimestamp = metav1.Unix(int64(1700000000+i), 0)
		pods = append(pods, p)
	}
	snap := &snapshot.Snapshot{Source: "file cluster.yaml", Nodes: nodes, Pods: pods,
		Namespaces: []*corev1.Namespace{fixture.Namespace("shop")}}
	replicas := int32(6)
	w, err := spread.FromPods(snap, spread.KindDeployment, "shop", "catalog")
	if err != nil {
		t.Fatal(err)
	}
	w.Replicas = &replicas
	w.Selector = sel
	r, err := spread.Analyze(snap, w)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
