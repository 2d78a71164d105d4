package explain

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// kindRequirement says that Pods using a feature need an object kind in the snapshot: without it
// the blockers that kind brings cannot be checked, and the analysis must not claim the Pod fits.
// A kind the loader learns to read is one more entry in kindRequirements.
type kindRequirement struct {
	// Kind is the object kind, Kinds its plural, Resource its name for `kubectl get` and RBAC.
	Kind, Kinds, Resource string
	// Blockers names what cannot be checked without it, for the warning.
	Blockers string
	// needs reports whether the Pod uses something the kind is needed for.
	needs func(pod *corev1.Pod, c *checks.Cluster) bool
	// read reports whether the snapshot holds the kind (an empty list read counts).
	read func(s *snapshot.Snapshot) bool
}

var kindRequirements = []kindRequirement{
	{"PersistentVolumeClaim", "PersistentVolumeClaims", "persistentvolumeclaims", "volume blockers", usesClaims, func(s *snapshot.Snapshot) bool { return s.PVCs != nil }},
	{"PersistentVolume", "PersistentVolumes", "persistentvolumes", "volume blockers", usesClaims, func(s *snapshot.Snapshot) bool { return s.PVs != nil }},
	{"StorageClass", "StorageClasses", "storageclasses", "volume binding blockers", usesUnboundClaims, func(s *snapshot.Snapshot) bool { return s.StorageClasses != nil }},
	{"CSINode", "CSINodes", "csinodes", "CSI volume limit blockers", usesClaims, func(s *snapshot.Snapshot) bool { return s.CSINodes != nil }},
	{"CSIDriver", "CSIDrivers", "csidrivers", "storage capacity blockers", usesUnboundClaims, func(s *snapshot.Snapshot) bool { return s.CSIDrivers != nil }},
	{"CSIStorageCapacity", "CSIStorageCapacities", "csistoragecapacities", "storage capacity blockers", usesUnboundClaims, func(s *snapshot.Snapshot) bool { return s.CSIStorageCapacities != nil }},
	{"ResourceClaim", "ResourceClaims", "resourceclaims.resource.k8s.io", "device (DRA) blockers", usesResourceClaims, func(s *snapshot.Snapshot) bool { return s.ResourceClaims != nil }},
	{"DeviceClass", "DeviceClasses", "deviceclasses.resource.k8s.io", "device (DRA) blockers", usesResourceClaims, func(s *snapshot.Snapshot) bool { return s.DeviceClasses != nil }},
	{"ResourceSlice", "ResourceSlices", "resourceslices.resource.k8s.io", "device (DRA) blockers", usesResourceClaims, func(s *snapshot.Snapshot) bool { return s.ResourceSlices != nil }},
	{"Pod", "Pods", "pods", "resource, host port, spread and inter-pod affinity blockers from other namespaces' Pods", always, allNamespacesPodsRead},
}

func always(*corev1.Pod, *checks.Cluster) bool { return true }

// allNamespacesPodsRead is false when the live loader fell back to one namespace's Pods.
func allNamespacesPodsRead(s *snapshot.Snapshot) bool { return !missing(s, "pods") }

// missing reports whether the loader was refused the resource cluster-wide.
func missing(s *snapshot.Snapshot, resource string) bool {
	for _, m := range s.Missing {
		if m.Resource == resource && m.Namespace == "" {
			return true
		}
	}
	return false
}

// claimNames are the PersistentVolumeClaims the Pod's volumes use, generic ephemeral ones included
// (named <pod>-<volume>).
func claimNames(pod *corev1.Pod) []string {
	var out []string
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			out = append(out, v.PersistentVolumeClaim.ClaimName)
		case v.Ephemeral != nil:
			out = append(out, pod.Name+"-"+v.Name)
		}
	}
	return out
}

func usesResourceClaims(pod *corev1.Pod, _ *checks.Cluster) bool {
	return len(pod.Spec.ResourceClaims) > 0
}

func usesClaims(pod *corev1.Pod, _ *checks.Cluster) bool { return len(claimNames(pod)) > 0 }

// usesUnboundClaims: a claim not bound (or not known) needs its StorageClass to be judged.
func usesUnboundClaims(pod *corev1.Pod, c *checks.Cluster) bool {
	for _, name := range claimNames(pod) {
		if c.PVCs == nil {
			return true
		}
		if pvc := c.PVCs[pod.Namespace+"/"+name]; pvc == nil || pvc.Spec.VolumeName == "" {
			return true
		}
	}
	return false
}

// unmodelledUses lists what the Pod uses that the analysis does not model or could not read.
func unmodelledUses(s *snapshot.Snapshot, c *checks.Cluster, pod *corev1.Pod) []Unmodelled {
	var out []Unmodelled
	if pod.Spec.SchedulerName != "" && pod.Spec.SchedulerName != corev1.DefaultSchedulerName {
		out = append(out, Unmodelled{Feature: UnmodelledSchedulerName, Detail: pod.Spec.SchedulerName})
	}
	// With the DRA kinds read, DynamicResources models the claims; without them the claims are
	// not modelled (and the unread kinds are named below).
	if len(pod.Spec.ResourceClaims) > 0 && !c.DRAModelled() {
		names := make([]string, len(pod.Spec.ResourceClaims))
		for i, rc := range pod.Spec.ResourceClaims {
			names[i] = rc.Name
		}
		out = append(out, Unmodelled{Feature: UnmodelledResourceClaim, Detail: strings.Join(names, ", ")})
	}
	for _, name := range unadvertisedExtendedResources(c, pod) {
		out = append(out, Unmodelled{Feature: UnmodelledExtendedResource, Detail: name})
	}
	for _, r := range kindRequirements {
		if !r.read(s) && r.needs(pod, c) {
			out = append(out, Unmodelled{Feature: UnmodelledUnreadKind, Detail: r.Kind, Resource: r.Resource})
		}
	}
	return out
}

// unadvertisedExtendedResources are the extended resources the Pod requests that no node
// advertises: with DRAExtendedResource (on by default since 1.36) a DeviceClass may provide them
// through DRA, which the analysis does not read. A resource some nodes advertise is the usual
// device-plugin case and not listed.
func unadvertisedExtendedResources(c *checks.Cluster, pod *corev1.Pod) []string {
	wanted := map[corev1.ResourceName]bool{}
	add := func(rl corev1.ResourceList) {
		for name := range rl {
			if isExtendedResourceName(name) {
				wanted[name] = true
			}
		}
	}
	for _, ctr := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		add(ctr.Resources.Requests)
		add(ctr.Resources.Limits)
	}
	if pod.Spec.Resources != nil {
		add(pod.Spec.Resources.Requests)
		add(pod.Spec.Resources.Limits)
	}
	var out []string
	for name := range wanted {
		advertised := false
		for _, ni := range c.Nodes {
			if q, ok := ni.Node.Status.Allocatable[name]; ok && !q.IsZero() {
				advertised = true
				break
			}
		}
		if !advertised {
			out = append(out, string(name))
		}
	}
	sort.Strings(out)
	return out
}

// isExtendedResourceName mirrors the scheduler's helper: not a native (unprefixed or
// kubernetes.io/) resource, not a quota "requests." name, not hugepages.
func isExtendedResourceName(name corev1.ResourceName) bool {
	n := string(name)
	native := !strings.Contains(n, "/") || strings.Contains(n, corev1.ResourceDefaultNamespacePrefix)
	return !native && !strings.HasPrefix(n, corev1.DefaultResourceRequestsPrefix) && !strings.HasPrefix(n, corev1.ResourceHugePagesPrefix)
}

// unreadKindWarnings are the report's warnings for the kinds a Pod needs and the snapshot lacks,
// once per kind. Kinds the loader was refused already have its warning.
func unreadKindWarnings(s *snapshot.Snapshot, pods []PodReport) []string {
	needed := map[string]bool{}
	for _, p := range pods {
		for _, u := range p.Unmodelled {
			if u.Feature == UnmodelledUnreadKind {
				needed[u.Detail] = true
			}
		}
	}
	var out []string
	for _, r := range kindRequirements {
		if needed[r.Kind] && !missing(s, r.Resource) {
			out = append(out, fmt.Sprintf("the snapshot has no %s: %s cannot be checked; add `%s` to the kubectl get command",
				r.Kinds, r.Blockers, r.Resource))
		}
	}
	return out
}

// reportedUnschedulable: the cluster says the scheduler tried the Pod and found no node (the
// PodScheduled condition with reason Unschedulable, or a FailedScheduling event for it).
func reportedUnschedulable(idx *clusterIndex, pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	for _, e := range idx.events[pod.Namespace+"/"+pod.Name] {
		if e.PodUID == "" || pod.UID == "" || e.PodUID == string(pod.UID) {
			return true
		}
	}
	return false
}
