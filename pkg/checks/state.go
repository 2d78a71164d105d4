package checks

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// Resources are the amounts the scheduler tracks: cpu in millicores, everything else in units.
type Resources map[corev1.ResourceName]int64

// UsedPort is a host port a Pod on the node holds, normalised (hostIP "" -> 0.0.0.0, protocol "" -> TCP).
type UsedPort struct {
	HostIP   string
	Protocol corev1.Protocol
	Port     int32
	Pod      string // namespace/name
}

// NodeInfo is a node as the scheduler cache holds it.
type NodeInfo struct {
	Node *corev1.Node
	// Pods bound to the node that the scheduler's cache holds: not Succeeded/Failed, terminating included.
	Pods        []*corev1.Pod
	Allocatable Resources
	// Requested sums the Pods' effective requests (spec, status and allocated resources; overhead).
	Requested Resources
	UsedPorts []UsedPort
}

// Cluster is the per-snapshot precomputation shared by every Pod's analysis.
type Cluster struct {
	Nodes      []*NodeInfo
	nodeByName map[string]*NodeInfo
	// NamespaceLabels by namespace name, for namespaceSelector terms.
	NamespaceLabels map[string]map[string]string
	// PVCs by "namespace/name"; nil when PVCs could not be read (volume checks then stay silent).
	PVCs map[string]*corev1.PersistentVolumeClaim
	// StorageClasses by name; nil when they could not be read.
	StorageClasses map[string]*storagev1.StorageClass
	// PVs by name; nil when they could not be read (VolumeBinding then judges only what needs none).
	PVs map[string]*corev1.PersistentVolume
	// pvsByClass is the scheduler's PV index by class (annotation first), each list by name.
	pvsByClass map[string][]*corev1.PersistentVolume
}

// NewCluster indexes a snapshot: nodes with the Pods bound to them.
func NewCluster(s *snapshot.Snapshot) *Cluster {
	c := &Cluster{nodeByName: make(map[string]*NodeInfo, len(s.Nodes)), NamespaceLabels: map[string]map[string]string{}}
	byNode := map[string][]*corev1.Pod{}
	for _, p := range s.Pods {
		if p.Spec.NodeName == "" || snapshot.Finished(p) {
			continue
		}
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
	}
	for _, n := range s.Nodes {
		ni := NewNodeInfo(n, byNode[n.Name])
		c.Nodes = append(c.Nodes, ni)
		c.nodeByName[n.Name] = ni
	}
	for _, ns := range s.Namespaces {
		c.NamespaceLabels[ns.Name] = ns.Labels
	}
	if s.PVCs != nil {
		c.PVCs = make(map[string]*corev1.PersistentVolumeClaim, len(s.PVCs))
		for _, pvc := range s.PVCs {
			c.PVCs[pvc.Namespace+"/"+pvc.Name] = pvc
		}
	}
	if s.PVs != nil {
		c.PVs = make(map[string]*corev1.PersistentVolume, len(s.PVs))
		c.pvsByClass = map[string][]*corev1.PersistentVolume{}
		for _, pv := range s.PVs {
			c.PVs[pv.Name] = pv
		}
		for _, pv := range sortedPVs(c.PVs) {
			class := pvClass(pv)
			c.pvsByClass[class] = append(c.pvsByClass[class], pv)
		}
	}
	if s.StorageClasses != nil {
		c.StorageClasses = make(map[string]*storagev1.StorageClass, len(s.StorageClasses))
		for _, sc := range s.StorageClasses {
			c.StorageClasses[sc.Name] = sc
		}
	}
	return c
}

// Node returns the named node, or nil.
func (c *Cluster) Node(name string) *NodeInfo { return c.nodeByName[name] }

// PodState is what the scheduler's PreFilter phase precomputes for one incoming Pod.
type PodState struct {
	Pod      *corev1.Pod
	Priority int32
	// Request is the incoming Pod's request (resource.PodRequests with overhead and pod-level resources).
	Request Resources
	// HostPorts the Pod wants (containers and sidecars), normalised.
	HostPorts []UsedPort
	// RequiredNodeAffinity is nodeSelector AND required node affinity, as the scheduler matches them.
	RequiredNodeAffinity nodeaffinity.RequiredNodeAffinity
	// NodeNames is NodeAffinity's PreFilterResult (matchFields metadata.name In): nil means all nodes.
	NodeNames sets.Set[string]
	// Spread holds the DoNotSchedule constraints with their domain counts.
	Spread *SpreadState
	// Affinity holds the inter-pod (anti-)affinity counts.
	Affinity *AffinityState
	// NamespaceLabels of the incoming Pod's namespace.
	NamespaceLabels map[string]string
	// Volumes are the Pod's claims as VolumeBinding's PreFilter sorts them; nil when the plugin
	// skips (no claims) or the claims could not be judged (PVCs or classes unreadable).
	Volumes *VolumeClaims
}

// PreFilterRejection is a PreFilter status that stops the cycle before any Filter runs.
type PreFilterRejection struct {
	Plugin string `json:"plugin"`
	Code   Code   `json:"code"`
	// Reason is verbatim, e.g. `persistentvolumeclaim "data" not found`.
	Reason string `json:"reason"`
	// PVC names the claim concerned (namespace/name), when the rejection is about one.
	PVC string `json:"pvc,omitempty"`
}

// PreFilter mirrors the default profile's PreFilter phase, in order: NodeAffinity, NodePorts,
// NodeResourcesFit, VolumeRestrictions, VolumeBinding, VolumeZone, PodTopologySpread, InterPodAffinity. The
// first UnschedulableAndUnresolvable rejection aborts, as in the scheduler.
func PreFilter(pod *corev1.Pod, c *Cluster) (*PodState, *PreFilterRejection) {
	ps := &PodState{
		Pod:                  pod,
		Priority:             corev1helpers.PodPriority(pod),
		RequiredNodeAffinity: nodeaffinity.GetRequiredNodeAffinity(pod),
		NamespaceLabels:      c.NamespaceLabels[pod.Namespace],
	}
	var rej *PreFilterRejection
	if ps.NodeNames, rej = preFilterNodeAffinity(pod); rej != nil {
		return nil, rej
	}
	ps.HostPorts = podHostPorts(pod)
	ps.Request = podRequest(pod, false)
	if ps.Volumes, rej = preFilterVolumes(pod, c); rej != nil {
		return nil, rej
	}
	if ps.Spread, rej = newSpreadState(ps, c); rej != nil {
		return nil, rej
	}
	if ps.Affinity, rej = newAffinityState(ps, c); rej != nil {
		return nil, rej
	}
	return ps, nil
}

// Excluded reports whether NodeAffinity's PreFilterResult leaves the node out: the scheduler runs
// no filter there and counts it as ReasonNotInPreFilterResult.
func (ps *PodState) Excluded(node string) bool {
	return ps.NodeNames != nil && !ps.NodeNames.Has(node)
}

// Filter runs every modelled filter on one node in the scheduler's order and never stops at the
// first failure. It returns the failing plugins' statuses in filter order: the first one is what
// the scheduler records for the node (unless Excluded).
func Filter(ps *PodState, ni *NodeInfo) []Status {
	var out []Status
	add := func(s *Status) {
		if s != nil {
			out = append(out, *s)
		}
	}
	add(CheckNodeUnschedulable(ps.Pod, ni.Node))
	add(CheckNodeName(ps.Pod, ni.Node))
	add(CheckTaintToleration(ps.Pod, ni.Node))
	add(CheckNodeAffinity(ps, ni.Node))
	add(CheckNodePorts(ps, ni))
	add(CheckNodeResourcesFit(ps, ni))
	// VolumeRestrictions and NodeVolumeLimits filter here in the real order; they are not modelled.
	add(CheckVolumeBinding(ps, ni))
	add(CheckVolumeZone(ps, ni))
	add(CheckPodTopologySpread(ps, ni))
	add(CheckInterPodAffinity(ps, ni))
	return out
}

// WithPodsRemoved returns the state and node as preemption's dry run sees them after taking pods
// off the node: resources, ports, spread counts and affinity counts all drop them (the scheduler's
// RemovePod extensions). The receiver and ni are not modified.
func (ps *PodState) WithPodsRemoved(ni *NodeInfo, pods []*corev1.Pod) (*PodState, *NodeInfo) {
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
	out := *ps
	out.Spread = ps.Spread.withPods(ni.Node, pods, -1)
	out.Affinity = ps.Affinity.withPods(ps, ni.Node, pods, -1)
	nni := NewNodeInfo(ni.Node, kept)
	// The scheduler keeps a node's host ports as a set, so removing a Pod deletes its (ip,
	// protocol, port) tuples even when a remaining Pod holds the same one (found by the
	// differential test; HostPortInfo.Remove in k8s.io/kube-scheduler).
	gone := map[UsedPort]bool{}
	for _, p := range pods {
		for _, hp := range podHostPorts(p) {
			gone[UsedPort{HostIP: hp.HostIP, Protocol: hp.Protocol, Port: hp.Port}] = true
		}
	}
	if len(gone) > 0 {
		var ports []UsedPort
		for _, u := range nni.UsedPorts {
			if !gone[UsedPort{HostIP: u.HostIP, Protocol: u.Protocol, Port: u.Port}] {
				ports = append(ports, u)
			}
		}
		nni.UsedPorts = ports
	}
	return &out, nni
}

// WithPodsAdded is the reverse, for nominated Pods the scheduler adds to a node before filtering.
func (ps *PodState) WithPodsAdded(ni *NodeInfo, pods []*corev1.Pod) (*PodState, *NodeInfo) {
	all := append(append([]*corev1.Pod(nil), ni.Pods...), pods...)
	out := *ps
	out.Spread = ps.Spread.withPods(ni.Node, pods, +1)
	out.Affinity = ps.Affinity.withPods(ps, ni.Node, pods, +1)
	return &out, NewNodeInfo(ni.Node, all)
}
