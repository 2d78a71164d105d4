// Package explain runs every check on every node for each Pending Pod, derives the scheduler's own
// view (first failing filter per node, PreFilter rejections, preemption) and its exact message,
// groups nodes by identical blockers and proposes fixes. It builds the report; render prints it.
package explain

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// APIVersion and ReportKind version the JSON/YAML report; bump APIVersion on incompatible changes.
const (
	APIVersion = "placement.kubectl-placement.io/v1alpha1"
	ReportKind = "WhyPendingReport"
)

// WhyPendingReport is the whole answer of `kubectl placement why-pending`.
type WhyPendingReport struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Source is where the objects came from ("cluster <context>", "file examples/cluster.yaml").
	Source    string `json:"source"`
	NodeCount int    `json:"nodeCount"`
	// SchedulerVersion is the kube-scheduler version whose default profile the analysis reproduces.
	SchedulerVersion string `json:"schedulerVersion"`
	// SchedulerVersionFrom says how it was chosen: flag, server, recorded (the recorded messages
	// identify it) or default (the newest modelled).
	SchedulerVersionFrom string `json:"schedulerVersionFrom,omitempty"`
	// SchedulerVersionsFitting are the modelled minors whose wording fits every recorded message
	// that tells minors apart, newest first, when more than one does (from "recorded": the newest
	// of them was taken).
	SchedulerVersionsFitting []string `json:"schedulerVersionsFitting,omitempty"`
	// Warnings are loader and analysis caveats (unreadable optional data, partial views).
	Warnings []string `json:"warnings,omitempty"`
	// MissingPermissions lists what the user could not read and the analysis therefore lacks.
	MissingPermissions []snapshot.Permission `json:"missingPermissions,omitempty"`
	Pods               []PodReport           `json:"pods"`
	// NotPending are Pods named on the command line that are not waiting for a node.
	NotPending []PodPlacement `json:"notPending,omitempty"`
}

// PodPlacement says where a named, non-Pending Pod is.
type PodPlacement struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	NodeName  string `json:"nodeName,omitempty"`
	Phase     string `json:"phase"`
}

// PodStatus classifies a Pending Pod.
type PodStatus string

const (
	// StatusUnschedulable: no node passes the filters; SchedulerMessage is what the scheduler writes.
	StatusUnschedulable PodStatus = "Unschedulable"
	// StatusSchedulable: some node passes every filter now; the scheduler should place it on its next try.
	StatusSchedulable PodStatus = "Schedulable"
	// StatusSchedulingGated: spec.schedulingGates hold it back; the scheduler writes nothing.
	StatusSchedulingGated PodStatus = "SchedulingGated"
	// StatusOtherScheduler: spec.schedulerName is not default-scheduler; analysed as the default profile would.
	StatusOtherScheduler PodStatus = "OtherScheduler"
	// StatusPreemptionPending: preemption would succeed (or is under way); the message has no preemption part.
	StatusPreemptionPending PodStatus = "PreemptionPending"
	// StatusNotModelled: a node passes every modelled filter, yet the cluster reports the Pod
	// unschedulable; Unmodelled lists what the Pod uses that the analysis does not model or read.
	StatusNotModelled PodStatus = "NotModelled"
)

// DifferenceNotModelled: the recorded message comes from a filter or object the analysis does not
// model or could not read (the Pod's Unmodelled list).
const DifferenceNotModelled = "NotModelled"

// DifferenceNoNodes: the snapshot holds no Node objects, so the message computed from it cannot
// be the one the scheduler wrote from the nodes it saw (not a changed cluster).
const DifferenceNoNodes = "NoNodes"

// UnmodelledFeature names something a Pod uses that the analysis does not model or could not read.
type UnmodelledFeature string

const (
	// UnmodelledSchedulerName: spec.schedulerName names another scheduler, whose profile is unknown.
	UnmodelledSchedulerName UnmodelledFeature = "SchedulerName"
	// UnmodelledResourceClaim: spec.resourceClaims, and the snapshot lacks the DRA kinds
	// DynamicResources allocates from (ResourceClaims, DeviceClasses, ResourceSlices).
	UnmodelledResourceClaim UnmodelledFeature = "ResourceClaim"
	// UnmodelledExtendedResource: an extended resource no node advertises, which a DeviceClass may
	// provide through DRA.
	UnmodelledExtendedResource UnmodelledFeature = "ExtendedResource"
	// UnmodelledUnreadKind: the Pod needs an object kind the snapshot lacks.
	UnmodelledUnreadKind UnmodelledFeature = "UnreadKind"
)

// Unmodelled is one thing the Pod uses that the analysis does not model or could not read: its
// blockers, if any, are not in the report.
type Unmodelled struct {
	Feature UnmodelledFeature `json:"feature"`
	// Detail names what is concerned: the scheduler name, the claim names (comma-separated), the
	// resource name, or the unread kind (PersistentVolume).
	Detail string `json:"detail"`
	// Resource is, for UnreadKind, the resource to add to `kubectl get` (persistentvolumes).
	Resource string `json:"resource,omitempty"`
}

// PodReport explains one Pending Pod (and the identical Pods of the same owner).
type PodReport struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Owner     *Owner `json:"owner,omitempty"`
	// SamePods are the other Pods (namespace/name) of the same owner and scheduling spec, covered by this analysis.
	SamePods []string `json:"samePods,omitempty"`
	// AnalysedWith names the Pod whose analysis this one shares (it is in SamePods there); such an
	// entry carries its own message comparison but no per-node detail.
	AnalysedWith      string    `json:"analysedWith,omitempty"`
	Status            PodStatus `json:"status"`
	Priority          int32     `json:"priority"`
	PriorityClassName string    `json:"priorityClassName,omitempty"`
	SchedulerName     string    `json:"schedulerName,omitempty"`
	SchedulingGates   []string  `json:"schedulingGates,omitempty"`
	NominatedNodeName string    `json:"nominatedNodeName,omitempty"`
	// Unmodelled lists what the Pod uses that the analysis does not model or could not read.
	Unmodelled []Unmodelled `json:"unmodelled,omitempty"`

	// SchedulerMessage is the exact line kube-scheduler v1.36 writes to the PodScheduled condition
	// ("" when it writes none: gated Pods, or a Pod that fits now).
	SchedulerMessage string `json:"schedulerMessage"`
	// EventNote is SchedulerMessage as the event records it (cut to 1024 bytes), when it differs.
	EventNote string `json:"eventNote,omitempty"`
	// Recorded is the message the cluster holds, compared with SchedulerMessage.
	Recorded *RecordedMessage `json:"recorded,omitempty"`

	// PreFilter is the pod-level rejection that stopped the cycle before any node was looked at.
	PreFilter *checks.PreFilterRejection `json:"preFilter,omitempty"`
	// Preemption is what the DefaultPreemption PostFilter concluded.
	Preemption Preemption `json:"preemption"`
	// Spread is the domain table of each DoNotSchedule constraint.
	Spread []checks.SpreadDomains `json:"spread,omitempty"`

	// Nodes has every node with every blocker (feasible nodes have none).
	Nodes []NodeReport `json:"nodes,omitempty"`
	// Groups are the nodes grouped by identical blockers, largest first.
	Groups []NodeGroup `json:"groups,omitempty"`
	// Closest are the nodes with the fewest distinct blockers.
	Closest []ClosestNode `json:"closest,omitempty"`
	// Fixes proposes what would unblock the Pod: verified-sufficient first, then by intent (the
	// change the cluster already expresses), Pod-side changes, fewest objects changed.
	Fixes []Fix `json:"fixes,omitempty"`
	// Plan is the least found to change so the Pod schedules: one fix, or the smallest
	// combination of them, verified on a copy of the cluster.
	Plan *Plan `json:"plan,omitempty"`
}

// Owner is the Pod's controlling owner (a ReplicaSet's Deployment when it can be told from names).
type Owner struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// RecordedMessage is what the cluster recorded for the Pod.
type RecordedMessage struct {
	// Source is "PodScheduled" (the condition) or "Event".
	Source  string       `json:"source"`
	Message string       `json:"message"`
	Time    *metav1.Time `json:"time,omitempty"`
	Matches bool         `json:"matches"`
	// Difference explains a mismatch: OlderScheduler (pre-1.34 wording), Stale (the cluster changed
	// since), OtherScheduler, Truncated (event note cut at 1024 bytes), Unknown.
	Difference string `json:"difference,omitempty"`
}

// Preemption outcomes.
const (
	PreemptionNotEligible  = checks.PreemptionNotEligible  // preemptionPolicy Never, or victims still terminating
	PreemptionNoCandidates = checks.PreemptionNoCandidates // no node would fit even after evicting lower-priority Pods
	PreemptionWouldSucceed = checks.PreemptionWouldSucceed // evicting Victims on Node would make room
	PreemptionNotAttempted = checks.PreemptionNotAttempted // a PreFilter rejection ended the cycle first
)

// Preemption is the dry run of DefaultPreemption, as the cycle computed it.
type Preemption = checks.Preemption

// NodeReport is one node: what the scheduler recorded and every blocker.
type NodeReport struct {
	Name string `json:"name"`
	// Scheduler is the status the scheduler counts for this node (first failing plugin, or the
	// PreFilterResult exclusion); nil when the node passes every filter.
	Scheduler *SchedulerVerdict `json:"scheduler,omitempty"`
	// Blockers are every violation of every failing plugin, in filter order.
	Blockers []checks.Blocker `json:"blockers"`
}

// SchedulerVerdict is the status the scheduler records for a node.
type SchedulerVerdict struct {
	Plugin  string      `json:"plugin"`
	Code    checks.Code `json:"code"`
	Reasons []string    `json:"reasons"`
}

// NodeGroup is a set of nodes with the same blockers (same taint, same missing label, same
// short resource ...; amounts may differ).
type NodeGroup struct {
	Key      string           `json:"key"`
	Blockers []checks.Blocker `json:"blockers"` // the first node's, as the example
	// Evidence holds, for each of Blockers, that blocker as found on every node of the group (in
	// Nodes order), so the amounts and names that differ between the nodes can be summarised.
	Evidence [][]checks.Blocker `json:"evidence,omitempty"`
	Nodes    []string           `json:"nodes"`
}

// ClosestNode is a node that came closest to fitting, with the count it was ranked by.
type ClosestNode struct {
	Name string `json:"name"`
	// Blockers is how many distinct blockers (by checks.Identity) the node has.
	Blockers int `json:"blockers"`
}

// Fix is one concrete change that would unblock the Pod on some nodes. It is plain data: render
// words it.
type Fix struct {
	// Kind is the blocker kind it addresses.
	Kind checks.BlockerKind `json:"kind"`
	// Action is the change proposed; Alternatives are other changes that would do as well, in the
	// order to consider them.
	Action       FixAction   `json:"action"`
	Alternatives []FixAction `json:"alternatives,omitempty"`
	// Targets are the objects to change or look at: the nodes to act on (at most three, closest
	// to fitting first), the Pod, claim, volume or class concerned.
	Targets []ObjectRef `json:"targets,omitempty"`
	// Change is what to change, by action: the toleration to add, the label, the quantity ...
	Change FixChange `json:"change"`
	// Nodes is how many nodes this blocker appears on.
	Nodes int `json:"nodes"`
	// Sufficient is true when this change alone makes at least one node pass every filter: the
	// change was applied to a copy of the cluster and the whole cycle ran again (Outcome).
	Sufficient bool `json:"sufficient,omitempty"`
	// Outcome is what the change achieves when applied to a copy of the cluster; nil when the fix
	// cannot be applied to a copy (a volume, another Pod's term) and was not verified.
	Outcome *FixOutcome `json:"outcome,omitempty"`
	// Command is the exact shell command that makes the change (shell-quoted), when kubectl has one.
	Command string `json:"command,omitempty"`
	// Patches are the same change as machine-readable patches, one per object.
	Patches []FixPatch `json:"patches,omitempty"`
}

// FixPatch is a change to one object as kubectl patch takes it.
type FixPatch struct {
	Target ObjectRef `json:"target"`
	// Type is "strategic", "merge" or "json" (kubectl patch --type).
	Type  string          `json:"type"`
	Patch json.RawMessage `json:"patch"`
}

// FixAction names one kind of change.
type FixAction string

const (
	ActionUncordon           FixAction = "Uncordon"           // uncordon the nodes
	ActionRepairNode         FixAction = "RepairNode"         // the node's own state (health taint, missing system label) is the problem
	ActionAddToleration      FixAction = "AddToleration"      // add (or correct) a toleration of the Pod
	ActionRemoveTaint        FixAction = "RemoveTaint"        // remove the taint from the nodes
	ActionChangeNodeName     FixAction = "ChangeNodeName"     // remove or correct spec.nodeName
	ActionChangeNodeSelector FixAction = "ChangeNodeSelector" // change the Pod's nodeSelector
	ActionLabelNode          FixAction = "LabelNode"          // label nodes
	ActionRelaxNodeAffinity  FixAction = "RelaxNodeAffinity"  // relax the Pod's required node affinity
	ActionAvoidNodes         FixAction = "AvoidNodes"         // keep the Pod off the nodes (node affinity)
	ActionDropHostPort       FixAction = "DropHostPort"       // drop hostPort, use a Service
	ActionChangeHostPort     FixAction = "ChangeHostPort"     // pick a free host port
	ActionAddNodes           FixAction = "AddNodes"           // add nodes (bigger, providing a resource, in a zone)
	ActionRaiseMaxPods       FixAction = "RaiseMaxPods"       // raise the kubelet's maxPods
	ActionChangeRequest      FixAction = "ChangeRequest"      // lower (or remove) the Pod's resource request
	ActionFreeCapacity       FixAction = "FreeCapacity"       // free capacity on the nodes
	ActionUnblockDomains     FixAction = "UnblockDomains"     // unblock the nodes of the least-loaded domains
	ActionRaiseMaxSkew       FixAction = "RaiseMaxSkew"       // raise the constraint's maxSkew
	ActionAddDomains         FixAction = "AddDomains"         // add domains, or lower minDomains
	ActionLowerReplicas      FixAction = "LowerReplicas"      // run fewer replicas
	ActionRelaxPodAffinity   FixAction = "RelaxPodAffinity"   // relax the term (or make it preferred)
	ActionStartPods          FixAction = "StartPods"          // start the Pods a pod affinity term depends on
	ActionChangeOtherPod     FixAction = "ChangeOtherPod"     // change another Pod's anti-affinity term
	ActionChangePodLabels    FixAction = "ChangePodLabels"    // change this Pod's labels
	ActionRecreateClaim      FixAction = "RecreateClaim"      // delete and recreate the claim
	ActionRestoreVolume      FixAction = "RestoreVolume"      // restore the missing PersistentVolume
	ActionUseSelectedNode    FixAction = "UseSelectedNode"    // let the Pod go to the node the claim is provisioned for
	ActionRemoveSelectedNode FixAction = "RemoveSelectedNode" // remove the claim's selected-node annotation
	ActionWidenTopologies    FixAction = "WidenTopologies"    // widen the class's allowedTopologies
	ActionCreateVolume       FixAction = "CreateVolume"       // create a PersistentVolume the claim can bind
	ActionChangeStorageClass FixAction = "ChangeStorageClass" // use a class with a provisioner
	ActionMoveData           FixAction = "MoveData"           // move the data to a volume elsewhere
	ActionStopOtherPod       FixAction = "StopOtherPod"       // the Pod holding the claim or disk must go first
	ActionUseOtherClaim      FixAction = "UseOtherClaim"      // give the Pod a ReadWriteOncePod claim of its own
	ActionMountReadOnly      FixAction = "MountReadOnly"      // mount the shared disk read-only in both Pods
	ActionEnableNodeFeature  FixAction = "EnableNodeFeature"  // enable the feature on the nodes (kubelet upgrade or feature gate)
	ActionDropPodFeature     FixAction = "DropPodFeature"     // change the Pod so it needs no such node feature
	ActionInstallDriver      FixAction = "InstallDriver"      // install the CSI driver's node plugin on the nodes
	// DynamicResources.
	ActionTolerateDeviceTaint FixAction = "TolerateDeviceTaint" // add a device toleration to the claim's request
	ActionRelaxDeviceSelector FixAction = "RelaxDeviceSelector" // relax the request's CEL selector (or its class)
	ActionFreeDevices         FixAction = "FreeDevices"         // free devices other claims hold on the nodes
	ActionAddDevices          FixAction = "AddDevices"          // add nodes (or a pool) with devices of the class
	ActionUseClaimNode        FixAction = "UseClaimNode"        // run the Pod where the allocated claim's devices are
)

// ObjectRef names one object a fix concerns: Kind Node, Pod, PersistentVolumeClaim,
// PersistentVolume or StorageClass; Name is namespace/name for namespaced objects.
type ObjectRef struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// FixChange is the content of a fix; which fields are set depends on Kind and Action.
type FixChange struct {
	// Toleration is the toleration to add (AddToleration); Taint the taint concerned.
	Toleration *corev1.Toleration `json:"toleration,omitempty"`
	Taint      *corev1.Taint      `json:"taint,omitempty"`
	// NearestToleration is the Pod's toleration that nearly matched, NearMiss what differs in it.
	NearestToleration *corev1.Toleration `json:"nearestToleration,omitempty"`
	NearMiss          string             `json:"nearMiss,omitempty"`
	// NodeName is the node spec.nodeName names.
	NodeName string `json:"nodeName,omitempty"`
	// Label is the label wanted (nodeSelector entry, spread or affinity topologyKey with no value).
	Label *Label `json:"label,omitempty"`
	// Found are the values the nodes carry for Label's key; NodesWithoutLabel lack it.
	Found             []LabelCount `json:"found,omitempty"`
	NodesWithoutLabel int          `json:"nodesWithoutLabel,omitempty"`
	// Terms are the required node affinity terms that no node satisfies.
	Terms []checks.TermMismatch `json:"terms,omitempty"`
	// HostPort is the port taken (an example holder in HeldBy).
	HostPort *checks.HostPortEvidence `json:"hostPort,omitempty"`
	// Resource is the request and what the nodes offer.
	Resource *ResourceChange `json:"resource,omitempty"`
	// Spread is the constraint and where the next replica could go.
	Spread *SpreadChange `json:"spread,omitempty"`
	// PodAffinity is the term concerned (an example colliding Pod in Pod).
	PodAffinity *checks.PodAffinityEvidence `json:"podAffinity,omitempty"`
	// Pods are, for anti-affinity, every colliding Pod (namespace/name) across the nodes, each with
	// how many of the nodes it keeps the Pod off.
	Pods []PodCount `json:"pods,omitempty"`
	// Volume is the claim and volume concerned.
	Volume *checks.VolumeEvidence `json:"volume,omitempty"`
	// Features are the node features the Pod needs and the nodes lack.
	Features *checks.FeatureEvidence `json:"features,omitempty"`
	// VolumeLimit is the CSI driver concerned, its limit and the volumes counted.
	VolumeLimit *checks.VolumeLimitEvidence `json:"volumeLimit,omitempty"`
	// DeviceClaim is the ResourceClaim concerned, with its requests and the devices refused.
	DeviceClaim *checks.DeviceClaimEvidence `json:"deviceClaim,omitempty"`
}

// PodCount is a Pod and how many nodes it concerns.
type PodCount struct {
	Pod   string `json:"pod"`
	Nodes int    `json:"nodes"`
}

// Label is one node label.
type Label struct {
	Key   string `json:"key"`
	Value string `json:"value,omitempty"`
}

// LabelCount is a label value and how many of the nodes carry it.
type LabelCount struct {
	Value string `json:"value"`
	Nodes int    `json:"nodes"`
}

// ResourceChange is a resource request against what the nodes offer.
type ResourceChange struct {
	Resource  corev1.ResourceName `json:"resource"`
	Requested resource.Quantity   `json:"requested"`
	// MostFree and MostAllocatable are the largest free and allocatable amounts on the nodes.
	MostFree        resource.Quantity `json:"mostFree"`
	MostAllocatable resource.Quantity `json:"mostAllocatable"`
	// LowerTo is the request that would fit the node with the most free (ChangeRequest when it fits
	// some node's allocatable); nil otherwise.
	LowerTo *resource.Quantity `json:"lowerTo,omitempty"`
	// Node is the node with the most free of the resource, and HeldBy the Pods there holding the
	// most of it (at most three, largest first).
	Node   string        `json:"node,omitempty"`
	HeldBy []PodQuantity `json:"heldBy,omitempty"`
}

// PodQuantity is a Pod (namespace/name) and what it requests of one resource.
type PodQuantity struct {
	Pod      string            `json:"pod"`
	Quantity resource.Quantity `json:"quantity"`
}

// SpreadChange is a violated spread constraint and the domains the next replica can go to.
type SpreadChange struct {
	Constraint      int    `json:"constraint"`
	TopologyKey     string `json:"topologyKey"`
	MaxSkew         int32  `json:"maxSkew"`
	MinDomains      int32  `json:"minDomains,omitempty"`
	EligibleDomains int    `json:"eligibleDomains"`
	GlobalMinimum   int32  `json:"globalMinimum"`
	// LeastLoaded are the domains at the global minimum (at most five): only they take a replica.
	LeastLoaded []string `json:"leastLoaded,omitempty"`
	// RaiseTo is the smallest maxSkew that admits the Pod on one of the nodes the constraint blocks.
	RaiseTo int32 `json:"raiseTo,omitempty"`
}

// Compact drops the per-node detail once the Pod is rendered as text (Selection.Analysed): every
// node's report and the groups' per-node evidence. What the summary reads stays: status,
// message, the groups with their nodes and first blockers, the fixes and the plan.
func (pr *PodReport) Compact() {
	pr.Nodes = nil
	for i := range pr.Groups {
		pr.Groups[i].Evidence = nil
	}
}
