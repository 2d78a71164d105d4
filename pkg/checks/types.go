// Package checks re-implements the filters of kube-scheduler v1.36.3's default profile as pure
// functions of (pod, node, precomputed cluster state). Each returns every violation it finds,
// with the evidence, plus the exact status (code and reason strings) the real plugin would return.
// Nothing here prints words for people: render does that.
package checks

import (
	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/sets"
)

// Code mirrors the scheduler framework status codes that reject a node.
type Code string

const (
	// Unschedulable: preemption may make room on this node.
	Unschedulable Code = "Unschedulable"
	// UnschedulableAndUnresolvable: preemption cannot help on this node.
	UnschedulableAndUnresolvable Code = "UnschedulableAndUnresolvable"
	// Error: a plugin failed (e.g. an invalid spread selector). The cycle ends with reason
	// SchedulerError and the status text as the message, not with a FitError.
	Error Code = "Error"
)

// Plugin names, exactly as the default profile names them. Each Profile lists its plugins in
// Filter order (registry.go).
const (
	PluginNodeUnschedulable  = "NodeUnschedulable"
	PluginNodeName           = "NodeName"
	PluginTaintToleration    = "TaintToleration"
	PluginNodeAffinity       = "NodeAffinity"
	PluginNodePorts          = "NodePorts"
	PluginNodeResourcesFit   = "NodeResourcesFit"
	PluginVolumeRestrictions = "VolumeRestrictions"
	PluginVolumeBinding      = "VolumeBinding"
	PluginVolumeZone         = "VolumeZone"
	PluginPodTopologySpread  = "PodTopologySpread"
	PluginInterPodAffinity   = "InterPodAffinity"
)

// Reason strings, verbatim from kube-scheduler v1.36.3.
const (
	ReasonUnschedulable         = "node(s) were unschedulable"
	ReasonNodeName              = "node(s) didn't match the requested node name"
	ReasonUntoleratedTaint      = "node(s) had untolerated taint(s)"
	ReasonNodeAffinity          = "node(s) didn't match Pod's node affinity/selector"
	ReasonNodeAffinityConflict  = "pod affinity terms conflict"
	ReasonNotInPreFilterFmt     = "node(s) didn't satisfy plugin(s) %v" // the plugins that restricted the nodes
	ReasonNodePorts             = "node(s) didn't have free ports for the requested pod ports"
	ReasonTooManyPods           = "Too many pods"
	ReasonInsufficientFmt       = "Insufficient %v"
	ReasonSpreadMissingLabel    = "node(s) didn't match pod topology spread constraints (missing required label)"
	ReasonSpreadSkew            = "node(s) didn't match pod topology spread constraints"
	ReasonPodAffinity           = "node(s) didn't match pod affinity rules"
	ReasonPodAntiAffinity       = "node(s) didn't match pod anti-affinity rules"
	ReasonExistingAntiAffinity  = "node(s) didn't satisfy existing pods anti-affinity rules"
	ReasonUnboundImmediatePVC   = "pod has unbound immediate PersistentVolumeClaims"
	ReasonPVCNotFoundFmt        = "persistentvolumeclaim %q not found"
	ReasonPVCBeingDeletedFmt    = "persistentvolumeclaim %q is being deleted"
	ReasonVolumeNodeConflict    = "node(s) didn't match PersistentVolume's node affinity"
	ReasonVolumeBindConflict    = "node(s) didn't find available persistent volumes to bind"
	ReasonVolumeNotEnoughSpace  = "node(s) did not have enough free storage"
	ReasonVolumePVNotExist      = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
	ReasonPVNotFoundFmt         = "persistentvolume %q not found"
	ReasonVolumeZoneConflict    = "node(s) had no available volume zone"
	ReasonNoNodes               = "no nodes available to schedule pods"
	ReasonNoPreemptionVictims   = "No preemption victims found for incoming pod"
	ReasonPreemptionNotHelpful  = "Preemption is not helpful for scheduling"
	ReasonPreemptionNeverPolicy = "not eligible due to preemptionPolicy=Never."
	ReasonPreemptionTerminating = "not eligible due to a terminating pod on the nominated node."
)

// Status is one filter plugin's verdict on one node: what the real plugin returns (Code and
// Reasons, in the plugin's own order) and every violation it found (Blockers), not only the first.
type Status struct {
	Plugin   string    `json:"plugin"`
	Code     Code      `json:"code"`
	Reasons  []string  `json:"reasons"`
	Blockers []Blocker `json:"blockers"`
}

// BlockerKind names one kind of violation. It is machine-readable and stable (part of the report).
type BlockerKind string

const (
	KindCordoned                BlockerKind = "Cordoned"                // NodeUnschedulable
	KindNodeNameMismatch        BlockerKind = "NodeNameMismatch"        // NodeName
	KindUntoleratedTaint        BlockerKind = "UntoleratedTaint"        // TaintToleration, one per taint
	KindNodeSelectorMismatch    BlockerKind = "NodeSelectorMismatch"    // NodeAffinity, one per nodeSelector key
	KindNodeAffinityMismatch    BlockerKind = "NodeAffinityMismatch"    // NodeAffinity, required terms (one blocker, every term)
	KindHostPortConflict        BlockerKind = "HostPortConflict"        // NodePorts, one per port
	KindTooManyPods             BlockerKind = "TooManyPods"             // NodeResourcesFit
	KindInsufficientResource    BlockerKind = "InsufficientResource"    // NodeResourcesFit, one per resource
	KindSpreadMissingLabel      BlockerKind = "SpreadMissingLabel"      // PodTopologySpread, one per constraint
	KindSpreadSkew              BlockerKind = "SpreadSkew"              // PodTopologySpread, one per constraint
	KindPodAffinityUnsatisfied  BlockerKind = "PodAffinityUnsatisfied"  // InterPodAffinity, one per term
	KindPodAntiAffinityConflict BlockerKind = "PodAntiAffinityConflict" // InterPodAffinity, incoming pod's term
	KindExistingAntiAffinity    BlockerKind = "ExistingPodAntiAffinity" // InterPodAffinity, an existing pod's term
	KindReadWriteOncePodInUse   BlockerKind = "ReadWriteOncePodInUse"   // VolumeRestrictions, a RWOP claim another Pod uses
	KindDiskConflict            BlockerKind = "DiskConflict"            // VolumeRestrictions, an in-tree disk a Pod on the node uses
	KindVolumeNodeConflict      BlockerKind = "VolumeNodeConflict"      // VolumeBinding, a bound claim's PV node affinity
	KindVolumeBindConflict      BlockerKind = "VolumeBindConflict"      // VolumeBinding, a claim with no volume to bind or provision
	KindVolumeMissingPV         BlockerKind = "VolumeMissingPV"         // VolumeBinding, a bound claim's PV does not exist
	KindVolumeZoneConflict      BlockerKind = "VolumeZoneConflict"      // VolumeZone, one per PV zone/region label the node fails
	KindVolumeNotEnoughStorage  BlockerKind = "VolumeNotEnoughStorage"  // VolumeBinding, a claim no CSIStorageCapacity can hold on the node
	KindNodeFeatureMissing      BlockerKind = "NodeFeatureMissing"      // NodeDeclaredFeatures, the features the node does not declare
	KindVolumeLimitExceeded     BlockerKind = "VolumeLimitExceeded"     // NodeVolumeLimits, one per CSI driver over its limit
	KindCSIDriverNotInstalled   BlockerKind = "CSIDriverNotInstalled"   // NodeVolumeLimits (1.37), one per driver missing from the CSINode
	// DynamicResources.
	KindDeviceClaimUnallocatable BlockerKind = "DeviceClaimUnallocatable" // one per claim to allocate, the allocator found no devices
	KindDeviceClaimElsewhere     BlockerKind = "DeviceClaimElsewhere"     // one per allocated claim whose devices are not on the node
)

// Blocker is one violation on one node with its evidence. Exactly one evidence field is set,
// chosen by Kind.
type Blocker struct {
	Plugin string      `json:"plugin"`
	Kind   BlockerKind `json:"kind"`

	Taint        *TaintEvidence        `json:"taint,omitempty"`
	NodeSelector *NodeSelectorEvidence `json:"nodeSelector,omitempty"`
	NodeAffinity *NodeAffinityEvidence `json:"nodeAffinity,omitempty"`
	NodeName     *NodeNameEvidence     `json:"nodeName,omitempty"`
	HostPort     *HostPortEvidence     `json:"hostPort,omitempty"`
	Resource     *ResourceEvidence     `json:"resource,omitempty"`
	Spread       *SpreadEvidence       `json:"spread,omitempty"`
	PodAffinity  *PodAffinityEvidence  `json:"podAffinity,omitempty"`
	Volume       *VolumeEvidence       `json:"volume,omitempty"`
	Features     *FeatureEvidence      `json:"features,omitempty"`
	VolumeLimit  *VolumeLimitEvidence  `json:"volumeLimit,omitempty"`
	DeviceClaim  *DeviceClaimEvidence  `json:"deviceClaim,omitempty"`
}

// TaintEvidence: a NoSchedule/NoExecute taint no toleration of the pod tolerates.
type TaintEvidence struct {
	Taint corev1.Taint `json:"taint"`
	// NearestToleration is the pod's toleration that came closest (same key other effect or value,
	// a key one edit away, ...), nil when none is close.
	NearestToleration *corev1.Toleration `json:"nearestToleration,omitempty"`
	// NearMiss says what differs in NearestToleration: "effect", "value", "key", "operator".
	NearMiss string `json:"nearMiss,omitempty"`
}

// NodeSelectorEvidence: a spec.nodeSelector entry the node does not carry.
type NodeSelectorEvidence struct {
	Key    string  `json:"key"`
	Want   string  `json:"want"`
	Actual *string `json:"actual,omitempty"` // nil: the node lacks the label
}

// NodeAffinityEvidence: required node affinity; no term matched. Terms lists why each failed.
type NodeAffinityEvidence struct {
	Terms []TermMismatch `json:"terms"`
}

// TermMismatch is why one nodeSelectorTerm (ORed with the others) did not match.
type TermMismatch struct {
	Term int `json:"term"` // index in nodeSelectorTerms
	// Empty: the term has no expressions and no fields, so it matches no node.
	Empty bool `json:"empty,omitempty"`
	// Invalid holds the parse error that makes the term never match.
	Invalid string `json:"invalid,omitempty"`
	// Failed are the expressions (matchExpressions, then matchFields) the node does not satisfy.
	Failed []ExpressionMismatch `json:"failed,omitempty"`
}

// ExpressionMismatch is one failed requirement and the node's actual value.
type ExpressionMismatch struct {
	Field       bool                           `json:"field,omitempty"` // a matchFields requirement
	Requirement corev1.NodeSelectorRequirement `json:"requirement"`
	Actual      *string                        `json:"actual,omitempty"` // nil: the node lacks the label
}

// NodeNameEvidence: spec.nodeName names another node.
type NodeNameEvidence struct {
	Want string `json:"want"`
}

// HostPortEvidence: a requested host port already used on the node.
type HostPortEvidence struct {
	HostIP   string          `json:"hostIP"`
	Protocol corev1.Protocol `json:"protocol"`
	Port     int32           `json:"port"`
	// HeldBy is the namespace/name of a Pod on the node using the port.
	HeldBy string `json:"heldBy"`
}

// ResourceEvidence: requested vs free for one resource ("pods" for Too many pods).
type ResourceEvidence struct {
	Resource    corev1.ResourceName `json:"resource"`
	Requested   resource.Quantity   `json:"requested"`
	Allocatable resource.Quantity   `json:"allocatable"`
	// InUse is what the Pods already on the node request (for "pods": how many there are).
	InUse     resource.Quantity `json:"inUse"`
	Free      resource.Quantity `json:"free"`
	Shortfall resource.Quantity `json:"shortfall"`
	// ExceedsAllocatable: the request is larger than the node's whole allocatable (unresolvable).
	ExceedsAllocatable bool `json:"exceedsAllocatable,omitempty"`
}

// SpreadEvidence: one DoNotSchedule topologySpreadConstraint the node violates. The domain table
// lives once per Pod (SpreadState), not per node.
type SpreadEvidence struct {
	Constraint  int    `json:"constraint"` // index in spec.topologySpreadConstraints
	TopologyKey string `json:"topologyKey"`
	MaxSkew     int32  `json:"maxSkew"`
	MinDomains  int32  `json:"minDomains,omitempty"`
	// Domain is the node's value for TopologyKey ("" with MissingLabel).
	Domain       string `json:"domain,omitempty"`
	MissingLabel bool   `json:"missingLabel,omitempty"`
	// MatchingInDomain is how many matching Pods the domain holds; SelfMatch adds the incoming Pod.
	MatchingInDomain int32 `json:"matchingInDomain"`
	SelfMatch        bool  `json:"selfMatch"`
	GlobalMinimum    int32 `json:"globalMinimum"`
	// EligibleDomains is how many domains are counted; fewer than MinDomains forces the minimum to 0.
	EligibleDomains int   `json:"eligibleDomains"`
	Skew            int32 `json:"skew"` // MatchingInDomain + self - GlobalMinimum
}

// PodAffinityEvidence: a required pod (anti-)affinity term, ours or an existing Pod's.
type PodAffinityEvidence struct {
	// Term is the index in the owning Pod's required terms.
	Term        int    `json:"term"`
	TopologyKey string `json:"topologyKey"`
	// Domain is the node's value for TopologyKey ("" with MissingLabel).
	Domain       string `json:"domain,omitempty"`
	MissingLabel bool   `json:"missingLabel,omitempty"`
	// Pod is the namespace/name of the Pod that collides (anti-affinity) or, for the existing
	// Pods' anti-affinity, the Pod whose term matches the incoming one. Empty for unsatisfied affinity.
	Pod string `json:"pod,omitempty"`
	// Selector is the term's label selector.
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
	// AllNamespaces: the incoming Pod's term has a namespaceSelector of only NotIn/DoesNotExist,
	// and the scheduler (v1.36) then matches Pods in every namespace (it loses the selector's
	// reset when merging it into the term's namespaces), whatever the selector says.
	AllNamespaces bool `json:"allNamespaces,omitempty"`
}

// BindConflict says why a WaitForFirstConsumer claim can be neither bound nor provisioned here.
type BindConflict string

const (
	// BindNoProvisioner: no Available PV matches and the class cannot provision
	// (provisioner "" or kubernetes.io/no-provisioner).
	BindNoProvisioner BindConflict = "NoProvisioner"
	// BindAllowedTopologies: no Available PV matches and the class's allowedTopologies exclude the node.
	BindAllowedTopologies BindConflict = "AllowedTopologies"
	// BindSelectedNode: the claim's volume.kubernetes.io/selected-node annotation names another node.
	BindSelectedNode BindConflict = "SelectedNode"
)

// VolumeEvidence: one PersistentVolumeClaim of the Pod that VolumeBinding (or, for
// VolumeZoneConflict, VolumeZone) rejects on the node; for VolumeRestrictions, the claim or disk
// another Pod holds.
type VolumeEvidence struct {
	PVC string `json:"pvc,omitempty"` // namespace/name
	// PV is the bound (or, for MissingPV, the named but absent) volume.
	PV string `json:"pv,omitempty"`
	// Volume is the Pod's volume, Disk the in-tree disk it names ("gcePersistentDisk <pdName>",
	// "awsElasticBlockStore <volumeID>", "rbd <pool>/<image>", "iscsi <iqn>"), and HeldBy
	// (namespace/name) on HeldByNode a Pod using that disk or ReadWriteOncePod claim (VolumeRestrictions).
	Volume     string `json:"volume,omitempty"`
	Disk       string `json:"disk,omitempty"`
	HeldBy     string `json:"heldBy,omitempty"`
	HeldByNode string `json:"heldByNode,omitempty"`
	// NodeAffinity lists why each of the PV's required nodeSelectorTerms fails (NodeConflict).
	NodeAffinity []TermMismatch `json:"nodeAffinity,omitempty"`
	// StorageClass and Provisioner of an unbound claim (BindConflict).
	StorageClass string `json:"storageClass,omitempty"`
	Provisioner  string `json:"provisioner,omitempty"`
	// Conflict says which provisioning check failed (BindConflict).
	Conflict BindConflict `json:"conflict,omitempty"`
	// AllowedTopologies of the class, when they exclude the node.
	AllowedTopologies []corev1.TopologySelectorTerm `json:"allowedTopologies,omitempty"`
	// SelectedNode is the claim's selected-node annotation (Conflict SelectedNode).
	SelectedNode string `json:"selectedNode,omitempty"`
	// CandidatePVs is how many PVs of the claim's class the scheduler looked at (BindConflict);
	// none of them matched the claim on this node.
	CandidatePVs int `json:"candidatePVs,omitempty"`
	// ZoneLabel is the bound PV's zone/region label the node fails (VolumeZoneConflict), and
	// Zones the values it allows (a "__"-separated label value is a set).
	ZoneLabel string   `json:"zoneLabel,omitempty"`
	Zones     []string `json:"zones,omitempty"`
	// NodeZoneLabel and NodeZone are the node's label compared with it (the GA key when the PV's
	// beta key is missing on the node); NodeZone is nil when the node has neither.
	NodeZoneLabel string  `json:"nodeZoneLabel,omitempty"`
	NodeZone      *string `json:"nodeZone,omitempty"`
	// StorageRequested is the claim's request and BestCapacity the largest volume a
	// CSIStorageCapacity of the class reaching the node offers, absent when none reaches it
	// (NotEnoughStorage).
	StorageRequested *resource.Quantity `json:"storageRequested,omitempty"`
	BestCapacity     *resource.Quantity `json:"bestCapacity,omitempty"`
}

// FeatureEvidence: node features the Pod's spec needs (NodeDeclaredFeatures) that the node's
// status.declaredFeatures lacks.
type FeatureEvidence struct {
	Required []string `json:"required"`
	Missing  []string `json:"missing"`
	// Declared are the node's status.declaredFeatures.
	Declared []string `json:"declared,omitempty"`
}

// VolumeLimitEvidence: one CSI driver of the Pod's volumes on the node (NodeVolumeLimits): over
// its CSINode allocatable count, or (CSIDriverNotInstalled) absent from the CSINode.
type VolumeLimitEvidence struct {
	Driver string `json:"driver"`
	// Limit is the CSINode's allocatable count for the driver.
	Limit int64 `json:"limit,omitempty"`
	// Attached counts the unique volumes of the driver the node's Pods and VolumeAttachments hold;
	// New the Pod's volumes of the driver not among them.
	Attached int `json:"attached,omitempty"`
	New      int `json:"new,omitempty"`
}

// SpreadDomains is one topology spread constraint with its domain table, as PodTopologySpread
// counts it. It is the one constraint table of both reports: why-pending lists a Pending Pod's
// DoNotSchedule constraints (their eligible domains); spread lists every constraint of a workload
// and fills in the fields marked "spread".
type SpreadDomains struct {
	// Constraint is the index in spec.topologySpreadConstraints (for system defaults, in the default list).
	Constraint        int                                  `json:"constraint"`
	TopologyKey       string                               `json:"topologyKey"`
	WhenUnsatisfiable corev1.UnsatisfiableConstraintAction `json:"whenUnsatisfiable"`
	MaxSkew           int32                                `json:"maxSkew"`
	MinDomains        int32                                `json:"minDomains,omitempty"`
	// Selector is the effective selector (matchLabelKeys merged into matchLabels); nil matches nothing.
	Selector           *metav1.LabelSelector      `json:"selector"`
	MatchLabelKeys     []string                   `json:"matchLabelKeys,omitempty"`
	NodeAffinityPolicy corev1.NodeInclusionPolicy `json:"nodeAffinityPolicy"`
	NodeTaintsPolicy   corev1.NodeInclusionPolicy `json:"nodeTaintsPolicy"`
	// SelfMatch: the incoming Pod matches the selector, so it adds one to the domain it lands in.
	SelfMatch bool `json:"selfMatch,omitempty"`
	// EligibleDomains is how many domains the scheduler counts; fewer than MinDomains forces the
	// global minimum to 0.
	EligibleDomains int   `json:"eligibleDomains"`
	GlobalMinimum   int32 `json:"globalMinimum"`
	// MinMatching is the smallest count ignoring minDomains (spread; nil without domains).
	MinMatching *int32 `json:"minMatching,omitempty"`
	// Skew is now: the largest eligible domain's count minus GlobalMinimum (spread).
	Skew    int32         `json:"skew,omitempty"`
	Domains []DomainCount `json:"domains"`
	// NodesWithoutKey lack TopologyKey: they are in no domain, and DoNotSchedule rejects them (spread).
	NodesWithoutKey []string `json:"nodesWithoutKey,omitempty"`
	// OpenDomains are the domains where one more replica could go now: Open and CanPlace (spread).
	OpenDomains []string `json:"openDomains,omitempty"`
}

// DomainCount is one domain (value of the topology key) of a constraint.
type DomainCount struct {
	Name string `json:"name"`
	// Matching is the scheduler's count of Pods matching the selector (0 when not eligible).
	Matching int32 `json:"matching"`
	// Nodes are the nodes the scheduler counts in the domain; with none, the domain is not eligible.
	Nodes int `json:"nodes"`
	// NodesWithValue carry the value, counted or not (spread).
	NodesWithValue int `json:"nodesWithValue,omitempty"`
	// Replicas are the workload's bound Pods on the domain's nodes, eligible or not (spread).
	Replicas int `json:"replicas,omitempty"`
	// Excluded lists the domain's nodes the scheduler does not count, and why (spread).
	Excluded []ExcludedNode `json:"excluded,omitempty"`
	// SkewIfPlaced is Matching (+1 with SelfMatch) minus the global minimum: the skew the
	// scheduler computes for one more replica on a node of this domain (spread).
	SkewIfPlaced int32 `json:"skewIfPlaced,omitempty"`
	// Open: SkewIfPlaced <= MaxSkew, so the constraint lets one more replica in; for
	// ScheduleAnyway it only means the scheduler prefers the domain (spread).
	Open bool `json:"open,omitempty"`
	// CanPlace: some node of the domain passes every modelled filter for one more replica now (spread).
	CanPlace bool `json:"canPlace,omitempty"`
}

// Eligible: the scheduler counts at least one node of the domain, so the domain exists for it.
func (d DomainCount) Eligible() bool { return d.Nodes > 0 }

// ExcludedNode is a node of a domain the scheduler does not count for a constraint, and why.
type ExcludedNode struct {
	Node   string                `json:"node"`
	Reason SpreadExclusionReason `json:"reason"`
	// MissingKeys are the other constraints' keys the node lacks (MissingTopologyKey).
	MissingKeys []string `json:"missingKeys,omitempty"`
	// Taint is the untolerated taint (NodeTaintsPolicy).
	Taint *corev1.Taint `json:"taint,omitempty"`
}

// withMatchLabels is ls with the labels of matchLabelKeys merged in, as a structure: a nil selector
// stays nil (it matches nothing, merged or not); a key ls already requires with another value gets
// an In requirement, so both hold as they do for the scheduler.
func withMatchLabels(ls *metav1.LabelSelector, m labels.Set) *metav1.LabelSelector {
	if ls == nil || len(m) == 0 {
		return ls
	}
	out := ls.DeepCopy()
	for _, k := range sets.List(sets.KeySet(m)) {
		v := m[k]
		if have, ok := out.MatchLabels[k]; ok && have != v {
			out.MatchExpressions = append(out.MatchExpressions,
				metav1.LabelSelectorRequirement{Key: k, Operator: metav1.LabelSelectorOpIn, Values: []string{v}})
			continue
		}
		if out.MatchLabels == nil {
			out.MatchLabels = map[string]string{}
		}
		out.MatchLabels[k] = v
	}
	return out
}

// DeviceClaimEvidence: a ResourceClaim of the Pod that DynamicResources could not satisfy on the
// node: unallocatable there (Requests say why per device), or allocated with devices elsewhere.
type DeviceClaimEvidence struct {
	Claim string `json:"claim"` // namespace/name
	// Allocated: the claim is allocated and its allocation's node selector excludes the node.
	Allocated bool `json:"allocated,omitempty"`
	// ReservedFor are the consumers holding an allocated claim (resource/name).
	ReservedFor []string                `json:"reservedFor,omitempty"`
	Requests    []DeviceRequestEvidence `json:"requests,omitempty"`
}

// DeviceRequestEvidence is one request (or firstAvailable subrequest, "request/sub") of a claim
// and the node's devices judged against it. The allocator's verdict is the status; this is why.
type DeviceRequestEvidence struct {
	Request     string `json:"request"`
	DeviceClass string `json:"deviceClass"`
	// Count is the devices requested (allocationMode ExactCount); All asks for every matching one.
	Count int64 `json:"count,omitempty"`
	All   bool  `json:"all,omitempty"`
	// Free are the node's devices that pass every check for the request.
	Free    int             `json:"free"`
	Devices []DeviceRefusal `json:"devices,omitempty"`
}

// DeviceRefusal is one device on the node and why the request could not use it ("" when free).
type DeviceRefusal struct {
	Driver  string            `json:"driver"`
	Pool    string            `json:"pool"`
	Device  string            `json:"device"`
	Refusal DeviceRefusalKind `json:"refusal,omitempty"`
	// Selector is the CEL expression that was false (or failed), Attributes the device's values of
	// the attributes it names.
	Selector   string                  `json:"selector,omitempty"`
	Attributes map[string]string       `json:"attributes,omitempty"`
	Claim      string                  `json:"claim,omitempty"` // the claim the device is allocated to
	Taint      *resourcev1.DeviceTaint `json:"taint,omitempty"`
	// Capacity is the shared device's capacity the request wants more of than is left.
	Capacity *DeviceCapacityShortfall `json:"capacity,omitempty"`
}

// DeviceCapacityShortfall: a shared device (allowMultipleAllocations) whose capacity other
// claims' shares have used up for this request.
type DeviceCapacityShortfall struct {
	Name      string            `json:"name"`
	Requested resource.Quantity `json:"requested"`
	Left      resource.Quantity `json:"left"`
	Total     resource.Quantity `json:"total"`
}

// DeviceRefusalKind says why a device could not serve a request.
type DeviceRefusalKind string

const (
	RefusalClassSelector   DeviceRefusalKind = "ClassSelector"
	RefusalRequestSelector DeviceRefusalKind = "RequestSelector"
	RefusalAllocated       DeviceRefusalKind = "Allocated"
	RefusalTaint           DeviceRefusalKind = "Taint"
	RefusalCapacity        DeviceRefusalKind = "Capacity"
)
