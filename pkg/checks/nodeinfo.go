package checks

import (
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/api/validate/content"
	resourcehelper "k8s.io/component-helpers/resource"
)

// NewNodeInfo builds a node's cache entry as the scheduler's NodeInfo does (SetNode, then AddPod
// for each Pod): allocatable, the Pods' effective requests, the host ports they hold.
func NewNodeInfo(node *corev1.Node, pods []*corev1.Pod) *NodeInfo {
	ni := &NodeInfo{Node: node, Pods: pods, Allocatable: Resources{}, Requested: Resources{}, podRequests: make(map[*corev1.Pod]Resources, len(pods))}
	if node != nil {
		ni.Allocatable = allocatable(node.Status.Allocatable)
	}
	for _, p := range pods {
		if p == nil {
			continue
		}
		req := podRequest(p, true)
		ni.podRequests[p] = req
		for name, v := range req {
			ni.Requested[name] += v
		}
		ni.UsedPorts = append(ni.UsedPorts, podHostPorts(p)...)
	}
	ni.antiPods = indexAntiPods(pods, nil)
	return ni
}

// indexAntiPods lists the pods with required anti-affinity terms, in order, with their parsed
// terms; terms already parsed in known are reused.
func indexAntiPods(pods []*corev1.Pod, known []podAntiTerms) []podAntiTerms {
	var out []podAntiTerms
	for _, p := range pods {
		if p == nil || len(requiredAntiAffinityTerms(p.Spec.Affinity)) == 0 {
			continue
		}
		a := podAntiTerms{pod: p}
		for len(known) > 0 && known[0].pod != p {
			known = known[1:]
		}
		if len(known) > 0 {
			a.terms, known = known[0].terms, known[1:]
		} else {
			a.terms = existingAntiTerms(p)
		}
		out = append(out, a)
	}
	return out
}

// withPods is the node with pods added (the nominated Pods the scheduler filters with).
func (ni *NodeInfo) withPods(pods []*corev1.Pod) *NodeInfo {
	out := ni.shifted(append(append([]*corev1.Pod(nil), ni.Pods...), pods...), pods, +1)
	out.UsedPorts = append([]UsedPort(nil), ni.UsedPorts...)
	for _, p := range pods {
		if p != nil {
			out.UsedPorts = append(out.UsedPorts, podHostPorts(p)...)
		}
	}
	return out
}

// shifted is the node holding pods, its requests those of ni with delta's added (sign +1) or
// taken off (-1): requests add up, so only the changed Pods are computed again (nominated Pods,
// preemption's candidates without their victims, Derive; the reprieve uses push and pop).
func (ni *NodeInfo) shifted(pods, delta []*corev1.Pod, sign int64) *NodeInfo {
	// podRequests is read by Pod, never changed once built: a node with Pods taken off shares
	// ni's (its extra entries are never asked for, or hold the same requests).
	out := &NodeInfo{Node: ni.Node, Pods: pods, Allocatable: ni.Allocatable, Requested: make(Resources, len(ni.Requested)),
		podRequests: ni.podRequests}
	for name, v := range ni.Requested {
		out.Requested[name] = v
	}
	if sign > 0 {
		out.podRequests = make(map[*corev1.Pod]Resources, len(pods))
		for _, p := range pods {
			if req, ok := ni.podRequests[p]; ok {
				out.podRequests[p] = req
			}
		}
	}
	out.antiPods = indexAntiPods(pods, ni.antiPods)
	for _, p := range delta {
		if p == nil {
			continue
		}
		req, ok := ni.podRequests[p]
		if !ok {
			req = podRequest(p, true)
			if sign > 0 {
				out.podRequests[p] = req
			}
		}
		for name, v := range req {
			out.Requested[name] += sign * v
		}
	}
	return out
}

// private is a copy of ni whose Pods, requests, ports and anti-affinity index push and pop change
// in place (podRequests stays shared: it is only read).
func (ni *NodeInfo) private() *NodeInfo {
	out := *ni
	out.Pods = slices.Clone(ni.Pods)
	out.Requested = maps.Clone(ni.Requested)
	out.UsedPorts = slices.Clone(ni.UsedPorts)
	out.antiPods = slices.Clone(ni.antiPods)
	return &out
}

// pushed is what push added, for pop.
type pushed struct {
	pod   *corev1.Pod
	req   Resources
	ports int
	anti  bool
}

// push adds pod to a private node in place, as withPods would add it; its anti-affinity terms are
// taken from known when parsed there.
func (ni *NodeInfo) push(pod *corev1.Pod, known []podAntiTerms) pushed {
	req, ok := ni.podRequests[pod]
	if !ok {
		req = podRequest(pod, true)
	}
	ni.Pods = append(ni.Pods, pod)
	for name, v := range req {
		ni.Requested[name] += v
	}
	ports := podHostPorts(pod)
	ni.UsedPorts = append(ni.UsedPorts, ports...)
	u := pushed{pod: pod, req: req, ports: len(ports)}
	if len(requiredAntiAffinityTerms(pod.Spec.Affinity)) > 0 {
		a := podAntiTerms{pod: pod}
		for _, k := range known {
			if k.pod == pod {
				a.terms = k.terms
				break
			}
		}
		if a.terms == nil {
			a.terms = existingAntiTerms(pod)
		}
		ni.antiPods, u.anti = append(ni.antiPods, a), true
	}
	return u
}

// pop undoes the last push.
func (ni *NodeInfo) pop(u pushed) {
	ni.Pods = ni.Pods[:len(ni.Pods)-1]
	for name, v := range u.req {
		ni.Requested[name] -= v
	}
	ni.UsedPorts = ni.UsedPorts[:len(ni.UsedPorts)-u.ports]
	if u.anti {
		ni.antiPods = ni.antiPods[:len(ni.antiPods)-1]
	}
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
	out := ni.shifted(kept, pods, -1)
	if len(ni.UsedPorts) == 0 {
		return out
	}
	// UsedPorts lists each Pod's ports in Pods order: the kept Pods' are the node's less the
	// dropped Pods', by Pod.
	droppedKeys := make(map[string]bool, len(pods))
	gone := map[UsedPort]bool{}
	for _, p := range pods {
		droppedKeys[p.Namespace+"/"+p.Name] = true
		for _, hp := range podHostPorts(p) {
			gone[UsedPort{HostIP: hp.HostIP, Protocol: hp.Protocol, Port: hp.Port}] = true
		}
	}
	for _, u := range ni.UsedPorts {
		if !droppedKeys[u.Pod] && !gone[UsedPort{HostIP: u.HostIP, Protocol: u.Protocol, Port: u.Port}] {
			out.UsedPorts = append(out.UsedPorts, u)
		}
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
	if pod == nil {
		return Resources{}
	}
	return trackedRequests(resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{
		UseStatusResources: useStatus,
		InPlacePodLevelResourcesVerticalScalingEnabled: useStatus,
	}))
}

// trackedRequests are the resources NodeResourcesFit tracks in reqs, as values (pods aside).
func trackedRequests(reqs corev1.ResourceList) Resources {
	out := Resources{}
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
	var out []UsedPort
	add := func(c *corev1.Container, sidecar bool) {
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			out = append(out, normalisePort(UsedPort{HostIP: p.HostIP, Protocol: p.Protocol, Port: p.HostPort, Pod: pod.Namespace + "/" + pod.Name, Sidecar: sidecar}))
		}
	}
	for i := range pod.Spec.InitContainers {
		if isSidecar(pod.Spec.InitContainers[i]) {
			add(&pod.Spec.InitContainers[i], true)
		}
	}
	for i := range pod.Spec.Containers {
		add(&pod.Spec.Containers[i], false)
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
