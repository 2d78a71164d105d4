package render

import (
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
)

// fixSamples is one Fix per blocker kind, as explain builds it (see TestFixes there), with the
// sentence render writes for it.
var fixSamples = map[checks.BlockerKind]struct {
	fix  explain.Fix
	want string
}{
	checks.KindCordoned: {explain.Fix{Kind: checks.KindCordoned, Action: explain.ActionUncordon, Nodes: 5,
		Targets: nodeTargets("n1", "n2", "n3")},
		"Uncordon n1 n2 n3 (and 2 more) if its maintenance is over: kubectl uncordon n1 n2 n3"},
	checks.KindNodeNameMismatch: {explain.Fix{Kind: checks.KindNodeNameMismatch, Action: explain.ActionChangeNodeName, Nodes: 3,
		Change: explain.FixChange{NodeName: "n9"}},
		`spec.nodeName pins the Pod to "n9"; remove it or name an existing node`},
	checks.KindUntoleratedTaint: {explain.Fix{Kind: checks.KindUntoleratedTaint, Action: explain.ActionAddToleration,
		Alternatives: []explain.FixAction{explain.ActionRemoveTaint}, Nodes: 2, Targets: nodeTargets("n1", "n2"),
		Change: explain.FixChange{Taint: &corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoSchedule},
			Toleration: &corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}},
		`Add the toleration {key: "gpu", operator: "Exists", effect: "NoSchedule"} to the Pod; or, if the 2 nodes should not be reserved, remove the taint: kubectl taint nodes n1 n2 gpu:NoSchedule-`},
	checks.KindNodeSelectorMismatch: {explain.Fix{Kind: checks.KindNodeSelectorMismatch, Action: explain.ActionChangeNodeSelector,
		Alternatives: []explain.FixAction{explain.ActionLabelNode}, Nodes: 3, Targets: nodeTargets("n2"),
		Change: explain.FixChange{Label: &explain.Label{Key: "disk", Value: "ssd"}, Found: []explain.LabelCount{{Value: "hdd", Nodes: 2}}, NodesWithoutLabel: 1}},
		"nodeSelector disk=ssd matches none of these 3 nodes (nodes have disk=hdd on 2, 1 lack it); fix the Pod's nodeSelector or label a node: kubectl label node n2 disk=ssd"},
	checks.KindNodeAffinityMismatch: {explain.Fix{Kind: checks.KindNodeAffinityMismatch, Action: explain.ActionRelaxNodeAffinity, Nodes: 1,
		Change: explain.FixChange{Terms: []checks.TermMismatch{{Term: 0, Failed: []checks.ExpressionMismatch{{Requirement: corev1.NodeSelectorRequirement{
			Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}}}}}, {Term: 1, Empty: true}}}},
		"Required node affinity matches none of 1 node: term 0 needs topology.kubernetes.io/zone In a,b; term 1 is empty and matches no node; these labels belong to Kubernetes or the cloud provider, so relax the term"},
	checks.KindHostPortConflict: {explain.Fix{Kind: checks.KindHostPortConflict, Action: explain.ActionDropHostPort, Nodes: 2,
		Change: explain.FixChange{HostPort: &checks.HostPortEvidence{Port: 443, Protocol: corev1.ProtocolTCP, HeldBy: "ns/ingress"}}},
		"Host port 443/TCP is taken on 2 nodes (e.g. by ns/ingress); drop hostPort and use a Service, or pick a free port"},
	checks.KindTooManyPods: {explain.Fix{Kind: checks.KindTooManyPods, Action: explain.ActionAddNodes, Nodes: 1,
		Change: explain.FixChange{Resource: &explain.ResourceChange{Resource: "pods", MostAllocatable: resource.MustParse("110")}}},
		"1 node is at the Pod limit (110 Pods); add nodes or raise the kubelet's maxPods"},
	checks.KindInsufficientResource: {explain.Fix{Kind: checks.KindInsufficientResource, Action: explain.ActionChangeRequest, Nodes: 2,
		Change: explain.FixChange{Resource: &explain.ResourceChange{Resource: "cpu", Requested: resource.MustParse("2"),
			MostFree: resource.MustParse("1500m"), MostAllocatable: resource.MustParse("4"), LowerTo: ptr(resource.MustParse("1500m"))}}},
		"The Pod requests 2 cpu but the most free on any of these 2 nodes is 1500m; lower the request to 1500m or less, free capacity, or add nodes"},
	checks.KindReadWriteOncePodInUse: {explain.Fix{Kind: checks.KindReadWriteOncePodInUse, Action: explain.ActionStopOtherPod, Nodes: 2,
		Change: explain.FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", Volume: "d", HeldBy: "ns/db-0", HeldByNode: "n2"}}},
		"PVC ns/data is ReadWriteOncePod and Pod ns/db-0 (on n2) uses it; that Pod must go first (kubectl delete pod -n ns db-0), or give this Pod a claim of its own"},
	checks.KindDiskConflict: {explain.Fix{Kind: checks.KindDiskConflict, Action: explain.ActionStopOtherPod, Alternatives: []explain.FixAction{explain.ActionMountReadOnly}, Nodes: 1,
		Change: explain.FixChange{Volume: &checks.VolumeEvidence{Volume: "d", Disk: "gcePersistentDisk pd-1", HeldBy: "ns/db-0", HeldByNode: "n1"}}},
		"Disk gcePersistentDisk pd-1 (volume d) is in use by Pod ns/db-0 on 1 node; run the Pod on another node, or that Pod must go first, or mount the disk readOnly in both Pods"},
	checks.KindVolumeNodeConflict: {explain.Fix{Kind: checks.KindVolumeNodeConflict, Action: explain.ActionFreeCapacity, Nodes: 1,
		Change: explain.FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", PV: "pv1"}}},
		"PVC ns/data is bound to PV pv1, whose data lives only on nodes matching its node affinity; make room on such a node, or recreate the claim (losing that data) to get a volume elsewhere"},
	checks.KindVolumeBindConflict: {explain.Fix{Kind: checks.KindVolumeBindConflict, Action: explain.ActionCreateVolume, Nodes: 2,
		Change: explain.FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/scratch", StorageClass: "local", Conflict: checks.BindNoProvisioner}}},
		`No free PV of StorageClass "local" matches PVC ns/scratch on 2 nodes and the class cannot provision; create a PV there with enough capacity, the access modes and labels the claim asks for, or use a class with a provisioner`},
	checks.KindVolumeMissingPV: {explain.Fix{Kind: checks.KindVolumeMissingPV, Action: explain.ActionRestoreVolume, Nodes: 1,
		Change: explain.FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", PV: "pv-gone"}}},
		"PVC ns/data is bound to PV pv-gone, which no longer exists; restore the PV, or delete and recreate the claim"},
	checks.KindVolumeZoneConflict: {explain.Fix{Kind: checks.KindVolumeZoneConflict, Action: explain.ActionAddNodes, Nodes: 1,
		Change: explain.FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", PV: "pv1", ZoneLabel: "topology.kubernetes.io/zone", Zones: []string{"a", "b"}}}},
		"PVC ns/data is bound to PV pv1, which lives in topology.kubernetes.io/zone a or b; run the Pod on a node there (add capacity in that zone if needed), or move the data to a volume in another zone"},
	checks.KindSpreadMissingLabel: {explain.Fix{Kind: checks.KindSpreadMissingLabel, Action: explain.ActionRepairNode, Nodes: 2,
		Change: explain.FixChange{Label: &explain.Label{Key: "topology.kubernetes.io/zone"}}},
		`2 nodes lack the label "topology.kubernetes.io/zone" that the spread constraint's topologyKey needs (Kubernetes or the cloud provider sets it; check the node's registration); keep the Pod off them with node affinity meanwhile`},
	checks.KindSpreadSkew: {explain.Fix{Kind: checks.KindSpreadSkew, Action: explain.ActionUnblockDomains,
		Alternatives: []explain.FixAction{explain.ActionAddDomains, explain.ActionRaiseMaxSkew}, Nodes: 4,
		Change: explain.FixChange{Spread: &explain.SpreadChange{TopologyKey: "zone", MaxSkew: 1, MinDomains: 3, EligibleDomains: 2, LeastLoaded: []string{"b"}}}},
		"Spread over zone (maxSkew 1) allows at most 1 matching Pod per domain now (the global minimum is 0 because only 2 domains are eligible, fewer than minDomains 3, whatever each domain holds); add domains or lower minDomains; the next replica can only go to b, so unblock the nodes there (tainted nodes still count as domains unless the constraint sets nodeTaintsPolicy: Honor), or raise maxSkew"},
	checks.KindPodAffinityUnsatisfied: {explain.Fix{Kind: checks.KindPodAffinityUnsatisfied, Action: explain.ActionStartPods, Nodes: 3,
		Change: explain.FixChange{PodAffinity: &checks.PodAffinityEvidence{TopologyKey: "zone", Selector: appDB}}},
		"Required pod affinity (app=db over zone) finds no matching Pod in the domain of 3 nodes; start the Pods it depends on first, or relax the term"},
	checks.KindPodAntiAffinityConflict: {explain.Fix{Kind: checks.KindPodAntiAffinityConflict, Action: explain.ActionAddNodes, Nodes: 3,
		Change: explain.FixChange{PodAffinity: &checks.PodAffinityEvidence{TopologyKey: "kubernetes.io/hostname", Selector: appDB, Pod: "ns/db-0"}}},
		"Every kubernetes.io/hostname domain of these 3 nodes already runs a Pod matching the required anti-affinity (app=db): e.g. ns/db-0; with more replicas than domains, add nodes, lower replicas, or use preferredDuringScheduling"},
	checks.KindExistingAntiAffinity: {explain.Fix{Kind: checks.KindExistingAntiAffinity, Action: explain.ActionChangeOtherPod, Nodes: 1,
		Change: explain.FixChange{PodAffinity: &checks.PodAffinityEvidence{TopologyKey: "kubernetes.io/hostname", Selector: appDB, Pod: "ns/db-0"}}},
		"Pod ns/db-0 has a required anti-affinity (app=db over kubernetes.io/hostname) that matches this Pod and keeps it off 1 node; change that Pod's term or this Pod's labels"},
	checks.KindVolumeLimitExceeded: {explain.Fix{Kind: checks.KindVolumeLimitExceeded, Action: explain.ActionAddNodes, Nodes: 2,
		Alternatives: []explain.FixAction{explain.ActionFreeCapacity}, Targets: nodeTargets("n1", "n2"),
		Change: explain.FixChange{VolumeLimit: &checks.VolumeLimitEvidence{Driver: "ebs.csi.aws.com", Limit: 25, Attached: 25, New: 1}}},
		"The Pod attaches 1 new volume of CSI driver ebs.csi.aws.com, more than 2 nodes can still take (the driver's limit is 25, CSINode allocatable; e.g. n1 n2); run it on nodes with fewer attached volumes (add nodes), or move Pods with ebs.csi.aws.com volumes off them"},
	checks.KindCSIDriverNotInstalled: {explain.Fix{Kind: checks.KindCSIDriverNotInstalled, Action: explain.ActionInstallDriver, Nodes: 1,
		Alternatives: []explain.FixAction{explain.ActionAvoidNodes}, Targets: nodeTargets("n1"),
		Change: explain.FixChange{VolumeLimit: &checks.VolumeLimitEvidence{Driver: "ebs.csi.aws.com"}}},
		"CSI driver ebs.csi.aws.com is not installed on 1 node (e.g. n1); install its node plugin there (check the driver's DaemonSet), or keep the Pod off these nodes"},
	checks.KindVolumeNotEnoughStorage: {explain.Fix{Kind: checks.KindVolumeNotEnoughStorage, Action: explain.ActionFreeCapacity, Nodes: 3,
		Alternatives: []explain.FixAction{explain.ActionChangeRequest, explain.ActionChangeStorageClass},
		Change:       explain.FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", StorageClass: "csi", StorageRequested: ptr(resource.MustParse("10Gi"))}}},
		`StorageClass "csi" cannot provision 10Gi for PVC ns/data on 3 nodes (the driver's CSIStorageCapacity); free storage in its pools there, lower the claim's request, or use another class`},
	checks.KindNodeFeatureMissing: {explain.Fix{Kind: checks.KindNodeFeatureMissing, Action: explain.ActionEnableNodeFeature, Nodes: 4,
		Alternatives: []explain.FixAction{explain.ActionDropPodFeature}, Targets: nodeTargets("n1", "n2"),
		Change: explain.FixChange{Features: &checks.FeatureEvidence{Required: []string{"RestartAllContainersOnContainerExits"}, Missing: []string{"RestartAllContainersOnContainerExits"}}}},
		"The Pod needs node feature RestartAllContainersOnContainerExits, which 4 nodes do not declare in status.declaredFeatures (e.g. n1 n2 (and 2 more)); run it on nodes whose kubelet has the feature enabled (upgrade them, or turn on the feature gate), or change the Pod so it does not need it"},
	checks.KindDeviceClaimUnallocatable: {explain.Fix{Kind: checks.KindDeviceClaimUnallocatable, Action: explain.ActionFreeDevices, Nodes: 2,
		Alternatives: []explain.FixAction{explain.ActionAddDevices}, Targets: append([]explain.ObjectRef{{Kind: "ResourceClaim", Name: "ml/gpu"}}, nodeTargets("n1", "n2")...),
		Change: explain.FixChange{DeviceClaim: &checks.DeviceClaimEvidence{Claim: "ml/gpu"}}},
		"ResourceClaim ml/gpu finds no devices on 2 nodes (e.g. n1 n2); free devices the other claims hold (delete the Pods using them, then the claims), or add nodes whose driver publishes matching devices"},
	checks.KindDeviceClaimElsewhere: {explain.Fix{Kind: checks.KindDeviceClaimElsewhere, Action: explain.ActionUseClaimNode, Nodes: 2,
		Change: explain.FixChange{DeviceClaim: &checks.DeviceClaimEvidence{Claim: "ml/gpu", Allocated: true}}},
		"ResourceClaim ml/gpu is already allocated to devices on other nodes; let the Pod run where they are (see the claim's status.allocation.nodeSelector), or, once no Pod uses it, delete and recreate the claim so it is allocated again"},
}

func nodeTargets(names ...string) []explain.ObjectRef {
	var out []explain.ObjectRef
	for _, n := range names {
		out = append(out, explain.ObjectRef{Kind: "Node", Name: n})
	}
	return out
}

// TestEveryKindFullyDescribed walks every blocker kind checks knows: each needs an identity
// (checks), a wording for the blocker and for its fix (here), a fix render can phrase, and a row
// in docs/report-schema.md. A new kind cannot ship half-described.
func TestEveryKindFullyDescribed(t *testing.T) {
	schema, err := os.ReadFile("../../docs/report-schema.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range checks.Kinds() {
		if checks.KindPlugin(k) == "" {
			t.Errorf("%s: checks has no plugin or identity for it", k)
		}
		w, ok := kindWords[k]
		if !ok || w.blocker == nil || w.fix == nil {
			t.Errorf("%s: no wording entry for the blocker and its fix in kindWords", k)
			continue
		}
		if s := phrase([]checks.Blocker{{Kind: k, Plugin: checks.KindPlugin(k)}}); s == "" || strings.HasPrefix(s, string(k)) {
			t.Errorf("%s: the blocker without evidence reads %q", k, s)
		}
		sample, ok := fixSamples[k]
		if !ok {
			t.Errorf("%s: no fix sample in fixSamples", k)
		} else if got := fixPhrase(sample.fix); got != sample.want {
			t.Errorf("%s fix:\n got  %s\n want %s", k, got, sample.want)
		}
		if fixPhrase(explain.Fix{Kind: k}) != "" {
			t.Errorf("%s: a fix without its data should read as nothing", k)
		}
		if !strings.Contains(string(schema), "\n| `"+string(k)+"` | "+checks.KindPlugin(k)+" |") {
			t.Errorf("%s: docs/report-schema.md has no Blocker row \"| `%s` | %s | ...\"", k, k, checks.KindPlugin(k))
		}
	}
}

var appDB = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "db"}}

// TestFixPhrases covers the branches of the fix sentences beyond fixSamples: one per action a
// kind can propose.
func TestFixPhrases(t *testing.T) {
	taint := &corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule}
	equal := &corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "db", Effect: corev1.TaintEffectNoSchedule}
	res := func(requested, free, alloc string, lowerTo *resource.Quantity) *explain.ResourceChange {
		return &explain.ResourceChange{Resource: "cpu", Requested: resource.MustParse(requested), MostFree: resource.MustParse(free),
			MostAllocatable: resource.MustParse(alloc), LowerTo: lowerTo}
	}
	for _, tt := range []struct {
		name string
		fix  explain.Fix
		want string
	}{
		{"health taint", explain.Fix{Kind: checks.KindUntoleratedTaint, Action: explain.ActionRepairNode, Nodes: 1, Targets: nodeTargets("n1"),
			Change: explain.FixChange{Taint: &corev1.Taint{Key: "node.kubernetes.io/not-ready", Effect: corev1.TaintEffectNoExecute}}},
			"Kubernetes set node.kubernetes.io/not-ready:NoExecute on n1 because the node is unhealthy or cordoned; fix the node (kubectl describe node n1) rather than tolerating the taint"},
		{"toleration with a key typo", explain.Fix{Kind: checks.KindUntoleratedTaint, Action: explain.ActionAddToleration,
			Alternatives: []explain.FixAction{explain.ActionRemoveTaint}, Nodes: 1, Targets: nodeTargets("n1"),
			Change: explain.FixChange{Taint: taint, Toleration: equal, NearMiss: "key",
				NearestToleration: &corev1.Toleration{Key: "dedicate", Operator: corev1.TolerationOpEqual, Value: "db"}}},
			`The Pod tolerates key "dedicate", which is not the taint's key "dedicated" (a typo?); use {key: "dedicated", operator: "Equal", value: "db", effect: "NoSchedule"}; or, if the 1 node should not be reserved, remove the taint: kubectl taint nodes n1 dedicated:NoSchedule-`},
		{"nodeSelector on a system label", explain.Fix{Kind: checks.KindNodeSelectorMismatch, Action: explain.ActionChangeNodeSelector, Nodes: 2,
			Targets: nodeTargets("n1"), Change: explain.FixChange{Label: &explain.Label{Key: "topology.kubernetes.io/zone", Value: "z"}, NodesWithoutLabel: 2}},
			"nodeSelector topology.kubernetes.io/zone=z matches none of these 2 nodes (none of them has the label); topology.kubernetes.io/zone is set by Kubernetes or the cloud provider, so change the Pod's nodeSelector rather than the nodes"},
		{"request larger than any node", explain.Fix{Kind: checks.KindInsufficientResource, Action: explain.ActionChangeRequest, Nodes: 3,
			Change: explain.FixChange{Resource: res("8", "1", "4", nil)}},
			"The Pod requests 8 cpu, more than any of these 3 nodes has allocatable (at most 4); lower the request or add bigger nodes"},
		{"none free", explain.Fix{Kind: checks.KindInsufficientResource, Action: explain.ActionFreeCapacity, Nodes: 1,
			Change: explain.FixChange{Resource: res("1", "0", "4", nil)}},
			"The Pod requests 1 cpu and none of these 1 node has any free; free some (lower-priority or finished Pods) or add nodes"},
		{"offered by no node", explain.Fix{Kind: checks.KindInsufficientResource, Action: explain.ActionAddNodes, Nodes: 2,
			Change: explain.FixChange{Resource: res("1", "0", "0", nil)}},
			"None of these 2 nodes offers cpu at all, and the Pod requests 1; add nodes that provide it (device plugin) or remove the request"},
		{"spread key missing on a user label", explain.Fix{Kind: checks.KindSpreadMissingLabel, Action: explain.ActionLabelNode, Nodes: 1,
			Change: explain.FixChange{Label: &explain.Label{Key: "rack"}}},
			`1 node lacks the label "rack" that the spread constraint's topologyKey needs; label it, or keep the Pod off it with node affinity`},
		{"pod affinity key missing", explain.Fix{Kind: checks.KindPodAffinityUnsatisfied, Action: explain.ActionLabelNode, Nodes: 2,
			Change: explain.FixChange{Label: &explain.Label{Key: "rack"}, PodAffinity: &checks.PodAffinityEvidence{TopologyKey: "rack", MissingLabel: true}}},
			`2 nodes lack the label "rack" that the required pod affinity needs`},
		{"claim provisioned for another node", explain.Fix{Kind: checks.KindVolumeBindConflict, Action: explain.ActionUseSelectedNode, Nodes: 1,
			Change: explain.FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", Conflict: checks.BindSelectedNode, SelectedNode: "n3"}}},
			"PVC ns/data is already being provisioned for node n3 (annotation volume.kubernetes.io/selected-node); let the Pod go there, or remove the annotation if provisioning on that node failed"},
		{"class outside its topologies", explain.Fix{Kind: checks.KindVolumeBindConflict, Action: explain.ActionAvoidNodes, Nodes: 2,
			Change: explain.FixChange{Volume: &checks.VolumeEvidence{PVC: "ns/data", StorageClass: "zonal", Conflict: checks.BindAllowedTopologies}}},
			`StorageClass "zonal"'s allowedTopologies exclude 2 nodes and no free PV matches PVC ns/data there; keep the Pod on nodes the class serves, or widen allowedTopologies`},
	} {
		if got := fixPhrase(tt.fix); got != tt.want {
			t.Errorf("%s:\n got  %s\n want %s", tt.name, got, tt.want)
		}
	}
}

// D4: a term the scheduler matches against every namespace says so.
func TestAllNamespacesWording(t *testing.T) {
	b := checks.Blocker{Plugin: checks.PluginInterPodAffinity, Kind: checks.KindPodAntiAffinityConflict, PodAffinity: &checks.PodAffinityEvidence{
		TopologyKey: "kubernetes.io/hostname", Domain: "n1", Pod: "other/web", Selector: appDB, AllNamespaces: true}}
	if got := blockerPhrase(b); !strings.Contains(got, "the scheduler matches Pods in every namespace here") {
		t.Errorf("phrase %q", got)
	}
}
