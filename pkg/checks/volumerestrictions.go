package checks

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// VolumeRestrictions is the VolumeRestrictions plugin. Only its PreFilter is modelled (a referenced
// PVC does not exist: the lister's NotFound text for the first missing claim); its Filter (volume
// conflicts, ReadWriteOncePod) is not. Nothing is judged when PVCs could not be read.
type VolumeRestrictions struct{}

func (VolumeRestrictions) Name() string { return PluginVolumeRestrictions }

func (VolumeRestrictions) PreFilter(_ *CycleState, pod *corev1.Pod, c *Cluster) (sets.Set[string], *PreFilterRejection) {
	if c.PVCs == nil {
		return nil, nil
	}
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil {
			continue
		}
		name := v.PersistentVolumeClaim.ClaimName
		if c.PVCs[pod.Namespace+"/"+name] == nil {
			return nil, rejectClaim(PluginVolumeRestrictions, pod, name, fmt.Sprintf(ReasonPVCNotFoundFmt, name))
		}
	}
	return nil, nil
}

func (VolumeRestrictions) Filter(*CycleState, *NodeInfo) *Status { return nil }
