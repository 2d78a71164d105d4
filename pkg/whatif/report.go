package whatif

import "github.com/kubectl-placement/kubectl-placement/pkg/explain"

// ReportKind is the kind of the what-if report; it shares explain's apiVersion.
const ReportKind = "WhatIfReport"

// WhatIfReport is the whole answer of `kubectl placement what-if`.
type WhatIfReport struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// Source is the cluster the manifest is placed on ("cluster <context>", "file cluster.yaml").
	Source    string `json:"source"`
	NodeCount int    `json:"nodeCount"`
	// SchedulerVersion is the kube-scheduler version whose default profile places the Pods, and
	// SchedulerVersionFrom how it was chosen (flag, server or default).
	SchedulerVersion     string   `json:"schedulerVersion"`
	SchedulerVersionFrom string   `json:"schedulerVersionFrom,omitempty"`
	Warnings             []string `json:"warnings,omitempty"`
	// AllPlaced: every replica of every workload fits.
	AllPlaced bool `json:"allPlaced"`
	// Workloads are in the scheduler's queue order: priority high to low, then manifest order.
	Workloads []WorkloadResult `json:"workloads"`
}

// WorkloadResult is how many of one workload's replicas fit.
type WorkloadResult struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Origin is where the manifest holds it ("app.yaml: document 2 (line 14)").
	Origin   string `json:"origin"`
	Priority int32  `json:"priority"`
	// Replicas is how many Pods the controller creates (a DaemonSet: one per node it should run on).
	Replicas int `json:"replicas"`
	// Placed is how many of them a scheduler places, one after another.
	Placed int `json:"placed"`
	// Exact: Placed and the first failure's message are the same whichever feasible node the
	// scheduler picks for each replica (it scores nodes, which is not modelled). When false,
	// DependsOn says why they may differ.
	Exact     bool       `json:"exact"`
	DependsOn []Coupling `json:"dependsOn,omitempty"`
	// Placements are the placed replicas in order, each on a feasible node (not necessarily the
	// one the scheduler's scoring picks).
	Placements []Placement `json:"placements"`
	// Unplaced are the replicas that do not fit, with the scheduler's line.
	Unplaced []UnplacedPod `json:"unplaced,omitempty"`
	// FirstFailure is the full why-pending analysis of the first replica that does not fit,
	// against the cluster with the replicas before it placed.
	FirstFailure *explain.PodReport `json:"firstFailure,omitempty"`
}

// Placement is one placed replica.
type Placement struct {
	Pod string `json:"pod"`
	// Node is a node that passes every filter for the replica; FeasibleNodes is how many did.
	Node          string `json:"node"`
	FeasibleNodes int    `json:"feasibleNodes"`
}

// UnplacedPod is a replica that does not fit.
type UnplacedPod struct {
	Pod string `json:"pod"`
	// SchedulerMessage is the exact line the scheduler writes for it.
	SchedulerMessage string `json:"schedulerMessage"`
	// WouldPreempt: the scheduler's preemption would evict lower-priority Pods for it (what-if
	// does not evict them: it stays unplaced here).
	WouldPreempt bool `json:"wouldPreempt,omitempty"`
}

// Coupling is why a workload's count may depend on which feasible nodes the scheduler picks.
type Coupling string

const (
	// CouplingEarlierWorkload: an earlier workload's replicas had several feasible nodes, and
	// where they went changes what is left.
	CouplingEarlierWorkload Coupling = "EarlierWorkload"
	// CouplingSpread: a DoNotSchedule topology spread constraint counts replicas across nodes.
	CouplingSpread Coupling = "TopologySpread"
	// CouplingPodAffinity: a required pod affinity or anti-affinity term spans more than one node.
	CouplingPodAffinity Coupling = "PodAffinity"
	// CouplingVolumes: PersistentVolumeClaims are bound or provisioned at scheduling, which what-if
	// does not model.
	CouplingVolumes Coupling = "Volumes"
	// CouplingPreemption: a replica would preempt; the evictions and its nomination are not modelled.
	CouplingPreemption Coupling = "Preemption"
)
