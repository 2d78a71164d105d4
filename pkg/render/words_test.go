package render

import (
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

func TestPhrase(t *testing.T) {
	spread := func(domain string, matching int32) checks.Blocker {
		return checks.Blocker{Kind: checks.KindSpreadSkew, Spread: &checks.SpreadEvidence{
			TopologyKey: "kubernetes.io/hostname", MaxSkew: 1, MinDomains: 5, Domain: domain,
			MatchingInDomain: matching, GlobalMinimum: 0, EligibleDomains: 3}}
	}
	anti := func(kind checks.BlockerKind, pod, domain string) checks.Blocker {
		return checks.Blocker{Kind: kind, PodAffinity: &checks.PodAffinityEvidence{
			TopologyKey: "kubernetes.io/hostname", Domain: domain, Pod: pod, Selector: appDB}}
	}
	volumeNode := func(actual string) checks.Blocker {
		return checks.Blocker{Kind: checks.KindVolumeNodeConflict, Volume: &checks.VolumeEvidence{PVC: "shop/data", PV: "local-7",
			NodeAffinity: []checks.TermMismatch{{Failed: []checks.ExpressionMismatch{{Actual: &actual,
				Requirement: corev1.NodeSelectorRequirement{Key: "kubernetes.io/hostname", Operator: corev1.NodeSelectorOpIn, Values: []string{"n9"}}}}}}}}
	}
	volumeZone := func(actual string) checks.Blocker {
		e := &checks.VolumeEvidence{PVC: "shop/data", PV: "disk-1", ZoneLabel: "topology.kubernetes.io/zone", Zones: []string{"b", "d"}}
		if actual != "" {
			e.NodeZoneLabel, e.NodeZone = e.ZoneLabel, &actual
		}
		return checks.Blocker{Kind: checks.KindVolumeZoneConflict, Volume: e}
	}
	tests := []struct {
		name string
		bs   []checks.Blocker
		want string
	}{
		{"node affinity over two terms", []checks.Blocker{{Kind: checks.KindNodeAffinityMismatch,
			NodeAffinity: &checks.NodeAffinityEvidence{Terms: []checks.TermMismatch{
				{Term: 0, Failed: []checks.ExpressionMismatch{
					{Requirement: corev1.NodeSelectorRequirement{Key: "zone", Operator: corev1.NodeSelectorOpIn,
						Values: []string{"a", "b"}}, Actual: ptr("c")},
					{Requirement: corev1.NodeSelectorRequirement{Key: "gpu", Operator: corev1.NodeSelectorOpExists}},
				}},
				{Term: 1, Empty: true},
				{Term: 2, Failed: []checks.ExpressionMismatch{{Field: true, Requirement: corev1.NodeSelectorRequirement{
					Key: "metadata.name", Operator: corev1.NodeSelectorOpNotIn, Values: []string{"n1"}}, Actual: ptr("n1")}}},
			}}}},
			"required node affinity wants zone in (a, b) [found c] and gpu to exist [found no label], or " +
				"metadata.name notin (n1) [found n1] (term 1 is empty and matches no node)"},
		{"spread over many hostnames, minDomains not met",
			[]checks.Blocker{spread("n1", 1), spread("n2", 1), spread("n3", 2), spread("n4", 1)},
			"placing it in n1, n2 or n4 (kubernetes.io/hostname) would make 1 matching Pod there, in n3 2, against a global " +
				"minimum of 0 (maxSkew 1 allows at most 1); the minimum counts as 0 because only 3 " +
				"domains are eligible, fewer than minDomains 5"},
		{"request larger than any node", []checks.Blocker{resourceBlocker("memory", "64Gi", "0", "16Gi"),
			resourceBlocker("memory", "64Gi", "1Gi", "32Gi")},
			"insufficient memory: requests 64Gi, more than any of them has in all (the largest has 32Gi)"},
		{"request larger than the node", []checks.Blocker{resourceBlocker("memory", "64Gi", "0", "16Gi")},
			"insufficient memory: requests 64Gi, more than the node has in all (16Gi)"},
		{"pod limit", []checks.Blocker{{Kind: checks.KindTooManyPods, Resource: resourceBlocker("pods", "1", "110",
			"110").Resource}}, "already runs as many Pods as it allows (110 of 110)"},
		{"anti-affinity collisions on several nodes", []checks.Blocker{
			anti(checks.KindPodAntiAffinityConflict, "db/a", "n1"), anti(checks.KindPodAntiAffinityConflict, "db/b", "n2"),
			anti(checks.KindPodAntiAffinityConflict, "db/c", "n3")},
			"Pods match the Pod's anti-affinity app=db: db/a in kubernetes.io/hostname=n1, " +
				"db/b in kubernetes.io/hostname=n2 and 1 more"},
		{"an existing Pod's anti-affinity", []checks.Blocker{anti(checks.KindExistingAntiAffinity, "db/a", "n1")},
			"Pod db/a in kubernetes.io/hostname=n1 has anti-affinity app=db that matches this Pod"},
		{"pod affinity with no partner", []checks.Blocker{anti(checks.KindPodAffinityUnsatisfied, "", "n1"),
			anti(checks.KindPodAffinityUnsatisfied, "", "n2")},
			"no Pod matching pod affinity app=db in kubernetes.io/hostname=n1 or kubernetes.io/hostname=n2"},
		{"spread label missing", []checks.Blocker{{Kind: checks.KindSpreadMissingLabel, Spread: &checks.SpreadEvidence{
			Constraint: 1, TopologyKey: "zone", MissingLabel: true}}},
			"no zone label, which topology spread constraint 1 needs"},
		{"node name", []checks.Blocker{{Kind: checks.KindNodeNameMismatch, NodeName: &checks.NodeNameEvidence{Want: "n9"}}},
			"not n9, the node named in the Pod's spec.nodeName"},
		{"host port bound to one address", []checks.Blocker{{Kind: checks.KindHostPortConflict, HostPort: &checks.HostPortEvidence{
			HostIP: "10.0.0.1", Protocol: corev1.ProtocolUDP, Port: 53}}},
			"host port 10.0.0.1:53/UDP already in use"},
		{"taint with a key typo", []checks.Blocker{{Kind: checks.KindUntoleratedTaint, Taint: &checks.TaintEvidence{
			Taint:             corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoExecute},
			NearestToleration: &corev1.Toleration{Key: "dedicate", Operator: corev1.TolerationOpEqual, Value: "db"},
			NearMiss:          "key"}}},
			"untolerated taint dedicated=db:NoExecute (the Pod's toleration dedicate=db has a different key)"},
		{"bound PV pinned to other nodes", []checks.Blocker{volumeNode("n1"), volumeNode("n2")},
			"PVC shop/data is bound to PV local-7, whose node affinity wants kubernetes.io/hostname in (n9) [found n1 or n2]"},
		{"bound PV missing", []checks.Blocker{{Kind: checks.KindVolumeMissingPV, Volume: &checks.VolumeEvidence{PVC: "shop/data", PV: "pv-gone"}}},
			"PVC shop/data is bound to PV pv-gone, which does not exist"},
		{"no local PV", []checks.Blocker{{Kind: checks.KindVolumeBindConflict, Volume: &checks.VolumeEvidence{PVC: "shop/data",
			StorageClass: "local", Provisioner: "kubernetes.io/no-provisioner", Conflict: checks.BindNoProvisioner, CandidatePVs: 3}}},
			`PVC shop/data: none of the 3 PVs of class "local" is free and matches here, and the class cannot provision (provisioner "kubernetes.io/no-provisioner")`},
		{"class outside its topology", []checks.Blocker{{Kind: checks.KindVolumeBindConflict, Volume: &checks.VolumeEvidence{PVC: "shop/data",
			StorageClass: "zonal", Conflict: checks.BindAllowedTopologies, AllowedTopologies: []corev1.TopologySelectorTerm{{
				MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: "topology.kubernetes.io/zone", Values: []string{"a", "b"}}}}}}}},
			"PVC shop/data has no matching free PV here, and class zonal provisions only where topology.kubernetes.io/zone in (a, b)"},
		{"claim selected for another node", []checks.Blocker{{Kind: checks.KindVolumeBindConflict, Volume: &checks.VolumeEvidence{PVC: "shop/data",
			Conflict: checks.BindSelectedNode, SelectedNode: "n3"}}},
			"PVC shop/data is being provisioned for node n3 (annotation volume.kubernetes.io/selected-node)"},
		{"bound PV in other zones", []checks.Blocker{volumeZone("a"), volumeZone("c"), volumeZone("")},
			"PVC shop/data is bound to PV disk-1, labelled topology.kubernetes.io/zone=b or d, found topology.kubernetes.io/zone=a, topology.kubernetes.io/zone=c or no topology.kubernetes.io/zone label"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := phrase(tt.bs); got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestNaturalLess(t *testing.T) {
	names := []string{"gpu-10", "gpu-2", "cpu-1", "gpu-1", "gpu-02", "gpu", "gpu-1a", "10", "9"}
	sort.SliceStable(names, func(i, j int) bool { return naturalLess(names[i], names[j]) })
	want := []string{"9", "10", "cpu-1", "gpu", "gpu-1", "gpu-1a", "gpu-2", "gpu-02", "gpu-10"}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("got %v, want %v", names, want)
		}
	}
}
