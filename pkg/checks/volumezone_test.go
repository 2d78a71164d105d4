package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

func TestCheckVolumeZone(t *testing.T) {
	const (
		zoneGA     = "topology.kubernetes.io/zone"
		regionGA   = "topology.kubernetes.io/region"
		zoneBeta   = "failure-domain.beta.kubernetes.io/zone"
		regionBeta = "failure-domain.beta.kubernetes.io/region"
	)
	wffc := fixture.StorageClass("wffc", storagev1.VolumeBindingWaitForFirstConsumer)
	pvLabels := func(kv ...string) fixture.PVOption {
		return func(pv *corev1.PersistentVolume) {
			pv.Labels = map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				pv.Labels[kv[i]] = kv[i+1]
			}
		}
	}
	pod := func(opts ...fixture.PodOption) *corev1.Pod { return fixture.Pod("ns", "p", opts...) }
	claims := []*corev1.PersistentVolumeClaim{
		fixture.PVC("ns", "data", fixture.ClaimClass("wffc"), fixture.BoundTo("pv1")),
		fixture.PVC("ns", "logs", fixture.ClaimClass("wffc"), fixture.BoundTo("pv2")),
		fixture.PVC("ns", "new", fixture.ClaimClass("wffc"), fixture.ClaimRequest("1Gi", corev1.ReadWriteOnce)),
	}
	str := func(s string) *string { return &s }
	conflict := func(es ...VolumeEvidence) *Status {
		st := &Status{Plugin: PluginVolumeZone, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonVolumeZoneConflict}}
		for i := range es {
			st.Blockers = append(st.Blockers, Blocker{Plugin: PluginVolumeZone, Kind: KindVolumeZoneConflict, Volume: &es[i]})
		}
		return st
	}

	tests := []struct {
		name string
		pod  *corev1.Pod
		node *corev1.Node
		pvs  []*corev1.PersistentVolume
		want *Status
	}{
		{name: "PV in the node's zone", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Zone("a")),
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneGA, "a"))}},
		{name: "PV in another zone", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Zone("a")),
			pvs:  []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneGA, "b"))},
			want: conflict(VolumeEvidence{PVC: "ns/data", PV: "pv1", ZoneLabel: zoneGA, Zones: []string{"b"}, NodeZoneLabel: zoneGA, NodeZone: str("a")})},
		{name: "multi-zone PV label is a set", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Zone("c")),
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneGA, "a__c"))}},
		{name: "multi-zone PV label, node elsewhere", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Zone("b")),
			pvs:  []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneGA, "c__a"))},
			want: conflict(VolumeEvidence{PVC: "ns/data", PV: "pv1", ZoneLabel: zoneGA, Zones: []string{"a", "c"}, NodeZoneLabel: zoneGA, NodeZone: str("b")})},
		{name: "a label with an empty part is ignored", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Zone("b")),
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneGA, "a____c"))}},
		{name: "node without zone/region labels passes", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Labels("disk", "ssd")),
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneGA, "b"))}},
		{name: "node with a zone but not the PV's region key", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Zone("a")),
			pvs:  []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(regionGA, "eu"))},
			want: conflict(VolumeEvidence{PVC: "ns/data", PV: "pv1", ZoneLabel: regionGA, Zones: []string{"eu"}})},
		{name: "beta PV key matched by the node's GA key", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Zone("a")),
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneBeta, "a"))}},
		{name: "GA PV key is not matched by the node's beta key", pod: pod(fixture.ClaimVolume("v", "data")),
			node: fixture.Node("n1", fixture.Labels(zoneBeta, "a")),
			pvs:  []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneGA, "a"))},
			want: conflict(VolumeEvidence{PVC: "ns/data", PV: "pv1", ZoneLabel: zoneGA, Zones: []string{"a"}})},
		{name: "beta key on both sides, node's beta value wins over its GA one", pod: pod(fixture.ClaimVolume("v", "data")),
			node: fixture.Node("n1", fixture.Labels(zoneBeta, "b"), fixture.Zone("a")),
			pvs:  []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneBeta, "a"))},
			want: conflict(VolumeEvidence{PVC: "ns/data", PV: "pv1", ZoneLabel: zoneBeta, Zones: []string{"a"}, NodeZoneLabel: zoneBeta, NodeZone: str("b")})},
		{name: "every failing label of every claim", pod: pod(fixture.ClaimVolume("v", "data"), fixture.ClaimVolume("w", "logs")),
			node: fixture.Node("n1", fixture.Zone("a"), fixture.Labels(regionGA, "eu")),
			pvs: []*corev1.PersistentVolume{
				fixture.PV("pv1", "wffc", "1Gi", pvLabels(zoneGA, "b", regionGA, "eu")),
				fixture.PV("pv2", "wffc", "1Gi", pvLabels(regionBeta, "us")),
			},
			want: conflict(
				VolumeEvidence{PVC: "ns/data", PV: "pv1", ZoneLabel: zoneGA, Zones: []string{"b"}, NodeZoneLabel: zoneGA, NodeZone: str("a")},
				VolumeEvidence{PVC: "ns/logs", PV: "pv2", ZoneLabel: regionBeta, Zones: []string{"us"}, NodeZoneLabel: regionGA, NodeZone: str("eu")})},
		{name: "unbound WaitForFirstConsumer claim is skipped", pod: pod(fixture.ClaimVolume("v", "new")), node: fixture.Node("n1", fixture.Zone("a")),
			pvs: []*corev1.PersistentVolume{}},
		{name: "PV without zone labels", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Zone("a")),
			pvs: []*corev1.PersistentVolume{fixture.PV("pv1", "wffc", "1Gi")}},
		{name: "PVs unreadable: not judged", pod: pod(fixture.ClaimVolume("v", "data")), node: fixture.Node("n1", fixture.Zone("a"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &snapshot.Snapshot{Nodes: []*corev1.Node{tt.node}, Pods: []*corev1.Pod{tt.pod}, PVCs: claims,
				StorageClasses: []*storagev1.StorageClass{wffc}, PVs: tt.pvs}
			c := NewCluster(s)
			cs, rej := DefaultProfile.PreFilter(tt.pod, c)
			if rej != nil {
				t.Fatalf("PreFilter rejected: %+v", rej)
			}
			if diff := cmp.Diff(tt.want, VolumeZone{}.Filter(cs, c.Node("n1"))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// VolumeZone runs after VolumeBinding: a node both reject is counted under VolumeBinding.
func TestFilterOrderVolumeZone(t *testing.T) {
	pv := fixture.PV("pv1", "wffc", "1Gi", fixture.PVNodeAffinity(fixture.Expr("kubernetes.io/hostname", corev1.NodeSelectorOpIn, "n2")),
		func(pv *corev1.PersistentVolume) { pv.Labels = map[string]string{"topology.kubernetes.io/zone": "b"} })
	p := fixture.Pod("ns", "p", fixture.ClaimVolume("v", "data"))
	s := &snapshot.Snapshot{Nodes: []*corev1.Node{fixture.Node("n1", fixture.Labels("kubernetes.io/hostname", "n1"), fixture.Zone("a"))},
		Pods: []*corev1.Pod{p}, PVs: []*corev1.PersistentVolume{pv},
		PVCs:           []*corev1.PersistentVolumeClaim{fixture.PVC("ns", "data", fixture.ClaimClass("wffc"), fixture.BoundTo("pv1"))},
		StorageClasses: []*storagev1.StorageClass{fixture.StorageClass("wffc", storagev1.VolumeBindingWaitForFirstConsumer)}}
	c := NewCluster(s)
	cs, rej := DefaultProfile.PreFilter(p, c)
	if rej != nil {
		t.Fatalf("PreFilter rejected: %+v", rej)
	}
	var got []string
	for _, st := range DefaultProfile.Filter(cs, c.Node("n1")) {
		got = append(got, st.Plugin)
	}
	if want := []string{PluginVolumeBinding, PluginVolumeZone}; !cmp.Equal(got, want) {
		t.Errorf("failing plugins %v, want %v", got, want)
	}
}
