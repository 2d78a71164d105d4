package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

func gcePD(volume, pd string, readOnly bool) fixture.PodOption {
	return func(p *corev1.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: volume, VolumeSource: corev1.VolumeSource{
			GCEPersistentDisk: &corev1.GCEPersistentDiskVolumeSource{PDName: pd, ReadOnly: readOnly}}})
	}
}

func TestCheckVolumeRestrictions(t *testing.T) {
	rwop := func(name string) *corev1.PersistentVolumeClaim {
		return fixture.PVC("ns", name, fixture.ClaimRequest("1Gi", corev1.ReadWriteOncePod))
	}
	rwo := fixture.PVC("ns", "shared", fixture.ClaimRequest("1Gi", corev1.ReadWriteOnce))
	pvcs := []*corev1.PersistentVolumeClaim{rwop("data"), rwo}
	pod := func(opts ...fixture.PodOption) *corev1.Pod { return fixture.Pod("ns", "p", opts...) }
	rwopStatus := func(holder, node string) *Status {
		return &Status{Plugin: PluginVolumeRestrictions, Code: Unschedulable, Reasons: []string{ReasonRWOPConflict},
			Blockers: []Blocker{{Plugin: PluginVolumeRestrictions, Kind: KindReadWriteOncePodInUse,
				Volume: &VolumeEvidence{PVC: "ns/data", Volume: "v", HeldBy: holder, HeldByNode: node}}}}
	}
	disk := func(holder string) Blocker {
		return Blocker{Plugin: PluginVolumeRestrictions, Kind: KindDiskConflict,
			Volume: &VolumeEvidence{Volume: "d", Disk: "gcePersistentDisk pd-1", HeldBy: holder, HeldByNode: "n1"}}
	}
	finished := func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }

	tests := []struct {
		name   string
		pod    *corev1.Pod
		others []*corev1.Pod
		want   map[string]*Status // by node; nil: passes everywhere
		skip   bool
	}{
		{name: "RWOP claim unused", pod: pod(fixture.ClaimVolume("v", "data")), skip: true},
		{name: "RWOP claim used on n2: every node fails", pod: pod(fixture.ClaimVolume("v", "data")),
			others: []*corev1.Pod{fixture.Pod("ns", "holder", fixture.On("n2"), fixture.ClaimVolume("x", "data"))},
			want:   map[string]*Status{"n1": rwopStatus("ns/holder", "n2"), "n2": rwopStatus("ns/holder", "n2")}},
		{name: "terminating holder still counts", pod: pod(fixture.ClaimVolume("v", "data")),
			others: []*corev1.Pod{fixture.Pod("ns", "holder", fixture.On("n2"), fixture.Terminating(), fixture.ClaimVolume("x", "data"))},
			want:   map[string]*Status{"n1": rwopStatus("ns/holder", "n2"), "n2": rwopStatus("ns/holder", "n2")}},
		{name: "finished holder does not", pod: pod(fixture.ClaimVolume("v", "data")),
			others: []*corev1.Pod{fixture.Pod("ns", "holder", fixture.On("n2"), finished, fixture.ClaimVolume("x", "data"))}, skip: true},
		{name: "holder on a node not in the cache does not", pod: pod(fixture.ClaimVolume("v", "data")),
			others: []*corev1.Pod{fixture.Pod("ns", "holder", fixture.On("gone"), fixture.ClaimVolume("x", "data"))}, skip: true},
		{name: "same claim name in another namespace does not", pod: pod(fixture.ClaimVolume("v", "data")),
			others: []*corev1.Pod{fixture.Pod("other", "holder", fixture.On("n2"), fixture.ClaimVolume("x", "data"))}, skip: true},
		{name: "ReadWriteOnce claim shared", pod: pod(fixture.ClaimVolume("v", "shared")),
			others: []*corev1.Pod{fixture.Pod("ns", "holder", fixture.On("n2"), fixture.ClaimVolume("x", "shared"))}, skip: true},
		{name: "GCE PD used on n1", pod: pod(gcePD("d", "pd-1", false)),
			others: []*corev1.Pod{fixture.Pod("ns", "holder", fixture.On("n1"), gcePD("x", "pd-1", true))},
			want: map[string]*Status{"n1": {Plugin: PluginVolumeRestrictions, Code: Unschedulable, Reasons: []string{ReasonDiskConflict},
				Blockers: []Blocker{disk("ns/holder")}}}},
		{name: "GCE PD read-only in both", pod: pod(gcePD("d", "pd-1", true)),
			others: []*corev1.Pod{fixture.Pod("ns", "holder", fixture.On("n1"), gcePD("x", "pd-1", true))}},
		{name: "disk conflict is the reason, RWOP a blocker too", pod: pod(gcePD("d", "pd-1", false), fixture.ClaimVolume("v", "data")),
			others: []*corev1.Pod{fixture.Pod("ns", "holder", fixture.On("n1"), gcePD("x", "pd-1", false), fixture.ClaimVolume("x", "data"))},
			want: map[string]*Status{
				"n1": {Plugin: PluginVolumeRestrictions, Code: Unschedulable, Reasons: []string{ReasonDiskConflict},
					Blockers: append([]Blocker{disk("ns/holder")}, rwopStatus("ns/holder", "n1").Blockers...)},
				"n2": rwopStatus("ns/holder", "n1")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCluster(&snapshot.Snapshot{Nodes: []*corev1.Node{fixture.Node("n1"), fixture.Node("n2")},
				Pods: append([]*corev1.Pod{tt.pod}, tt.others...), PVCs: pvcs})
			s, rej := newRestrictionsState(tt.pod, c)
			if rej != nil {
				t.Fatalf("rejected: %+v", rej)
			}
			if (s == nil) != tt.skip {
				t.Fatalf("state %+v, want skip %v", s, tt.skip)
			}
			for _, ni := range c.Nodes {
				if d := cmp.Diff(tt.want[ni.Node.Name], CheckVolumeRestrictions(s, ni)); d != "" {
					t.Errorf("%s (-want +got):\n%s", ni.Node.Name, d)
				}
			}
		})
	}
}

// The count is the scheduler's: a nominated Pod naming the claim adds to it (only when the plugin
// did not skip), and preemption takes a lower-priority holder off its node to make room.
func TestVolumeRestrictionsCycle(t *testing.T) {
	pvcs := []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.ClaimRequest("1Gi", corev1.ReadWriteOncePod), fixture.BoundTo("pv1"))}
	nodes := []*corev1.Node{fixture.Node("n1"), fixture.Node("n2")}
	run := func(pod *corev1.Pod, others ...*corev1.Pod) *CycleResult {
		c := NewCluster(&snapshot.Snapshot{Nodes: nodes, Pods: append([]*corev1.Pod{pod}, others...), PVCs: pvcs})
		return RunCycle(v136, c, pod, CycleOptions{})
	}
	holder := fixture.Pod("ns", "holder", fixture.On("n2"), fixture.Priority(0), fixture.ClaimVolume("x", "data"))

	got := run(fixture.Pod("ns", "p", fixture.Priority(0), fixture.ClaimVolume("v", "data")), holder)
	want := "0/2 nodes are available: 2 " + ReasonRWOPConflict + ". no new claims to deallocate, " +
		"preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."
	if got.Message != want {
		t.Errorf("message\n%q\nwant\n%q", got.Message, want)
	}

	got = run(fixture.Pod("ns", "p", fixture.Priority(100), fixture.ClaimVolume("v", "data")), holder)
	if got.Preemption.Outcome != PreemptionWouldSucceed || got.Preemption.Node != "n2" || !cmp.Equal(got.Preemption.Victims, []string{"ns/holder"}) {
		t.Errorf("preemption %+v", got.Preemption)
	}

	// Nominated to n1 with the claim: counted only when the plugin runs (here, an in-tree disk).
	nominated := fixture.Pod("ns", "nom", fixture.Priority(10), fixture.ClaimVolume("x", "data"))
	nominated.Status.NominatedNodeName = "n1"
	if got := run(fixture.Pod("ns", "p", fixture.ClaimVolume("v", "data")), nominated); !got.Feasible {
		t.Errorf("skipped plugin: want feasible, got %q", got.Message)
	}
	got = run(fixture.Pod("ns", "p", gcePD("d", "pd-9", false), fixture.ClaimVolume("v", "data")), nominated)
	if st := got.Nodes[0].Statuses; len(st) != 1 || st[0].Reasons[0] != ReasonRWOPConflict || st[0].Blockers[0].Volume.HeldBy != "ns/nom" {
		t.Errorf("n1 statuses %+v", st)
	}
	if !got.Feasible || len(got.Nodes[1].Statuses) != 0 {
		t.Errorf("n2 should fit: %+v", got.Nodes[1])
	}
}
