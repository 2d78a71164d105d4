package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

// expectStatus checks a filter's verdict: nil when pass, else plugin, code and reasons. It
// reports whether there are blockers left to check.
func expectStatus(t *testing.T, s *Status, pass bool, plugin string, code Code, reasons ...string) bool {
	t.Helper()
	if pass {
		if s != nil {
			t.Fatalf("want pass, got %+v", s)
		}
		return false
	}
	if s == nil {
		t.Fatalf("want %s %s %v, got pass", plugin, code, reasons)
	}
	if s.Plugin != plugin || s.Code != code || !cmp.Equal(s.Reasons, reasons) {
		t.Errorf("status = %s %s %q, want %s %s %q", s.Plugin, s.Code, s.Reasons, plugin, code, reasons)
	}
	return true
}

func TestPodRequest(t *testing.T) {
	withStatus := func(name string, kv ...string) fixture.PodOption {
		return func(p *corev1.Pod) {
			rl := corev1.ResourceList{}
			for i := 0; i+1 < len(kv); i += 2 {
				rl[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
			}
			p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
				Name: name, Resources: &corev1.ResourceRequirements{Requests: rl}, AllocatedResources: rl})
		}
	}
	// podResize records a pod-level resize of cpu: actuated and allocated, maybe infeasible.
	podResize := func(actuated, allocated string, infeasible bool) fixture.PodOption {
		return func(p *corev1.Pod) {
			p.Status.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(actuated)}}
			p.Status.AllocatedResources = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(allocated)}
			if infeasible {
				p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodResizePending,
					Status: corev1.ConditionTrue, Reason: corev1.PodReasonInfeasible})
			}
		}
	}
	tests := []struct {
		name      string
		pod       *corev1.Pod
		useStatus bool
		want      Resources
	}{
		{
			name: "sidecar formula with overhead: 1 + sidecar 1, init 2.5 beside the sidecar, +0.1",
			pod: fixture.Pod("ns", "p", fixture.Requests("cpu", "1"), fixture.Sidecar("side", "cpu", "1"),
				fixture.InitContainer("init", "cpu", "2.5"), fixture.Overhead("cpu", "100m")),
			want: Resources{corev1.ResourceCPU: 3600},
		},
		{
			name: "init before the sidecar does not run beside it",
			pod: fixture.Pod("ns", "p", fixture.Requests("cpu", "1"), fixture.InitContainer("init", "cpu", "2.5"),
				fixture.Sidecar("side", "cpu", "1")),
			want: Resources{corev1.ResourceCPU: 2500},
		},
		{
			name: "containers sum, units round up",
			pod: fixture.Pod("ns", "p", fixture.Requests("cpu", "0.0001", "memory", "1Gi"),
				fixture.Container("b", "cpu", "250m", "memory", "1.5")),
			want: Resources{corev1.ResourceCPU: 251, corev1.ResourceMemory: 1<<30 + 2},
		},
		{
			name: "pod-level requests replace cpu and memory, other resources keep the container sum",
			pod: fixture.Pod("ns", "p", fixture.Requests("cpu", "1", "memory", "1Gi", "ephemeral-storage", "1Gi"),
				fixture.PodRequests("cpu", "3"), fixture.Overhead("cpu", "100m")),
			want: Resources{corev1.ResourceCPU: 3100, corev1.ResourceMemory: 1 << 30, corev1.ResourceEphemeralStorage: 1 << 30},
		},
		{
			name: "tracked names only: scalars kept (zero too), pods and unprefixed names dropped",
			pod: fixture.Pod("ns", "p", fixture.Requests("example.com/gpu", "2", "hugepages-2Mi", "4Mi",
				"kubernetes.io/batch", "1", "attachable-volumes-csi-x", "1", "example.com/zero", "0", "pods", "3", "foo", "1")),
			want: Resources{"example.com/gpu": 2, "hugepages-2Mi": 4 << 20, "kubernetes.io/batch": 1,
				"attachable-volumes-csi-x": 1, "example.com/zero": 0},
		},
		{
			name:      "running pod: status resources raise the request",
			pod:       fixture.Pod("ns", "p", fixture.On("n1"), fixture.Requests("cpu", "1"), withStatus("app", "cpu", "2")),
			useStatus: true,
			want:      Resources{corev1.ResourceCPU: 2000},
		},
		{
			name: "incoming pod: spec only",
			pod:  fixture.Pod("ns", "p", fixture.Requests("cpu", "1"), withStatus("app", "cpu", "2")),
			want: Resources{corev1.ResourceCPU: 1000},
		},
		{
			name:      "running pod: a pod-level resize counts max(spec, actuated, allocated)",
			pod:       fixture.Pod("ns", "p", fixture.On("n1"), fixture.Requests("cpu", "1"), fixture.PodRequests("cpu", "2", "memory", "1Gi"), podResize("3", "2500m", false)),
			useStatus: true,
			want:      Resources{corev1.ResourceCPU: 3000, corev1.ResourceMemory: 1 << 30},
		},
		{
			name:      "running pod: an infeasible pod-level resize counts max(actuated, allocated), not the spec",
			pod:       fixture.Pod("ns", "p", fixture.On("n1"), fixture.Requests("cpu", "1"), fixture.PodRequests("cpu", "4"), podResize("2", "1500m", true)),
			useStatus: true,
			want:      Resources{corev1.ResourceCPU: 2000},
		},
		{
			name: "incoming pod: pod-level spec only",
			pod:  fixture.Pod("ns", "p", fixture.Requests("cpu", "1"), fixture.PodRequests("cpu", "2"), podResize("3", "3", false)),
			want: Resources{corev1.ResourceCPU: 2000},
		},
		{name: "nil pod", pod: nil, want: Resources{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, podRequest(tt.pod, tt.useStatus)); diff != "" {
				t.Errorf("podRequest (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewNodeInfo(t *testing.T) {
	node := fixture.Node("n1", fixture.NoAllocatable("pods"), fixture.Allocatable("example.com/gpu", "2", "foo", "3"))
	always := corev1.ContainerRestartPolicyAlways
	ports := func(p *corev1.Pod) {
		p.Spec.InitContainers = []corev1.Container{
			{Name: "init", Ports: []corev1.ContainerPort{{HostPort: 7000}}},
			{Name: "side", RestartPolicy: &always, Ports: []corev1.ContainerPort{{HostPort: 9000, Protocol: corev1.ProtocolUDP}}},
		}
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}, {HostPort: 8080, HostIP: "10.0.0.1"}}
	}
	a := fixture.Pod("ns", "a", fixture.On("n1"), fixture.Requests("cpu", "1", "example.com/gpu", "1"), ports)
	b := fixture.Pod("ns", "b", fixture.On("n1"), fixture.Terminating(), fixture.Requests("cpu", "500m", "memory", "1Gi"))
	ni := NewNodeInfo(node, []*corev1.Pod{a, b, nil})

	wantAlloc := Resources{corev1.ResourceCPU: 4000, corev1.ResourceMemory: 8 << 30, "example.com/gpu": 2}
	if diff := cmp.Diff(wantAlloc, ni.Allocatable); diff != "" {
		t.Errorf("Allocatable (-want +got):\n%s", diff)
	}
	wantReq := Resources{corev1.ResourceCPU: 1500, corev1.ResourceMemory: 1 << 30, "example.com/gpu": 1}
	if diff := cmp.Diff(wantReq, ni.Requested); diff != "" {
		t.Errorf("Requested (-want +got):\n%s", diff)
	}
	wantPorts := []UsedPort{
		{HostIP: "0.0.0.0", Protocol: corev1.ProtocolUDP, Port: 9000, Pod: "ns/a", Sidecar: true},
		{HostIP: "10.0.0.1", Protocol: corev1.ProtocolTCP, Port: 8080, Pod: "ns/a"},
	}
	if diff := cmp.Diff(wantPorts, ni.UsedPorts); diff != "" {
		t.Errorf("UsedPorts (-want +got):\n%s", diff)
	}
	if got := NewNodeInfo(nil, nil); got == nil || len(got.Allocatable) != 0 {
		t.Errorf("NewNodeInfo(nil, nil) = %+v", got)
	}
}
