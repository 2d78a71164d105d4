package checks

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/parallel"
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
	// Sidecar: the port is a restartable init container's, which v1.32 and older do not count.
	Sidecar bool
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
	// antiPods are the Pods with required anti-affinity terms, in Pods order, their terms parsed
	// once (InterPodAffinity's PreFilter reads only these for a Pod without terms of its own, as
	// the scheduler's NodeInfo.PodsWithRequiredAntiAffinity).
	antiPods []podAntiTerms
	// podRequests are the Pods' effective requests, kept so a node rebuilt without some of them
	// (preemption's victims) need not compute the others again.
	podRequests map[*corev1.Pod]Resources
}

// podAntiTerms is a Pod on a node and its parsed required anti-affinity terms.
type podAntiTerms struct {
	pod   *corev1.Pod
	terms []affinityTerm
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
	// nominated are the Pods in the default scheduler's nominator, by status.nominatedNodeName.
	nominated map[string][]*corev1.Pod
	// CSINodes and CSIDrivers by name, CSIStorageCapacities as listed, and volumeAttachments by
	// spec.nodeName; each nil when its kind could not be read (the checks needing it stay silent).
	CSINodes             map[string]*storagev1.CSINode
	CSIDrivers           map[string]*storagev1.CSIDriver
	CSIStorageCapacities []*storagev1.CSIStorageCapacity
	volumeAttachments    map[string][]*storagev1.VolumeAttachment
	// dra is what DynamicResources reads; nil when the snapshot lacks the DRA kinds.
	dra *draCluster
	// podsByNamespace locates every bound Pod by namespace, in node then Pod order: the incoming
	// Pod's affinity terms read only their namespaces' Pods. nil (then every Pod is read) in a
	// derived cluster whose Pods changed.
	podsByNamespace map[string][]podLoc
	// derivedFrom is the cluster Derive made this one from, and change what it changed.
	derivedFrom *Cluster
	change      ClusterChange
}

// podLoc is a Pod bound to c.Nodes[node], at Pods[pos].
type podLoc struct{ node, pos int32 }

func (c *Cluster) indexPodsByNamespace() {
	c.podsByNamespace = map[string][]podLoc{}
	for i, ni := range c.Nodes {
		for j, p := range ni.Pods {
			if p != nil {
				c.podsByNamespace[p.Namespace] = append(c.podsByNamespace[p.Namespace], podLoc{int32(i), int32(j)})
			}
		}
	}
}

// NewCluster indexes a snapshot: nodes with the Pods bound to them, and the nominated Pods. Give
// it a snapshot with priorities resolved (WithResolvedPriorities): nominated Pods count by priority.
func NewCluster(s *snapshot.Snapshot) *Cluster {
	c := &Cluster{nodeByName: make(map[string]*NodeInfo, len(s.Nodes)), NamespaceLabels: map[string]map[string]string{},
		nominated: map[string][]*corev1.Pod{}}
	byNode := map[string][]*corev1.Pod{}
	for _, p := range s.Pods {
		if p.Spec.NodeName == "" && !snapshot.Finished(p) && p.Status.NominatedNodeName != "" && inDefaultNominator(p) {
			c.nominated[p.Status.NominatedNodeName] = append(c.nominated[p.Status.NominatedNodeName], p)
		}
		if p.Spec.NodeName == "" || snapshot.Finished(p) {
			continue
		}
		byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
	}
	// Each node's requests are computed on its own (resource.PodRequests for every Pod: the bulk
	// of this at 150,000 Pods), on every core.
	c.Nodes = make([]*NodeInfo, len(s.Nodes))
	parallel.Each(len(s.Nodes), 0, func(i int) { c.Nodes[i] = NewNodeInfo(s.Nodes[i], byNode[s.Nodes[i].Name]) })
	for _, ni := range c.Nodes {
		c.nodeByName[ni.Node.Name] = ni
	}
	c.indexPodsByNamespace()
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
	c.indexCSI(s)
	c.indexDRA(s)
	return c
}

// indexCSI indexes the storage.k8s.io objects NodeVolumeLimits and VolumeBinding read.
func (c *Cluster) indexCSI(s *snapshot.Snapshot) {
	if s.CSINodes != nil {
		c.CSINodes = make(map[string]*storagev1.CSINode, len(s.CSINodes))
		for _, n := range s.CSINodes {
			c.CSINodes[n.Name] = n
		}
	}
	if s.CSIDrivers != nil {
		c.CSIDrivers = make(map[string]*storagev1.CSIDriver, len(s.CSIDrivers))
		for _, d := range s.CSIDrivers {
			c.CSIDrivers[d.Name] = d
		}
	}
	c.CSIStorageCapacities = s.CSIStorageCapacities
	if s.VolumeAttachments != nil {
		c.volumeAttachments = map[string][]*storagev1.VolumeAttachment{}
		for _, va := range s.VolumeAttachments {
			c.volumeAttachments[va.Spec.NodeName] = append(c.volumeAttachments[va.Spec.NodeName], va)
		}
	}
}

// inDefaultNominator: the default scheduler's nominator holds a nominated Pod only once its queue
// has taken the Pod in; another scheduler's Pods never enter that queue. Whether a gated Pod's
// nomination counts depends on the version (Profile.NominatesGatedPods).
func inDefaultNominator(p *corev1.Pod) bool {
	return p.Spec.SchedulerName == "" || p.Spec.SchedulerName == corev1.DefaultSchedulerName
}

// Node returns the named node, or nil.
func (c *Cluster) Node(name string) *NodeInfo { return c.nodeByName[name] }
