package fidelity

import (
	"context"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"

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
