// Package explain runs every check on every node for each Pending Pod, derives the scheduler's own
// view (first failing filter per node, PreFilter rejections, preemption) and its exact message,
// groups nodes by identical blockers and proposes fixes. It builds the report; render prints it.
package explain

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// APIVersion and Kind version the JSON/YAML report; bump APIVersion on incompatible changes.
const (
	APIVersion     = "placement.kubectl-placement.io/v1alpha1"
	KindWhyPending = "WhyPendingReport"
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
)

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
	// Closest are the nodes with the fewest blockers.
	Closest []string `json:"closest,omitempty"`
	// Fixes proposes what would unblock the Pod, most nodes unblocked first.
	Fixes []Fix `json:"fixes,omitempty"`
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
	Nodes    []string         `json:"nodes"`
}

// Fix is one concrete change that would unblock the Pod on some nodes.
type Fix struct {
	// Kind is the blocker kind it addresses.
	Kind checks.BlockerKind `json:"kind"`
	// Action is the change, as one sentence, with the exact YAML or kubectl command where possible.
	Action string `json:"action"`
	// Nodes is how many nodes this blocker appears on.
	Nodes int `json:"nodes"`
	// Sufficient is true when this change alone would make at least one node feasible.
	Sufficient bool `json:"sufficient,omitempty"`
}
