package fidelity

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// zoneKeys are the PV labels VolumeZone reads.
var zoneKeys = []string{corev1.LabelTopologyZone, corev1.LabelTopologyRegion, corev1.LabelFailureDomainBetaZone, corev1.LabelFailureDomainBetaRegion}

// TestDifferentialCatchesMutations proves the differential comparison can fail: our side gets a
// deliberately wrong view of the cluster (the kind of bug a check could have) and the comparison
// must report disagreements on a fixed seed range where the wrong view matters.
func TestDifferentialCatchesMutations(t *testing.T) {
	const seeds = 600
	v136 := referenceIs136(t)
	mutations := []struct {
		name string
		// mutate changes the snapshot explain sees; the scheduler keeps the true objects.
		mutate func(*snapshot.Snapshot)
		// relevant says whether the mutation can matter for a case, to count the catch rate.
		relevant func(*gen.Case) bool
		// notOn are the scheduler versions whose behaviour the mutation is (nothing to catch).
		notOn []string
	}{{
		name: "PreferNoSchedule taints treated as NoSchedule",
		mutate: func(s *snapshot.Snapshot) {
			for _, n := range s.Nodes {
				for i := range n.Spec.Taints {
					if n.Spec.Taints[i].Effect == corev1.TaintEffectPreferNoSchedule {
						n.Spec.Taints[i].Effect = corev1.TaintEffectNoSchedule
					}
				}
			}
		},
		relevant: func(c *gen.Case) bool {
			for _, n := range c.Nodes {
				for _, tn := range n.Spec.Taints {
					if tn.Effect == corev1.TaintEffectPreferNoSchedule {
						return true
					}
				}
			}
			return false
		},
	}, {
		name: "terminating pods counted in spread (deletionTimestamp dropped)",
		mutate: func(s *snapshot.Snapshot) {
			for _, p := range s.Pods {
				p.DeletionTimestamp = nil
			}
		},
		relevant: func(c *gen.Case) bool {
			terminating := false
			for _, p := range c.Pods {
				terminating = terminating || p.DeletionTimestamp != nil
			}
			return terminating && len(c.Pending.Spec.TopologySpreadConstraints) > 0
		},
	}, {
		name: "PersistentVolume node affinity ignored",
		mutate: func(s *snapshot.Snapshot) {
			for _, pv := range s.PVs {
				pv.Spec.NodeAffinity = nil
			}
		},
		relevant: func(c *gen.Case) bool {
			for _, pv := range c.PVs {
				if pv.Spec.NodeAffinity != nil {
					return true
				}
			}
			return false
		},
	}, {
		name: "PersistentVolume zone labels ignored",
		mutate: func(s *snapshot.Snapshot) {
			for _, pv := range s.PVs {
				for _, k := range zoneKeys {
					delete(pv.Labels, k)
				}
			}
		},
		relevant: func(c *gen.Case) bool {
			for _, pv := range c.PVs {
				for _, k := range zoneKeys {
					if _, ok := pv.Labels[k]; ok && pv.Spec.ClaimRef != nil {
						return true
					}
				}
			}
			return false
		},
	}, {
		name: "pod-level requests ignored",
		mutate: func(s *snapshot.Snapshot) {
			for _, p := range s.Pods {
				p.Spec.Resources, p.Status.Resources, p.Status.AllocatedResources = nil, nil, nil
			}
		},
		relevant: func(c *gen.Case) bool {
			for _, p := range c.Pods {
				if p.Spec.Resources != nil {
					return true
				}
			}
			return false
		},
	}, {
		name: "pod-level in-place resize status ignored",
		mutate: func(s *snapshot.Snapshot) {
			for _, p := range s.Pods {
				p.Status.Resources, p.Status.AllocatedResources = nil, nil
			}
		},
		relevant: func(c *gen.Case) bool {
			for _, p := range c.Pods {
				if p.Status.Resources != nil {
					return true
				}
			}
			return false
		},
		notOn: []string{"1.35"}, // InPlacePodLevelResourcesVerticalScaling is off before v1.36
	}, {
		name: "nominated Pods ignored",
		mutate: func(s *snapshot.Snapshot) {
			for _, p := range s.Pods {
				if p.Name != gen.PendingName {
					p.Status.NominatedNodeName = ""
				}
			}
		},
		relevant: func(c *gen.Case) bool {
			for _, p := range c.Pods {
				if p != c.Pending && p.Status.NominatedNodeName != "" {
					return true
				}
			}
			return false
		},
	}, {
		name: "nominated Pods counted whatever their priority",
		mutate: func(s *snapshot.Snapshot) {
			top := int32(1 << 30)
			for _, p := range s.Pods {
				if p.Name != gen.PendingName && p.Status.NominatedNodeName != "" {
					p.Spec.Priority, p.Spec.PriorityClassName = &top, ""
				}
			}
		},
		relevant: func(c *gen.Case) bool {
			for _, p := range c.Pods {
				if p != c.Pending && p.Status.NominatedNodeName != "" && *p.Spec.Priority < *c.Pending.Spec.Priority {
					return true
				}
			}
			return false
		},
	}, {
		name: "ReadWriteOncePod ignored (claims read as ReadWriteOnce)",
		mutate: func(s *snapshot.Snapshot) {
			for _, pvc := range s.PVCs {
				for i, m := range pvc.Spec.AccessModes {
					if m == corev1.ReadWriteOncePod {
						pvc.Spec.AccessModes[i] = corev1.ReadWriteOnce
					}
				}
			}
		},
		relevant: func(c *gen.Case) bool {
			rwop := map[string]bool{}
			for _, pvc := range c.PVCs {
				if pvc.Namespace == c.Pending.Namespace && slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteOncePod) {
					rwop[pvc.Name] = true
				}
			}
			for _, p := range c.Pods {
				if p.Spec.NodeName == "" || p.Namespace != c.Pending.Namespace {
					continue
				}
				for _, v := range p.Spec.Volumes {
					if v.PersistentVolumeClaim != nil && rwop[v.PersistentVolumeClaim.ClaimName] && usesClaim(c.Pending, v.PersistentVolumeClaim.ClaimName) {
						return true
					}
				}
			}
			return false
		},
	}, {
		// v1.36 matches every namespace there, later versions the selector's: our view gets the other.
		name: "namespaceSelector of only NotIn/DoesNotExist resolved as the other version does (D4)",
		mutate: func(s *snapshot.Snapshot) {
			for _, p := range s.Pods {
				if p.Name != gen.PendingName {
					continue
				}
				for _, t := range pendingTerms(p) {
					if !matchesEmpty(t.NamespaceSelector) {
						continue
					}
					if !v136 {
						t.NamespaceSelector = &metav1.LabelSelector{} // every namespace, as v1.36
						continue
					}
					sel, _ := metav1.LabelSelectorAsSelector(t.NamespaceSelector)
					var names []string
					for _, ns := range s.Namespaces {
						if sel.Matches(labels.Set(ns.Labels)) {
							names = append(names, ns.Name)
						}
					}
					t.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "no-such-namespace"}}
					if len(names) > 0 {
						t.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
							{Key: corev1.LabelMetadataName, Operator: metav1.LabelSelectorOpIn, Values: names}}}
					}
				}
			}
		},
		relevant: func(c *gen.Case) bool {
			for _, t := range pendingTerms(c.Pending) {
				if matchesEmpty(t.NamespaceSelector) {
					return true
				}
			}
			return false
		},
	}}

	ctx := context.Background()
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			if slices.Contains(m.notOn, harness.Version) {
				t.Skipf("a v%s scheduler behaves as mutated", harness.Version)
			}
			relevant, caught := 0, 0
			var first *verdict
			var firstSeed int64
			for seed := int64(1); seed <= seeds; seed++ {
				c := gen.Generate(seed)
				if !m.relevant(c) {
					continue
				}
				relevant++
				v, err := judge(ctx, c, m.mutate)
				if err != nil {
					t.Fatal(err)
				}
				if len(v.diffs) > 0 {
					caught++
					if first == nil {
						first, firstSeed = v, seed
					}
				}
			}
			t.Logf("%d of %d relevant cases (seeds 1-%d) disagree", caught, relevant, seeds)
			if caught == 0 {
				t.Fatalf("the comparison did not catch the mutation on any of %d relevant cases", relevant)
			}
			t.Logf("first caught: seed %d (%s): %s", firstSeed, first.class, first.diffs[0])
		})
	}
}

func usesClaim(p *corev1.Pod, claim string) bool {
	for _, v := range p.Spec.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
			return true
		}
	}
	return false
}

// pendingTerms are the Pod's required (anti-)affinity terms, to change in place.
func pendingTerms(p *corev1.Pod) []*corev1.PodAffinityTerm {
	var out []*corev1.PodAffinityTerm
	if a := p.Spec.Affinity; a != nil {
		if a.PodAffinity != nil {
			for i := range a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
				out = append(out, &a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution[i])
			}
		}
		if a.PodAntiAffinity != nil {
			for i := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
				out = append(out, &a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[i])
			}
		}
	}
	return out
}

// matchesEmpty: a non-empty namespaceSelector that matches a namespace without labels.
func matchesEmpty(ls *metav1.LabelSelector) bool {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	return ls != nil && err == nil && !sel.Empty() && sel.Matches(labels.Set{})
}
