package checks

import (
	"fmt"
	"strings"
)

// Profile is one scheduler version's default profile as data: its filter plugins in Filter order
// (PreFilter runs in the same order) and the PostFilter texts that vary between versions. A new
// version is a new entry in Profiles, not new code paths.
type Profile struct {
	// SchedulerVersion is the kube-scheduler minor version ("1.36").
	SchedulerVersion string
	// Plugins are the modelled filter plugins in the profile's Filter order.
	Plugins []Plugin
	// DRAPostFilterReason is DynamicResources' PostFilter reason for a Pod without claims, written
	// before DefaultPreemption's text and joined with ", " ("" when the version writes none).
	DRAPostFilterReason string
	// DRAPostFilterClaimsReason is DynamicResources' PostFilter reason for a Pod with claims when
	// no claim can be deallocated ("" when the version writes none).
	DRAPostFilterClaimsReason string
	// PreFilterRejectionPostFilter is the PostFilter text after a PreFilter rejection
	// (DynamicResources' "not found": its PreFilter never ran); preemption is not tried then.
	PreFilterRejectionPostFilter string
	// PreemptionSuccessFmt is DefaultPreemption's text when it finds room (node name, victims),
	// after "preemption: "; "" when the version writes nothing then.
	PreemptionSuccessFmt string
	// NominatesGatedPods: the nominator records a gated Pod's status.nominatedNodeName (1.37
	// adds every Pod to it; 1.36 only once it enters the active queue).
	NominatesGatedPods bool
	// UncountedPreFilterExclusions: the nodes a PreFilterResult leaves out get no status, so the
	// message does not count them (v1.31 and older; v1.32 counts them as "didn't satisfy plugin(s)").
	UncountedPreFilterExclusions bool
}

// v136 is kube-scheduler v1.36.3's default profile (VolumeLimitScaling off). DynamicResources
// (between InterPodAffinity and NodeDeclaredFeatures) passes every Pod without claims.
var v136 = &Profile{
	SchedulerVersion: "1.36",
	Plugins: []Plugin{
		NodeUnschedulable{}, NodeName{}, TaintToleration{}, NodeAffinity{}, NodePorts{}, NodeResourcesFit{LegacyStatusRequests: true},
		VolumeRestrictions{}, NodeVolumeLimits{}, VolumeBinding{}, VolumeZone{}, PodTopologySpread{}, InterPodAffinity{SelectorResetLost: true},
		DynamicResources{Features: DRAFeatures136, CELErrorsWithoutDevice: true}, NodeDeclaredFeatures{Version: "1.36.3", Features: v136NodeFeatures},
	},
	DRAPostFilterReason:          "no new claims to deallocate",
	DRAPostFilterClaimsReason:    "still not schedulable",
	PreFilterRejectionPostFilter: "not found",
}

// v135 is kube-scheduler v1.35.4's: v1.36's filters and texts, with InPlacePodLevelResourcesVerticalScaling
// off (alpha), so a placed Pod's pod-level requests come from its spec. DRAExtendedResource (alpha,
// off) and NodeDeclaredFeatures (alpha, off) change nothing modelled: NodeResourcesFit already
// counts every extended resource against the node's allocatable.
var v135 = &Profile{
	SchedulerVersion: "1.35",
	Plugins: []Plugin{
		NodeUnschedulable{}, NodeName{}, TaintToleration{}, NodeAffinity{}, NodePorts{}, NodeResourcesFit{SpecPodLevelRequests: true, LegacyStatusRequests: true},
		VolumeRestrictions{}, NodeVolumeLimits{}, VolumeBinding{}, VolumeZone{}, PodTopologySpread{}, InterPodAffinity{SelectorResetLost: true},
		DynamicResources{Features: DRAFeatures135, CELErrorsWithoutDevice: true},
	},
	DRAPostFilterReason:          "no new claims to deallocate",
	DRAPostFilterClaimsReason:    "still not schedulable",
	PreFilterRejectionPostFilter: "not found",
}

// v134 is kube-scheduler v1.34.4's: v1.35's filters (DRA GA and on, with the same allocator
// features: AdminAccess and PrioritizedList beta) and texts.
var v134 = asVersion(v135, "1.34")

// v133 is kube-scheduler v1.33.13's: before the 1.34 texts. TaintToleration names the first
// untolerated taint, a resource short of the node's allocatable is still Unschedulable (so
// preemption tries the node), the RWOP reason has its old words, and DynamicResources is not in
// the profile (DRA beta and off), so no DRA text stands before "preemption:". A namespaceSelector
// is resolved as written (the selector reset of v1.34 to v1.36 came with the framework's move to
// k8s.io/kube-scheduler).
var v133 = &Profile{
	SchedulerVersion: "1.33",
	Plugins: []Plugin{
		NodeUnschedulable{}, NodeName{}, TaintToleration{NamesTaint: true}, NodeAffinity{}, NodePorts{},
		NodeResourcesFit{SpecPodLevelRequests: true, LegacyStatusRequests: true, NeverUnresolvable: true},
		VolumeRestrictions{RWOPReason: ReasonRWOPConflictLegacy}, NodeVolumeLimits{}, VolumeBinding{}, VolumeZone{},
		PodTopologySpread{}, InterPodAffinity{},
	},
}

// v132 is kube-scheduler v1.32.13's: v1.33's, with VolumeBinding's old node-affinity words, host
// ports of sidecar containers not counted, placed Pods' requests from their spec alone
// (InPlacePodVerticalScaling alpha, off), and one spread count per topology domain shared by the
// constraints with the same key.
var v132 = legacyProfile("1.32")

// v131, v130 and v129 are kube-scheduler v1.31.14's, v1.30.14's and v1.29.6's: v1.32's, with
// the nodes a PreFilterResult leaves out not counted and VolumeAttachments not counted against
// volume limits; v1.29's VolumeBinding also restricts the nodes to those its bound local PVs name.
var (
	v131 = legacyProfile("1.31")
	v130 = legacyProfile("1.30")
	v129 = func() *Profile {
		p := legacyProfile("1.29")
		for i, pl := range p.Plugins {
			if b, ok := pl.(VolumeBinding); ok {
				b.LocalPVNodes = true
				p.Plugins[i] = b
			}
		}
		return p
	}()
)

// legacyProfile is v1.33's profile with the texts of v1.32 and older.
func legacyProfile(version string) *Profile {
	p := asVersion(v133, version)
	legacy := version != "1.32" // v1.31 and older
	p.UncountedPreFilterExclusions = legacy
	for i, pl := range p.Plugins {
		switch pl.(type) {
		case NodeVolumeLimits:
			p.Plugins[i] = NodeVolumeLimits{NoVolumeAttachments: legacy}
		case VolumeBinding:
			p.Plugins[i] = VolumeBinding{NodeConflictReason: ReasonVolumeNodeConflictLegacy}
		case NodePorts:
			p.Plugins[i] = NodePorts{NoSidecarPorts: true}
		case NodeResourcesFit:
			p.Plugins[i] = NodeResourcesFit{SpecRequests: true, NeverUnresolvable: true}
		case PodTopologySpread:
			p.Plugins[i] = PodTopologySpread{SharedKeyCounts: true}
		}
	}
	return p
}

// asVersion is a copy of p (with its own plugin list) for another minor that behaves alike.
func asVersion(p *Profile, version string) *Profile {
	out := *p
	out.SchedulerVersion = version
	out.Plugins = append([]Plugin(nil), p.Plugins...)
	return &out
}

// v137 is kube-scheduler v1.37.2's: NodeName filters before NodeUnschedulable, DynamicResources'
// PostFilter writes nothing for a Pod without claims (kubernetes#140222), a successful preemption
// says where it found room, NodeVolumeLimits wants the CSI driver installed (VolumeLimitScaling,
// beta on), and a namespaceSelector is read as written (D4 fixed).
var v137 = &Profile{
	SchedulerVersion: "1.37",
	Plugins: []Plugin{
		NodeName{}, NodeUnschedulable{}, TaintToleration{}, NodeAffinity{}, NodePorts{}, NodeResourcesFit{},
		VolumeRestrictions{}, NodeVolumeLimits{DriverMustBeInstalled: true}, VolumeBinding{}, VolumeZone{}, PodTopologySpread{}, InterPodAffinity{},
		DynamicResources{Features: DRAFeatures137}, NodeDeclaredFeatures{Version: "1.37.2", Features: v137NodeFeatures},
	},
	PreFilterRejectionPostFilter: "not found",
	PreemptionSuccessFmt:         "found a potential placement for pod on node %v, preempting %d victims",
	NominatesGatedPods:           true,
}

// v136NodeFeatures are the node-declared features v1.36.3's registry holds.
var v136NodeFeatures = []string{"ExtendWebSocketsToKubelet", "InPlacePodLevelResourcesVerticalScaling",
	"InPlacePodVerticalScalingInitContainers", "RestartAllContainersOnContainerExits", "UserNamespacesHostNetworkSupport"}

// v137NodeFeatures are v1.37.2's.
var v137NodeFeatures = []string{"DRANodeAllocatableResources", "DRAOptionalNodeOperations", "ExtendWebSocketsToKubelet",
	"InPlacePodLevelResourcesVerticalScaling", "InPlacePodVerticalScalingInitContainers", "InPlacePodVerticalScalingMemoryBackedVolumes",
	"RestartAllContainersOnContainerExits", "UserNamespacesHostNetworkSupport", "VolumeBindMountOptions"}

// Profiles are the scheduler versions modelled, newest first.
var Profiles = []*Profile{v137, v136, v135, v134, v133, v132, v131, v130, v129}

// DefaultProfile is the profile used when no scheduler version is asked for or can be told: the
// newest.
var DefaultProfile = v137

// ProfileFor returns the profile of a scheduler version: "" for DefaultProfile, else "1.36",
// "v1.36" or a patch release such as "1.36.3".
func ProfileFor(version string) (*Profile, error) {
	if version == "" {
		return DefaultProfile, nil
	}
	v := strings.TrimPrefix(version, "v")
	var known []string
	for _, p := range Profiles {
		if v == p.SchedulerVersion || strings.HasPrefix(v, p.SchedulerVersion+".") {
			return p, nil
		}
		known = append(known, p.SchedulerVersion)
	}
	return nil, fmt.Errorf("unknown scheduler version %q: known versions are %s", version, strings.Join(known, ", "))
}

// PluginNames are the profile's plugin names in Filter order.
func (p *Profile) PluginNames() []string {
	out := make([]string, len(p.Plugins))
	for i, pl := range p.Plugins {
		out[i] = pl.Name()
	}
	return out
}

// CouldWrite reports whether a FailedScheduling message could come from this version, judged by
// the texts that differ between versions: DynamicResources' PostFilter reason before
// "preemption:", and the text of a successful preemption.
func (p *Profile) CouldWrite(msg string) bool {
	if strings.Contains(msg, "found a potential placement for pod on node") && p.PreemptionSuccessFmt == "" {
		return false
	}
	// Reason texts that changed between versions: the version writes the one its plugins write.
	var namesTaint, nodeFeatures bool
	rwop, volumeConflict := ReasonRWOPConflict, ReasonVolumeNodeConflict
	for _, pl := range p.Plugins {
		switch pl := pl.(type) {
		case TaintToleration:
			namesTaint = pl.NamesTaint
		case NodeDeclaredFeatures:
			nodeFeatures = true
		case VolumeRestrictions:
			rwop = or(pl.RWOPReason, rwop)
		case VolumeBinding:
			volumeConflict = or(pl.NodeConflictReason, volumeConflict)
		}
	}
	if (namesTaint && strings.Contains(msg, ReasonUntoleratedTaint)) || (!namesTaint && strings.Contains(msg, "untolerated taint {")) ||
		(!nodeFeatures && strings.Contains(msg, ReasonNodeDeclaredFeatures)) {
		return false
	}
	for _, texts := range [][2]string{{rwop, ReasonRWOPConflict}, {rwop, ReasonRWOPConflictLegacy},
		{volumeConflict, ReasonVolumeNodeConflict}, {volumeConflict, ReasonVolumeNodeConflictLegacy}} {
		if written, other := texts[0], texts[1]; other != written && strings.Contains(msg, other) {
			return false
		}
	}
	if i := strings.Index(msg, "preemption: "); i > 0 {
		withDRA := strings.HasSuffix(msg[:i], "no new claims to deallocate, ") || strings.HasSuffix(msg[:i], "still not schedulable, ")
		if withDRA != (p.DRAPostFilterReason != "") {
			return false
		}
	}
	return true
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
