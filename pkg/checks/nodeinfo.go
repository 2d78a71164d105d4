package checks

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	resourcehelper "k8s.io/component-helpers/resource"
)

// NewNodeInfo builds a node's cache entry as the scheduler's NodeInfo does (SetNode, then AddPod
// for each Pod): allocatable, the Pods' effective requests, the host ports they hold.
func NewNodeInfo(node *corev1.Node, pods []*corev1.Pod) *NodeInfo {
	ni := &NodeInfo{Node: node, Pods: pods, Allocatable: Resources{}, Requested: Resources{}}
	if node != nil {
		ni.Allocatable = allocatable(node.Status.Allocatable)
	}
	for _, p := range pods {
		if p == nil {
			continue
		}
		for name, v := range podRequest(p, true) {
			ni.Requested[name] += v
		}
		ni.UsedPorts = append(ni.UsedPorts, podHostPorts(p)...)
	}
	return ni
}

// withPods is the node with pods added (the nominated Pods the scheduler filters with).
func (ni *NodeInfo) withPods(pods []*corev1.Pod) *NodeInfo {
	return NewNodeInfo(ni.Node, append(append([]*corev1.Pod(nil), ni.Pods...), pods...))
}

// withoutPods is the node with pods taken off (preemption's victims). The scheduler keeps a node's
// host ports as a set, so removing a Pod deletes its (ip, protocol, port) tuples even when a
// remaining Pod holds the same one (found by the differential test; HostPortInfo.Remove in
// k8s.io/kube-scheduler).
func (ni *NodeInfo) withoutPods(pods []*corev1.Pod) *NodeInfo {
	drop := make(map[*corev1.Pod]bool, len(pods))
	for _, p := range pods {
		drop[p] = true
	}
	var kept []*corev1.Pod
	for _, p := range ni.Pods {
		if !drop[p] {
			kept = append(kept, p)
		}
	}
	out := NewNodeInfo(ni.Node, kept)
	gone := map[UsedPort]bool{}
	for _, p := range pods {
		for _, hp := range podHostPorts(p) {
			gone[UsedPort{HostIP: hp.HostIP, Protocol: hp.Protocol, Port: hp.Port}] = true
		}
	}
	if len(gone) > 0 {
		var ports []UsedPort
		for _, u := range out.UsedPorts {
			if !gone[UsedPort{HostIP: u.HostIP, Protocol: u.Protocol, Port: u.Port}] {
				ports = append(ports, u)
			}
		}
		out.UsedPorts = ports
	}
	return out
}

// allocatable mirrors framework.NewResource: "pods" becomes the allowed pod count (0 when
// missing), untracked names are dropped.
func allocatable(rl corev1.ResourceList) Resources {
	out := Resources{}
	for name, q := range rl {
		switch {
		case name == corev1.ResourcePods:
			out[name] += q.Value()
		case isTrackedResource(name):
			out[name] += quantityValue(name, q)
		}
	}
	return out
}

// podRequest is resource.PodRequests as the scheduler calls it. useStatus is for Pods already on a
// node (PodInfo.CalculateResource: InPlacePodVerticalScaling GA, InPlacePodLevelResourcesVerticalScaling
// beta on); the incoming Pod uses spec only (computePodResourceRequest). Pod-level resources and
// overhead count in both. "pods" and untracked names are dropped, as Resource.Add/SetMaxResource do;
// zero amounts are kept because a zero scalar still defeats fitsRequest's early return.
func podRequest(pod *corev1.Pod, useStatus bool) Resources {
	out := Resources{}
	if pod == nil {
		return out
	}
	reqs := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{
		UseStatusResources: useStatus,
		InPlacePodLevelResourcesVerticalScalingEnabled: useStatus,
	})
	for name, q := range reqs {
		if name != corev1.ResourcePods && isTrackedResource(name) {
			out[name] = quantityValue(name, q)
		}
	}
	return out
}

// podHostPorts mirrors schedutil.GetHostPorts (sidecars first, then containers; hostPort > 0),
// normalised as HostPortInfo.sanitize does.
func podHostPorts(pod *corev1.Pod) []UsedPort {
	if pod == nil {
		return nil
	}
	key := pod.Namespace + "/" + pod.Name
	var out []UsedPort
	add := func(c corev1.Container) {
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			out = append(out, normalisePort(UsedPort{HostIP: p.HostIP, Protocol: p.Protocol, Port: p.HostPort, Pod: key}))
		}
	}
	for _, c := range pod.Spec.InitContainers {
		if isSidecar(c) {
			add(c)
		}
	}
	for _, c := range pod.Spec.Containers {
		add(c)
	}
	return out
}

func isSidecar(c corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// quantityValue is the scheduler's unit: millicores for cpu, whole units (rounded up) otherwise.
func quantityValue(name corev1.ResourceName, q resource.Quantity) int64 {
	if name == corev1.ResourceCPU {
		return q.MilliValue()
	}
	return q.Value()
}

// isTrackedResource: the names framework.Resource keeps.
func isTrackedResource(name corev1.ResourceName) bool {
	switch name {
	case corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage, corev1.ResourcePods:
		return true
	}
	return isScalarResourceName(name)
}

// isScalarResourceName mirrors schedutil.IsScalarResourceName.
func isScalarResourceName(name corev1.ResourceName) bool {
	return isExtendedResourceName(name) || strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) ||
		isPrefixedNativeResource(name) || strings.HasPrefix(string(name), corev1.ResourceAttachableVolumesPrefix)
}

// isExtendedResourceName mirrors v1helper.IsExtendedResourceName.
func isExtendedResourceName(name corev1.ResourceName) bool {
	if isNativeResource(name) || strings.HasPrefix(string(name), corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	// validation.IsQualifiedName is content.IsLabelKey.
	return len(content.IsLabelKey(corev1.DefaultResourceRequestsPrefix+string(name))) == 0
}

func isPrefixedNativeResource(name corev1.ResourceName) bool {
	return strings.Contains(string(name), corev1.ResourceDefaultNamespacePrefix)
}

func isNativeResource(name corev1.ResourceName) bool {
	return !strings.Contains(string(name), "/") || isPrefixedNativeResource(name)
}
