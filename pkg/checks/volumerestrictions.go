package checks

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// VolumeRestrictions is the VolumeRestrictions plugin (volumerestrictions in v1.36.3). PreFilter
// reads each claim of the Pod (a missing one rejects the Pod: the lister's NotFound text), collects
// its ReadWriteOncePod claims and counts those some Pod in the scheduler's cache already uses.
// Filter fails a node where a Pod uses one of the Pod's in-tree disks (GCE PD, AWS EBS, RBD,
// iSCSI), then any node while that count is above 0. Without in-tree disks and with no RWOP claim
// in use the plugin returns Skip: no Filter, and nominated Pods are not added to its count.
// ReadWriteOncePod is not judged when PVCs could not be read.
type VolumeRestrictions struct {
	// RWOPReason replaces ReasonRWOPConflict when set: v1.33 and older wrote ReasonRWOPConflictLegacy.
	RWOPReason string
}

// Reasons of VolumeRestrictions' Filter, verbatim from v1.36.3.
const (
	ReasonDiskConflict = "node(s) had no available disk"
	ReasonRWOPConflict = "node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod"
	// ReasonRWOPConflictLegacy is the RWOP reason before v1.34.
	ReasonRWOPConflictLegacy = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
)

// RestrictionsState is VolumeRestrictions' PreFilter state.
type RestrictionsState struct {
	pod *corev1.Pod
	// rwop are the names of the Pod's ReadWriteOncePod claims.
	rwop sets.Set[string]
	// conflicts is the scheduler's conflictingPVCRefCount: the RWOP claims in use at PreFilter,
	// then plus or minus one per volume of each added or removed Pod naming one of them (by claim
	// name alone, whatever the Pod's namespace, as AddPod/RemovePod count).
	conflicts int
	// holders are the Pods (namespace/name, with their node) using each RWOP claim: the evidence.
	holders map[string][]holder
}

type holder struct{ pod, node string }

func (VolumeRestrictions) Name() string { return PluginVolumeRestrictions }

func (VolumeRestrictions) PreFilter(cs *CycleState, pod *corev1.Pod, c *Cluster) (sets.Set[string], *PreFilterRejection) {
	s, rej := newRestrictionsState(pod, c)
	if s != nil {
		cs.Write(PluginVolumeRestrictions, s)
	}
	return nil, rej
}

// newRestrictionsState is the PreFilter: nil state when the plugin skips.
func newRestrictionsState(pod *corev1.Pod, c *Cluster) (*RestrictionsState, *PreFilterRejection) {
	s := &RestrictionsState{pod: pod, rwop: sets.New[string](), holders: map[string][]holder{}}
	if c.PVCs != nil {
		for _, v := range pod.Spec.Volumes {
			if v.PersistentVolumeClaim == nil {
				continue
			}
			name := v.PersistentVolumeClaim.ClaimName
			pvc := c.PVCs[pod.Namespace+"/"+name]
			if pvc == nil {
				return nil, rejectClaim(PluginVolumeRestrictions, pod, name, fmt.Sprintf(ReasonPVCNotFoundFmt, name))
			}
			for _, m := range pvc.Spec.AccessModes {
				if m == corev1.ReadWriteOncePod {
					s.rwop.Insert(pvc.Name)
				}
			}
		}
	}
	// The snapshot's usedPVCSet: claims of the Pods bound to the cache's nodes, by namespace/name.
	for _, ni := range c.Nodes {
		if s.rwop.Len() == 0 {
			break // no ReadWriteOncePod claim: no holder to find
		}
		for _, p := range ni.Pods {
			if p.Namespace != pod.Namespace {
				continue
			}
			for _, v := range p.Spec.Volumes {
				if v.PersistentVolumeClaim != nil && s.rwop.Has(v.PersistentVolumeClaim.ClaimName) {
					name := v.PersistentVolumeClaim.ClaimName
					s.holders[name] = append(s.holders[name], holder{pod: p.Namespace + "/" + p.Name, node: ni.Node.Name})
				}
			}
		}
	}
	s.conflicts = len(s.holders)
	if s.conflicts == 0 && !hasInTreeDisk(pod) {
		return nil, nil
	}
	return s, nil
}

func hasInTreeDisk(pod *corev1.Pod) bool {
	for _, v := range pod.Spec.Volumes {
		if inTreeDisk(v) != "" {
			return true
		}
	}
	return false
}

// inTreeDisk names the disk of an in-tree volume the plugin checks ("" for any other volume).
func inTreeDisk(v corev1.Volume) string {
	switch {
	case v.GCEPersistentDisk != nil:
		return "gcePersistentDisk " + v.GCEPersistentDisk.PDName
	case v.AWSElasticBlockStore != nil:
		return "awsElasticBlockStore " + v.AWSElasticBlockStore.VolumeID
	case v.RBD != nil:
		return "rbd " + v.RBD.RBDPool + "/" + v.RBD.RBDImage
	case v.ISCSI != nil:
		return "iscsi " + v.ISCSI.IQN
	}
	return ""
}

// diskConflict is isVolumeConflict for one volume of ours and one of another Pod: the same disk,
// not both read-only (AWS EBS conflicts even then; RBD needs one monitor in common).
func diskConflict(v, ev corev1.Volume) bool {
	switch {
	case v.GCEPersistentDisk != nil && ev.GCEPersistentDisk != nil:
		a, b := v.GCEPersistentDisk, ev.GCEPersistentDisk
		return a.PDName == b.PDName && !(a.ReadOnly && b.ReadOnly)
	case v.AWSElasticBlockStore != nil && ev.AWSElasticBlockStore != nil:
		return v.AWSElasticBlockStore.VolumeID == ev.AWSElasticBlockStore.VolumeID
	case v.ISCSI != nil && ev.ISCSI != nil:
		return v.ISCSI.IQN == ev.ISCSI.IQN && !(v.ISCSI.ReadOnly && ev.ISCSI.ReadOnly)
	case v.RBD != nil && ev.RBD != nil:
		a, b := v.RBD, ev.RBD
		return sets.New(a.CephMonitors...).HasAny(b.CephMonitors...) && a.RBDPool == b.RBDPool && a.RBDImage == b.RBDImage &&
			!(a.ReadOnly && b.ReadOnly)
	}
	return false
}

// CheckVolumeRestrictions is the Filter on one node: every in-tree disk of the Pod that a Pod on
// the node uses (the status the scheduler returns: ReasonDiskConflict), and, while the count of
// RWOP claims in use is above 0, every RWOP claim some Pod holds (ReasonRWOPConflict). Both
// kinds of blocker are listed; the reason is the scheduler's, disk conflict first.
func CheckVolumeRestrictions(s *RestrictionsState, ni *NodeInfo) *Status {
	if s == nil {
		return nil
	}
	var disks []Blocker
	for _, v := range s.pod.Spec.Volumes {
		disk := inTreeDisk(v)
		if disk == "" {
			continue
		}
	pods:
		for _, p := range ni.Pods {
			for _, ev := range p.Spec.Volumes {
				if diskConflict(v, ev) {
					disks = append(disks, Blocker{Plugin: PluginVolumeRestrictions, Kind: KindDiskConflict, Volume: &VolumeEvidence{
						Volume: v.Name, Disk: disk, HeldBy: p.Namespace + "/" + p.Name, HeldByNode: ni.Node.Name}})
					break pods
				}
			}
		}
	}
	var rwop []Blocker
	if s.conflicts > 0 {
		for _, v := range s.pod.Spec.Volumes {
			if v.PersistentVolumeClaim == nil || !s.rwop.Has(v.PersistentVolumeClaim.ClaimName) {
				continue
			}
			name := v.PersistentVolumeClaim.ClaimName
			hs := s.holders[name]
			if len(hs) == 0 {
				continue
			}
			rwop = append(rwop, Blocker{Plugin: PluginVolumeRestrictions, Kind: KindReadWriteOncePodInUse, Volume: &VolumeEvidence{
				PVC: s.pod.Namespace + "/" + name, Volume: v.Name, HeldBy: hs[0].pod, HeldByNode: hs[0].node}})
		}
	}
	switch {
	case len(disks) > 0:
		return &Status{Plugin: PluginVolumeRestrictions, Code: Unschedulable, Reasons: []string{ReasonDiskConflict}, Blockers: append(disks, rwop...)}
	case s.conflicts > 0:
		return &Status{Plugin: PluginVolumeRestrictions, Code: Unschedulable, Reasons: []string{ReasonRWOPConflict}, Blockers: rwop}
	}
	return nil
}

func (r VolumeRestrictions) Filter(cs *CycleState, ni *NodeInfo) *Status {
	return renameReason(CheckVolumeRestrictions(stateOf[*RestrictionsState](cs, PluginVolumeRestrictions), ni), ReasonRWOPConflict, r.RWOPReason)
}

func (VolumeRestrictions) AddPods(cs *CycleState, node *corev1.Node, pods []*corev1.Pod) {
	if s := stateOf[*RestrictionsState](cs, PluginVolumeRestrictions); s != nil {
		cs.Write(PluginVolumeRestrictions, s.withPods(node, pods, +1))
	}
}

func (VolumeRestrictions) RemovePods(cs *CycleState, node *corev1.Node, pods []*corev1.Pod) {
	if s := stateOf[*RestrictionsState](cs, PluginVolumeRestrictions); s != nil {
		cs.Write(PluginVolumeRestrictions, s.withPods(node, pods, -1))
	}
}

// withPods is a copy of s with pods added to (sign +1) or taken off (-1) node, as
// updateWithPod counts them.
func (s *RestrictionsState) withPods(node *corev1.Node, pods []*corev1.Pod, sign int) *RestrictionsState {
	out := *s
	out.holders = make(map[string][]holder, len(s.holders))
	for k, v := range s.holders {
		out.holders[k] = append([]holder(nil), v...)
	}
	for _, p := range pods {
		key := p.Namespace + "/" + p.Name
		for _, v := range p.Spec.Volumes {
			if v.PersistentVolumeClaim == nil || !s.rwop.Has(v.PersistentVolumeClaim.ClaimName) {
				continue
			}
			name := v.PersistentVolumeClaim.ClaimName
			out.conflicts += sign
			if sign > 0 {
				out.holders[name] = append(out.holders[name], holder{pod: key, node: node.Name})
				continue
			}
			for i, h := range out.holders[name] {
				if h.pod == key {
					out.holders[name] = append(out.holders[name][:i:i], out.holders[name][i+1:]...)
					break
				}
			}
		}
	}
	return &out
}

// diskIdentity is the cause of a VolumeRestrictions blocker: the claim or the disk.
func diskIdentity(b Blocker) string {
	return strings.TrimSpace(b.Volume.PVC + " " + b.Volume.Disk)
}
