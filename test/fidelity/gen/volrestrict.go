package gen

import (
	"fmt"
	"math/rand"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// volRestrictFraction is the share of cases that get the VolumeRestrictions overlay.
const volRestrictFraction = 0.3

// nsSelectorFraction is the share of cases whose (anti-)affinity terms get namespaceSelectors
// with every operator.
const nsSelectorFraction = 0.25

// Every access mode, alone and in the combinations claims use.
var accessModeSets = [][]corev1.PersistentVolumeAccessMode{
	{corev1.ReadWriteOnce}, {corev1.ReadOnlyMany}, {corev1.ReadWriteMany}, {corev1.ReadWriteOncePod},
	{corev1.ReadWriteOnce, corev1.ReadOnlyMany}, {corev1.ReadWriteOncePod, corev1.ReadOnlyMany},
	{corev1.ReadWriteOncePod}, {corev1.ReadWriteOncePod},
}

// vrGen draws the VolumeRestrictions and namespaceSelector overlays from their own random stream.
type vrGen struct {
	*g
	r *rand.Rand
}

func (v *vrGen) chance(p float64) bool { return v.r.Float64() < p }

func wpick[T any](v *vrGen, xs ...T) T { return xs[v.r.Intn(len(xs))] }

// genVolumeRestrictions gives the Pending Pod, over a stream of its own, claims in every access
// mode (ReadWriteOncePod ones held by bound Pods, some terminating, some in another namespace
// under the same name, or by nominated Pods), in-tree disks (GCE PD, AWS EBS, RBD, iSCSI) that
// bound Pods may mount too, read-only or not, and a generic ephemeral volume shared by sibling
// Pending replicas whose claims are in different states. It also redraws the access modes of the
// volume overlay's claims and PVs over every mode.
func genVolumeRestrictions(g *g, r *rand.Rand) {
	v := &vrGen{g: g, r: r}
	main := g.r
	g.r = r
	defer func() { g.r = main }()

	c := v.c
	p := c.Pending
	var added []*corev1.Pod
	created := metav1.NewTime(time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC))
	bound := func(name, ns string, vols ...corev1.Volume) *corev1.Pod {
		if len(c.Nodes) == 0 {
			return nil
		}
		h := g.basePod(name, ns)
		h.CreationTimestamp = created
		h.Spec.NodeName = wpick(v, c.Nodes...).Name
		h.Spec.Containers = []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}
		h.Spec.Volumes = vols
		g.setPriority(h, false)
		if v.chance(0.2) {
			h.DeletionTimestamp = ptr(metav1.NewTime(created.Add(time.Hour)))
			h.DeletionGracePeriodSeconds = ptr(int64(30))
			h.Finalizers = []string{"example.com/hold"}
		}
		h.Status = corev1.PodStatus{Phase: corev1.PodRunning, StartTime: ptr(metav1.NewTime(created.Add(time.Duration(len(added)) * time.Second))),
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}}
		added = append(added, h)
		return h
	}

	if v.chance(0.8) {
		for _, pvc := range c.PVCs {
			if v.chance(0.4) {
				pvc.Spec.AccessModes = wpick(v, accessModeSets...)
			}
		}
		for _, pv := range c.PVs {
			if v.chance(0.4) {
				pv.Spec.AccessModes = wpick(v, accessModeSets...)
			}
		}
	}

	// Claims bound to PVs that fit every node, in every access mode, used by other Pods.
	for i := v.r.Intn(3); i > 0; i-- {
		name := fmt.Sprintf("rw%d", i)
		vol := claimVolume("rwvol"+fmt.Sprint(i), name)
		pvc, pv := v.boundClaim(p.Namespace, name, wpick(v, accessModeSets...))
		c.PVCs, c.PVs = append(c.PVCs, pvc), append(c.PVs, pv)
		p.Spec.Volumes = append(p.Spec.Volumes, vol)
		for k := v.r.Intn(3); k > 0; k-- {
			ns := p.Namespace
			if v.chance(0.2) {
				ns = wpick(v, g.namespaces...) // the same claim name elsewhere is another claim
			}
			bound(fmt.Sprintf("holder-%s-%d", name, k), ns, claimVolume("data", name))
		}
		if v.chance(0.25) && len(c.Nodes) > 0 {
			// A nominated Pod naming the claim: counted only while the plugin runs (Skip otherwise).
			n := g.basePod("nominated-"+name, p.Namespace)
			n.Spec.Containers = []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}
			n.Spec.Volumes = []corev1.Volume{claimVolume("data", name)}
			n.Spec.PriorityClassName, n.Spec.Priority, n.Spec.PreemptionPolicy = p.Spec.PriorityClassName, p.Spec.Priority, p.Spec.PreemptionPolicy
			n.CreationTimestamp = created
			n.Status = corev1.PodStatus{Phase: corev1.PodPending, NominatedNodeName: wpick(v, c.Nodes...).Name,
				Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}}
			added = append(added, n)
		}
	}

	// In-tree disks over a small vocabulary; bound Pods mostly mount one of the Pending Pod's,
	// read-only or not (RBD sometimes through other monitors).
	var disks []corev1.Volume
	for i := v.r.Intn(3); i > 0; i-- {
		vol := v.inTreeDisk(fmt.Sprintf("disk%d", i))
		p.Spec.Volumes = append(p.Spec.Volumes, vol)
		disks = append(disks, vol)
	}
	if v.chance(0.8) {
		for k := 1 + v.r.Intn(3); k > 0; k-- {
			vol := v.inTreeDisk("d")
			if len(disks) > 0 && v.chance(0.75) {
				src := wpick(v, disks...)
				vol = *src.DeepCopy()
				vol.Name = "d"
				v.toggleReadOnly(&vol)
			}
			bound(fmt.Sprintf("disk-user-%d", k), wpick(v, g.namespaces...), vol)
		}
	}

	if v.chance(0.5) {
		v.genEphemeralReplicas(&added)
	}
	// Before the Pod under test, which stays last.
	pods := c.Pods[: len(c.Pods)-1 : len(c.Pods)-1]
	c.Pods = append(append(pods, added...), p)
}

func claimVolume(name, claim string) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}
}

// boundClaim is a claim bound to a hostPath PV of its own (no node affinity, no class).
func (v *vrGen) boundClaim(ns, name string, modes []corev1.PersistentVolumeAccessMode) (*corev1.PersistentVolumeClaim, *corev1.PersistentVolume) {
	pv := &corev1.PersistentVolume{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolume"},
		ObjectMeta: metav1.ObjectMeta{Name: "pv-" + ns + "-" + name, UID: v.nextUID()},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("20Gi")},
			AccessModes:                   modes,
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			PersistentVolumeSource:        corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/mnt/" + name}},
		},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeAvailable},
	}
	pvc := &corev1.PersistentVolumeClaim{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "PersistentVolumeClaim"},
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: v.nextUID()},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: modes,
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
	}
	bind(pvc, pv)
	return pvc, pv
}

// inTreeDisk is one of the in-tree volumes VolumeRestrictions compares, read-only or not.
func (v *vrGen) inTreeDisk(name string) corev1.Volume {
	ro := v.chance(0.4)
	id := wpick(v, "1", "1", "2")
	var src corev1.VolumeSource
	switch v.r.Intn(4) {
	case 0:
		src.GCEPersistentDisk = &corev1.GCEPersistentDiskVolumeSource{PDName: "pd-" + id, FSType: "ext4", ReadOnly: ro}
	case 1:
		src.AWSElasticBlockStore = &corev1.AWSElasticBlockStoreVolumeSource{VolumeID: "vol-" + id, FSType: "ext4", ReadOnly: ro}
	case 2:
		mons := [][]string{{"10.0.0.1:6789"}, {"10.0.0.2:6789"}, {"10.0.0.1:6789", "10.0.0.2:6789"}}
		src.RBD = &corev1.RBDVolumeSource{CephMonitors: wpick(v, mons...), RBDImage: "img-" + id, RBDPool: wpick(v, "rbd", "rbd", "other"),
			FSType: "ext4", RadosUser: "admin", Keyring: "/etc/ceph/keyring", ReadOnly: ro}
	default:
		src.ISCSI = &corev1.ISCSIVolumeSource{TargetPortal: "10.0.0.9:3260", IQN: "iqn.2026-01.example:disk-" + id, Lun: 0,
			ISCSIInterface: "default", FSType: "ext4", ReadOnly: ro}
	}
	return corev1.Volume{Name: name, VolumeSource: src}
}

// toggleReadOnly redraws a disk's readOnly flag (and an RBD disk's monitors).
func (v *vrGen) toggleReadOnly(vol *corev1.Volume) {
	ro := v.chance(0.5)
	switch {
	case vol.GCEPersistentDisk != nil:
		vol.GCEPersistentDisk.ReadOnly = ro
	case vol.AWSElasticBlockStore != nil:
		vol.AWSElasticBlockStore.ReadOnly = ro
	case vol.ISCSI != nil:
		vol.ISCSI.ReadOnly = ro
	case vol.RBD != nil:
		vol.RBD.ReadOnly = ro
		if v.chance(0.3) {
			vol.RBD.CephMonitors = []string{wpick(v, "10.0.0.1:6789", "10.0.0.3:6789")}
		}
	}
}

// genEphemeralReplicas makes the Pending Pod a ReplicaSet replica with a generic ephemeral volume
// and adds one or two sibling replicas, Pending too; each replica's claim (<pod>-scratch) is
// missing, not owned by it, bound to a PV (on one node or any) or owned and unbound.
func (v *vrGen) genEphemeralReplicas(added *[]*corev1.Pod) {
	c := v.c
	p := c.Pending
	rs := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f", UID: "00000000-0000-0000-0000-00000000beef",
		Controller: ptr(true), BlockOwnerDeletion: ptr(true)}
	tmpl := corev1.PersistentVolumeClaimSpec{AccessModes: wpick(v, accessModeSets...),
		Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}
	p.OwnerReferences = append(p.OwnerReferences, rs)
	p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "scratch", VolumeSource: corev1.VolumeSource{
		Ephemeral: &corev1.EphemeralVolumeSource{VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{Spec: tmpl}}}})
	replicas := []*corev1.Pod{p}
	for i := 1 + v.r.Intn(2); i > 0; i-- {
		s := p.DeepCopy()
		s.Name, s.UID = fmt.Sprintf("%s-r%d", p.Name, i), v.nextUID()
		s.Status = corev1.PodStatus{Phase: corev1.PodPending}
		replicas = append(replicas, s)
		*added = append(*added, s)
	}
	for _, r := range replicas {
		name := r.Name + "-scratch"
		switch x := v.r.Float64(); {
		case x < 0.25: // missing: waiting for the ephemeral volume controller
		case x < 0.35: // a claim of that name the Pod does not own
			pvc, pv := v.boundClaim(r.Namespace, name, tmpl.AccessModes)
			c.PVCs, c.PVs = append(c.PVCs, pvc), append(c.PVs, pv)
		default:
			pvc, pv := v.boundClaim(r.Namespace, name, tmpl.AccessModes)
			pvc.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: r.Name, UID: r.UID,
				Controller: ptr(true), BlockOwnerDeletion: ptr(true)}}
			if v.chance(0.5) && len(c.Nodes) > 0 {
				pv.Spec.HostPath, pv.Spec.Local = nil, &corev1.LocalVolumeSource{Path: "/mnt/" + name}
				pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: LabelHostname, Operator: corev1.NodeSelectorOpIn,
						Values: []string{wpick(v, c.Nodes...).Name}}}}}}}
			}
			c.PVCs, c.PVs = append(c.PVCs, pvc), append(c.PVs, pv)
		}
	}
}

// genNamespaceSelectors gives the Pending Pod's required (anti-)affinity terms, and some bound
// Pods' anti-affinity terms, namespaceSelectors drawn over every operator (In, NotIn, Exists,
// DoesNotExist, matchLabels, and mixes), sometimes with namespaces beside them.
func genNamespaceSelectors(g *g, r *rand.Rand) {
	v := &vrGen{g: g, r: r}
	main := g.r
	g.r = r
	defer func() { g.r = main }()

	p := v.c.Pending
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	a := p.Spec.Affinity
	if a.PodAffinity == nil && v.chance(0.5) {
		a.PodAffinity = &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{g.podAffinityTerm(p)}}
	}
	if a.PodAntiAffinity == nil && v.chance(0.6) {
		a.PodAntiAffinity = &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{g.podAffinityTerm(p)}}
	}
	set := func(terms []corev1.PodAffinityTerm) {
		for i := range terms {
			if v.chance(0.7) {
				terms[i].NamespaceSelector = v.nsSelector()
				terms[i].Namespaces = nil
				if v.chance(0.2) {
					terms[i].Namespaces = []string{wpick(v, g.namespaces...)}
				}
			}
		}
	}
	if a.PodAffinity != nil {
		set(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
	}
	if a.PodAntiAffinity != nil {
		set(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
	}
	if a.PodAffinity == nil && a.PodAntiAffinity == nil && a.NodeAffinity == nil {
		p.Spec.Affinity = nil
	}
	for _, e := range v.c.Pods {
		if e == p || e.Spec.Affinity == nil || e.Spec.Affinity.PodAntiAffinity == nil {
			continue
		}
		set(e.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
	}
	// Pods like the Pending one in the other namespaces, so which namespaces a term looks in
	// decides more often.
	if len(v.c.Nodes) == 0 || !v.chance(0.7) {
		return
	}
	created := metav1.NewTime(time.Date(2026, 1, 2, 3, 45, 0, 0, time.UTC))
	var added []*corev1.Pod
	for k := 1 + v.r.Intn(3); k > 0; k-- {
		ns := wpick(v, g.namespaces...)
		if ns == p.Namespace {
			continue
		}
		e := g.basePod(fmt.Sprintf("elsewhere%d", k), ns)
		e.Labels = map[string]string{}
		for lk, lv := range p.Labels {
			e.Labels[lk] = lv
		}
		e.CreationTimestamp = created
		e.Spec.NodeName = wpick(v, v.c.Nodes...).Name
		e.Spec.Containers = []corev1.Container{{Name: "app", Image: "registry.example/app:1"}}
		g.setPriority(e, false)
		e.Status = corev1.PodStatus{Phase: corev1.PodRunning, StartTime: ptr(created),
			Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}}
		added = append(added, e)
	}
	pods := v.c.Pods[: len(v.c.Pods)-1 : len(v.c.Pods)-1]
	v.c.Pods = append(append(pods, added...), p)
}

// nsSelector is a namespaceSelector over the namespaces' labels (team, env) with any operator.
func (v *vrGen) nsSelector() *metav1.LabelSelector {
	req := func() metav1.LabelSelectorRequirement {
		key := wpick(v, "team", "team", "env", "kubernetes.io/metadata.name")
		vals := map[string][]string{"team": {"a", "b"}, "env": {"prod", "dev"}, "kubernetes.io/metadata.name": {"default", "team-a", "team-b"}}[key]
		switch op := wpick(v, metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn, metav1.LabelSelectorOpNotIn,
			metav1.LabelSelectorOpExists, metav1.LabelSelectorOpDoesNotExist, metav1.LabelSelectorOpDoesNotExist); op {
		case metav1.LabelSelectorOpIn, metav1.LabelSelectorOpNotIn:
			return metav1.LabelSelectorRequirement{Key: key, Operator: op, Values: []string{wpick(v, vals...)}}
		default:
			return metav1.LabelSelectorRequirement{Key: key, Operator: op}
		}
	}
	s := &metav1.LabelSelector{}
	if v.chance(0.15) {
		s.MatchLabels = map[string]string{"team": wpick(v, "a", "b")}
	}
	for k := 1 + v.r.Intn(2); k > 0; k-- {
		s.MatchExpressions = append(s.MatchExpressions, req())
	}
	return s
}
