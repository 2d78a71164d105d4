package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

func TestPreFilterVolumes(t *testing.T) {
	const wffc, immediate = storagev1.VolumeBindingWaitForFirstConsumer, storagev1.VolumeBindingImmediate
	classes := []*storagev1.StorageClass{fixture.StorageClass("local", wffc), fixture.StorageClass("fast", immediate),
		fixture.StorageClass("broken", "")}
	pod := func(opts ...fixture.PodOption) *corev1.Pod { return fixture.Pod("ns", "p", opts...) }
	owned := fixture.ClaimOwnedBy(pod())
	rej := func(plugin, pvc, reason string) *PreFilterRejection {
		return &PreFilterRejection{Plugin: plugin, Code: UnschedulableAndUnresolvable, Reason: reason, PVC: "ns/" + pvc}
	}
	tests := []struct {
		name      string
		pod       *corev1.Pod
		pvcs      []*corev1.PersistentVolumeClaim // nil: PVCs unreadable
		noClasses bool
		want      *PreFilterRejection
	}{
		{name: "no volumes", pod: pod(), pvcs: []*corev1.PersistentVolumeClaim{}},
		{name: "PVCs unreadable", pod: pod(fixture.ClaimVolume("v", "data"))},
		{name: "bound claim", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.BoundTo("pv1"))}},
		{name: "missing claim: VolumeRestrictions", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("other", "data")},
			want: rej(PluginVolumeRestrictions, "data", `persistentvolumeclaim "data" not found`)},
		{name: "VolumeRestrictions runs before VolumeBinding", pod: pod(fixture.ClaimVolume("a", "gone"), fixture.ClaimVolume("b", "missing")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "gone", fixture.BoundTo("pv1"), fixture.ClaimDeleting())},
			want: rej(PluginVolumeRestrictions, "missing", `persistentvolumeclaim "missing" not found`)},
		{name: "claim being deleted", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.BoundTo("pv1"), fixture.ClaimDeleting())},
			want: rej(PluginVolumeBinding, "data", `persistentvolumeclaim "data" is being deleted`)},
		{name: "claim lost", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.BoundTo("pv1"), func(c *corev1.PersistentVolumeClaim) { c.Status.Phase = corev1.ClaimLost })},
			want: rej(PluginVolumeBinding, "data", `persistentvolumeclaim "data" bound to non-existent persistentvolume "pv1"`)},
		{name: "ephemeral claim not created yet", pod: pod(fixture.EphemeralVolume("scratch")), pvcs: []*corev1.PersistentVolumeClaim{},
			want: rej(PluginVolumeBinding, "p-scratch", `waiting for ephemeral volume controller to create the persistentvolumeclaim "p-scratch"`)},
		{name: "ephemeral claim owned by someone else", pod: pod(fixture.EphemeralVolume("scratch")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "p-scratch", fixture.BoundTo("pv1"))},
			want: rej(PluginVolumeBinding, "p-scratch", "PVC ns/p-scratch was not created for pod ns/p (pod is not owner)")},
		{name: "ephemeral claim, WaitForFirstConsumer", pod: pod(fixture.EphemeralVolume("scratch")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "p-scratch", owned, fixture.ClaimClass("local"))}},
		{name: "unbound, no class: immediate", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data")},
			want: rej(PluginVolumeBinding, "data", "pod has unbound immediate PersistentVolumeClaims")},
		{name: "unbound, empty class: immediate", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.ClaimClass(""))},
			want: rej(PluginVolumeBinding, "data", "pod has unbound immediate PersistentVolumeClaims")},
		{name: "unbound, missing class: immediate", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.ClaimClass("nope"))},
			want: rej(PluginVolumeBinding, "data", "pod has unbound immediate PersistentVolumeClaims")},
		{name: "unbound, Immediate class", pod: pod(fixture.ClaimVolume("a", "ok"), fixture.ClaimVolume("b", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "ok", fixture.ClaimClass("local")), fixture.PVC("ns", "data", fixture.ClaimClass("fast"))},
			want: rej(PluginVolumeBinding, "data", "pod has unbound immediate PersistentVolumeClaims")},
		{name: "unbound, WaitForFirstConsumer", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.ClaimClass("local"))}},
		{name: "beta annotation wins over the field", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.ClaimClass("fast"), func(c *corev1.PersistentVolumeClaim) {
				c.Annotations = map[string]string{corev1.BetaStorageClassAnnotation: "local"}
			})}},
		{name: "pre-bound by volumeName counts as immediate", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.ClaimClass("local"), func(c *corev1.PersistentVolumeClaim) { c.Spec.VolumeName = "pv1" })},
			want: rej(PluginVolumeBinding, "data", "pod has unbound immediate PersistentVolumeClaims")},
		{name: "class without binding mode: scheduler error, not judged", pod: pod(fixture.ClaimVolume("v", "data")),
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.ClaimClass("broken"))}},
		{name: "classes unreadable: not judged", pod: pod(fixture.ClaimVolume("v", "data")), noClasses: true,
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.ClaimClass("fast"))}},
		{name: "classes unreadable, no class needed", pod: pod(fixture.ClaimVolume("v", "data")), noClasses: true,
			pvcs: []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data")},
			want: rej(PluginVolumeBinding, "data", "pod has unbound immediate PersistentVolumeClaims")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cluster{}
			if tt.pvcs != nil {
				c.PVCs = map[string]*corev1.PersistentVolumeClaim{}
				for _, p := range tt.pvcs {
					c.PVCs[p.Namespace+"/"+p.Name] = p
				}
			}
			if !tt.noClasses {
				c.StorageClasses = map[string]*storagev1.StorageClass{}
				for _, sc := range classes {
					c.StorageClasses[sc.Name] = sc
				}
			}
			_, got := DefaultProfile.PreFilter(tt.pod, c)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
