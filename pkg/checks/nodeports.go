package checks

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// CheckNodePorts mirrors the NodePorts filter: each wanted host port must not collide with one a
// Pod on the node holds (HostPortInfo.CheckConflict). One blocker per colliding wanted port.
func CheckNodePorts(want []UsedPort, ni *NodeInfo) *Status {
	if ni == nil {
		return nil
	}
	var blockers []Blocker
	seen := map[UsedPort]bool{}
	for _, want := range want {
		want = normalisePort(want)
		key := UsedPort{HostIP: want.HostIP, Protocol: want.Protocol, Port: want.Port}
		if want.Port <= 0 || seen[key] {
			continue
		}
		seen[key] = true
		if held := portHolder(want, ni.UsedPorts); held != nil {
			blockers = append(blockers, Blocker{Plugin: PluginNodePorts, Kind: KindHostPortConflict,
				HostPort: &HostPortEvidence{HostIP: want.HostIP, Protocol: want.Protocol, Port: want.Port, HeldBy: held.Pod}})
		}
	}
	if len(blockers) == 0 {
		return nil
	}
	return &Status{Plugin: PluginNodePorts, Code: Unschedulable, Reasons: []string{ReasonNodePorts}, Blockers: blockers}
}

// portHolder returns the first used port that conflicts with want: 0.0.0.0 collides with any
// address, a specific address with itself and 0.0.0.0.
func portHolder(want UsedPort, used []UsedPort) *UsedPort {
	for i := range used {
		u := &used[i]
		if u.Port != want.Port || u.Protocol != want.Protocol {
			continue
		}
		if want.HostIP == "0.0.0.0" || u.HostIP == "0.0.0.0" || u.HostIP == want.HostIP {
			return u
		}
	}
	return nil
}

// normalisePort applies HostPortInfo.sanitize: "" means 0.0.0.0 and TCP.
func normalisePort(p UsedPort) UsedPort {
	if p.HostIP == "" {
		p.HostIP = "0.0.0.0"
	}
	if p.Protocol == "" {
		p.Protocol = corev1.ProtocolTCP
	}
	return p
}

// NodePorts is the NodePorts plugin; its state is the host ports the Pod wants.
type NodePorts struct {
	// NoSidecarPorts: v1.32 and older count only regular containers' host ports, the Pod's and
	// those held on the node alike.
	NoSidecarPorts bool
}

func (NodePorts) Name() string { return PluginNodePorts }

func (NodePorts) PreFilter(cs *CycleState, pod *corev1.Pod, _ *Cluster) (sets.Set[string], *PreFilterRejection) {
	cs.Write(PluginNodePorts, podHostPorts(pod))
	return nil, nil
}

// SamePodInput: the host ports the Pod wants.
func (NodePorts) SamePodInput(a, b *corev1.Pod) bool {
	return slices.Equal(podHostPorts(a), podHostPorts(b))
}

func (p NodePorts) Filter(cs *CycleState, ni *NodeInfo) *Status {
	want := stateOf[[]UsedPort](cs, PluginNodePorts)
	if p.NoSidecarPorts && ni != nil {
		regular := *ni
		want, regular.UsedPorts = withoutSidecarPorts(want), withoutSidecarPorts(ni.UsedPorts)
		ni = &regular
	}
	return CheckNodePorts(want, ni)
}

func withoutSidecarPorts(ports []UsedPort) []UsedPort {
	out := make([]UsedPort, 0, len(ports))
	for _, p := range ports {
		if !p.Sidecar {
			out = append(out, p)
		}
	}
	return out
}
