package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

func TestCheckVolumeBinding(t *testing.T) {
	const wffc = storagev1.VolumeBindingWaitForFirstConsumer
	rwo, rwx := corev1.ReadWriteOnce, corev1.ReadWriteMany
	local := fixture.StorageClass("local", wffc)
	local.Provisioner = "kubernetes.io/no-provisioner"
	zonal := fixture.StorageClass("zonal", wffc)
	zonal.AllowedTopologies = []corev1.TopologySelectorTerm{{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{
		{Key: "topology.kubernetes.io/zone", Values: []string{"b"}}}}}
	anywhere := fixture.StorageClass("anywhere", wffc)
	classes := []*storagev1.StorageClass{local, zonal, anywhere}

	node := fixture.Node("n1", fixture.Labels("kubernetes.io/hostname", "n1"), fixture.Zone("a"))
	onHost := func(h string) fixture.PVOption {
		return fixture.PVNodeAffinity(fixture.Expr("kubernetes.io/hostname", corev1.NodeSelectorOpIn, h))
	}
	pod := func(claims ...string) *corev1.Pod {
		var opts []fixture.PodOption
		for _, c := range claims {
			opts = append(opts, fixture.ClaimVolume("v-"+c, c))
		}
		return fixture.Pod("ns", "p", opts...)
	}
	bound := func(name, pv string) *corev1.PersistentVolumeClaim {
		return fixture.PVC("ns", name, fixture.ClaimClass("local"), fixture.BoundTo(pv))
	}
	unbound := func(name, class, size string, opts ...fixture.PVCOption) *corev1.PersistentVolumeClaim {
		return fixture.PVC("ns", name, append([]fixture.PVCOption{fixture.ClaimClass(class), fixture.ClaimRequest(size, rwo)}, opts...)...)
	}
	hostname := "n1"
	status := func(reasons []string, blockers ...Blocker) *Status {
		return &Status{Plugin: PluginVolumeBinding, Code: UnschedulableAndUnresolvable, Reasons: reasons, Blockers: blockers}
	}
	blocker := func(kind BlockerKind, e VolumeEvidence) Blocker {
		return Blocker{Plugin: PluginVolumeBinding, Kind: kind, Volume: &e}
	}
	noVolume := func(pvc string, candidates int) Blocker {
		return blocker(KindVolumeBindConflict, VolumeEvidence{PVC: "ns/" + pvc, StorageClass: "local",
			Provisioner: "kubernetes.io/no-provisioner", Conflict: BindNoProvisioner, CandidatePVs: candidates})
	}
	bindConflict := []string{ReasonVolumeBindConflict}

	tests := []struct {
		name  string
		pod   *corev1.Pod
		pvcs  []*corev1.PersistentVolumeClaim
		pvs   []*corev1.PersistentVolume // nil: unreadable
		want  *Status
		noPVs bool
	}{
		{name: "no volumes", pod: pod(), pvs: []*corev1.PersistentVolume{}},
		{name: "bound, PV on this node", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{bound("data", "pv1")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "1Gi", onHost("n1"))}},
		{name: "bound, PV on another node", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{bound("data", "pv1")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "1Gi", onHost("n2"))},
			want: status([]string{ReasonVolumeNodeConflict}, blocker(KindVolumeNodeConflict, VolumeEvidence{PVC: "ns/data", PV: "pv1",
				NodeAffinity: []TermMismatch{{Term: 0, Failed: []ExpressionMismatch{{
					Requirement: fixture.Expr("kubernetes.io/hostname", corev1.NodeSelectorOpIn, "n2"), Actual: &hostname}}}}}))},
		{name: "bound, PVs unreadable: not judged", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{bound("data", "pv1")}},
		{name: "bound in-tree volume the scheduler may translate: not judged", pod: pod("data"),
			pvcs: []*corev1.PersistentVolumeClaim{bound("data", "pv1")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "1Gi", onHost("n2"), func(pv *corev1.PersistentVolume) {
				pv.Spec.Local, pv.Spec.GCEPersistentDisk = nil, &corev1.GCEPersistentDiskVolumeSource{PDName: "d"}
			})}},
		{name: "ephemeral claim bound to a missing PV", pod: fixture.Pod("ns", "p", fixture.EphemeralVolume("scratch")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "p-scratch", fixture.ClaimOwnedBy(fixture.Pod("ns", "p")), fixture.BoundTo("gone"))},
			pvs:  []*corev1.PersistentVolume{},
			want: status([]string{ReasonVolumePVNotExist}, blocker(KindVolumeMissingPV, VolumeEvidence{PVC: "ns/p-scratch", PV: "gone"}))},
		{name: "unbound, a free PV fits", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "local", "1Gi")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "2Gi", onHost("n1"))}},
		{name: "unbound, PV too small", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "local", "5Gi")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "2Gi", onHost("n1"))}, want: status(bindConflict, noVolume("data", 1))},
		{name: "unbound, PV on another node", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "local", "1Gi")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "2Gi", onHost("n2"))}, want: status(bindConflict, noVolume("data", 1))},
		{name: "unbound, access mode missing", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "local", "1Gi", fixture.ClaimRequest("1Gi", rwx))},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "2Gi")}, want: status(bindConflict, noVolume("data", 1))},
		{name: "unbound, the PV is another claim's", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "local", "1Gi")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "2Gi", fixture.PVClaimedBy("ns", "other"))}, want: status(bindConflict, noVolume("data", 1))},
		{name: "unbound, PV of another class", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "local", "1Gi")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "", "2Gi")}, want: status(bindConflict, noVolume("data", 0))},
		{name: "unbound, selector does not match", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "local", "1Gi", func(c *corev1.PersistentVolumeClaim) {
			c.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "fast"}}
		})}, pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "2Gi")}, want: status(bindConflict, noVolume("data", 1))},
		{name: "unbound, pre-bound PV elsewhere wins over a free one here", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "local", "1Gi")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "2Gi", onHost("n2"), func(pv *corev1.PersistentVolume) {
				pv.Spec.ClaimRef = &corev1.ObjectReference{Namespace: "ns", Name: "data"}
			}), fixture.PV("pv2", "local", "2Gi")}, want: status(bindConflict, noVolume("data", 2))},
		{name: "two claims, one PV", pod: pod("a", "b"), pvcs: []*corev1.PersistentVolumeClaim{unbound("a", "local", "2Gi"), unbound("b", "local", "1Gi")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "2Gi")}, want: status(bindConflict, noVolume("a", 1))},
		{name: "two claims, two PVs, smallest request first", pod: pod("a", "b"), pvcs: []*corev1.PersistentVolumeClaim{unbound("a", "local", "2Gi"), unbound("b", "local", "1Gi")},
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "local", "2Gi"), fixture.PV("pv2", "local", "1Gi")}},
		{name: "provisioning outside allowedTopologies", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "zonal", "1Gi")},
			pvs: []*corev1.PersistentVolume{}, want: status(bindConflict, blocker(KindVolumeBindConflict, VolumeEvidence{PVC: "ns/data",
				StorageClass: "zonal", Provisioner: "example.com/csi", Conflict: BindAllowedTopologies, AllowedTopologies: zonal.AllowedTopologies}))},
		{name: "provisioning anywhere", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "anywhere", "1Gi")}, pvs: []*corev1.PersistentVolume{}},
		{name: "provisioning needs no PVs", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "zonal", "1Gi", fixture.ClaimSelectedNode("n1"))},
			want: status(bindConflict, blocker(KindVolumeBindConflict, VolumeEvidence{PVC: "ns/data", StorageClass: "zonal", Provisioner: "example.com/csi",
				Conflict: BindAllowedTopologies, AllowedTopologies: zonal.AllowedTopologies, SelectedNode: "n1"}))},
		{name: "PVs unreadable: matching not judged", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "local", "1Gi")}},
		{name: "selected for another node", pod: pod("data"), pvcs: []*corev1.PersistentVolumeClaim{unbound("data", "anywhere", "1Gi", fixture.ClaimSelectedNode("n2"))},
			pvs: []*corev1.PersistentVolume{}, want: status(bindConflict, blocker(KindVolumeBindConflict, VolumeEvidence{PVC: "ns/data",
				StorageClass: "anywhere", Conflict: BindSelectedNode, SelectedNode: "n2"}))},
		{name: "node conflict and bind conflict, in the plugin's order", pod: pod("data", "new"),
			pvcs: []*corev1.PersistentVolumeClaim{bound("data", "pv1"), unbound("new", "local", "1Gi")},
			pvs:  []*corev1.PersistentVolume{fixture.PV("pv1", "local", "1Gi", onHost("n2"), fixture.PVClaimedBy("ns", "data"))},
			want: status([]string{ReasonVolumeNodeConflict, ReasonVolumeBindConflict},
				blocker(KindVolumeNodeConflict, VolumeEvidence{PVC: "ns/data", PV: "pv1", NodeAffinity: []TermMismatch{{Term: 0, Failed: []ExpressionMismatch{{
					Requirement: fixture.Expr("kubernetes.io/hostname", corev1.NodeSelectorOpIn, "n2"), Actual: &hostname}}}}}),
				noVolume("new", 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &snapshot.Snapshot{Nodes: []*corev1.Node{node}, Pods: []*corev1.Pod{tt.pod}, PVCs: tt.pvcs, StorageClasses: classes, PVs: tt.pvs}
			if s.PVCs == nil {
				s.PVCs = []*corev1.PersistentVolumeClaim{}
			}
			c := NewCluster(s)
			cs, rej := DefaultProfile.PreFilter(tt.pod, c)
			if rej != nil {
				t.Fatalf("PreFilter rejected: %+v", rej)
			}
			if diff := cmp.Diff(tt.want, VolumeBinding{}.Filter(cs, c.Node("n1"))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// A bound claim whose PV is gone never reaches the filter: VolumeZone's PreFilter looks the PV up
// first (verified against the scheduler by the differential test).
func TestPreFilterMissingPV(t *testing.T) {
	pod := fixture.Pod("ns", "p", fixture.ClaimVolume("v", "data"))
	s := &snapshot.Snapshot{Pods: []*corev1.Pod{pod}, StorageClasses: []*storagev1.StorageClass{},
		PVCs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.BoundTo("gone"))}}
	if _, rej := DefaultProfile.PreFilter(pod, NewCluster(s)); rej != nil {
		t.Errorf("PVs unreadable: want no rejection, got %+v", rej)
	}
	s.PVs = []*corev1.PersistentVolume{}
	want := &PreFilterRejection{Plugin: PluginVolumeZone, Code: UnschedulableAndUnresolvable, Reason: `persistentvolume "gone" not found`, PVC: "ns/data"}
	if _, rej := DefaultProfile.PreFilter(pod, NewCluster(s)); !cmp.Equal(rej, want) {
		t.Errorf("got %+v, want %+v", rej, want)
	}
}

// TestVolumeBindingStorageCapacity: a CSIDriver with storageCapacity needs a CSIStorageCapacity
// of the class, reaching the node, with room for the claim.
func TestVolumeBindingStorageCapacity(t *testing.T) {
	node := fixture.Node("n1", fixture.Zone("a"))
	class := fixture.StorageClass("csi", storagev1.VolumeBindingWaitForFirstConsumer)
	pod := fixture.Pod("ns", "p", fixture.ClaimVolume("v", "data"))
	claim := fixture.PVC("ns", "data", fixture.ClaimClass("csi"), fixture.ClaimRequest("10Gi", corev1.ReadWriteOnce))
	yes := true
	driver := &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: "example.com/csi"}, Spec: storagev1.CSIDriverSpec{StorageCapacity: &yes}}
	capacity := func(class, size, maxSize string, zone string) *storagev1.CSIStorageCapacity {
		c := &storagev1.CSIStorageCapacity{ObjectMeta: metav1.ObjectMeta{Namespace: "kube-system", Name: "cap-" + zone + size},
			StorageClassName: class, Capacity: ptr.To(resource.MustParse(size))}
		if maxSize != "" {
			c.MaximumVolumeSize = ptr.To(resource.MustParse(maxSize))
		}
		if zone != "" {
			c.NodeTopology = &metav1.LabelSelector{MatchLabels: map[string]string{"topology.kubernetes.io/zone": zone}}
		}
		return c
	}
	short := func(best *resource.Quantity) *Status {
		return &Status{Plugin: PluginVolumeBinding, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonVolumeNotEnoughSpace},
			Blockers: []Blocker{{Plugin: PluginVolumeBinding, Kind: KindVolumeNotEnoughStorage, Volume: &VolumeEvidence{PVC: "ns/data",
				StorageClass: "csi", Provisioner: "example.com/csi", StorageRequested: ptr.To(resource.MustParse("10Gi")), BestCapacity: best}}}}
	}
	tests := []struct {
		name       string
		drivers    []*storagev1.CSIDriver
		capacities []*storagev1.CSIStorageCapacity
		want       *Status
	}{
		{name: "enough in the node's zone", drivers: []*storagev1.CSIDriver{driver}, capacities: []*storagev1.CSIStorageCapacity{capacity("csi", "20Gi", "", "a")}},
		{name: "too little", drivers: []*storagev1.CSIDriver{driver},
			capacities: []*storagev1.CSIStorageCapacity{capacity("csi", "5Gi", "", "a"), capacity("csi", "8Gi", "", "a"), capacity("csi", "50Gi", "", "b")},
			want:       short(ptr.To(resource.MustParse("8Gi")))},
		{name: "maximumVolumeSize wins over capacity", drivers: []*storagev1.CSIDriver{driver},
			capacities: []*storagev1.CSIStorageCapacity{capacity("csi", "50Gi", "4Gi", "a")}, want: short(ptr.To(resource.MustParse("4Gi")))},
		{name: "another class, or no topology, reaches nothing", drivers: []*storagev1.CSIDriver{driver},
			capacities: []*storagev1.CSIStorageCapacity{capacity("other", "50Gi", "", "a"), capacity("csi", "50Gi", "", "")}, want: short(nil)},
		{name: "driver without storageCapacity", drivers: []*storagev1.CSIDriver{}, capacities: []*storagev1.CSIStorageCapacity{}},
		{name: "CSIDrivers not read", capacities: []*storagev1.CSIStorageCapacity{}},
		{name: "capacities not read", drivers: []*storagev1.CSIDriver{driver}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &snapshot.Snapshot{Nodes: []*corev1.Node{node}, Pods: []*corev1.Pod{pod}, PVCs: []*corev1.PersistentVolumeClaim{claim},
				StorageClasses: []*storagev1.StorageClass{class}, PVs: []*corev1.PersistentVolume{},
				CSIDrivers: tt.drivers, CSIStorageCapacities: tt.capacities}
			checkVolumeBindingOnN1(t, s, pod, tt.want)
		})
	}
}

// TestVolumeBindingInTreeTranslation: a bound in-tree PV is judged by its CSI translation on a
// node whose CSINode lists the plugin as migrated, and as it is elsewhere.
func TestVolumeBindingInTreeTranslation(t *testing.T) {
	node := fixture.Node("n1", fixture.Zone("a"))
	pod := fixture.Pod("ns", "p", fixture.ClaimVolume("v", "data"))
	claim := fixture.PVC("ns", "data", fixture.BoundTo("pd"))
	pd := fixture.PV("pd", "", "1Gi", func(pv *corev1.PersistentVolume) {
		pv.Spec.Local, pv.Spec.NodeAffinity = nil, nil
		pv.Spec.GCEPersistentDisk = &corev1.GCEPersistentDiskVolumeSource{PDName: "disk"}
		pv.Labels = map[string]string{"topology.kubernetes.io/zone": "a"}
	})
	migrated := &storagev1.CSINode{ObjectMeta: metav1.ObjectMeta{Name: "n1",
		Annotations: map[string]string{corev1.MigratedPluginsAnnotationKey: "kubernetes.io/aws-ebs,kubernetes.io/gce-pd"}}}
	gkeZone := corev1.NodeSelectorRequirement{Key: "topology.gke.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}
	for _, tt := range []struct {
		name     string
		csiNodes []*storagev1.CSINode
		want     *Status
	}{
		{name: "CSINodes not read: not judged"},
		{name: "not migrated on the node: the PV as it is", csiNodes: []*storagev1.CSINode{}},
		{name: "migrated: the translation's node affinity", csiNodes: []*storagev1.CSINode{migrated},
			want: &Status{Plugin: PluginVolumeBinding, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonVolumeNodeConflict},
				Blockers: []Blocker{{Plugin: PluginVolumeBinding, Kind: KindVolumeNodeConflict, Volume: &VolumeEvidence{PVC: "ns/data", PV: "pd",
					NodeAffinity: []TermMismatch{{Term: 0, Failed: []ExpressionMismatch{{Requirement: gkeZone}}}}}}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := &snapshot.Snapshot{Nodes: []*corev1.Node{node}, Pods: []*corev1.Pod{pod}, PVCs: []*corev1.PersistentVolumeClaim{claim},
				StorageClasses: []*storagev1.StorageClass{}, PVs: []*corev1.PersistentVolume{pd}, CSINodes: tt.csiNodes}
			checkVolumeBindingOnN1(t, s, pod, tt.want)
		})
	}
}

// checkVolumeBindingOnN1 runs the default profile's PreFilter and VolumeBinding's Filter on node n1.
func checkVolumeBindingOnN1(t *testing.T, s *snapshot.Snapshot, pod *corev1.Pod, want *Status) {
	t.Helper()
	c := NewCluster(s)
	cs, rej := DefaultProfile.PreFilter(pod, c)
	if rej != nil {
		t.Fatalf("PreFilter rejected: %+v", rej)
	}
	if diff := cmp.Diff(want, VolumeBinding{}.Filter(cs, c.Node("n1"))); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
