package checks

import (
	"fmt"
	"maps"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
)

// CheckNodeResourcesFit mirrors the NodeResourcesFit filter (fitsRequest): Too many pods, then
// cpu, memory, ephemeral-storage, then scalar resources (sorted by name here; the scheduler walks a
// map, and the histogram is sorted anyway). UnschedulableAndUnresolvable when some request exceeds
// the node's whole allocatable. Not modelled: resources delegated to DRA (DRAExtendedResource with
// a DeviceClass mapping) and the profile's ignoredResources (empty by default).
func CheckNodeResourcesFit(req Resources, ni *NodeInfo) *Status {
	if ni == nil {
		return nil
	}
	return checkNodeResourcesFit(req, ni, ni.Requested, false)
}

// checkNodeResourcesFit is CheckNodeResourcesFit with the node's requested amounts given; with
// verdictOnly, the status has no blockers (no evidence is built).
func checkNodeResourcesFit(req Resources, ni *NodeInfo, requested Resources, verdictOnly bool) *Status {
	var blockers []Blocker
	var reasons []string
	unresolvable := false

	allowed, inUse := ni.Allocatable[corev1.ResourcePods], int64(len(ni.Pods))
	if inUse+1 > allowed {
		reasons = append(reasons, ReasonTooManyPods)
		if !verdictOnly {
			blockers = append(blockers, Blocker{Plugin: PluginNodeResourcesFit, Kind: KindTooManyPods,
				Resource: resourceEvidence(corev1.ResourcePods, 1, allowed, inUse)})
		}
	}

	var scalars []corev1.ResourceName
	for name := range req {
		if isScalarResourceName(name) {
			scalars = append(scalars, name)
		}
	}
	if req[corev1.ResourceCPU] == 0 && req[corev1.ResourceMemory] == 0 && req[corev1.ResourceEphemeralStorage] == 0 && len(scalars) == 0 {
		return resourcesStatus(reasons, blockers, false)
	}
	sort.Slice(scalars, func(i, j int) bool { return scalars[i] < scalars[j] })
	for i := -3; i < len(scalars); i++ {
		var name corev1.ResourceName
		switch i {
		case -3:
			name = corev1.ResourceCPU
		case -2:
			name = corev1.ResourceMemory
		case -1:
			name = corev1.ResourceEphemeralStorage
		default:
			name = scalars[i]
		}
		want := req[name]
		if want <= 0 {
			continue
		}
		alloc, used := ni.Allocatable[name], requested[name]
		if want <= alloc-used {
			continue
		}
		unresolvable = unresolvable || want > alloc
		reasons = append(reasons, insufficientReason(name))
		if verdictOnly {
			continue
		}
		ev := resourceEvidence(name, want, alloc, used)
		ev.ExceedsAllocatable = want > alloc
		blockers = append(blockers, Blocker{Plugin: PluginNodeResourcesFit, Kind: KindInsufficientResource, Resource: ev})
	}
	return resourcesStatus(reasons, blockers, unresolvable)
}

// insufficientReason is "Insufficient <name>", its common texts made once.
func insufficientReason(name corev1.ResourceName) string {
	switch name {
	case corev1.ResourceCPU:
		return reasonInsufficientCPU
	case corev1.ResourceMemory:
		return reasonInsufficientMemory
	}
	return fmt.Sprintf(ReasonInsufficientFmt, name)
}

var (
	reasonInsufficientCPU    = fmt.Sprintf(ReasonInsufficientFmt, corev1.ResourceCPU)
	reasonInsufficientMemory = fmt.Sprintf(ReasonInsufficientFmt, corev1.ResourceMemory)
)

func resourcesStatus(reasons []string, blockers []Blocker, unresolvable bool) *Status {
	if len(reasons) == 0 {
		return nil
	}
	code := Unschedulable
	if unresolvable {
		code = UnschedulableAndUnresolvable
	}
	return &Status{Plugin: PluginNodeResourcesFit, Code: code, Reasons: reasons, Blockers: blockers}
}

// resourceEvidence builds the numbers for one resource, in the scheduler's units.
func resourceEvidence(name corev1.ResourceName, want, alloc, used int64) *ResourceEvidence {
	free := alloc - used
	return &ResourceEvidence{
		Resource:    name,
		Requested:   quantityOf(name, want),
		Allocatable: quantityOf(name, alloc),
		InUse:       quantityOf(name, used),
		Free:        quantityOf(name, free),
		Shortfall:   quantityOf(name, want-free),
	}
}

// quantityOf turns a scheduler amount back into a Quantity in the resource's natural format:
// millicores for cpu, binary units for bytes, plain numbers for counts.
func quantityOf(name corev1.ResourceName, v int64) resource.Quantity {
	switch {
	case name == corev1.ResourceCPU:
		return *resource.NewMilliQuantity(v, resource.DecimalSI)
	case name == corev1.ResourceMemory || name == corev1.ResourceEphemeralStorage ||
		strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix):
		return *resource.NewQuantity(v, resource.BinarySI)
	default:
		return *resource.NewQuantity(v, resource.DecimalSI)
	}
}

// NodeResourcesFit is the NodeResourcesFit plugin; its state is the Pod's request. The zero value
// is the plugin with InPlacePodLevelResourcesVerticalScaling on (beta since v1.36).
type NodeResourcesFit struct {
	// SpecPodLevelRequests: with LegacyStatusRequests, InPlacePodLevelResourcesVerticalScaling is
	// off (v1.35 and older), so a placed Pod's pod-level requests are its spec's, whatever its
	// status.resources say.
	SpecPodLevelRequests bool
	// LegacyStatusRequests: v1.33 to v1.36 count a placed Pod's status resources container by
	// container (legacyPodRequests).
	LegacyStatusRequests bool
	// SpecRequests: InPlacePodVerticalScaling is off (v1.32 and older), so every placed Pod's
	// requests are its spec's, whatever its status or a pending resize say.
	SpecRequests bool
	// NeverUnresolvable: before v1.34 a resource short of the node's allocatable is Unschedulable
	// like any other shortage, so preemption tries the node.
	NeverUnresolvable bool
}

func (NodeResourcesFit) Name() string { return PluginNodeResourcesFit }

func (NodeResourcesFit) PreFilter(cs *CycleState, pod *corev1.Pod, _ *Cluster) (sets.Set[string], *PreFilterRejection) {
	cs.Write(PluginNodeResourcesFit, podRequest(pod, false))
	return nil, nil
}

// SamePodInput: the Pod's requests.
func (NodeResourcesFit) SamePodInput(a, b *corev1.Pod) bool {
	return maps.Equal(podRequest(a, false), podRequest(b, false))
}

func (f NodeResourcesFit) Filter(cs *CycleState, ni *NodeInfo) *Status {
	if ni == nil {
		return nil
	}
	requested := ni.Requested
	switch {
	case f.SpecRequests:
		requested = requestedAs(ni, func(p *corev1.Pod) Resources { return podRequest(p, false) })
	case f.LegacyStatusRequests:
		requested = requestedAs(ni, func(p *corev1.Pod) Resources {
			return trackedRequests(legacyPodRequests(p, !f.SpecPodLevelRequests))
		})
	}
	s := checkNodeResourcesFit(stateOf[Resources](cs, PluginNodeResourcesFit), ni, requested, cs.verdictOnly)
	if s != nil && f.NeverUnresolvable {
		s.Code = Unschedulable
	}
	return s
}

// requestedAs is the node's requested amounts with every placed Pod counted by count instead,
// where that differs from NodeInfo's sums (an older scheduler's request formula).
func requestedAs(ni *NodeInfo, count func(*corev1.Pod) Resources) Resources {
	out := ni.Requested
	copied := false
	for _, p := range ni.Pods {
		if p == nil {
			continue
		}
		now, then := podRequest(p, true), count(p)
		if maps.Equal(now, then) {
			continue
		}
		if !copied {
			out, copied = maps.Clone(out), true
		}
		for name, v := range now {
			out[name] -= v
		}
		for name, v := range then {
			out[name] += v
		}
	}
	return out
}
