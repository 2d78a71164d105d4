package checks

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// Names VolumeBinding reads, verbatim from k8s.io/component-helpers/storage/volume (not imported,
// see annBindCompleted).
const (
	annSelectedNode         = "volume.kubernetes.io/selected-node"
	notSupportedProvisioner = "kubernetes.io/no-provisioner"
)

// CheckVolumeBinding mirrors the VolumeBinding filter (volumeBinder.FindPodVolumes): bound claims'
// PV node affinity, then for unbound WaitForFirstConsumer claims a matching Available PV on this
// node or else dynamic provisioning. Reasons come in the plugin's order (node conflict, bind
// conflict, not enough storage, missing PV), all UnschedulableAndUnresolvable. The storage
// capacity check (CSIDriver storageCapacity, CSIStorageCapacity) is skipped when those kinds
// could not be read.
//
// A bound in-tree volume (awsElasticBlockStore, gcePersistentDisk, azureDisk, cinder,
// portworxVolume) is judged by the node affinity of its CSI translation when the node's CSINode
// lists the plugin as migrated, as the scheduler does; it is not judged when CSINodes could not
// be read. What needs PVs is skipped when they could not be read.
func CheckVolumeBinding(v *VolumeClaims, ni *NodeInfo) *Status {
	if v == nil || ni == nil || ni.Node == nil {
		return nil
	}
	node := ni.Node
	var (
		nodeConflict, bindConflict, noSpace, pvMissing bool
		blockers                                       []Blocker
	)
	block := func(kind BlockerKind, e *VolumeEvidence) {
		blockers = append(blockers, Blocker{Plugin: PluginVolumeBinding, Kind: kind, Volume: e})
	}

	// checkBoundClaims: the first claim whose PV is missing or does not fit ends the walk.
	if v.pvs != nil {
		for _, claim := range v.Bound {
			e := &VolumeEvidence{PVC: claim.Namespace + "/" + claim.Name, PV: claim.Spec.VolumeName}
			pv := v.pvs[claim.Spec.VolumeName]
			if pv == nil {
				pvMissing = true
				block(KindVolumeMissingPV, e)
				break
			}
			if inTreeMigratable(pv) {
				translated, ok := v.translateForNode(pv, node)
				if !ok {
					continue
				}
				pv = translated
			}
			if ok, terms := pvNodeAffinity(pv, node); !ok {
				nodeConflict = true
				e.NodeAffinity = terms
				block(KindVolumeNodeConflict, e)
				break
			}
		}
	}

	bindConflict, noSpace = v.checkDelayed(node, func(kind BlockerKind, e *VolumeEvidence) { block(kind, e) })

	var reasons []string
	if nodeConflict {
		reasons = append(reasons, ReasonVolumeNodeConflict)
	}
	if bindConflict {
		reasons = append(reasons, ReasonVolumeBindConflict)
	}
	if noSpace {
		reasons = append(reasons, ReasonVolumeNotEnoughSpace)
	}
	if pvMissing {
		reasons = append(reasons, ReasonVolumePVNotExist)
	}
	if len(reasons) == 0 {
		return nil
	}
	return &Status{Plugin: PluginVolumeBinding, Code: UnschedulableAndUnresolvable, Reasons: reasons, Blockers: blockers}
}

// checkDelayed mirrors the unbound half of FindPodVolumes and reports whether the claims conflict
// on node (ErrReasonBindConflict) or lack storage there (ErrReasonNotEnoughSpace), calling block
// with the claim that does.
func (v *VolumeClaims) checkDelayed(node *corev1.Node, block func(BlockerKind, *VolumeEvidence)) (bindConflict, noSpace bool) {
	if len(v.Delayed) == 0 {
		return false, false
	}
	var toMatch, toProvision []*corev1.PersistentVolumeClaim
	for _, claim := range v.Delayed {
		selected, ok := claim.Annotations[annSelectedNode]
		if !ok {
			toMatch = append(toMatch, claim)
			continue
		}
		if selected != node.Name {
			// The scheduler's fast path: no matching or provisioning check for the other claims.
			block(KindVolumeBindConflict, &VolumeEvidence{PVC: claim.Namespace + "/" + claim.Name, StorageClass: claimClass(claim),
				Conflict: BindSelectedNode, SelectedNode: selected})
			return true, false
		}
		toProvision = append(toProvision, claim)
	}

	// findMatchingVolumes: smallest request first, each chosen PV excluded for the next claim.
	// Without PVs there is nothing to match against: those claims are not judged.
	if len(toMatch) > 0 && v.pvs != nil {
		sort.Sort(byPVCSize(toMatch))
		chosen := map[string]bool{}
		for _, claim := range toMatch {
			pv, ok := findMatchingVolume(claim, v.pvsByClass[claimClass(claim)], node, chosen)
			if !ok {
				return false, false // an invalid selector: the scheduler fails with an error, not judged
			}
			if pv == nil {
				toProvision = append(toProvision, claim)
				continue
			}
			chosen[pv.Name] = true
		}
	}

	// checkVolumeProvisions: the first claim the class cannot provision for this node.
	for _, claim := range toProvision {
		className := claimClass(claim)
		class := v.classes[className]
		if class == nil {
			return false, false // the scheduler fails with an error ("failed to find storage class"), not judged
		}
		e := &VolumeEvidence{PVC: claim.Namespace + "/" + claim.Name, StorageClass: className,
			Provisioner: class.Provisioner, CandidatePVs: len(v.pvsByClass[className])}
		if _, ok := claim.Annotations[annSelectedNode]; ok {
			e.SelectedNode = node.Name
		}
		if class.Provisioner == "" || class.Provisioner == notSupportedProvisioner {
			e.Conflict = BindNoProvisioner
			block(KindVolumeBindConflict, e)
			return true, false
		}
		if !matchTopologySelectorTerms(class.AllowedTopologies, node.Labels) {
			e.Conflict, e.AllowedTopologies = BindAllowedTopologies, class.AllowedTopologies
			block(KindVolumeBindConflict, e)
			return true, false
		}
		if enough, requested, best := v.enoughCapacity(claim, class, node); !enough {
			e.CandidatePVs = 0
			e.StorageRequested, e.BestCapacity = requested, best
			block(KindVolumeNotEnoughStorage, e)
			return false, true
		}
	}
	return false, false
}

// enoughCapacity mirrors hasEnoughCapacity: for a CSIDriver with storageCapacity, some
// CSIStorageCapacity of the class that the node can reach must offer the request (its
// maximumVolumeSize, else its capacity). When it does not, requested is the request and best the
// largest such offer that reaches the node (nil: none). Unread CSIDrivers or capacities pass.
func (v *VolumeClaims) enoughCapacity(claim *corev1.PersistentVolumeClaim, class *storagev1.StorageClass, node *corev1.Node) (enough bool, requested, best *resource.Quantity) {
	quantity, ok := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	if !ok || v.drivers == nil {
		return true, nil, nil
	}
	driver := v.drivers[class.Provisioner]
	if driver == nil || driver.Spec.StorageCapacity == nil || !*driver.Spec.StorageCapacity || v.capacities == nil {
		return true, nil, nil
	}
	size := quantity.Value()
	for _, c := range v.capacities {
		if c.StorageClassName != class.Name || !capacityReaches(c, node) {
			continue
		}
		limit := c.Capacity
		if c.MaximumVolumeSize != nil {
			limit = c.MaximumVolumeSize
		}
		if limit == nil {
			continue
		}
		if limit.Value() >= size {
			return true, nil, nil
		}
		if best == nil || limit.Cmp(*best) > 0 {
			best = limit
		}
	}
	return false, &quantity, best
}

// capacityReaches mirrors nodeHasAccess: a nil nodeTopology reaches no node.
func capacityReaches(c *storagev1.CSIStorageCapacity, node *corev1.Node) bool {
	if c.NodeTopology == nil {
		return false
	}
	selector, err := metav1.LabelSelectorAsSelector(c.NodeTopology)
	return err == nil && selector.Matches(labels.Set(node.Labels))
}

// byPVCSize is the scheduler's sort of the claims to match, by storage request. sort.Sort is not
// stable, but it is deterministic: the same input order gives the scheduler's order.
type byPVCSize []*corev1.PersistentVolumeClaim

func (a byPVCSize) Len() int      { return len(a) }
func (a byPVCSize) Swap(i, j int) { a[i], a[j] = a[j], a[i] }
func (a byPVCSize) Less(i, j int) bool {
	iSize := a[i].Spec.Resources.Requests[corev1.ResourceStorage]
	jSize := a[j].Spec.Resources.Requests[corev1.ResourceStorage]
	return iSize.Cmp(jSize) == -1
}

// findMatchingVolume mirrors volume.FindMatchingVolume on the scheduler path (node set,
// delayBinding true, VolumeAttributesClass on): a PV pre-bound to the claim wins (or, if it does
// not fit the node, nothing matches); otherwise the smallest Available PV of the class that fits.
// ok is false when the claim's selector is invalid (an error in the scheduler).
//
// The scheduler lists the class's PVs from an informer index in map order, so between two
// equally small matches its pick is random; pvs here are sorted by name and the first wins.
func findMatchingVolume(claim *corev1.PersistentVolumeClaim, pvs []*corev1.PersistentVolume, node *corev1.Node, excluded map[string]bool) (match *corev1.PersistentVolume, ok bool) {
	requested := claim.Spec.Resources.Requests[corev1.ResourceStorage]
	requestedClass := claimClass(claim)
	var selector labels.Selector
	if claim.Spec.Selector != nil {
		s, err := metav1.LabelSelectorAsSelector(claim.Spec.Selector)
		if err != nil {
			return nil, false
		}
		selector = s
	}
	claimVAC := deref(claim.Spec.VolumeAttributesClassName)
	var smallest *corev1.PersistentVolume
	for _, pv := range pvs {
		if excluded[pv.Name] {
			continue
		}
		boundToClaim := volumeBoundToClaim(pv, claim)
		if pv.Spec.ClaimRef != nil && !boundToClaim {
			continue
		}
		size := pv.Spec.Capacity[corev1.ResourceStorage]
		if size.Cmp(requested) < 0 {
			continue
		}
		if volumeModeMismatch(claim, pv) || claimVAC != deref(pv.Spec.VolumeAttributesClassName) || pv.DeletionTimestamp != nil {
			continue
		}
		fits, _ := pvNodeAffinity(pv, node)
		if boundToClaim {
			if !fits {
				return nil, true
			}
			return pv, true
		}
		if pv.Status.Phase != corev1.VolumeAvailable {
			continue
		}
		if selector != nil && !selector.Matches(labels.Set(pv.Labels)) {
			continue
		}
		if pvClass(pv) != requestedClass || !fits || !accessModesCover(claim, pv) {
			continue
		}
		if smallest == nil {
			smallest = pv
			continue
		}
		if smallestSize := smallest.Spec.Capacity[corev1.ResourceStorage]; smallestSize.Cmp(size) > 0 {
			smallest = pv
		}
	}
	return smallest, true
}

// volumeBoundToClaim mirrors volume.IsVolumeBoundToClaim.
func volumeBoundToClaim(pv *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) bool {
	ref := pv.Spec.ClaimRef
	if ref == nil || ref.Name != claim.Name || ref.Namespace != claim.Namespace {
		return false
	}
	return ref.UID == "" || ref.UID == claim.UID
}

// volumeModeMismatch mirrors volume.CheckVolumeModeMismatches: unset means Filesystem.
func volumeModeMismatch(claim *corev1.PersistentVolumeClaim, pv *corev1.PersistentVolume) bool {
	mode := func(m *corev1.PersistentVolumeMode) corev1.PersistentVolumeMode {
		if m == nil {
			return corev1.PersistentVolumeFilesystem
		}
		return *m
	}
	return mode(claim.Spec.VolumeMode) != mode(pv.Spec.VolumeMode)
}

// accessModesCover mirrors volume.CheckAccessModes: the PV offers every mode the claim asks for.
func accessModesCover(claim *corev1.PersistentVolumeClaim, pv *corev1.PersistentVolume) bool {
	offered := map[corev1.PersistentVolumeAccessMode]bool{}
	for _, m := range pv.Spec.AccessModes {
		offered[m] = true
	}
	for _, m := range claim.Spec.AccessModes {
		if !offered[m] {
			return false
		}
	}
	return true
}

// pvNodeAffinity mirrors volume.CheckNodeAffinity: the required terms are matched against a node
// that has only the labels (so matchFields never match). When they fail, terms says why each did.
func pvNodeAffinity(pv *corev1.PersistentVolume, node *corev1.Node) (bool, []TermMismatch) {
	if pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required == nil {
		return true, nil
	}
	labelsOnly := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: node.Labels}}
	required := pv.Spec.NodeAffinity.Required
	if ok, err := nodeaffinity.NewLazyErrorNodeSelector(required).Match(labelsOnly); ok && err == nil {
		return true, nil
	}
	return false, termMismatches(required, labelsOnly)
}

// matchTopologySelectorTerms mirrors v1helper.MatchTopologySelectorTerms (k8s.io/kubernetes, not
// importable here): no terms match every node; an empty term matches none; terms are ORed and the
// expressions of a term ANDed, each an In.
func matchTopologySelectorTerms(terms []corev1.TopologySelectorTerm, nodeLabels map[string]string) bool {
	if len(terms) == 0 {
		return true
	}
	for _, t := range terms {
		if len(t.MatchLabelExpressions) == 0 {
			continue
		}
		selector := labels.NewSelector()
		valid := true
		for _, e := range t.MatchLabelExpressions {
			r, err := labels.NewRequirement(e.Key, selection.In, e.Values)
			if err != nil {
				valid = false
				break
			}
			selector = selector.Add(*r)
		}
		if valid && selector.Matches(labels.Set(nodeLabels)) {
			return true
		}
	}
	return false
}

// inTreeMigratable reports an in-tree volume the scheduler translates to CSI when the node's
// CSINode says the plugin is migrated (isCSIMigrationOnForPlugin): its effective node affinity
// depends on that translation (translateForNode).
func inTreeMigratable(pv *corev1.PersistentVolume) bool {
	s := pv.Spec.PersistentVolumeSource
	return s.AWSElasticBlockStore != nil || s.GCEPersistentDisk != nil || s.AzureDisk != nil ||
		s.Cinder != nil || s.PortworxVolume != nil
}

// pvClass mirrors volume.GetPersistentVolumeClass: the beta annotation wins over the field.
func pvClass(pv *corev1.PersistentVolume) string {
	if class, ok := pv.Annotations[corev1.BetaStorageClassAnnotation]; ok {
		return class
	}
	return pv.Spec.StorageClassName
}

// sortedPVs returns the PVs by name.
func sortedPVs(m map[string]*corev1.PersistentVolume) []*corev1.PersistentVolume {
	out := make([]*corev1.PersistentVolume, 0, len(m))
	for _, pv := range m {
		out = append(out, pv)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// VolumeBinding is the VolumeBinding plugin; its state is the Pod's *VolumeClaims.
type VolumeBinding struct {
	// LocalPVNodes: v1.29's PreFilter restricts the nodes to those that every bound local PV's
	// node affinity names by kubernetes.io/hostname (GetEligibleNodes, removed in v1.30).
	LocalPVNodes bool
	// NodeConflictReason replaces ReasonVolumeNodeConflict when set: v1.32 and older wrote
	// ReasonVolumeNodeConflictLegacy.
	NodeConflictReason string
}

// ReasonVolumeNodeConflictLegacy is VolumeBinding's node-affinity reason before v1.33.
const ReasonVolumeNodeConflictLegacy = "node(s) had volume node affinity conflict"

func (VolumeBinding) Name() string { return PluginVolumeBinding }

func (b VolumeBinding) PreFilter(cs *CycleState, pod *corev1.Pod, c *Cluster) (sets.Set[string], *PreFilterRejection) {
	claims, rej := preFilterVolumeBinding(pod, c)
	if claims != nil {
		cs.Write(PluginVolumeBinding, claims)
	}
	if b.LocalPVNodes && rej == nil && claims != nil {
		return claims.localPVNodes(), nil
	}
	return nil, rej
}

// localPVNodes mirrors v1.29's GetEligibleNodes: the intersection, over the bound claims' PVs that
// name nodes, of the hostnames their node affinity lists (kubernetes.io/hostname In, intersected
// within a term, united across terms); nil (no restriction) when none names nodes or a PV is
// missing.
func (v *VolumeClaims) localPVNodes() sets.Set[string] {
	if v.pvs == nil {
		return nil
	}
	var eligible sets.Set[string]
	for _, pvc := range v.Bound {
		pv := v.pvs[pvc.Spec.VolumeName]
		if pv == nil {
			return nil
		}
		if pv.Spec.NodeAffinity == nil || pv.Spec.NodeAffinity.Required == nil {
			continue
		}
		names := sets.New[string]()
		for _, term := range pv.Spec.NodeAffinity.Required.NodeSelectorTerms {
			var nodes sets.Set[string]
			for _, e := range term.MatchExpressions {
				if e.Key == corev1.LabelHostname && e.Operator == corev1.NodeSelectorOpIn {
					if nodes == nil {
						nodes = sets.New(e.Values...)
					} else {
						nodes = nodes.Intersection(sets.New(e.Values...))
					}
				}
			}
			names = names.Union(nodes)
		}
		if names.Len() == 0 {
			continue
		}
		if eligible == nil {
			eligible = names
		} else {
			eligible = eligible.Intersection(names)
		}
	}
	return eligible
}

func (b VolumeBinding) Filter(cs *CycleState, ni *NodeInfo) *Status {
	return renameReason(CheckVolumeBinding(stateOf[*VolumeClaims](cs, PluginVolumeBinding), ni), ReasonVolumeNodeConflict, b.NodeConflictReason)
}

// renameReason gives s the reason text an older version wrote in place of from ("" keeps it).
func renameReason(s *Status, from, to string) *Status {
	if s == nil || to == "" {
		return s
	}
	for i, r := range s.Reasons {
		if r == from {
			s.Reasons[i] = to
		}
	}
	return s
}

// translateForNode mirrors tryTranslatePVToCSI for a migratable in-tree PV: translated (by
// k8s.io/csi-translation-lib) when the node's CSINode lists its plugin in the migrated-plugins
// annotation, else as it is. ok is false when that cannot be judged: CSINodes not read, or the
// translation fails (an error in the scheduler).
func (v *VolumeClaims) translateForNode(pv *corev1.PersistentVolume, node *corev1.Node) (out *corev1.PersistentVolume, ok bool) {
	if v.csiNodes == nil {
		return nil, false
	}
	plugin, err := csiTranslator.GetInTreePluginNameFromSpec(pv, nil)
	if err != nil {
		return nil, false
	}
	csiNode := v.csiNodes[node.Name]
	if csiNode == nil || !sets.New(strings.Split(csiNode.Annotations[corev1.MigratedPluginsAnnotationKey], ",")...).Has(plugin) {
		return pv, true
	}
	translated, err := csiTranslator.TranslateInTreePVToCSI(logger, pv)
	if err != nil {
		return nil, false
	}
	return translated, true
}
