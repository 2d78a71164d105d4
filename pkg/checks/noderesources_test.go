package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

func TestCheckNodeResourcesFit(t *testing.T) {
	sidecarPod := func(opts ...fixture.PodOption) *corev1.Pod {
		return fixture.Pod("ns", "p", append([]fixture.PodOption{fixture.Requests("cpu", "1"), fixture.Sidecar("side", "cpu", "1"),
			fixture.InitContainer("init", "cpu", "2.5"), fixture.Overhead("cpu", "100m")}, opts...)...)
	}
	running := func(name string, opts ...fixture.PodOption) *corev1.Pod {
		return fixture.Pod("ns", name, append([]fixture.PodOption{fixture.On("n1")}, opts...)...)
	}
	tests := []struct {
		name        string
		pod         *corev1.Pod
		node        *corev1.Node
		existing    []*corev1.Pod
		wantCode    Code // "" = fits
		wantReasons []string
	}{
		{name: "3.6 cpu fits 3600m", pod: sidecarPod(), node: fixture.Node("n1", fixture.Allocatable("cpu", "3600m"))},
		{
			name: "3.6 cpu on 3599m: more than the whole node, unresolvable",
			pod:  sidecarPod(), node: fixture.Node("n1", fixture.Allocatable("cpu", "3599m")),
			wantCode: UnschedulableAndUnresolvable, wantReasons: []string{"Insufficient cpu"},
		},
		{
			name: "short only because of other pods: resolvable",
			pod:  sidecarPod(), node: fixture.Node("n1"),
			existing: []*corev1.Pod{running("a", fixture.Requests("cpu", "401m"))},
			wantCode: Unschedulable, wantReasons: []string{"Insufficient cpu"},
		},
		{
			name: "terminating pods still hold resources",
			pod:  fixture.Pod("ns", "p", fixture.Requests("memory", "6Gi")), node: fixture.Node("n1"),
			existing: []*corev1.Pod{running("a", fixture.Terminating(), fixture.Requests("memory", "3Gi"))},
			wantCode: Unschedulable, wantReasons: []string{"Insufficient memory"},
		},
		{
			name: "node without pods allocatable: Too many pods even for an empty pod",
			pod:  fixture.Pod("ns", "p"), node: fixture.Node("n1", fixture.NoAllocatable("pods")),
			wantCode: Unschedulable, wantReasons: []string{"Too many pods"},
		},
		{
			name: "pod count reached",
			pod:  fixture.Pod("ns", "p"), node: fixture.Node("n1", fixture.Allocatable("pods", "1")),
			existing: []*corev1.Pod{running("a")},
			wantCode: Unschedulable, wantReasons: []string{"Too many pods"},
		},
		{
			name: "scheduler order, scalars by name; a missing extended resource is unresolvable",
			pod: fixture.Pod("ns", "p", fixture.Requests("example.com/gpu", "1", "cpu", "2", "ephemeral-storage", "1Gi",
				"memory", "1Gi", "a.example.com/fpga", "1", "hugepages-2Mi", "2Mi")),
			node:     fixture.Node("n1", fixture.Allocatable("pods", "1", "ephemeral-storage", "10Gi", "hugepages-2Mi", "2Mi")),
			existing: []*corev1.Pod{running("a", fixture.Requests("cpu", "3", "memory", "7.5Gi", "ephemeral-storage", "9.5Gi"))},
			wantCode: UnschedulableAndUnresolvable,
			wantReasons: []string{"Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage",
				"Insufficient a.example.com/fpga", "Insufficient example.com/gpu"},
		},
		{
			name: "zero scalar request passes",
			pod:  fixture.Pod("ns", "p", fixture.Requests("example.com/gpu", "0")), node: fixture.Node("n1"),
		},
		{
			name: "untracked resource is ignored",
			pod:  fixture.Pod("ns", "p", fixture.Requests("foo", "5")), node: fixture.Node("n1"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := CheckNodeResourcesFit(podRequest(tt.pod, false), NewNodeInfo(tt.node, tt.existing))
			if !expectStatus(t, s, tt.wantCode == "", PluginNodeResourcesFit, tt.wantCode, tt.wantReasons...) {
				return
			}
			if len(s.Blockers) != len(s.Reasons) {
				t.Errorf("%d blockers for %d reasons", len(s.Blockers), len(s.Reasons))
			}
		})
	}
}

func TestCheckNodeResourcesFitEvidence(t *testing.T) {
	pod := fixture.Pod("ns", "p", fixture.Requests("cpu", "1500m", "memory", "3Gi"))
	node := fixture.Node("n1", fixture.Allocatable("pods", "1", "memory", "2Gi"))
	existing := fixture.Pod("ns", "a", fixture.On("n1"), fixture.Requests("cpu", "3"))
	s := CheckNodeResourcesFit(podRequest(pod, false), NewNodeInfo(node, []*corev1.Pod{existing}))
	if s == nil {
		t.Fatal("want a status")
	}
	type row struct {
		Kind                                           BlockerKind
		Resource                                       corev1.ResourceName
		Requested, Allocatable, InUse, Free, Shortfall string
		Exceeds                                        bool
	}
	var got []row
	for _, b := range s.Blockers {
		r := b.Resource
		got = append(got, row{b.Kind, r.Resource, r.Requested.String(), r.Allocatable.String(), r.InUse.String(),
			r.Free.String(), r.Shortfall.String(), r.ExceedsAllocatable})
	}
	want := []row{
		{KindTooManyPods, "pods", "1", "1", "1", "0", "1", false},
		{KindInsufficientResource, "cpu", "1500m", "4", "3", "1", "500m", false},
		{KindInsufficientResource, "memory", "3Gi", "2Gi", "0", "2Gi", "1Gi", true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("evidence (-want +got):\n%s", diff)
	}
	if s.Code != UnschedulableAndUnresolvable {
		t.Errorf("code = %s", s.Code)
	}
	if CheckNodeResourcesFit(nil, nil) != nil {
		t.Error("nil input must pass")
	}
}
