// Package spread analyses how one workload's replicas sit across topology domains, against its own
// topologySpreadConstraints and pod anti-affinity, counted exactly as kube-scheduler's
// PodTopologySpread counts (through pkg/checks). It is pure: no cobra, no printing, no words.
package spread

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// APIVersion and ReportKind version the JSON/YAML report; bump APIVersion on incompatible changes.
const (
	APIVersion = "placement.kubectl-placement.io/v1alpha1"
	ReportKind = "SpreadReport"
)

// SpreadReport is one workload's spread: the contract `spread -o json|yaml` prints.
type SpreadReport struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Source says where the objects came from: "cluster <context>" or "file a.yaml".
	Source   string      `json:"source"`
	Workload WorkloadRef `json:"workload"`
	// DefaultConstraints: the workload has no topologySpreadConstraints, so Constraints are the
	// scheduler's system defaults (ScheduleAnyway, scoring only: they never keep a Pod Pending).
	DefaultConstraints bool `json:"defaultConstraints"`
	// Constraints are the workload's spread constraints with their domain tables, as the
	// scheduler counts them for one more replica.
	Constraints  []checks.SpreadDomains `json:"constraints"`
	AntiAffinity []AntiAffinityTerm     `json:"antiAffinity,omitempty"`
	Impact       Impact                 `json:"impact"`
	NextReplica  NextReplica            `json:"nextReplica"`
	// Findings are the problems the numbers imply, with their evidence.
	Findings []Finding `json:"findings,omitempty"`
	// Warnings are what the snapshot loader could not read but worked around, verbatim (as in
	// WhyPendingReport).
	Warnings           []string              `json:"warnings,omitempty"`
	MissingPermissions []snapshot.Permission `json:"missingPermissions,omitempty"`
}

// WorkloadRef says which workload was analysed and how its Pods were found.
type WorkloadRef struct {
	Kind      string `json:"kind"` // Deployment, StatefulSet, ReplicaSet, DaemonSet, Job, Pod, or Selector
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Selector is the workload's own label selector, when known.
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
	// Replicas is the desired count (spec.replicas / parallelism); nil when unknown.
	Replicas *int32 `json:"replicas,omitempty"`
	// FromObject: the workload object was read; otherwise its Pods were found by ownerReferences.
	FromObject bool `json:"fromObject"`
	// TemplateFrom names what stands for the next replica: "pod NAME" (the newest Pod, as admission
	// stored it) or "template" (the object's Pod template, when it has no Pods).
	TemplateFrom string `json:"templateFrom"`
	Pods         int    `json:"pods"`    // the workload's Pods in the snapshot, bound or not
	Ready        int    `json:"ready"`   // bound, not terminating, Ready condition True
	Pending      int    `json:"pending"` // not bound to a node
}

// AntiAffinityTerm is one pod anti-affinity term of the workload and the domains it blocks.
type AntiAffinityTerm struct {
	Required bool  `json:"required"`
	Index    int   `json:"index"` // in the required or preferred list
	Weight   int32 `json:"weight,omitempty"`
	// TopologyKey and Selector (matchLabelKeys merged) of the term.
	TopologyKey string                `json:"topologyKey"`
	Selector    *metav1.LabelSelector `json:"selector"`
	// SelfMatch: the workload's own replicas match the term, so each occupies its domain.
	SelfMatch bool `json:"selfMatch"`
	// Domains are the key's values on the nodes, with the Pods matching the term there.
	Domains []AffinityDomain `json:"domains"`
	// Occupied domains already hold a matching Pod; the term keeps a new replica out of them.
	Occupied int `json:"occupied"`
	// NodesWithoutKey satisfy the term whatever runs there.
	NodesWithoutKey int `json:"nodesWithoutKey,omitempty"`
	// NodesNotSelected are left out of Domains: the Pod's nodeSelector or required node affinity
	// rejects them, so no replica can go there whatever the term says.
	NodesNotSelected int `json:"nodesNotSelected,omitempty"`
	// Remaining is how many more replicas fit before the term blocks every domain; nil when the
	// term never runs out (the replicas do not match it, or nodes lack the key).
	Remaining *int `json:"remaining,omitempty"`
}

// AffinityDomain is one domain of an anti-affinity term.
type AffinityDomain struct {
	Name     string `json:"name"`
	Matching int    `json:"matching"`
	Nodes    int    `json:"nodes"`
}

// Impact is what losing one zone or node takes down.
type Impact struct {
	ReadyReplicas int `json:"readyReplicas"`
	// Zones by topology.kubernetes.io/zone (nodes without it under ""), every zone of the cluster.
	Zones []FailureDomain `json:"zones"`
	// Nodes holding at least one ready replica, most replicas first.
	Nodes []FailureDomain `json:"nodes"`
}

// FailureDomain is one zone or node and the ready replicas its loss would take down.
type FailureDomain struct {
	Name  string `json:"name"`
	Ready int    `json:"ready"`
	// Percent of the ready replicas, rounded.
	Percent      int  `json:"percent"`
	MoreThanHalf bool `json:"moreThanHalf,omitempty"`
}

// NextReplica is where one more replica would be scheduled now, every modelled filter included.
type NextReplica struct {
	// PreFilter is set when the scheduler would reject the replica before looking at nodes.
	PreFilter *checks.PreFilterRejection `json:"preFilter,omitempty"`
	// Nodes that pass every filter, in cluster order.
	Nodes []string `json:"nodes"`
}

// FindingKind names one kind of finding; machine-readable and stable.
type FindingKind string

const (
	// FindingSelectorMatchesNone: a constraint's selector counts none of the workload's Pods.
	FindingSelectorMatchesNone FindingKind = "SelectorMatchesNone"
	// FindingTopologyKeyOnNoNode: no node carries the constraint's topologyKey.
	FindingTopologyKeyOnNoNode FindingKind = "TopologyKeyOnNoNode"
	// FindingFewerDomainsThanMinDomains: the global minimum is forced to 0.
	FindingFewerDomainsThanMinDomains FindingKind = "FewerDomainsThanMinDomains"
	// FindingReplicasExceedDomains: a required anti-affinity term the replicas match has fewer domains
	// than replicas, so some can never be placed.
	FindingReplicasExceedDomains FindingKind = "ReplicasExceedAntiAffinityDomains"
	// FindingPendingReplicas: some of the workload's Pods are not bound.
	FindingPendingReplicas FindingKind = "PendingReplicas"
	// FindingRolloutCountsBoth: Pods of several revisions exist and a constraint counts them together.
	FindingRolloutCountsBoth FindingKind = "RolloutCountsOldAndNew"
	// FindingStuckDomainHoldsMinimum: a counted domain that takes no replica holds the global minimum
	// down, closing the others (a tainted or cordoned node still counts by default).
	FindingStuckDomainHoldsMinimum FindingKind = "StuckDomainHoldsMinimum"
	// FindingZoneHoldsMajority: one zone holds more than half of the ready replicas.
	FindingZoneHoldsMajority FindingKind = "ZoneHoldsMajority"
)

// Finding is one problem with its evidence; render words it and its fix.
type Finding struct {
	Kind FindingKind `json:"kind"`
	// Constraint is the index of the spread constraint concerned (anti-affinity term for
	// ReplicasExceedAntiAffinityDomains); nil when none.
	Constraint  *int                  `json:"constraint,omitempty"`
	TopologyKey string                `json:"topologyKey,omitempty"`
	Selector    *metav1.LabelSelector `json:"selector,omitempty"`
	// Domain is the zone concerned (ZoneHoldsMajority).
	Domain     string `json:"domain,omitempty"`
	MinDomains int32  `json:"minDomains,omitempty"`
	// Count and Of are the numbers the finding is about: eligible domains, Pending Pods, replicas
	// in the zone / ready replicas, replicas / domains.
	Count int `json:"count,omitempty"`
	Of    int `json:"of,omitempty"`
	// Domains are the domains concerned (StuckDomainHoldsMinimum).
	Domains []string `json:"domains,omitempty"`
	// Cause is why the Domains take no replica: Tainted, Cordoned or Other.
	Cause string `json:"cause,omitempty"`
	// Pods are the Pods concerned (PendingReplicas), Revisions the pod-template-hash values.
	Pods      []string `json:"pods,omitempty"`
	Revisions []string `json:"revisions,omitempty"`
}
