package explain

import (
	resourcev1 "k8s.io/api/resource/v1"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

func TestEveryKindHasAFixBuilder(t *testing.T) {
	for _, k := range checks.Kinds() {
		if fixBuilders[k] == nil {
			t.Errorf("kind %s has no fix builder", k)
		}
	}
}

// TestFixes: given the blockers found on each node, the Fix data explain proposes.
func TestFixes(t *testing.T) {
	node := func(name string, bs ...checks.Blocker) NodeReport { return NodeReport{Name: name, Blockers: bs} }
	b := func(kind checks.BlockerKind, set func(*checks.Blocker)) checks.Blocker {
		out := checks.Blocker{Kind: kind, Plugin: checks.KindPlugin(kind)}
		set(&out)
		return out
	}
	taint := func(key, value string, near *corev1.Toleration, miss string) checks.Blocker {
		return b(checks.KindUntoleratedTaint, func(x *checks.Blocker) {
			x.Taint = &checks.TaintEvidence{Taint: corev1.Taint{Key: key, Value: value, Effect: corev1.TaintEffectNoSchedule},
				NearestToleration: near, NearMiss: miss}
		})
	}
	selector := func(key, want string, actual *string) checks.Blocker {
		return b(checks.KindNodeSelectorMismatch, func(x *checks.Blocker) {
			x.NodeSelector = &checks.NodeSelectorEvidence{Key: key, Want: want, Actual: actual}
		})
	}
	res := func(name, requested, free, allocatable string) checks.Blocker {
		kind := checks.KindInsufficientResource
		if name == "pods" {
			kind = checks.KindTooManyPods
		}
		return b(kind, func(x *checks.Blocker) {
			x.Resource = &checks.ResourceEvidence{Resource: corev1.ResourceName(name), Requested: resource.MustParse(requested),
				Free: resource.MustParse(free), Allocatable: resource.MustParse(allocatable)}
		})
	}
	affinity := func(kind checks.BlockerKind, pod string, missing bool) checks.Blocker {
		return b(kind, func(x *checks.Blocker) {
			x.PodAffinity = &checks.PodAffinityEvidence{TopologyKey: "kubernetes.io/hostname", Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}, Pod: pod, MissingLabel: missing}
		})
	}
	volume := func(kind checks.BlockerKind, v checks.VolumeEvidence) checks.Blocker {
		return b(kind, func(x *checks.Blocker) { x.Volume = &v })
	}
	nodes := func(names ...string) []ObjectRef {
		var out []ObjectRef
		for _, n := range names {
			out = append(out, ObjectRef{Kind: "Node", Name: n})
		}
		return out
	}
	hdd := "hdd"
	gpuTaint := corev1.Taint{Key: "gpu", Value: "yes", Effect: corev1.TaintEffectNoSchedule}
	near := &corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}
	zoneTerm := []checks.TermMismatch{{Failed: []checks.ExpressionMismatch{{Requirement: corev1.NodeSelectorRequirement{
		Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"z"}}}}}}
	diskTerm := []checks.TermMismatch{{Failed: []checks.ExpressionMismatch{{Requirement: corev1.NodeSelectorRequirement{
		Key: "disk", Operator: corev1.NodeSelectorOpIn, Values: []string{"ssd"}}}}}}
	bindPVC := checks.VolumeEvidence{PVC: "ns/data", StorageClass: "local", Conflict: checks.BindNoProvisioner}
	q := resource.MustParse

	tests := []struct {
		name   string
		nodes  []NodeReport
		spread []checks.SpreadDomains
		want   Fix
	}{
		{"cordoned: uncordon the nodes", []NodeReport{node("n1", b(checks.KindCordoned, func(*checks.Blocker) {}))},
			nil, Fix{Kind: checks.KindCordoned, Action: ActionUncordon, Targets: nodes("n1"), Nodes: 1, Sufficient: true}},
		{"node name", []NodeReport{node("n1", b(checks.KindNodeNameMismatch, func(x *checks.Blocker) { x.NodeName = &checks.NodeNameEvidence{Want: "n9"} }))},
			nil, Fix{Kind: checks.KindNodeNameMismatch, Action: ActionChangeNodeName, Change: FixChange{NodeName: "n9"}, Nodes: 1, Sufficient: true}},
		{"taint with a near miss, at most three nodes named, closest first",
			[]NodeReport{node("n1", taint("gpu", "yes", near, "effect"), res("cpu", "2", "1", "4")), node("n2", taint("gpu", "yes", near, "effect")),
				node("n3", taint("gpu", "yes", near, "effect")), node("n4", taint("gpu", "yes", near, "effect"))},
			nil, Fix{Kind: checks.KindUntoleratedTaint, Action: ActionAddToleration, Alternatives: []FixAction{ActionRemoveTaint},
				Targets: nodes("n2", "n3", "n4"), Nodes: 4, Sufficient: true,
				Change: FixChange{Toleration: &corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpEqual, Value: "yes", Effect: corev1.TaintEffectNoSchedule},
					Taint: &gpuTaint, NearestToleration: near, NearMiss: "effect"}}},
		{"health taint: repair the node", []NodeReport{node("n1", taint("node.kubernetes.io/not-ready", "", nil, ""))},
			nil, Fix{Kind: checks.KindUntoleratedTaint, Action: ActionRepairNode, Targets: nodes("n1"), Nodes: 1, Sufficient: true,
				Change: FixChange{Taint: &corev1.Taint{Key: "node.kubernetes.io/not-ready", Effect: corev1.TaintEffectNoSchedule}}}},
		// n1 belongs to the disk=hdd pool: only n2, which lacks the key, may be labelled.
		{"nodeSelector: values found and nodes without the label",
			[]NodeReport{node("n1", selector("disk", "ssd", &hdd)), node("n2", selector("disk", "ssd", nil))},
			nil, Fix{Kind: checks.KindNodeSelectorMismatch, Action: ActionChangeNodeSelector, Alternatives: []FixAction{ActionLabelNode},
				Targets: nodes("n2"), Nodes: 2, Sufficient: true,
				Change: FixChange{Label: &Label{Key: "disk", Value: "ssd"}, Found: []LabelCount{{Value: "hdd", Nodes: 1}}, NodesWithoutLabel: 1}}},
		{"nodeSelector on a system label: never relabel", []NodeReport{node("n1", selector("kubernetes.io/hostname", "x", &hdd))},
			nil, Fix{Kind: checks.KindNodeSelectorMismatch, Action: ActionChangeNodeSelector, Targets: nodes("n1"), Nodes: 1, Sufficient: true,
				Change: FixChange{Label: &Label{Key: "kubernetes.io/hostname", Value: "x"}, Found: []LabelCount{{Value: "hdd", Nodes: 1}}}}},
		{"node affinity on a user label", []NodeReport{node("n1", b(checks.KindNodeAffinityMismatch, func(x *checks.Blocker) {
			x.NodeAffinity = &checks.NodeAffinityEvidence{Terms: diskTerm}
		}))}, nil, Fix{Kind: checks.KindNodeAffinityMismatch, Action: ActionRelaxNodeAffinity, Alternatives: []FixAction{ActionLabelNode},
			Nodes: 1, Sufficient: true, Change: FixChange{Terms: diskTerm}}},
		{"node affinity on system labels only", []NodeReport{node("n1", b(checks.KindNodeAffinityMismatch, func(x *checks.Blocker) {
			x.NodeAffinity = &checks.NodeAffinityEvidence{Terms: zoneTerm}
		}))}, nil, Fix{Kind: checks.KindNodeAffinityMismatch, Action: ActionRelaxNodeAffinity, Nodes: 1, Sufficient: true, Change: FixChange{Terms: zoneTerm}}},
		{"host port", []NodeReport{node("n1", b(checks.KindHostPortConflict, func(x *checks.Blocker) {
			x.HostPort = &checks.HostPortEvidence{Protocol: corev1.ProtocolTCP, Port: 80, HeldBy: "ns/web"}
		}))}, nil, Fix{Kind: checks.KindHostPortConflict, Action: ActionDropHostPort, Alternatives: []FixAction{ActionChangeHostPort}, Nodes: 1, Sufficient: true,
			Change: FixChange{HostPort: &checks.HostPortEvidence{Protocol: corev1.ProtocolTCP, Port: 80, HeldBy: "ns/web"}}}},
		{"pod limit", []NodeReport{node("n1", res("pods", "1", "0", "110"))}, nil,
			Fix{Kind: checks.KindTooManyPods, Action: ActionAddNodes, Alternatives: []FixAction{ActionRaiseMaxPods}, Targets: nodes("n1"), Nodes: 1, Sufficient: true,
				Change: FixChange{Resource: &ResourceChange{Resource: "pods", Requested: q("1"), MostAllocatable: q("110")}}}},
		{"resource: lower the request to the most free", []NodeReport{node("n1", res("cpu", "2", "500m", "4")), node("n2", res("cpu", "2", "1500m", "4"))}, nil,
			Fix{Kind: checks.KindInsufficientResource, Action: ActionChangeRequest, Alternatives: []FixAction{ActionFreeCapacity, ActionAddNodes}, Nodes: 2, Sufficient: true,
				Change: FixChange{Resource: &ResourceChange{Resource: "cpu", Requested: q("2"), MostFree: q("1500m"), MostAllocatable: q("4"), LowerTo: ptrTo(q("1500m"))}}}},
		{"resource: larger than any node", []NodeReport{node("n1", res("memory", "64Gi", "1Gi", "16Gi"))}, nil,
			Fix{Kind: checks.KindInsufficientResource, Action: ActionChangeRequest, Alternatives: []FixAction{ActionAddNodes}, Nodes: 1, Sufficient: true,
				Change: FixChange{Resource: &ResourceChange{Resource: "memory", Requested: q("64Gi"), MostFree: q("1Gi"), MostAllocatable: q("16Gi")}}}},
		{"resource: none free", []NodeReport{node("n1", res("cpu", "1", "0", "4"))}, nil,
			Fix{Kind: checks.KindInsufficientResource, Action: ActionFreeCapacity, Alternatives: []FixAction{ActionAddNodes}, Nodes: 1, Sufficient: true,
				Change: FixChange{Resource: &ResourceChange{Resource: "cpu", Requested: q("1"), MostAllocatable: q("4")}}}},
		{"resource: offered by no node", []NodeReport{node("n1", res("example.com/gpu", "1", "0", "0"))}, nil,
			Fix{Kind: checks.KindInsufficientResource, Action: ActionAddNodes, Alternatives: []FixAction{ActionChangeRequest}, Nodes: 1, Sufficient: true,
				Change: FixChange{Resource: &ResourceChange{Resource: "example.com/gpu", Requested: q("1")}}}},
		{"spread label missing on a user key", []NodeReport{node("n1", b(checks.KindSpreadMissingLabel, func(x *checks.Blocker) {
			x.Spread = &checks.SpreadEvidence{TopologyKey: "rack", MissingLabel: true}
		}))}, nil, Fix{Kind: checks.KindSpreadMissingLabel, Action: ActionLabelNode, Alternatives: []FixAction{ActionAvoidNodes}, Targets: nodes("n1"),
			Nodes: 1, Sufficient: true, Change: FixChange{Label: &Label{Key: "rack"}}}},
		{"spread label missing on a system key", []NodeReport{node("n1", b(checks.KindSpreadMissingLabel, func(x *checks.Blocker) {
			x.Spread = &checks.SpreadEvidence{TopologyKey: "topology.kubernetes.io/zone", MissingLabel: true}
		}))}, nil, Fix{Kind: checks.KindSpreadMissingLabel, Action: ActionRepairNode, Alternatives: []FixAction{ActionAvoidNodes}, Targets: nodes("n1"),
			Nodes: 1, Sufficient: true, Change: FixChange{Label: &Label{Key: "topology.kubernetes.io/zone"}}}},
		{"spread skew below minDomains", []NodeReport{node("n1", b(checks.KindSpreadSkew, func(x *checks.Blocker) {
			x.Spread = &checks.SpreadEvidence{TopologyKey: "zone", MaxSkew: 1, MinDomains: 3, EligibleDomains: 2, Domain: "a", MatchingInDomain: 1}
		}))}, []checks.SpreadDomains{{TopologyKey: "zone", Domains: []checks.DomainCount{{Name: "a", Matching: 1}, {Name: "b", Matching: 0}}}},
			Fix{Kind: checks.KindSpreadSkew, Action: ActionUnblockDomains, Alternatives: []FixAction{ActionAddDomains, ActionRaiseMaxSkew}, Nodes: 1, Sufficient: true,
				Change: FixChange{Spread: &SpreadChange{TopologyKey: "zone", MaxSkew: 1, MinDomains: 3, EligibleDomains: 2, LeastLoaded: []string{"b"}}}}},
		{"pod affinity with no partner", []NodeReport{node("n1", affinity(checks.KindPodAffinityUnsatisfied, "", false))}, nil,
			Fix{Kind: checks.KindPodAffinityUnsatisfied, Action: ActionStartPods, Alternatives: []FixAction{ActionRelaxPodAffinity}, Nodes: 1, Sufficient: true,
				Change: FixChange{PodAffinity: affinity(checks.KindPodAffinityUnsatisfied, "", false).PodAffinity}}},
		{"pod affinity key missing", []NodeReport{node("n1", affinity(checks.KindPodAffinityUnsatisfied, "", true))}, nil,
			Fix{Kind: checks.KindPodAffinityUnsatisfied, Action: ActionLabelNode, Targets: nodes("n1"), Nodes: 1, Sufficient: true,
				Change: FixChange{Label: &Label{Key: "kubernetes.io/hostname"}, PodAffinity: affinity(checks.KindPodAffinityUnsatisfied, "", true).PodAffinity}}},
		{"anti-affinity collision", []NodeReport{node("n1", affinity(checks.KindPodAntiAffinityConflict, "ns/db-0", false))}, nil,
			Fix{Kind: checks.KindPodAntiAffinityConflict, Action: ActionAddNodes, Alternatives: []FixAction{ActionLowerReplicas, ActionRelaxPodAffinity},
				Targets: []ObjectRef{{Kind: "Pod", Name: "ns/db-0"}}, Nodes: 1, Sufficient: true,
				Change: FixChange{PodAffinity: affinity(checks.KindPodAntiAffinityConflict, "ns/db-0", false).PodAffinity, Pods: []PodCount{{Pod: "ns/db-0", Nodes: 1}}}}},
		{"existing Pod's anti-affinity", []NodeReport{node("n1", affinity(checks.KindExistingAntiAffinity, "ns/db-0", false))}, nil,
			Fix{Kind: checks.KindExistingAntiAffinity, Action: ActionChangeOtherPod, Alternatives: []FixAction{ActionChangePodLabels},
				Targets: []ObjectRef{{Kind: "Pod", Name: "ns/db-0"}}, Nodes: 1, Sufficient: true,
				Change: FixChange{PodAffinity: affinity(checks.KindExistingAntiAffinity, "ns/db-0", false).PodAffinity, Pods: []PodCount{{Pod: "ns/db-0", Nodes: 1}}}}},
		{"RWOP claim held", []NodeReport{node("n1", volume(checks.KindReadWriteOncePodInUse, checks.VolumeEvidence{PVC: "ns/data", Volume: "d", HeldBy: "ns/db-0", HeldByNode: "n2"}))}, nil,
			Fix{Kind: checks.KindReadWriteOncePodInUse, Action: ActionStopOtherPod, Alternatives: []FixAction{ActionUseOtherClaim}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"Pod", "ns/db-0"}, {"PersistentVolumeClaim", "ns/data"}},
				Change:  FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", Volume: "d", HeldBy: "ns/db-0", HeldByNode: "n2"}}}},
		{"disk in use", []NodeReport{node("n1", volume(checks.KindDiskConflict, checks.VolumeEvidence{Volume: "d", Disk: "gcePersistentDisk pd-1", HeldBy: "ns/db-0", HeldByNode: "n1"}))}, nil,
			Fix{Kind: checks.KindDiskConflict, Action: ActionStopOtherPod, Alternatives: []FixAction{ActionMountReadOnly}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"Pod", "ns/db-0"}},
				Change:  FixChange{Volume: &checks.VolumeEvidence{Volume: "d", Disk: "gcePersistentDisk pd-1", HeldBy: "ns/db-0", HeldByNode: "n1"}}}},
		{"EBS disk in use", []NodeReport{node("n1", volume(checks.KindDiskConflict, checks.VolumeEvidence{Volume: "d", Disk: "awsElasticBlockStore vol-1", HeldBy: "ns/db-0", HeldByNode: "n1"}))}, nil,
			Fix{Kind: checks.KindDiskConflict, Action: ActionStopOtherPod, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"Pod", "ns/db-0"}},
				Change:  FixChange{Volume: &checks.VolumeEvidence{Volume: "d", Disk: "awsElasticBlockStore vol-1", HeldBy: "ns/db-0", HeldByNode: "n1"}}}},
		{"bound PV elsewhere", []NodeReport{node("n1", volume(checks.KindVolumeNodeConflict, checks.VolumeEvidence{PVC: "ns/data", PV: "pv1"}))}, nil,
			Fix{Kind: checks.KindVolumeNodeConflict, Action: ActionFreeCapacity, Alternatives: []FixAction{ActionRecreateClaim}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"PersistentVolumeClaim", "ns/data"}, {"PersistentVolume", "pv1"}},
				Change:  FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", PV: "pv1"}}}},
		{"bound PV missing", []NodeReport{node("n1", volume(checks.KindVolumeMissingPV, checks.VolumeEvidence{PVC: "ns/data", PV: "pv1"}))}, nil,
			Fix{Kind: checks.KindVolumeMissingPV, Action: ActionRestoreVolume, Alternatives: []FixAction{ActionRecreateClaim}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"PersistentVolumeClaim", "ns/data"}, {"PersistentVolume", "pv1"}},
				Change:  FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", PV: "pv1"}}}},
		{"no volume to bind", []NodeReport{node("n1", volume(checks.KindVolumeBindConflict, bindPVC))}, nil,
			Fix{Kind: checks.KindVolumeBindConflict, Action: ActionCreateVolume, Alternatives: []FixAction{ActionChangeStorageClass}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"PersistentVolumeClaim", "ns/data"}, {"StorageClass", "local"}}, Change: FixChange{Volume: &bindPVC}}},
		{"claim provisioned for another node", []NodeReport{node("n1", volume(checks.KindVolumeBindConflict, checks.VolumeEvidence{PVC: "ns/data", Conflict: checks.BindSelectedNode, SelectedNode: "n9"}))}, nil,
			Fix{Kind: checks.KindVolumeBindConflict, Action: ActionUseSelectedNode, Alternatives: []FixAction{ActionRemoveSelectedNode}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"PersistentVolumeClaim", "ns/data"}}, Change: FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", Conflict: checks.BindSelectedNode, SelectedNode: "n9"}}}},
		{"class outside its topologies", []NodeReport{node("n1", volume(checks.KindVolumeBindConflict, checks.VolumeEvidence{PVC: "ns/data", StorageClass: "zonal", Conflict: checks.BindAllowedTopologies}))}, nil,
			Fix{Kind: checks.KindVolumeBindConflict, Action: ActionAvoidNodes, Alternatives: []FixAction{ActionWidenTopologies}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"PersistentVolumeClaim", "ns/data"}, {"StorageClass", "zonal"}}, Change: FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", StorageClass: "zonal", Conflict: checks.BindAllowedTopologies}}}},
		{"volume in another zone", []NodeReport{node("n1", volume(checks.KindVolumeZoneConflict, checks.VolumeEvidence{PVC: "ns/data", PV: "pv1", ZoneLabel: "zone", Zones: []string{"a"}}))}, nil,
			Fix{Kind: checks.KindVolumeZoneConflict, Action: ActionAddNodes, Alternatives: []FixAction{ActionMoveData}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"PersistentVolumeClaim", "ns/data"}, {"PersistentVolume", "pv1"}}, Change: FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", PV: "pv1", ZoneLabel: "zone", Zones: []string{"a"}}}}},
		{"volume limit reached", []NodeReport{node("n1", b(checks.KindVolumeLimitExceeded, func(x *checks.Blocker) {
			x.VolumeLimit = &checks.VolumeLimitEvidence{Driver: "d", Limit: 2, Attached: 2, New: 1}
		}))}, nil,
			Fix{Kind: checks.KindVolumeLimitExceeded, Action: ActionAddNodes, Alternatives: []FixAction{ActionFreeCapacity}, Nodes: 1, Sufficient: true,
				Targets: nodes("n1"), Change: FixChange{VolumeLimit: &checks.VolumeLimitEvidence{Driver: "d", Limit: 2, Attached: 2, New: 1}}}},
		{"CSI driver not installed", []NodeReport{node("n1", b(checks.KindCSIDriverNotInstalled, func(x *checks.Blocker) { x.VolumeLimit = &checks.VolumeLimitEvidence{Driver: "d"} }))}, nil,
			Fix{Kind: checks.KindCSIDriverNotInstalled, Action: ActionInstallDriver, Alternatives: []FixAction{ActionAvoidNodes}, Nodes: 1, Sufficient: true,
				Targets: nodes("n1"), Change: FixChange{VolumeLimit: &checks.VolumeLimitEvidence{Driver: "d"}}}},
		{"not enough storage", []NodeReport{node("n1", volume(checks.KindVolumeNotEnoughStorage, checks.VolumeEvidence{PVC: "ns/data", StorageClass: "csi", StorageRequested: &tenGi}))}, nil,
			Fix{Kind: checks.KindVolumeNotEnoughStorage, Action: ActionFreeCapacity, Alternatives: []FixAction{ActionChangeRequest, ActionChangeStorageClass}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"PersistentVolumeClaim", "ns/data"}, {"StorageClass", "csi"}}, Change: FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", StorageClass: "csi", StorageRequested: &tenGi}}}},
		{"node feature missing", []NodeReport{node("n1", b(checks.KindNodeFeatureMissing, func(x *checks.Blocker) {
			x.Features = &checks.FeatureEvidence{Required: []string{"F"}, Missing: []string{"F"}}
		}))}, nil,
			Fix{Kind: checks.KindNodeFeatureMissing, Action: ActionEnableNodeFeature, Alternatives: []FixAction{ActionDropPodFeature}, Nodes: 1, Sufficient: true,
				Targets: nodes("n1"), Change: FixChange{Features: &checks.FeatureEvidence{Required: []string{"F"}, Missing: []string{"F"}}}}},
		{"device claim unallocatable", []NodeReport{node("n1", b(checks.KindDeviceClaimUnallocatable, func(x *checks.Blocker) { x.DeviceClaim = &gpuClaim }))}, nil,
			Fix{Kind: checks.KindDeviceClaimUnallocatable, Action: ActionTolerateDeviceTaint, Alternatives: []FixAction{ActionFreeDevices, ActionAddDevices}, Nodes: 1, Sufficient: true,
				Targets: append([]ObjectRef{{"ResourceClaim", "ns/gpu"}}, nodes("n1")...), Change: FixChange{DeviceClaim: &gpuClaim}}},
		{"device claim elsewhere", []NodeReport{node("n1", b(checks.KindDeviceClaimElsewhere, func(x *checks.Blocker) {
			x.DeviceClaim = &checks.DeviceClaimEvidence{Claim: "ns/gpu", Allocated: true}
		}))}, nil,
			Fix{Kind: checks.KindDeviceClaimElsewhere, Action: ActionUseClaimNode, Alternatives: []FixAction{ActionRecreateClaim}, Nodes: 1, Sufficient: true,
				Targets: []ObjectRef{{"ResourceClaim", "ns/gpu"}}, Change: FixChange{DeviceClaim: &checks.DeviceClaimEvidence{Claim: "ns/gpu", Allocated: true}}}},
	}
	covered := map[checks.BlockerKind]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixes := proposeFixes(keyNodes(tt.nodes), tt.spread)
			var got *Fix
			for i := range fixes {
				if fixes[i].Kind == tt.want.Kind {
					got = &fixes[i]
				}
			}
			if got == nil {
				t.Fatalf("no %s fix in %+v", tt.want.Kind, fixes)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		covered[tt.want.Kind] = true
	}
	for _, k := range checks.Kinds() {
		if !covered[k] {
			t.Errorf("no fix test for kind %s", k)
		}
	}
}

// TestFixSkipsBlockersWithoutEvidence: a blocker missing the evidence its kind needs gets no fix.
func TestFixSkipsBlockersWithoutEvidence(t *testing.T) {
	for _, k := range checks.Kinds() {
		nodes := []NodeReport{{Name: "n1", Blockers: []checks.Blocker{{Kind: k, Plugin: checks.KindPlugin(k)}}}}
		fixes := proposeFixes(keyNodes(nodes), nil)
		if k == checks.KindCordoned {
			if len(fixes) != 1 {
				t.Errorf("%s: got %+v, want one fix", k, fixes)
			}
			continue
		}
		if len(fixes) != 0 {
			t.Errorf("%s without evidence: got %+v, want no fix", k, fixes)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }

var tenGi = resource.MustParse("10Gi")

// gpuClaim is a claim whose one request found a tainted device and one held by another claim.
var gpuClaim = checks.DeviceClaimEvidence{Claim: "ns/gpu", Requests: []checks.DeviceRequestEvidence{{Request: "gpu", DeviceClass: "gpu.example.com", Count: 1,
	Devices: []checks.DeviceRefusal{{Driver: "gpu.example.com", Pool: "n1", Device: "gpu-0", Refusal: checks.RefusalTaint, Taint: &resourcev1.DeviceTaint{Key: "broken", Effect: resourcev1.DeviceTaintEffectNoSchedule}},
		{Driver: "gpu.example.com", Pool: "n1", Device: "gpu-1", Refusal: checks.RefusalAllocated, Claim: "ns/other"}}}}}
