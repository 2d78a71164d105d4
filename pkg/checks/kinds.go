package checks

import (
	"fmt"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kindSpec is what checks knows about one blocker kind: the plugin that reports it, whether a
// blocker carries the evidence the kind needs, and its identity. Render words each kind and
// explain proposes its fix; both key their own tables by the kinds listed here.
type kindSpec struct {
	plugin string
	// evidence reports whether b carries the evidence field the kind needs.
	evidence func(b Blocker) bool
	// identity is the cause, without the amounts and domains that differ from node to node.
	identity func(b Blocker) string
}

// kindSpecs is the one table of blocker kinds, in filter order.
var kindSpecs = []struct {
	kind BlockerKind
	spec kindSpec
}{
	{KindCordoned, kindSpec{PluginNodeUnschedulable, func(Blocker) bool { return true }, func(Blocker) string { return "" }}},
	{KindNodeNameMismatch, kindSpec{PluginNodeName, func(b Blocker) bool { return b.NodeName != nil }, nodeNameIdentity}},
	{KindUntoleratedTaint, kindSpec{PluginTaintToleration, func(b Blocker) bool { return b.Taint != nil }, taintIdentity}},
	{KindNodeSelectorMismatch, kindSpec{PluginNodeAffinity, func(b Blocker) bool { return b.NodeSelector != nil }, nodeSelectorIdentity}},
	{KindNodeAffinityMismatch, kindSpec{PluginNodeAffinity, func(b Blocker) bool { return b.NodeAffinity != nil }, nodeAffinityIdentity}},
	{KindHostPortConflict, kindSpec{PluginNodePorts, func(b Blocker) bool { return b.HostPort != nil }, hostPortIdentity}},
	{KindTooManyPods, kindSpec{PluginNodeResourcesFit, func(b Blocker) bool { return b.Resource != nil }, resourceIdentity}},
	{KindInsufficientResource, kindSpec{PluginNodeResourcesFit, func(b Blocker) bool { return b.Resource != nil }, resourceIdentity}},
	{KindReadWriteOncePodInUse, kindSpec{PluginVolumeRestrictions, func(b Blocker) bool { return b.Volume != nil && b.Volume.PVC != "" }, diskIdentity}},
	{KindDiskConflict, kindSpec{PluginVolumeRestrictions, func(b Blocker) bool { return b.Volume != nil && b.Volume.Disk != "" }, diskIdentity}},
	{KindVolumeNodeConflict, kindSpec{PluginVolumeBinding, func(b Blocker) bool { return b.Volume != nil }, volumeIdentity}},
	{KindVolumeBindConflict, kindSpec{PluginVolumeBinding, func(b Blocker) bool { return b.Volume != nil }, volumeIdentity}},
	{KindVolumeMissingPV, kindSpec{PluginVolumeBinding, func(b Blocker) bool { return b.Volume != nil }, volumeIdentity}},
	{KindVolumeZoneConflict, kindSpec{PluginVolumeZone, func(b Blocker) bool { return b.Volume != nil && b.Volume.ZoneLabel != "" }, volumeIdentity}},
	{KindSpreadMissingLabel, kindSpec{PluginPodTopologySpread, func(b Blocker) bool { return b.Spread != nil }, spreadIdentity}},
	{KindSpreadSkew, kindSpec{PluginPodTopologySpread, func(b Blocker) bool { return b.Spread != nil }, spreadIdentity}},
	{KindPodAffinityUnsatisfied, kindSpec{PluginInterPodAffinity, func(b Blocker) bool { return b.PodAffinity != nil }, podAffinityIdentity}},
	{KindPodAntiAffinityConflict, kindSpec{PluginInterPodAffinity, func(b Blocker) bool { return b.PodAffinity != nil }, podAffinityIdentity}},
	{KindExistingAntiAffinity, kindSpec{PluginInterPodAffinity, func(b Blocker) bool { return b.PodAffinity != nil }, podAffinityIdentity}},
	{KindVolumeLimitExceeded, kindSpec{PluginNodeVolumeLimits, func(b Blocker) bool { return b.VolumeLimit != nil }, volumeLimitIdentity}},
	{KindCSIDriverNotInstalled, kindSpec{PluginNodeVolumeLimits, func(b Blocker) bool { return b.VolumeLimit != nil }, volumeLimitIdentity}},
	{KindVolumeNotEnoughStorage, kindSpec{PluginVolumeBinding, func(b Blocker) bool { return b.Volume != nil && b.Volume.StorageRequested != nil }, volumeIdentity}},
	{KindNodeFeatureMissing, kindSpec{PluginNodeDeclaredFeatures, func(b Blocker) bool { return b.Features != nil }, func(b Blocker) string { return strings.Join(b.Features.Missing, ",") }}},
	{KindDeviceClaimUnallocatable, kindSpec{PluginDynamicResources, func(b Blocker) bool { return b.DeviceClaim != nil }, deviceClaimIdentity}},
	{KindDeviceClaimElsewhere, kindSpec{PluginDynamicResources, func(b Blocker) bool { return b.DeviceClaim != nil }, func(b Blocker) string { return b.DeviceClaim.Claim }}},
}

func specOf(k BlockerKind) (kindSpec, bool) {
	for _, ks := range kindSpecs {
		if ks.kind == k {
			return ks.spec, true
		}
	}
	return kindSpec{}, false
}

// Kinds lists every blocker kind, in filter order.
func Kinds() []BlockerKind {
	out := make([]BlockerKind, len(kindSpecs))
	for i, ks := range kindSpecs {
		out[i] = ks.kind
	}
	return out
}

// KindPlugin is the plugin that reports kind ("" for a kind checks does not know).
func KindPlugin(k BlockerKind) string {
	s, _ := specOf(k)
	return s.plugin
}

// HasEvidence reports whether b carries the evidence its kind needs. A kind checks does not
// know has none to need.
func HasEvidence(b Blocker) bool {
	s, ok := specOf(b.Kind)
	return !ok || s.evidence(b)
}

// Identity says which cause b is: two blockers with the same identity, on any nodes, are the same
// obstacle (the same taint, nodeSelector key, short resource, spread constraint, affinity term,
// claim ...), though their amounts and domains may differ. Grouping, closest nodes and fixes all
// use it.
func Identity(b Blocker) string {
	detail := ""
	if s, ok := specOf(b.Kind); ok && s.evidence(b) {
		detail = s.identity(b)
	}
	return b.Plugin + "/" + string(b.Kind) + "/" + detail
}

func nodeNameIdentity(b Blocker) string { return b.NodeName.Want }

func taintIdentity(b Blocker) string {
	t := b.Taint.Taint
	return fmt.Sprintf("%s=%s:%s", t.Key, t.Value, t.Effect)
}

func nodeSelectorIdentity(b Blocker) string {
	return b.NodeSelector.Key + "=" + b.NodeSelector.Want
}

func nodeAffinityIdentity(b Blocker) string {
	var terms []string
	for _, t := range b.NodeAffinity.Terms {
		var reqs []string
		for _, f := range t.Failed {
			reqs = append(reqs, fmt.Sprintf("%s %s %v", f.Requirement.Key, f.Requirement.Operator, f.Requirement.Values))
		}
		terms = append(terms, fmt.Sprintf("%d:%v:%s:%s", t.Term, t.Empty, t.Invalid, strings.Join(reqs, "&")))
	}
	return strings.Join(terms, "|")
}

func hostPortIdentity(b Blocker) string {
	h := b.HostPort
	return fmt.Sprintf("%s:%d/%s", h.HostIP, h.Port, h.Protocol)
}

func resourceIdentity(b Blocker) string { return string(b.Resource.Resource) }

func spreadIdentity(b Blocker) string {
	return fmt.Sprintf("%d:%s", b.Spread.Constraint, b.Spread.TopologyKey)
}

func podAffinityIdentity(b Blocker) string {
	a := b.PodAffinity
	return fmt.Sprintf("%d:%s:%s", a.Term, a.TopologyKey, metav1.FormatLabelSelector(a.Selector))
}

func volumeIdentity(b Blocker) string {
	v := b.Volume
	s := fmt.Sprintf("%s:%s:%s:%s", v.PVC, v.PV, v.Conflict, v.SelectedNode)
	if v.ZoneLabel != "" {
		s += ":" + v.ZoneLabel
	}
	return s
}

func volumeLimitIdentity(b Blocker) string { return b.VolumeLimit.Driver }
