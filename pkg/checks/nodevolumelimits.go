package checks

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/storage/ephemeral"
	csitrans "k8s.io/csi-translation-lib"
	csiplugins "k8s.io/csi-translation-lib/plugins"
)

// PluginNodeVolumeLimits and its reasons, verbatim from kube-scheduler (v1.37 for the driver one).
const (
	PluginNodeVolumeLimits         = "NodeVolumeLimits"
	ReasonMaxVolumeCountExceeded   = "node(s) exceed max volume count"
	ReasonCSIDriverNotInstalledFmt = "%s CSI driver is not installed on the node"
	unboundVolumeHandlePrefix      = "unbound" // the scheduler's is random; only its uniqueness per claim matters
	errVolumeLimitsNotJudged       = volumeLimitsError("not judged")
)

type volumeLimitsError string

func (e volumeLimitsError) Error() string { return string(e) }

// csiTranslator is the scheduler's in-tree to CSI translation (k8s.io/csi-translation-lib).
var csiTranslator = csitrans.New()

// NodeVolumeLimits is the NodeVolumeLimits plugin (CSILimits): the Pod's new attachable volumes,
// per CSI driver, plus the unique volumes the node's Pods (and VolumeAttachments) already hold
// must stay within the driver's CSINode allocatable count. In-tree volumes count under their CSI
// driver when the node has a CSINode (the migrated plugins).
type NodeVolumeLimits struct {
	// DriverMustBeInstalled is VolumeLimitScaling (off in 1.36, on in 1.37): a CSIDriver with
	// preventPodSchedulingIfMissing rejects nodes whose CSINode does not list it.
	DriverMustBeInstalled bool
	// NoVolumeAttachments: v1.31 and older count only the volumes of the node's Pods, not its
	// VolumeAttachments.
	NoVolumeAttachments bool
}

// volumeLimitsState is the plugin's PreFilter state: the Pod and the cluster its Filter reads.
type volumeLimitsState struct {
	pod                   *corev1.Pod
	cluster               *Cluster
	driverMustBeInstalled bool
	noVolumeAttachments   bool
}

func (NodeVolumeLimits) Name() string { return PluginNodeVolumeLimits }

// PreFilter skips Pods without claims or migratable inline volumes, and snapshots lacking what the
// Filter reads (PVCs, PVs, StorageClasses, CSINodes): then nothing is judged.
func (p NodeVolumeLimits) PreFilter(cs *CycleState, pod *corev1.Pod, c *Cluster) (sets.Set[string], *PreFilterRejection) {
	if c == nil || c.PVCs == nil || c.PVs == nil || c.StorageClasses == nil || c.CSINodes == nil {
		return nil, nil
	}
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		if v.PersistentVolumeClaim != nil || v.Ephemeral != nil || csiTranslator.IsInlineMigratable(v) {
			cs.Write(PluginNodeVolumeLimits, &volumeLimitsState{pod: pod, cluster: c, driverMustBeInstalled: p.DriverMustBeInstalled, noVolumeAttachments: p.NoVolumeAttachments})
			return nil, nil
		}
	}
	return nil, nil
}

func (NodeVolumeLimits) Filter(cs *CycleState, ni *NodeInfo) *Status {
	return CheckNodeVolumeLimits(stateOf[*volumeLimitsState](cs, PluginNodeVolumeLimits), ni)
}

// CheckNodeVolumeLimits mirrors CSILimits.Filter. The scheduler stops at the first driver (in map
// order) that is not installed or over its limit; every such driver is a blocker here, and the
// reason names the first by name.
func CheckNodeVolumeLimits(s *volumeLimitsState, ni *NodeInfo) *Status {
	if s == nil || ni == nil || ni.Node == nil {
		return nil
	}
	c := s.cluster
	csiNode := c.CSINodes[ni.Node.Name]
	newVolumes := map[string]string{}
	if err := c.attachableVolumes(s.pod, csiNode, true, newVolumes); err != nil {
		return nil // the scheduler errors (or an earlier PreFilter rejects): not judged here
	}
	if len(newVolumes) == 0 {
		return nil
	}
	block := func(kind BlockerKind, e *VolumeLimitEvidence) Blocker {
		return Blocker{Plugin: PluginNodeVolumeLimits, Kind: kind, VolumeLimit: e}
	}
	if s.driverMustBeInstalled {
		var blockers []Blocker
		for _, driver := range sets.List(sets.New(mapValues(newVolumes)...)) {
			if !c.csiDriverInstalled(driver, csiNode) {
				blockers = append(blockers, block(KindCSIDriverNotInstalled, &VolumeLimitEvidence{Driver: driver}))
			}
		}
		if len(blockers) > 0 {
			return &Status{Plugin: PluginNodeVolumeLimits, Code: Unschedulable,
				Reasons: []string{fmt.Sprintf(ReasonCSIDriverNotInstalledFmt, blockers[0].VolumeLimit.Driver)}, Blockers: blockers}
		}
	}
	limits := volumeLimits(csiNode)
	if len(limits) == 0 {
		return nil
	}
	attached := map[string]string{}
	for _, p := range ni.Pods {
		if err := c.attachableVolumes(p, csiNode, false, attached); err != nil {
			return nil
		}
	}
	attachedCount := map[string]int{}
	for id, driver := range attached {
		delete(newVolumes, id)
		attachedCount[driver]++
	}
	// VolumeAttachments to the node that no Pod there accounts for (each unique volume once).
	for id, driver := range c.nodeVolumeAttachments(ni.Node.Name) {
		if _, ok := attached[id]; !ok && !s.noVolumeAttachments {
			attachedCount[driver]++
		}
	}
	newCount := map[string]int{}
	for _, driver := range newVolumes {
		newCount[driver]++
	}
	var blockers []Blocker
	for _, driver := range sets.List(sets.KeySet(newCount)) {
		limit, ok := limits[driver]
		if ok && int64(attachedCount[driver]+newCount[driver]) > limit {
			blockers = append(blockers, block(KindVolumeLimitExceeded, &VolumeLimitEvidence{Driver: driver, Limit: limit,
				Attached: attachedCount[driver], New: newCount[driver]}))
		}
	}
	if len(blockers) == 0 {
		return nil
	}
	return &Status{Plugin: PluginNodeVolumeLimits, Code: Unschedulable, Reasons: []string{ReasonMaxVolumeCountExceeded}, Blockers: blockers}
}

// attachableVolumes mirrors filterAttachableVolumes: each of the Pod's attachable volumes as
// "driver/handle" -> driver. A new Pod's claim that does not exist is an error; an existing Pod's
// is skipped.
func (c *Cluster) attachableVolumes(pod *corev1.Pod, csiNode *storagev1.CSINode, newPod bool, out map[string]string) error {
	for i := range pod.Spec.Volumes {
		vol := &pod.Spec.Volumes[i]
		name, isEphemeral := claimName(pod, vol)
		if vol.PersistentVolumeClaim == nil && vol.Ephemeral == nil {
			if err := attachableInlineVolume(vol, csiNode, pod, out); err != nil {
				return err
			}
			continue
		}
		if name == "" {
			return errVolumeLimitsNotJudged
		}
		pvc := c.PVCs[pod.Namespace+"/"+name]
		if pvc == nil {
			if newPod {
				return errVolumeLimitsNotJudged
			}
			continue
		}
		if isEphemeral && ephemeral.VolumeIsForPod(pod, pvc) != nil {
			return errVolumeLimitsNotJudged
		}
		driver, handle := c.csiDriverInfo(csiNode, pvc)
		if driver == "" || handle == "" {
			continue
		}
		out[driver+"/"+handle] = driver
	}
	return nil
}

// attachableInlineVolume mirrors checkAttachableInlineVolume: an in-tree inline volume counts
// under its CSI driver when migration is on for the node.
func attachableInlineVolume(vol *corev1.Volume, csiNode *storagev1.CSINode, pod *corev1.Pod, out map[string]string) error {
	if !csiTranslator.IsInlineMigratable(vol) {
		return nil
	}
	plugin, err := csiTranslator.GetInTreePluginNameFromSpec(nil, vol)
	if err != nil {
		return errVolumeLimitsNotJudged
	}
	if !csiMigrationOn(csiNode, plugin) {
		return nil
	}
	pv, err := csiTranslator.TranslateInTreeInlineVolumeToCSI(logger, vol, pod.Namespace)
	if err != nil || pv == nil {
		return errVolumeLimitsNotJudged
	}
	driver, err := csiTranslator.GetCSINameFromInTreeName(plugin)
	if err != nil {
		return errVolumeLimitsNotJudged
	}
	if pv.Spec.CSI == nil {
		return nil
	}
	out[driver+"/"+pv.Spec.CSI.VolumeHandle] = driver
	return nil
}

// csiDriverInfo mirrors getCSIDriverInfo: the bound PV's CSI driver and handle (translated for a
// migrated in-tree PV), else the claim's class provisioner with a handle unique to the claim.
func (c *Cluster) csiDriverInfo(csiNode *storagev1.CSINode, pvc *corev1.PersistentVolumeClaim) (driver, handle string) {
	pv := c.PVs[pvc.Spec.VolumeName]
	if pvc.Spec.VolumeName == "" || pv == nil {
		return c.csiDriverInfoFromClass(csiNode, pvc)
	}
	source := pv.Spec.CSI
	if source == nil {
		if !csiTranslator.IsPVMigratable(pv) {
			return "", ""
		}
		plugin, err := csiTranslator.GetInTreePluginNameFromSpec(pv, nil)
		if err != nil || !csiMigrationOn(csiNode, plugin) {
			return "", ""
		}
		translated, err := csiTranslator.TranslateInTreePVToCSI(logger, pv)
		if err != nil || translated.Spec.CSI == nil {
			return "", ""
		}
		source = translated.Spec.CSI
	}
	return source.Driver, source.VolumeHandle
}

// csiDriverInfoFromClass mirrors getCSIDriverInfoFromSC.
func (c *Cluster) csiDriverInfoFromClass(csiNode *storagev1.CSINode, pvc *corev1.PersistentVolumeClaim) (driver, handle string) {
	class := c.StorageClasses[claimClass(pvc)]
	if claimClass(pvc) == "" || class == nil {
		return "", ""
	}
	handle = fmt.Sprintf("%s-%s/%s", unboundVolumeHandlePrefix, pvc.Namespace, pvc.Name)
	provisioner := class.Provisioner
	if csiTranslator.IsMigratableIntreePluginByName(provisioner) {
		if !csiMigrationOn(csiNode, provisioner) {
			return "", ""
		}
		driver, err := csiTranslator.GetCSINameFromInTreeName(provisioner)
		if err != nil {
			return "", ""
		}
		return driver, handle
	}
	return provisioner, handle
}

// csiMigrationOn mirrors NodeVolumeLimits' isCSIMigrationOn: any CSINode will do for the plugins
// whose migration is GA.
func csiMigrationOn(csiNode *storagev1.CSINode, plugin string) bool {
	if csiNode == nil {
		return false
	}
	switch plugin {
	case csiplugins.AWSEBSInTreePluginName, csiplugins.PortworxVolumePluginName, csiplugins.GCEPDInTreePluginName,
		csiplugins.AzureDiskInTreePluginName, csiplugins.CinderInTreePluginName:
		return true
	}
	return false
}

// csiDriverInstalled mirrors checkCSIDriverOnNode: only a CSIDriver with
// preventPodSchedulingIfMissing needs the node's CSINode to list it.
func (c *Cluster) csiDriverInstalled(driver string, csiNode *storagev1.CSINode) bool {
	d := c.CSIDrivers[driver]
	if d == nil || d.Spec.PreventPodSchedulingIfMissing == nil || !*d.Spec.PreventPodSchedulingIfMissing {
		return true
	}
	if csiNode == nil {
		return false
	}
	for _, nd := range csiNode.Spec.Drivers {
		if nd.Name == driver {
			return true
		}
	}
	return false
}

// volumeLimits mirrors getVolumeLimits: the drivers' allocatable counts.
func volumeLimits(csiNode *storagev1.CSINode) map[string]int64 {
	out := map[string]int64{}
	if csiNode == nil {
		return out
	}
	for _, d := range csiNode.Spec.Drivers {
		if d.Allocatable != nil && d.Allocatable.Count != nil {
			out[d.Name] = int64(*d.Allocatable.Count)
		}
	}
	return out
}

// nodeVolumeAttachments mirrors getNodeVolumeAttachmentInfo: the node's VolumeAttachments of CSI
// PVs, as "attacher/handle" -> attacher.
func (c *Cluster) nodeVolumeAttachments(node string) map[string]string {
	out := map[string]string{}
	for _, va := range c.volumeAttachments[node] {
		if va.Spec.Attacher == "" || va.Spec.Source.PersistentVolumeName == nil {
			continue
		}
		pv := c.PVs[*va.Spec.Source.PersistentVolumeName]
		if pv == nil || pv.Spec.CSI == nil {
			continue
		}
		out[va.Spec.Attacher+"/"+pv.Spec.CSI.VolumeHandle] = va.Spec.Attacher
	}
	return out
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
