package checks

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// A placed Pod with pod-level cpu, container memory and an infeasible resize whose status reports
// only pod-level cpu: v1.37 counts max(actuated, allocated) aggregated over containers, so no
// memory; v1.33 to v1.36 count each container without status by its spec, so 1Gi (the real
// v1.35.4 scheduler, fidelity seed 126); v1.32 and older count the spec alone.
func TestPlacedPodRequestsByVersion(t *testing.T) {
	placed := fixture.Pod("ns", "placed", fixture.On("n1"), fixture.Requests("cpu", "100m", "memory", "1Gi"), func(p *corev1.Pod) {
		p.Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}
		p.Status.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}}
		p.Status.AllocatedResources = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")}
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodResizePending, Status: corev1.ConditionTrue, Reason: corev1.PodReasonInfeasible})
	})
	pending := fixture.Pod("ns", "pending", fixture.Requests("cpu", "100m", "memory", "3584Mi"))
	c := NewCluster(&snapshot.Snapshot{Nodes: []*corev1.Node{fixture.Node("n1", fixture.Allocatable("cpu", "4", "memory", "4Gi"))}, Pods: []*corev1.Pod{placed, pending}})
	for _, tt := range []struct {
		p    *Profile
		fits bool
	}{{v137, true}, {v136, false}, {v135, false}, {v134, false}, {v133, false}, {v132, false}, {v129, false}} {
		if got := RunCycle(tt.p, c, pending, CycleOptions{}); got.Feasible != tt.fits {
			t.Errorf("v%s: feasible %v, want %v (%s)", tt.p.SchedulerVersion, got.Feasible, tt.fits, got.Message)
		}
	}
}

// Texts and rules that changed between minors, each at the version it changed.
func TestVersionedTexts(t *testing.T) {
	tainted := fixture.Node("n1", fixture.Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule), fixture.Taint("spot", "", corev1.TaintEffectNoSchedule))
	pod := fixture.Pod("ns", "p", fixture.Requests("cpu", "100m"))
	c := NewCluster(&snapshot.Snapshot{Nodes: []*corev1.Node{tainted}, Pods: []*corev1.Pod{pod}})
	for p, want := range map[*Profile]string{
		v134: "0/1 nodes are available: 1 node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
		v133: "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
		v129: "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
	} {
		if got := RunCycle(p, c, pod, CycleOptions{}).Message; got != want {
			t.Errorf("v%s:\n got %s\nwant %s", p.SchedulerVersion, got, want)
		}
		if !p.CouldWrite(want) {
			t.Errorf("v%s cannot write its own line %q", p.SchedulerVersion, want)
		}
	}
	if v134.CouldWrite("0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.") || v133.CouldWrite("0/1 nodes are available: 1 node(s) had untolerated taint(s).") {
		t.Errorf("a named taint tells v1.33 and older from v1.34 and newer")
	}
	// A PreFilter rejection: v1.33 and older run preemption after it; v1.34 on, DynamicResources'
	// PostFilter stops at "not found".
	claimless := fixture.Pod("ns", "claims", func(p *corev1.Pod) {
		p.Spec.Volumes = []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
	})
	c = NewCluster(&snapshot.Snapshot{Nodes: []*corev1.Node{fixture.Node("n1")}, Pods: []*corev1.Pod{claimless}, PVCs: []*corev1.PersistentVolumeClaim{}})
	for p, want := range map[*Profile]string{
		v134: `0/1 nodes are available: persistentvolumeclaim "data" not found. not found`,
		v133: `0/1 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.`,
	} {
		if got := RunCycle(p, c, claimless, CycleOptions{}).Message; got != want {
			t.Errorf("v%s:\n got %s\nwant %s", p.SchedulerVersion, got, want)
		}
	}
}

// Two constraints on the same topologyKey: v1.32 and older keep one count per domain, set on each
// node by the last constraint, so the first constraint's two Pods in zone a are not seen there.
func TestSpreadCountsSharedByKeyBefore133(t *testing.T) {
	na := fixture.Node("na", fixture.Labels("zone", "a"))
	nb := fixture.Node("nb", fixture.Labels("zone", "b"))
	web := func(name string) *corev1.Pod {
		return fixture.Pod("ns", name, fixture.On("na"), fixture.PodLabels("app", "web"))
	}
	pending := fixture.Pod("ns", "pending", fixture.PodLabels("app", "web", "tier", "x"),
		fixture.Spread("zone", 1, map[string]string{"app": "web"}), fixture.Spread("zone", 1, map[string]string{"tier": "x"}))
	c := NewCluster(&snapshot.Snapshot{Nodes: []*corev1.Node{na, nb}, Pods: []*corev1.Pod{web("w1"), web("w2"), pending}})
	for p, blocked := range map[*Profile]bool{v133: true, v137: true, v132: false, v129: false} {
		res := RunCycle(p, c, pending, CycleOptions{})
		if got := res.Nodes[0].Verdict != nil; got != blocked {
			t.Errorf("v%s: na blocked %v, want %v (%+v)", p.SchedulerVersion, got, blocked, res.Nodes[0].Verdict)
		}
	}
}
