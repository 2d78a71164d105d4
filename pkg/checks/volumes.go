package checks

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-helpers/storage/ephemeral"
)

// VolumeBinding PreFilter texts, verbatim (podHasPVCs, ephemeral.VolumeIsForPod).
const (
	// annBindCompleted is volume.AnnBindCompleted (component-helpers/storage/volume, not imported:
	// it pulls client-go's cache into the module graph).
	annBindCompleted = "pv.kubernetes.io/bind-completed"

	reasonEphemeralPVCMissingFmt = "waiting for ephemeral volume controller to create the persistentvolumeclaim %q"
	reasonPVCLostFmt             = "persistentvolumeclaim %q bound to non-existent persistentvolume %q"
	reasonEphemeralNotOwnerFmt   = "PVC %s/%s was not created for pod %s/%s (pod is not owner)"
)

// VolumeClaims are the Pod's claims as VolumeBinding's PreFilter sorts them (GetPodVolumeClaims),
// with what its Filter reads.
type VolumeClaims struct {
	// Bound are the fully bound claims (volumeName and bind-completed), in volume order.
	Bound []*corev1.PersistentVolumeClaim
	// Delayed are the unbound WaitForFirstConsumer claims, in volume order.
	Delayed []*corev1.PersistentVolumeClaim

	pvs        map[string]*corev1.PersistentVolume // nil: PVs unreadable
	pvsByClass map[string][]*corev1.PersistentVolume
	classes    map[string]*storagev1.StorageClass
	// drivers and capacities back the storage capacity check (nil: not read).
	drivers    map[string]*storagev1.CSIDriver
	capacities []*storagev1.CSIStorageCapacity
	// csiNodes decide the in-tree volumes' CSI translation (nil: not read).
	csiNodes map[string]*storagev1.CSINode
}

// rejectClaim is a volume plugin's PreFilter rejection about one of the Pod's claims.
func rejectClaim(plugin string, pod *corev1.Pod, name, reason string) *PreFilterRejection {
	return &PreFilterRejection{Plugin: plugin, Code: UnschedulableAndUnresolvable, Reason: reason, PVC: pod.Namespace + "/" + name}
}

// preFilterVolumeBinding mirrors VolumeBinding's PreFilter rejections: podHasPVCs' invalid claims,
// then unbound claims that are not WaitForFirstConsumer. The rejection is nil when nothing rejects
// or when the PVCs (or a StorageClass needed to decide) could not be read. The claims are nil when
// the plugin skips (no claims) or they cannot be judged.
func preFilterVolumeBinding(pod *corev1.Pod, c *Cluster) (*VolumeClaims, *PreFilterRejection) {
	if pod == nil || c == nil || c.PVCs == nil {
		return nil, nil
	}
	pvc := func(name string) *corev1.PersistentVolumeClaim { return c.PVCs[pod.Namespace+"/"+name] }
	reject := func(name, reason string) *PreFilterRejection {
		return rejectClaim(PluginVolumeBinding, pod, name, reason)
	}

	// VolumeBinding podHasPVCs: the first invalid claim, in volume order.
	for i := range pod.Spec.Volumes {
		v := &pod.Spec.Volumes[i]
		name, isEphemeral := claimName(pod, v)
		if name == "" {
			continue
		}
		claim := pvc(name)
		switch {
		case claim == nil && isEphemeral:
			return nil, reject(name, fmt.Sprintf(reasonEphemeralPVCMissingFmt, name))
		case claim == nil:
			return nil, reject(name, fmt.Sprintf(ReasonPVCNotFoundFmt, name))
		case claim.Status.Phase == corev1.ClaimLost:
			return nil, reject(name, fmt.Sprintf(reasonPVCLostFmt, claim.Name, claim.Spec.VolumeName))
		case claim.DeletionTimestamp != nil:
			return nil, reject(name, fmt.Sprintf(ReasonPVCBeingDeletedFmt, claim.Name))
		case isEphemeral && (claim.Namespace != pod.Namespace || !metav1.IsControlledBy(claim, pod)):
			return nil, reject(name, fmt.Sprintf(reasonEphemeralNotOwnerFmt, claim.Namespace, claim.Name, pod.Namespace, pod.Name))
		}
	}

	// VolumeBinding GetPodVolumeClaims: an unbound claim is Immediate unless its class is
	// WaitForFirstConsumer and it is not pre-bound by volumeName.
	var firstImmediate string
	claims := &VolumeClaims{pvs: c.PVs, pvsByClass: c.pvsByClass, classes: c.StorageClasses,
		drivers: c.CSIDrivers, capacities: c.CSIStorageCapacities, csiNodes: c.CSINodes}
	for i := range pod.Spec.Volumes {
		name, _ := claimName(pod, &pod.Spec.Volumes[i])
		if name == "" {
			continue
		}
		claim := pvc(name)
		if claim.Spec.VolumeName != "" && metav1.HasAnnotation(claim.ObjectMeta, annBindCompleted) {
			claims.Bound = append(claims.Bound, claim)
			continue
		}
		delay, known := delayBinding(claim, c.StorageClasses)
		if !known {
			// A StorageClass we could not read, or one without volumeBindingMode (the scheduler
			// then fails with an internal error): cannot judge.
			return nil, nil
		}
		if !delay || claim.Spec.VolumeName != "" {
			if firstImmediate == "" {
				firstImmediate = name
			}
			continue
		}
		claims.Delayed = append(claims.Delayed, claim)
	}
	if firstImmediate != "" {
		return nil, reject(firstImmediate, ReasonUnboundImmediatePVC)
	}
	if claims.Bound == nil && claims.Delayed == nil {
		return nil, nil // podHasPVCs is false: VolumeBinding skips its Filter
	}
	return claims, nil
}

// claimName is the PVC a volume uses: its claimName, or <pod>-<volume> for a generic ephemeral
// volume; "" for volumes without a claim.
func claimName(pod *corev1.Pod, v *corev1.Volume) (string, bool) {
	switch {
	case v.PersistentVolumeClaim != nil:
		return v.PersistentVolumeClaim.ClaimName, false
	case v.Ephemeral != nil:
		return ephemeral.VolumeClaimName(pod, v), true
	}
	return "", false
}

// delayBinding mirrors volume.IsDelayBindingMode: no class name or a missing class means
// Immediate. known is false when the answer needs a class that could not be read or is invalid.
func delayBinding(claim *corev1.PersistentVolumeClaim, classes map[string]*storagev1.StorageClass) (delay, known bool) {
	className := claimClass(claim)
	if className == "" {
		return false, true
	}
	if classes == nil {
		return false, false
	}
	class, ok := classes[className]
	if !ok || class == nil {
		return false, true
	}
	if class.VolumeBindingMode == nil {
		return false, false
	}
	return *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer, true
}

// claimClass mirrors volume.GetPersistentVolumeClaimClass: the beta annotation wins over the field.
func claimClass(claim *corev1.PersistentVolumeClaim) string {
	if class, ok := claim.Annotations[corev1.BetaStorageClassAnnotation]; ok {
		return class
	}
	if claim.Spec.StorageClassName != nil {
		return *claim.Spec.StorageClassName
	}
	return ""
}
