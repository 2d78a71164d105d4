package checks

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// volumeZoneLabels are the PV and node labels VolumeZone compares, in the plugin's order
// (topologyLabels): the deprecated beta keys first, then the GA ones.
var volumeZoneLabels = []string{
	corev1.LabelFailureDomainBetaZone,
	corev1.LabelFailureDomainBetaRegion,
	corev1.LabelTopologyZone,
	corev1.LabelTopologyRegion,
}

// zoneLabelDelimiter separates the zones of a multi-zone PV label (LabelMultiZoneDelimiter).
const zoneLabelDelimiter = "__"

// pvTopology is one zone/region label of a bound claim's PV: the key and the set of values it allows.
type pvTopology struct {
	pvc, pv string // namespace/name, name
	key     string
	values  []string // sorted, distinct
}

// preFilterVolumeZone mirrors VolumeZone's PreFilter (getPVbyPod) for a Pod whose claims
// VolumeBinding's PreFilter accepted: every spec.volumes[].persistentVolumeClaim (generic
// ephemeral volumes are not looked at) whose claim names a volume must find that PV, whose
// zone/region labels become the topologies the Filter checks. Unbound claims reaching here are all
// WaitForFirstConsumer, which the plugin skips; its other PreFilter texts (no class, no binding
// mode) are shadowed by VolumeBinding's, which runs first. PVs unreadable: nothing to check.
func preFilterVolumeZone(pod *corev1.Pod, c *Cluster) ([]pvTopology, *PreFilterRejection) {
	if c.PVs == nil {
		return nil, nil
	}
	var out []pvTopology
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		claim := c.PVCs[pod.Namespace+"/"+v.PersistentVolumeClaim.ClaimName]
		if claim == nil || claim.Spec.VolumeName == "" {
			continue
		}
		pv := c.PVs[claim.Spec.VolumeName]
		if pv == nil {
			return nil, &PreFilterRejection{Plugin: PluginVolumeZone, Code: UnschedulableAndUnresolvable,
				Reason: fmt.Sprintf(ReasonPVNotFoundFmt, claim.Spec.VolumeName), PVC: claim.Namespace + "/" + claim.Name}
		}
		for _, key := range volumeZoneLabels {
			value, ok := pv.Labels[key]
			if !ok {
				continue
			}
			zones, ok := labelZonesToSet(value)
			if !ok {
				continue // the plugin logs and ignores a label it cannot parse
			}
			out = append(out, pvTopology{pvc: claim.Namespace + "/" + claim.Name, pv: pv.Name, key: key, values: zones})
		}
	}
	return out, nil
}

// labelZonesToSet mirrors volumehelpers.LabelZonesToSet: "__"-separated, each part trimmed, and
// an empty part makes the whole value invalid.
func labelZonesToSet(value string) ([]string, bool) {
	seen := map[string]bool{}
	var out []string
	for _, z := range strings.Split(value, zoneLabelDelimiter) {
		z = strings.TrimSpace(z)
		if z == "" {
			return nil, false
		}
		if !seen[z] {
			seen[z] = true
			out = append(out, z)
		}
	}
	sort.Strings(out)
	return out, true
}

// CheckVolumeZone mirrors the VolumeZone filter: a node carrying any zone/region label must, for
// each zone/region label of the Pod's bound PVs, carry the same key (a beta PV key may be matched
// by the node's GA key) with a value in the PV's set. Nodes without any such label pass. The
// plugin stops at the first mismatch; every mismatching label is reported here.
func CheckVolumeZone(zones []pvTopology, ni *NodeInfo) *Status {
	if len(zones) == 0 || ni == nil || ni.Node == nil {
		return nil
	}
	node := ni.Node
	constrained := false
	for _, key := range volumeZoneLabels {
		if _, ok := node.Labels[key]; ok {
			constrained = true
			break
		}
	}
	if !constrained {
		return nil
	}
	var blockers []Blocker
	for _, t := range zones {
		nodeKey := t.key
		value, ok := node.Labels[nodeKey]
		if !ok {
			nodeKey = gaZoneLabel(t.key)
			value, ok = node.Labels[nodeKey]
		}
		if ok && slices.Contains(t.values, value) {
			continue
		}
		e := &VolumeEvidence{PVC: t.pvc, PV: t.pv, ZoneLabel: t.key, Zones: t.values}
		if ok {
			e.NodeZoneLabel, e.NodeZone = nodeKey, &value
		}
		blockers = append(blockers, Blocker{Plugin: PluginVolumeZone, Kind: KindVolumeZoneConflict, Volume: e})
	}
	if len(blockers) == 0 {
		return nil
	}
	return &Status{Plugin: PluginVolumeZone, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonVolumeZoneConflict}, Blockers: blockers}
}

// gaZoneLabel mirrors translateToGALabel: the GA key for a beta zone/region key.
func gaZoneLabel(key string) string {
	switch key {
	case corev1.LabelFailureDomainBetaZone:
		return corev1.LabelTopologyZone
	case corev1.LabelFailureDomainBetaRegion:
		return corev1.LabelTopologyRegion
	}
	return key
}

// VolumeZone is the VolumeZone plugin; its state is the bound PVs' zone/region labels.
type VolumeZone struct{}

func (VolumeZone) Name() string { return PluginVolumeZone }

// PreFilter runs only for claims VolumeBinding's PreFilter accepted and could judge: with no
// VolumeBinding state there is nothing it could check either (no claims, or PVCs, PVs or a class
// unreadable).
func (VolumeZone) PreFilter(cs *CycleState, pod *corev1.Pod, c *Cluster) (sets.Set[string], *PreFilterRejection) {
	if stateOf[*VolumeClaims](cs, PluginVolumeBinding) == nil {
		return nil, nil
	}
	zones, rej := preFilterVolumeZone(pod, c)
	if rej != nil {
		return nil, rej
	}
	cs.Write(PluginVolumeZone, zones)
	return nil, nil
}

func (VolumeZone) Filter(cs *CycleState, ni *NodeInfo) *Status {
	return CheckVolumeZone(stateOf[[]pvTopology](cs, PluginVolumeZone), ni)
}
