// Package snapshot holds the cluster objects an analysis needs, read either from a live cluster
// or from files printed by `kubectl get ... -o yaml|json`. Nothing below this package talks to
// a cluster or a file: explain, spread and render take a *Snapshot.
package snapshot

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Snapshot is one consistent view of what the scheduler sees.
type Snapshot struct {
	// Source says where the objects came from, for the report: "cluster <context>" or "file a.yaml, b.yaml".
	Source string
	// ServerVersion is the cluster's Kubernetes version ("v1.36.3"); "" offline.
	ServerVersion string

	// Nodes are all Nodes, in a stable order (by name).
	Nodes []*corev1.Node
	// Pods are every non-terminal Pod in every namespace (phase not Succeeded/Failed), bound or not,
	// terminating ones included: spread, affinity, ports and resources need the others.
	Pods []*corev1.Pod
	// Namespaces carry the labels that namespaceSelector terms match.
	Namespaces []*corev1.Namespace
	// PriorityClasses resolve a Pod's priorityClassName when spec.priority is unset (offline files).
	PriorityClasses []*schedulingv1.PriorityClass
	// PVCs and StorageClasses back the volume PreFilter checks; nil when they could not be read.
	PVCs           []*corev1.PersistentVolumeClaim
	StorageClasses []*storagev1.StorageClass
	// PVs back the VolumeBinding filter (bound claims' node affinity, matching volumes for
	// WaitForFirstConsumer claims); nil when they could not be read.
	PVs []*corev1.PersistentVolume
	// CSINodes (volume limits per driver, migrated in-tree plugins), CSIDrivers (storage capacity
	// and volume-limit opt-ins), CSIStorageCapacities and VolumeAttachments back NodeVolumeLimits
	// and VolumeBinding's capacity check; nil when they could not be read (those checks then stay
	// silent).
	CSINodes             []*storagev1.CSINode
	CSIDrivers           []*storagev1.CSIDriver
	CSIStorageCapacities []*storagev1.CSIStorageCapacity
	VolumeAttachments    []*storagev1.VolumeAttachment
	// ResourceClaims, ResourceClaimTemplates, DeviceClasses and ResourceSlices (resource.k8s.io/v1)
	// back DynamicResources; nil when they could not be read (a Pod with claims is then not
	// modelled).
	ResourceClaims         []*resourcev1.ResourceClaim
	ResourceClaimTemplates []*resourcev1.ResourceClaimTemplate
	DeviceClasses          []*resourcev1.DeviceClass
	ResourceSlices         []*resourcev1.ResourceSlice
	// Events are the FailedScheduling events recorded for Pods, newest last per Pod.
	Events []Event
	// Workloads are the controllers found in snapshot files (live, spread GETs the one it needs).
	Workloads Workloads
	// Finished are Pods named on the command line that have Succeeded or Failed: they are not in
	// Pods (the scheduler ignores them) but the user asked where they are.
	Finished []*corev1.Pod

	// Warnings are things the loader could not read but worked around (forbidden lists, skipped
	// documents). They go to stderr and into the report.
	Warnings []string
	// Missing lists what could not be read at all, as RBAC resource names ("nodes", "pods" in all
	// namespaces, "persistentvolumeclaims"), so the analysis can say what it lacks.
	Missing []Permission
}

// Workloads are the controller objects a snapshot file holds.
type Workloads struct {
	Deployments  []*appsv1.Deployment
	StatefulSets []*appsv1.StatefulSet
	ReplicaSets  []*appsv1.ReplicaSet
	DaemonSets   []*appsv1.DaemonSet
	Jobs         []*batchv1.Job
}

// Permission names a verb on a resource that the loader was refused.
type Permission struct {
	Verb      string `json:"verb"`
	Resource  string `json:"resource"`
	Group     string `json:"group,omitempty"`
	Namespace string `json:"namespace,omitempty"` // empty: cluster-wide
}

// Event is a FailedScheduling event for one Pod, normalised from core/v1 and events.k8s.io/v1.
type Event struct {
	Namespace string
	PodName   string
	PodUID    string
	// Reason is the event reason, e.g. FailedScheduling.
	Reason string
	// Message is the event note/message as recorded (truncated by the scheduler to 1024 bytes).
	Message string
	// Reporter is reportingController / source.component, e.g. default-scheduler.
	Reporter string
	// Time is the latest time the event was seen (series last observed, lastTimestamp, eventTime).
	Time  metav1.Time
	Count int32
}
