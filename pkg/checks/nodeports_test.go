package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

func TestCheckNodePorts(t *testing.T) {
	const tcp, udp = corev1.ProtocolTCP, corev1.ProtocolUDP
	holder := func(opts ...fixture.PodOption) *corev1.Pod {
		return fixture.Pod("ns", "holder", append([]fixture.PodOption{fixture.On("n1")}, opts...)...)
	}
	sidecarPort := func(port int32) fixture.PodOption {
		return func(p *corev1.Pod) {
			always := corev1.ContainerRestartPolicyAlways
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "side", RestartPolicy: &always,
				Ports: []corev1.ContainerPort{{HostPort: port}}})
		}
	}
	initPort := func(port int32) fixture.PodOption {
		return func(p *corev1.Pod) {
			p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "init", Ports: []corev1.ContainerPort{{HostPort: port}}})
		}
	}
	ev := func(ip string, proto corev1.Protocol, port int32) HostPortEvidence {
		return HostPortEvidence{HostIP: ip, Protocol: proto, Port: port, HeldBy: "ns/holder"}
	}
	tests := []struct {
		name     string
		pod      *corev1.Pod
		existing *corev1.Pod
		want     []HostPortEvidence // nil: passes
	}{
		{name: "no ports", pod: fixture.Pod("ns", "p"), existing: holder(fixture.HostPort(8080))},
		{name: "same port", pod: fixture.Pod("ns", "p", fixture.HostPort(8080)), existing: holder(fixture.HostPort(8080)),
			want: []HostPortEvidence{ev("0.0.0.0", tcp, 8080)}},
		{name: "0.0.0.0:8080 blocks 10.0.0.1:8080", pod: fixture.Pod("ns", "p", fixture.HostPortAt("10.0.0.1", tcp, 8080)),
			existing: holder(fixture.HostPort(8080)), want: []HostPortEvidence{ev("10.0.0.1", tcp, 8080)}},
		{name: "10.0.0.1:8080 blocks a wanted 0.0.0.0:8080", pod: fixture.Pod("ns", "p", fixture.HostPortAt("", "", 8080)),
			existing: holder(fixture.HostPortAt("10.0.0.1", tcp, 8080)), want: []HostPortEvidence{ev("0.0.0.0", tcp, 8080)}},
		{name: "different addresses do not collide", pod: fixture.Pod("ns", "p", fixture.HostPortAt("10.0.0.2", tcp, 8080)),
			existing: holder(fixture.HostPortAt("10.0.0.1", tcp, 8080))},
		{name: "different protocols do not collide", pod: fixture.Pod("ns", "p", fixture.HostPortAt("", udp, 53)),
			existing: holder(fixture.HostPortAt("", tcp, 53))},
		{name: "empty protocol is TCP", pod: fixture.Pod("ns", "p", fixture.HostPortAt("", "", 53)),
			existing: holder(fixture.HostPortAt("", tcp, 53)), want: []HostPortEvidence{ev("0.0.0.0", tcp, 53)}},
		{name: "sidecar ports count on both sides", pod: fixture.Pod("ns", "p", sidecarPort(9000)),
			existing: holder(sidecarPort(9000)), want: []HostPortEvidence{ev("0.0.0.0", tcp, 9000)}},
		{name: "regular init container ports are ignored", pod: fixture.Pod("ns", "p", initPort(9000)),
			existing: holder(fixture.HostPort(9000))},
		{name: "every colliding port, once", pod: fixture.Pod("ns", "p", fixture.HostPort(80), fixture.HostPort(81), fixture.HostPort(443), fixture.HostPort(80)),
			existing: holder(fixture.HostPort(80), fixture.HostPort(443)),
			want:     []HostPortEvidence{ev("0.0.0.0", tcp, 80), ev("0.0.0.0", tcp, 443)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := CheckNodePorts(podHostPorts(tt.pod), NewNodeInfo(fixture.Node("n1"), []*corev1.Pod{tt.existing}))
			if !expectStatus(t, s, tt.want == nil, PluginNodePorts, Unschedulable, ReasonNodePorts) {
				return
			}
			var got []HostPortEvidence
			for _, b := range s.Blockers {
				if b.Kind != KindHostPortConflict {
					t.Errorf("kind = %s", b.Kind)
				}
				got = append(got, *b.HostPort)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("blockers (-want +got):\n%s", diff)
			}
		})
	}
}
