package checks

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// cycleCluster: n1 cordoned and tainted, n2 full of a low-priority Pod's cpu.
func cycleCluster(pod *corev1.Pod) *Cluster {
	return NewCluster(&snapshot.Snapshot{
		Nodes: []*corev1.Node{
			fixture.Node("n1", fixture.Cordoned(), fixture.Taint("dedicated", "db", corev1.TaintEffectNoSchedule)),
			fixture.Node("n2"),
		},
		Pods: []*corev1.Pod{fixture.Pod("default", "hog", fixture.On("n2"), fixture.Requests("cpu", "4"), fixture.Priority(0)), pod},
	})
}

func TestRunCycle(t *testing.T) {
	pod := fixture.Pod("default", "p", fixture.Requests("cpu", "1"))
	got := RunCycle(v136, cycleCluster(pod), pod, CycleOptions{})
	// Every failing plugin is kept, in Filter order; the first is the verdict.
	var plugins []string
	for _, st := range got.Nodes[0].Statuses {
		plugins = append(plugins, st.Plugin)
	}
	if want := []string{PluginNodeUnschedulable, PluginTaintToleration}; !cmp.Equal(plugins, want) {
		t.Errorf("n1 statuses %v, want %v", plugins, want)
	}
	if v := got.Nodes[0].Verdict; v == nil || v.Plugin != PluginNodeUnschedulable {
		t.Errorf("n1 verdict %+v", v)
	}
	want := "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. no new claims to deallocate, " +
		"preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling."
	if got.Feasible || got.Message != want || got.Preemption.Outcome != PreemptionNoCandidates {
		t.Errorf("feasible %v, preemption %q, message\n%q\nwant\n%q", got.Feasible, got.Preemption.Outcome, got.Message, want)
	}

	// A higher priority makes the hog a victim: preemption would succeed, and no PostFilter text.
	pod.Spec.Priority = new(int32)
	*pod.Spec.Priority = 100
	got = RunCycle(v136, cycleCluster(pod), pod, CycleOptions{})
	wantPreemption := Preemption{Outcome: PreemptionWouldSucceed, Node: "n2", Victims: []string{"default/hog"}, Candidates: 1}
	if d := cmp.Diff(wantPreemption, got.Preemption); d != "" || got.Message != "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable." {
		t.Errorf("preemption (-want +got):\n%s\nmessage %q", d, got.Message)
	}
	// v1.37 writes no DynamicResources text, and says where preemption found room.
	got = RunCycle(v137, cycleCluster(pod), pod, CycleOptions{})
	if want := "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable. preemption: found a potential placement for pod on node n2, preempting 1 victims"; got.Message != want {
		t.Errorf("v1.37 message\n%q\nwant\n%q", got.Message, want)
	}
}

// A scheduler version is a table entry: another Filter order and other PostFilter texts change
// the verdicts and the message without code.
func TestProfileIsData(t *testing.T) {
	reordered := &Profile{
		SchedulerVersion: "test",
		Plugins: []Plugin{NodeName{}, NodeUnschedulable{}, TaintToleration{}, NodeAffinity{}, NodePorts{}, NodeResourcesFit{},
			VolumeRestrictions{}, VolumeBinding{}, VolumeZone{}, PodTopologySpread{}, InterPodAffinity{}},
	}
	pod := fixture.Pod("default", "p", fixture.Requests("cpu", "1"), func(p *corev1.Pod) { p.Spec.NodeName = "elsewhere" })
	got := RunCycle(reordered, cycleCluster(pod), pod, CycleOptions{})
	if v := got.Nodes[0].Verdict; v == nil || v.Plugin != PluginNodeName {
		t.Errorf("n1 verdict %+v, want NodeName first", v)
	}
	want := "0/2 nodes are available: 2 node(s) didn't match the requested node name. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling."
	if got.Message != want || got.SchedulerVersion != "test" {
		t.Errorf("version %q message\n%q\nwant\n%q", got.SchedulerVersion, got.Message, want)
	}
	if v := RunCycle(v136, cycleCluster(pod), pod, CycleOptions{}).Nodes[0].Verdict; v == nil || v.Plugin != PluginNodeUnschedulable {
		t.Errorf("v1.36 n1 verdict %+v, want NodeUnschedulable first", v)
	}
}

// v1.35 has InPlacePodLevelResourcesVerticalScaling off: a placed Pod's pod-level requests are its
// spec's, not the larger amount its status reports (v1.36 counts that).
func TestProfilePodLevelStatusResources(t *testing.T) {
	resized := fixture.Pod("default", "resized", fixture.On("n1"), fixture.PodRequests("cpu", "1"), func(p *corev1.Pod) {
		p.Status.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}}
	})
	pod := fixture.Pod("default", "p", fixture.Requests("cpu", "2500m"))
	c := NewCluster(&snapshot.Snapshot{Nodes: []*corev1.Node{fixture.Node("n1")}, Pods: []*corev1.Pod{resized, pod}})
	for _, tt := range []struct {
		profile  *Profile
		feasible bool
	}{{v137, false}, {v136, false}, {v135, true}} {
		if got := RunCycle(tt.profile, c, pod, CycleOptions{}); got.Feasible != tt.feasible {
			t.Errorf("v%s: feasible %v, want %v (%s)", tt.profile.SchedulerVersion, got.Feasible, tt.feasible, got.Message)
		}
	}
}

func TestProfileFor(t *testing.T) {
	for v, want := range map[string]*Profile{"": DefaultProfile, "1.36": v136, "v1.36": v136, "1.36.3": v136, "1.37": v137, "v1.37.2": v137, "1.35": v135, "v1.35.4": v135, "1.29": v129, "v1.31.14": v131, "1.34": v134} {
		if p, err := ProfileFor(v); err != nil || p != want {
			t.Errorf("ProfileFor(%q) = %v, %v", v, p, err)
		}
	}
	if DefaultProfile != Profiles[0] {
		t.Errorf("the default profile is not the newest")
	}
	if _, err := ProfileFor("1.28"); err == nil || err.Error() != `unknown scheduler version "1.28": known versions are 1.37, 1.36, 1.35, 1.34, 1.33, 1.32, 1.31, 1.30, 1.29` {
		t.Errorf("ProfileFor(1.28) error = %v", err)
	}
}

// docs/architecture.md names every plugin of the default profile (the checklist for a new filter
// starts there).
func TestArchitectureDocNamesEveryPlugin(t *testing.T) {
	doc, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range DefaultProfile.PluginNames() {
		if !strings.Contains(string(doc), name) {
			t.Errorf("docs/architecture.md does not name plugin %s", name)
		}
	}
}

// CouldWrite tells versions apart by the texts that differ between them.
func TestProfileCouldWrite(t *testing.T) {
	for _, tt := range []struct {
		msg        string
		v136, v137 bool
	}{
		{"0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.", true, false},
		{"0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.", false, true},
		{"0/1 nodes are available: 1 Insufficient cpu. preemption: found a potential placement for pod on node n1, preempting 1 victims", false, true},
		{"0/1 nodes are available: 1 Insufficient cpu.", true, true},
		{"0/2 nodes are available: persistentvolumeclaim \"data\" not found. not found", true, true},
	} {
		if got := v136.CouldWrite(tt.msg); got != tt.v136 {
			t.Errorf("v1.36 CouldWrite(%q) = %v", tt.msg, got)
		}
		if got := v137.CouldWrite(tt.msg); got != tt.v137 {
			t.Errorf("v1.37 CouldWrite(%q) = %v", tt.msg, got)
		}
		// v1.35 writes every PostFilter text as v1.36 does.
		if got := v135.CouldWrite(tt.msg); got != tt.v136 {
			t.Errorf("v1.35 CouldWrite(%q) = %v", tt.msg, got)
		}
	}
}
