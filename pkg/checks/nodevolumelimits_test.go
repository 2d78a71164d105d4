package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

func TestNodeVolumeLimits(t *testing.T) {
	const driver, ebs = "example.com/csi", "ebs.csi.aws.com"
	csiNode := func(name string, limits map[string]int32) *storagev1.CSINode {
		n := &storagev1.CSINode{ObjectMeta: metav1.ObjectMeta{Name: name}}
		for d, l := range limits {
			n.Spec.Drivers = append(n.Spec.Drivers, storagev1.CSINodeDriver{Name: d, NodeID: name, Allocatable: &storagev1.VolumeNodeResources{Count: &l}})
		}
		return n
	}
	csiPV := func(name, handle string) *corev1.PersistentVolume {
		return &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PersistentVolumeSpec{
			PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: driver, VolumeHandle: handle}}}}
	}
	ebsPV := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-ebs"}, Spec: corev1.PersistentVolumeSpec{
		PersistentVolumeSource: corev1.PersistentVolumeSource{AWSElasticBlockStore: &corev1.AWSElasticBlockStoreVolumeSource{VolumeID: "vol-1"}}}}
	bound := func(name, pv string) *corev1.PersistentVolumeClaim {
		return &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: pv}}
	}
	class := "csi"
	unbound := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "new"}, Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &class}}
	claims := func(names ...string) fixture.PodOption {
		return func(p *corev1.Pod) {
			for _, n := range names {
				p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: n, VolumeSource: corev1.VolumeSource{
					PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: n}}})
			}
		}
	}
	prevent := true
	base := func() *snapshot.Snapshot {
		return &snapshot.Snapshot{
			Nodes:          []*corev1.Node{fixture.Node("n1")},
			PVs:            []*corev1.PersistentVolume{csiPV("pv-a", "a"), csiPV("pv-b", "b"), csiPV("pv-c", "c"), ebsPV},
			PVCs:           []*corev1.PersistentVolumeClaim{bound("a", "pv-a"), bound("b", "pv-b"), bound("c", "pv-c"), bound("ebs", "pv-ebs"), unbound},
			StorageClasses: []*storagev1.StorageClass{{ObjectMeta: metav1.ObjectMeta{Name: class}, Provisioner: driver}},
			CSINodes:       []*storagev1.CSINode{csiNode("n1", map[string]int32{driver: 2, ebs: 1})},
			CSIDrivers:     []*storagev1.CSIDriver{{ObjectMeta: metav1.ObjectMeta{Name: "other.csi"}, Spec: storagev1.CSIDriverSpec{PreventPodSchedulingIfMissing: &prevent}}},
		}
	}
	exceeded := func(d string, limit int64, attached, n int) *Status {
		return &Status{Plugin: PluginNodeVolumeLimits, Code: Unschedulable, Reasons: []string{ReasonMaxVolumeCountExceeded},
			Blockers: []Blocker{{Plugin: PluginNodeVolumeLimits, Kind: KindVolumeLimitExceeded,
				VolumeLimit: &VolumeLimitEvidence{Driver: d, Limit: limit, Attached: attached, New: n}}}}
	}
	tests := []struct {
		name     string
		change   func(s *snapshot.Snapshot)
		pod      *corev1.Pod
		mustHave bool
		want     *Status
	}{
		{name: "within the limit", pod: fixture.Pod("ns", "p", claims("a", "b"))},
		{name: "over the limit", pod: fixture.Pod("ns", "p", claims("a", "b", "c")), want: exceeded(driver, 2, 0, 3)},
		{name: "a volume the node's Pods hold counts once", pod: fixture.Pod("ns", "p", claims("a", "c")),
			change: func(s *snapshot.Snapshot) {
				s.Pods = append(s.Pods, fixture.Pod("ns", "q", fixture.On("n1"), claims("a")))
			}},
		{name: "attached by another Pod", pod: fixture.Pod("ns", "p", claims("c", "new")),
			change: func(s *snapshot.Snapshot) {
				s.Pods = append(s.Pods, fixture.Pod("ns", "q", fixture.On("n1"), claims("a")))
			},
			want: exceeded(driver, 2, 1, 2)},
		{name: "a VolumeAttachment counts", pod: fixture.Pod("ns", "p", claims("c", "b")),
			change: func(s *snapshot.Snapshot) {
				pv := "pv-a"
				s.VolumeAttachments = []*storagev1.VolumeAttachment{{ObjectMeta: metav1.ObjectMeta{Name: "va"}, Spec: storagev1.VolumeAttachmentSpec{
					Attacher: driver, NodeName: "n1", Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: &pv}}}}
			},
			want: exceeded(driver, 2, 1, 2)},
		{name: "in-tree EBS translated to its CSI driver", pod: fixture.Pod("ns", "p", claims("ebs")),
			change: func(s *snapshot.Snapshot) {
				ebsPV2 := ebsPV.DeepCopy()
				ebsPV2.Name, ebsPV2.Spec.AWSElasticBlockStore.VolumeID = "pv-ebs2", "vol-2"
				s.PVs = append(s.PVs, ebsPV2)
				s.PVCs = append(s.PVCs, bound("ebs2", "pv-ebs2"))
				s.Pods = append(s.Pods, fixture.Pod("ns", "q", fixture.On("n1"), claims("ebs2")))
			},
			want: exceeded(ebs, 1, 1, 1)},
		{name: "no CSINode: in-tree volumes are not migrated, no limits", pod: fixture.Pod("ns", "p", claims("a", "b", "c")),
			change: func(s *snapshot.Snapshot) { s.CSINodes = []*storagev1.CSINode{} }},
		{name: "CSINodes not read: silent", pod: fixture.Pod("ns", "p", claims("a", "b", "c")),
			change: func(s *snapshot.Snapshot) { s.CSINodes = nil }},
		{name: "driver not installed (VolumeLimitScaling)", pod: fixture.Pod("ns", "p", claims("a", "b", "c")), mustHave: true,
			change: func(s *snapshot.Snapshot) {
				s.CSIDrivers[0].Name = driver
				s.CSINodes[0].Spec.Drivers = s.CSINodes[0].Spec.Drivers[:0]
			},
			want: &Status{Plugin: PluginNodeVolumeLimits, Code: Unschedulable, Reasons: []string{"example.com/csi CSI driver is not installed on the node"},
				Blockers: []Blocker{{Plugin: PluginNodeVolumeLimits, Kind: KindCSIDriverNotInstalled, VolumeLimit: &VolumeLimitEvidence{Driver: driver}}}}},
		{name: "driver not installed is not checked in 1.36", pod: fixture.Pod("ns", "p", claims("a", "b", "c")),
			change: func(s *snapshot.Snapshot) {
				s.CSIDrivers[0].Name = driver
				s.CSINodes[0].Spec.Drivers = s.CSINodes[0].Spec.Drivers[:0]
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			if tt.change != nil {
				tt.change(s)
			}
			c := NewCluster(s)
			pl := NodeVolumeLimits{DriverMustBeInstalled: tt.mustHave}
			cs := newCycleState(tt.pod)
			pl.PreFilter(cs, tt.pod, c)
			if diff := cmp.Diff(tt.want, pl.Filter(cs, c.Node("n1"))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
