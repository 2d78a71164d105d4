package gen

import (
	"fmt"
	"math/rand"
	"sort"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// CSI are the storage.k8s.io objects of the overlay.
type CSI struct {
	CSINodes             []*storagev1.CSINode
	CSIDrivers           []*storagev1.CSIDriver
	CSIStorageCapacities []*storagev1.CSIStorageCapacity
	VolumeAttachments    []*storagev1.VolumeAttachment
}

// AddTo gives a snapshot the objects, all kinds read (empty, not nil) as in the fake cluster.
func (o CSI) AddTo(s *snapshot.Snapshot) {
	s.CSINodes, s.CSIDrivers = []*storagev1.CSINode{}, []*storagev1.CSIDriver{}
	s.CSIStorageCapacities, s.VolumeAttachments = []*storagev1.CSIStorageCapacity{}, []*storagev1.VolumeAttachment{}
	for _, x := range o.CSINodes {
		s.CSINodes = append(s.CSINodes, x.DeepCopy())
	}
	for _, x := range o.CSIDrivers {
		s.CSIDrivers = append(s.CSIDrivers, x.DeepCopy())
	}
	for _, x := range o.CSIStorageCapacities {
		s.CSIStorageCapacities = append(s.CSIStorageCapacities, x.DeepCopy())
	}
	for _, x := range o.VolumeAttachments {
		s.VolumeAttachments = append(s.VolumeAttachments, x.DeepCopy())
	}
}

// csiFraction is the share of cases that get the node-features and CSI overlay.
const csiFraction = 0.3

// g4 draws the node-features and CSI overlay from its own random stream.
type g4 struct {
	c *Case
	r *rand.Rand
	n int
}

func (v *g4) chance(p float64) bool { return v.r.Float64() < p }

// genCSI adds what NodeDeclaredFeatures reads (nodes' status.declaredFeatures, a Pending Pod
// whose spec needs some of them) and what NodeVolumeLimits reads (CSINodes with per-driver
// limits, CSI and in-tree EBS volumes on the nodes' Pods and the Pending one, VolumeAttachments)
// and VolumeBinding's capacity check (CSIDriver storageCapacity, CSIStorageCapacity per zone).
func (v *g4) genCSI() {
	v.genDeclaredFeatures()
	limits := v.chance(0.6)
	if limits {
		v.genVolumeLimits()
	}
	if limits || v.c.Volumes {
		v.genStorageCapacity()
	}
}

// nodeFeatures are features a 1.36 kubelet may declare; the first two are what a Pod can need.
var nodeFeatures = []string{"RestartAllContainersOnContainerExits", "UserNamespacesHostNetworkSupport",
	"InPlacePodVerticalScalingInitContainers"}

// genDeclaredFeatures gives each node a random (sorted, as the kubelet writes it) subset of
// nodeFeatures, and the Pending Pod a restartPolicyRules action RestartAllContainers and/or
// hostNetwork with hostUsers: false.
func (v *g4) genDeclaredFeatures() {
	for _, n := range v.c.Nodes {
		var fs []string
		for _, f := range nodeFeatures {
			if v.chance(0.6) {
				fs = append(fs, f)
			}
		}
		sort.Strings(fs)
		n.Status.DeclaredFeatures = fs
	}
	p := v.c.Pending
	if v.chance(0.5) {
		c := &p.Spec.Containers[len(p.Spec.Containers)-1]
		c.RestartPolicyRules = []corev1.ContainerRestartRule{{Action: corev1.ContainerRestartRuleActionRestartAllContainers,
			ExitCodes: &corev1.ContainerRestartRuleOnExitCodes{Operator: corev1.ContainerRestartRuleOnExitCodesOpIn, Values: []int32{42}}}}
	}
	if v.chance(0.4) {
		f := false
		p.Spec.HostNetwork, p.Spec.HostUsers = true, &f
	}
}

// The overlay's CSI drivers: the volume overlay's provisioner, and the AWS EBS driver that the
// in-tree awsElasticBlockStore volumes translate to.
const (
	driverCSI = "example.com/csi"
	driverEBS = "ebs.csi.aws.com"
	// labelEBSZone is the EBS CSI driver's topology key (csi-translation-lib's AWSEBSTopologyKey).
	labelEBSZone = "topology.ebs.csi.aws.com/zone"
	// ClassCSI is a WaitForFirstConsumer class of driverCSI, always present in the overlay.
	ClassCSI = "csi-wffc"
)

func cpick[T any](v *g4, xs ...T) T { return xs[v.r.Intn(len(xs))] }

// genVolumeLimits gives most nodes a CSINode with small allocatable counts, the bound Pods and the
// Pending Pod claims of CSI or EBS volumes (some shared), and a few VolumeAttachments.
func (v *g4) genVolumeLimits() {
	c := v.c
	for _, n := range c.Nodes {
		if !v.chance(0.9) {
			continue
		}
		cn := &storagev1.CSINode{TypeMeta: metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "CSINode"},
			ObjectMeta: metav1.ObjectMeta{Name: n.Name, UID: v.uid()}}
		if v.chance(0.3) {
			cn.Annotations = map[string]string{corev1.MigratedPluginsAnnotationKey: "kubernetes.io/aws-ebs"}
			if z, ok := n.Labels[LabelZone]; ok && v.chance(0.5) {
				// The EBS driver's own topology label, which a migrated PV's translation requires.
				n.Labels[labelEBSZone] = z
			}
		}
		for _, d := range []string{driverCSI, driverEBS} {
			if !v.chance(0.75) {
				continue
			}
			nd := storagev1.CSINodeDriver{Name: d, NodeID: n.Name}
			if v.chance(0.85) {
				nd.Allocatable = &storagev1.VolumeNodeResources{Count: ptr(int32(v.r.Intn(4)))}
			}
			cn.Spec.Drivers = append(cn.Spec.Drivers, nd)
		}
		c.CSINodes = append(c.CSINodes, cn)
	}
	c.CSIDrivers = append(c.CSIDrivers, &storagev1.CSIDriver{TypeMeta: metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "CSIDriver"},
		ObjectMeta: metav1.ObjectMeta{Name: driverCSI, UID: v.uid()},
		Spec:       storagev1.CSIDriverSpec{PreventPodSchedulingIfMissing: ptr(v.chance(0.5))}})
	c.StorageClasses = append(c.StorageClasses, &storagev1.StorageClass{TypeMeta: metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "StorageClass"},
		ObjectMeta: metav1.ObjectMeta{Name: ClassCSI, UID: v.uid()}, Provisioner: driverCSI,
		VolumeBindingMode: ptr(storagev1.VolumeBindingWaitForFirstConsumer)})

	// Claims of the bound Pods, each on its own volume or one another Pod of the namespace uses.
	byNS := map[string][]string{}
	for _, p := range c.Pods {
		if p == c.Pending || !v.chance(0.5) {
			continue
		}
		for k := 1 + v.r.Intn(2); k > 0; k-- {
			if shared := byNS[p.Namespace]; len(shared) > 0 && v.chance(0.25) {
				addClaimVolume(p, cpick(v, shared...))
				continue
			}
			name := v.boundClaim(p.Namespace)
			byNS[p.Namespace] = append(byNS[p.Namespace], name)
			addClaimVolume(p, name)
		}
		if v.chance(0.1) {
			v.inlineEBS(p)
		}
	}
	p := c.Pending
	for k := 1 + v.r.Intn(3); k > 0; k-- {
		switch x := v.r.Float64(); {
		case x < 0.25 && len(byNS[p.Namespace]) > 0:
			addClaimVolume(p, cpick(v, byNS[p.Namespace]...))
		case x < 0.45:
			// Unbound WaitForFirstConsumer: counted under the class's provisioner.
			name := fmt.Sprintf("csi-new%d", v.uidN())
			claim := v.pvc(p.Namespace, name)
			claim.Spec.StorageClassName = ptr(ClassCSI)
			c.PVCs = append(c.PVCs, claim)
			addClaimVolume(p, name)
		case x < 0.55:
			v.inlineEBS(p)
		default:
			addClaimVolume(p, v.boundClaim(p.Namespace))
		}
	}
	// VolumeAttachments of volumes no Pod uses any more.
	for i, n := range c.Nodes {
		if !v.chance(0.2) {
			continue
		}
		pv := v.csiPV(fmt.Sprintf("cpv-attached%d", i))
		c.PVs = append(c.PVs, pv)
		c.VolumeAttachments = append(c.VolumeAttachments, &storagev1.VolumeAttachment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "VolumeAttachment"},
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("va-%d", i), UID: v.uid()},
			Spec: storagev1.VolumeAttachmentSpec{Attacher: pv.Spec.CSI.Driver, NodeName: n.Name,
				Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr(pv.Name)}},
		})
	}
}

// uidN numbers the overlay's objects; uid makes their UIDs (apart from the base case's).
func (v *g4) uidN() int {
	v.n++
	return v.n
}

func (v *g4) uid() types.UID {
	return types.UID(fmt.Sprintf("00000000-0000-0000-0001-%012d", v.uidN()))
}

// boundClaim adds a claim in ns bound to a new CSI or in-tree EBS PV, and returns its name.
func (v *g4) boundClaim(ns string) string {
	i := v.uidN()
	var pv *corev1.PersistentVolume
	if v.chance(0.7) {
		pv = v.csiPV(fmt.Sprintf("cpv%d", i))
	} else {
		pv = v.basePV(fmt.Sprintf("ebs%d", i))
		pv.Spec.AWSElasticBlockStore = &corev1.AWSElasticBlockStoreVolumeSource{VolumeID: fmt.Sprintf("vol-%d", i)}
		if v.chance(0.4) {
			// A zone label: VolumeZone checks it, and VolumeBinding checks the node affinity the
			// CSI translation makes of it on nodes where EBS is migrated.
			pv.Labels = map[string]string{LabelZone: cpick(v, zones...)}
		}
	}
	claim := v.pvc(ns, fmt.Sprintf("csi%d", i))
	bind(claim, pv)
	v.c.PVs = append(v.c.PVs, pv)
	v.c.PVCs = append(v.c.PVCs, claim)
	return claim.Name
}

func (v *g4) csiPV(name string) *corev1.PersistentVolume {
	pv := v.basePV(name)
	pv.Spec.CSI = &corev1.CSIPersistentVolumeSource{Driver: cpick(v, driverCSI, driverCSI, driverEBS), VolumeHandle: name}
	return pv
}

// basePV is a 1Gi ReadWriteOnce PV without class, node affinity or zone labels: no other volume
// filter minds it.
func (v *g4) basePV(name string) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: v.uid()},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable},
	}
}

func (v *g4) pvc(ns, name string) *corev1.PersistentVolumeClaim {
	return &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: v.uid()},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
}

// inlineEBS gives p an inline awsElasticBlockStore volume of its own (no disk conflict).
func (v *g4) inlineEBS(p *corev1.Pod) {
	i := v.uidN()
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: fmt.Sprintf("ebs%d", i), VolumeSource: corev1.VolumeSource{
		AWSElasticBlockStore: &corev1.AWSElasticBlockStoreVolumeSource{VolumeID: fmt.Sprintf("vol-inline-%d", i)}}})
}

func addClaimVolume(p *corev1.Pod, claim string) {
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: fmt.Sprintf("v%d-%s", len(p.Spec.Volumes), claim),
		VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}})
}

// genStorageCapacity makes driverCSI opt into storage capacity (usually) and gives each of its
// classes CSIStorageCapacity objects per zone (sometimes with maximumVolumeSize, sometimes without
// nodeTopology), small enough that some claims do not fit.
func (v *g4) genStorageCapacity() {
	c := v.c
	var driver *storagev1.CSIDriver
	for _, d := range c.CSIDrivers {
		if d.Name == driverCSI {
			driver = d
		}
	}
	if driver == nil {
		driver = &storagev1.CSIDriver{TypeMeta: metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "CSIDriver"},
			ObjectMeta: metav1.ObjectMeta{Name: driverCSI, UID: v.uid()}}
		c.CSIDrivers = append(c.CSIDrivers, driver)
	}
	driver.Spec.StorageCapacity = ptr(v.chance(0.75))
	for _, sc := range c.StorageClasses {
		if sc.Provisioner != driverCSI {
			continue
		}
		for _, z := range zones {
			if !v.chance(0.7) {
				continue
			}
			capacity := &storagev1.CSIStorageCapacity{TypeMeta: metav1.TypeMeta{APIVersion: "storage.k8s.io/v1", Kind: "CSIStorageCapacity"},
				ObjectMeta:       metav1.ObjectMeta{Namespace: "kube-system", Name: fmt.Sprintf("csisc-%s-%s", sc.Name, z), UID: v.uid()},
				StorageClassName: sc.Name, Capacity: ptr(resource.MustParse(cpick(v, "0", "1Gi", "2Gi", "4Gi", "10Gi")))}
			if v.chance(0.9) {
				capacity.NodeTopology = &metav1.LabelSelector{MatchLabels: map[string]string{LabelZone: z}}
			}
			if v.chance(0.2) {
				capacity.MaximumVolumeSize = ptr(resource.MustParse(cpick(v, "1Gi", "3Gi")))
			}
			c.CSIStorageCapacities = append(c.CSIStorageCapacities, capacity)
		}
	}
}

// objects are the overlay's objects for a snapshot file.
func (o CSI) objects() []runtime.Object {
	var out []runtime.Object
	for _, x := range o.CSINodes {
		out = append(out, x)
	}
	for _, x := range o.CSIDrivers {
		out = append(out, x)
	}
	for _, x := range o.CSIStorageCapacities {
		out = append(out, x)
	}
	for _, x := range o.VolumeAttachments {
		out = append(out, x)
	}
	return out
}
