package gen

import (
	"fmt"
	"math/rand"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// volumeFraction is the share of cases that get the volume overlay.
const volumeFraction = 0.3

// Storage classes of the overlay: local volumes only (no provisioner), a zonal provisioner limited
// by allowedTopologies, a provisioner that can serve any node, and an Immediate class.
const (
	ClassLocal     = "local"
	ClassZonal     = "zonal"
	ClassAnywhere  = "anywhere"
	ClassImmediate = "fast"

	annBindCompleted = "pv.kubernetes.io/bind-completed"
	annSelectedNode  = "volume.kubernetes.io/selected-node"
)

// g2 draws the overlay from its own random stream over an already generated case.
type g2 struct {
	*g
	r *rand.Rand
}

func (v *g2) chance(p float64) bool { return v.r.Float64() < p }

func vpick[T any](v *g2, xs ...T) T { return xs[v.r.Intn(len(xs))] }

// genVolumes adds StorageClasses, PersistentVolumes and claims, and gives the Pending Pod one to
// three volumes over them: claims bound to local PVs (node affinity on hostname or zone), bound to
// a PV that does not exist, unbound WaitForFirstConsumer (matching a PV, provisioning, or a
// selected-node annotation), unbound Immediate, missing, and generic ephemeral.
func (v *g2) genVolumes() {
	c := v.c
	c.Volumes = true
	wffc, immediate := storagev1.VolumeBindingWaitForFirstConsumer, storagev1.VolumeBindingImmediate
	sc := func(name, provisioner string, mode storagev1.VolumeBindingMode) *storagev1.StorageClass {
		return &storagev1.StorageClass{
			TypeMeta:          metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"},
			ObjectMeta:        metav1.ObjectMeta{Name: name, UID: v.nextUID()},
			Provisioner:       provisioner,
			VolumeBindingMode: &mode,
		}
	}
	zonal := sc(ClassZonal, "example.com/csi", wffc)
	allowed := []string{vpick(v, zones...)}
	if v.chance(0.4) {
		if z := vpick(v, zones...); z != allowed[0] {
			allowed = append(allowed, z)
		}
	}
	zonal.AllowedTopologies = []corev1.TopologySelectorTerm{{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{
		{Key: LabelZone, Values: allowed}}}}
	c.StorageClasses = []*storagev1.StorageClass{
		sc(ClassLocal, "kubernetes.io/no-provisioner", wffc), zonal,
		sc(ClassAnywhere, "example.com/csi", wffc), sc(ClassImmediate, "example.com/csi", immediate),
	}

	// PVs with distinct sizes: the scheduler lists a class's PVs in map order, so two equally
	// small matches would make its pick (and, with several claims, its verdict) random.
	sizes := v.r.Perm(8)
	nPV := v.r.Intn(6)
	for i := 0; i < nPV; i++ {
		c.PVs = append(c.PVs, v.pv(fmt.Sprintf("pv%d", i+1), sizes[i]+1))
	}

	p := c.Pending
	ns := p.Namespace
	nVol := 1 + v.r.Intn(3)
	for i := 0; i < nVol; i++ {
		vol := fmt.Sprintf("vol%d", i)
		claimName := fmt.Sprintf("data%d", i)
		claim := v.claim(ns, claimName)
		switch x := v.r.Float64(); {
		case x < 0.3 && len(c.PVs) > 0:
			// Bound to one of the PVs (binding it to this claim if it was free).
			pv := vpick(v, c.PVs...)
			if pv.Spec.ClaimRef != nil && (pv.Spec.ClaimRef.Name != claimName || pv.Spec.ClaimRef.Namespace != ns) {
				claim = nil
				break
			}
			bind(claim, pv)
		case x < 0.36:
			// Bound to a PV that does not exist.
			claim.Spec.VolumeName = "pv-gone"
			claim.Annotations = map[string]string{annBindCompleted: "yes"}
			claim.Status.Phase = corev1.ClaimBound
		case x < 0.85:
			// Unbound, WaitForFirstConsumer.
			claim.Spec.StorageClassName = ptr(vpick(v, ClassLocal, ClassLocal, ClassZonal, ClassAnywhere))
			if v.chance(0.1) {
				claim.Annotations = map[string]string{annSelectedNode: fmt.Sprintf("n%d", 1+v.r.Intn(4))}
			}
			if v.chance(0.15) && len(c.PVs) > 0 {
				// A PV pre-bound to this claim by the user.
				if pv := vpick(v, c.PVs...); pv.Spec.ClaimRef == nil {
					pv.Spec.ClaimRef = &corev1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: ns, Name: claimName}
				}
			}
		case x < 0.92:
			claim.Spec.StorageClassName = ptr(ClassImmediate) // unbound Immediate
		case x < 0.96:
			claim = nil // missing
		default:
			// A generic ephemeral volume whose claim is bound to a PV that does not exist.
			eph := &corev1.PersistentVolumeClaim{
				TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
				ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: p.Name + "-" + vol, UID: v.nextUID(),
					Annotations: map[string]string{annBindCompleted: "yes"},
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: p.Name, UID: p.UID,
						Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}},
				Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
					StorageClassName: ptr(ClassAnywhere), VolumeName: "pv-eph-gone"},
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound},
			}
			c.PVCs = append(c.PVCs, eph)
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: vol, VolumeSource: corev1.VolumeSource{
				Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{Spec: eph.Spec}}}})
			continue
		}
		if claim != nil {
			c.PVCs = append(c.PVCs, claim)
		}
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: vol, VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName}}})
	}
	// Claims of other workloads, bound to some of the PVs, so those PVs are taken.
	for _, pv := range c.PVs {
		if pv.Spec.ClaimRef == nil && v.chance(0.2) {
			other := v.claim(ns, "other-"+pv.Name)
			bind(other, pv)
			c.PVCs = append(c.PVCs, other)
		}
	}
	// Drawn last, so the draws above are the same as before zones were generated.
	v.genVolumeZones()
}

// Zone/region labels VolumeZone compares, beyond LabelZone.
const (
	labelZoneBeta   = "failure-domain.beta.kubernetes.io/zone"
	labelRegion     = "topology.kubernetes.io/region"
	labelRegionBeta = "failure-domain.beta.kubernetes.io/region"
)

// genVolumeZones gives some PVs the zone/region labels VolumeZone checks, sometimes turning them
// into cloud disks without node affinity, sometimes adds a claim bound to such a disk to the
// Pending Pod, and gives some nodes the region and deprecated beta labels the plugin also reads.
// Nodes keep their GA zone (85% have one), so most nodes are constrained and a few are not.
func (v *g2) genVolumeZones() {
	for _, n := range v.c.Nodes {
		if v.chance(0.3) {
			n.Labels[labelRegion] = vpick(v, "eu", "eu", "us")
		}
		if v.chance(0.15) {
			// A node carrying the deprecated beta zone too, usually the same as its GA zone.
			z := vpick(v, zones...)
			if ga, ok := n.Labels[LabelZone]; ok && v.chance(0.7) {
				z = ga
			}
			n.Labels[labelZoneBeta] = z
		}
		if v.chance(0.05) {
			n.Labels[labelRegionBeta] = vpick(v, "eu", "us")
		}
	}
	for _, pv := range v.c.PVs {
		if !v.chance(0.5) {
			continue
		}
		if v.chance(0.5) {
			// A cloud disk as older provisioners made them: zone labels and no node affinity, so
			// VolumeZone alone keeps the Pod in the disk's zone.
			pv.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{
				CSI: &corev1.CSIPersistentVolumeSource{Driver: "example.com/csi", VolumeHandle: pv.Name}}
			pv.Spec.NodeAffinity = nil
		}
		v.zoneLabels(pv)
	}
	if v.chance(0.4) {
		// One more volume: a claim bound to such a cloud disk (larger than every PV above, so it
		// never ties with them).
		pv := v.pv("disk1", 10)
		pv.Spec.PersistentVolumeSource = corev1.PersistentVolumeSource{
			CSI: &corev1.CSIPersistentVolumeSource{Driver: "example.com/csi", VolumeHandle: pv.Name}}
		pv.Spec.NodeAffinity = nil
		v.zoneLabels(pv)
		claim := v.claim(v.c.Pending.Namespace, "disk")
		bind(claim, pv)
		v.c.PVs = append(v.c.PVs, pv)
		v.c.PVCs = append(v.c.PVCs, claim)
		v.c.Pending.Spec.Volumes = append(v.c.Pending.Spec.Volumes, corev1.Volume{Name: "disk",
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "disk"}}})
	}
}

// zoneLabels gives pv one or two zone/region labels: one zone, a "__" multi-zone set, or a value
// with an empty part (the plugin ignores such a label).
func (v *g2) zoneLabels(pv *corev1.PersistentVolume) {
	if pv.Labels == nil {
		pv.Labels = map[string]string{}
	}
	for k := 1 + v.r.Intn(2); k > 0; k-- {
		key := vpick(v, LabelZone, LabelZone, LabelZone, labelZoneBeta, labelRegion, labelRegionBeta)
		var value string
		switch key {
		case labelRegion, labelRegionBeta:
			value = vpick(v, "eu", "us", "eu__us")
		default:
			value = vpick(v, zones...)
			if x := v.r.Float64(); x < 0.25 {
				if other := vpick(v, zones...); other != value {
					value += "__" + other
				}
			} else if x < 0.3 {
				value += "____" + vpick(v, zones...)
			}
		}
		pv.Labels[key] = value
	}
}

// pv is a local PV (hostPath when it has no node affinity) of sizeGi, in class local or zonal.
func (v *g2) pv(name string, sizeGi int) *corev1.PersistentVolume {
	pv := &corev1.PersistentVolume{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: v.nextUID()},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(fmt.Sprintf("%dGi", sizeGi))},
			AccessModes:                   v.accessModes(),
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              vpick(v, ClassLocal, ClassLocal, ClassZonal, ""),
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable},
	}
	if v.chance(0.3) {
		pv.Labels = map[string]string{"tier": vpick(v, "fast", "slow")}
	}
	if v.chance(0.1) {
		pv.Status.Phase = corev1.VolumeReleased
	}
	var req corev1.NodeSelectorRequirement
	switch x := v.r.Float64(); {
	case x < 0.15:
		pv.Spec.HostPath = &corev1.HostPathVolumeSource{Path: "/mnt/" + name}
		return pv
	case x < 0.6:
		req = corev1.NodeSelectorRequirement{Key: LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{fmt.Sprintf("n%d", 1+v.r.Intn(5))}}
	case x < 0.9:
		req = corev1.NodeSelectorRequirement{Key: LabelZone, Operator: corev1.NodeSelectorOpIn, Values: []string{vpick(v, zones...)}}
	default:
		req = corev1.NodeSelectorRequirement{Key: LabelDisk, Operator: corev1.NodeSelectorOpExists}
	}
	pv.Spec.Local = &corev1.LocalVolumeSource{Path: "/mnt/" + name}
	pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{req}}}}}
	if v.chance(0.15) {
		// A second term, ORed.
		pv.Spec.NodeAffinity.Required.NodeSelectorTerms = append(pv.Spec.NodeAffinity.Required.NodeSelectorTerms,
			corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: LabelHostname,
				Operator: corev1.NodeSelectorOpIn, Values: []string{fmt.Sprintf("n%d", 1+v.r.Intn(5))}}}})
	}
	return pv
}

func (v *g2) accessModes() []corev1.PersistentVolumeAccessMode {
	switch v.r.Intn(4) {
	case 0:
		return []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce, corev1.ReadOnlyMany}
	case 1:
		return []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	default:
		return []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
}

// claim is an unbound claim with no class, a request and access modes, sometimes a selector.
func (v *g2) claim(ns, name string) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: v.nextUID()},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: v.accessModes(),
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceStorage: resource.MustParse(fmt.Sprintf("%dGi", 1+v.r.Intn(6)))}},
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
	if v.chance(0.2) {
		c.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": vpick(v, "fast", "slow")}}
	}
	return c
}

// bind binds claim and pv to each other as the PV controller does.
func bind(claim *corev1.PersistentVolumeClaim, pv *corev1.PersistentVolume) {
	claim.Spec.VolumeName = pv.Name
	claim.Spec.StorageClassName = ptr(pv.Spec.StorageClassName)
	claim.Annotations = map[string]string{annBindCompleted: "yes"}
	claim.Status.Phase = corev1.ClaimBound
	pv.Spec.ClaimRef = &corev1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: claim.Namespace, Name: claim.Name, UID: claim.UID}
	pv.Status.Phase = corev1.VolumeBound
}
