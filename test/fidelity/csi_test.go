package fidelity

import (
	"context"
	"strings"
	"testing"

	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
	"k8s.io/kubernetes/pkg/features"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// TestVolumeLimitScaling proves NodeVolumeLimits' DriverMustBeInstalled (the 1.37 default) against
// the v1.36.3 scheduler with the VolumeLimitScaling gate turned on: the plugin's code is the same,
// so the 1.36 profile with only that field changed must write every line the scheduler writes.
func TestVolumeLimitScaling(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.VolumeLimitScaling, true)
	profile := *checks.DefaultProfile
	profile.Plugins = append([]checks.Plugin(nil), profile.Plugins...)
	for i, pl := range profile.Plugins {
		if _, ok := pl.(checks.NodeVolumeLimits); ok {
			profile.Plugins[i] = checks.NodeVolumeLimits{DriverMustBeInstalled: true}
		}
	}
	n := envInt(t, "FIDELITY_SCALING_CASES", 3000)
	cases, agree, notInstalled := 0, 0, 0
	for seed := int64(1); seed <= n; seed++ {
		c := gen.Generate(seed)
		if len(c.CSI.CSIDrivers) == 0 {
			continue // no CSIDriver: nothing this gate changes
		}
		cases++
		truth, err := harness.Run(context.Background(), objectsOf(c), c.Pending.Namespace, c.Pending.Name)
		if err != nil {
			t.Fatalf("seed %d: scheduler: %v", seed, err)
		}
		s := checks.WithResolvedPriorities(snapshotOf(c))
		pod := s.Pods[0]
		for _, p := range s.Pods {
			if p.Namespace == c.Pending.Namespace && p.Name == c.Pending.Name {
				pod = p
			}
		}
		ours := checks.RunCycle(&profile, checks.NewCluster(s), pod, checks.CycleOptions{}).Message
		if strings.Contains(truth.Message, "CSI driver is not installed") {
			notInstalled++
		}
		if ours == truth.Message {
			agree++
			continue
		}
		t.Errorf("seed %d:\n  scheduler %q\n  ours      %q", seed, truth.Message, ours)
	}
	t.Logf("fidelity: VolumeLimitScaling on: %d CSI cases, %d agree; %d with a driver not installed", cases, agree, notInstalled)
	if notInstalled == 0 {
		t.Errorf("no case exercised a CSI driver that is not installed")
	}
}

// TestCSIMutationsCaught: the differential comparison notices when our view loses what
// NodeDeclaredFeatures, NodeVolumeLimits and VolumeBinding's capacity check and in-tree
// translation read.
func TestCSIMutationsCaught(t *testing.T) {
	seeds := envInt(t, "FIDELITY_MUTATION_SEEDS", 600)
	for _, m := range []struct {
		name     string
		mutate   func(*snapshot.Snapshot)
		relevant func(*gen.Case) bool
	}{{
		name: "nodes declare every feature",
		mutate: func(s *snapshot.Snapshot) {
			for _, n := range s.Nodes {
				n.Status.DeclaredFeatures = []string{"RestartAllContainersOnContainerExits", "UserNamespacesHostNetworkSupport"}
			}
		},
		relevant: func(c *gen.Case) bool {
			return c.Pending.Spec.HostUsers != nil || len(c.Pending.Spec.Containers[len(c.Pending.Spec.Containers)-1].RestartPolicyRules) > 0
		},
	}, {
		name: "CSINode volume limits ignored",
		mutate: func(s *snapshot.Snapshot) {
			for _, n := range s.CSINodes {
				for i := range n.Spec.Drivers {
					n.Spec.Drivers[i].Allocatable = nil
				}
			}
		},
		relevant: func(c *gen.Case) bool { return len(c.CSINodes) > 0 },
	}, {
		name:     "CSIStorageCapacities not read",
		mutate:   func(s *snapshot.Snapshot) { s.CSIStorageCapacities = nil },
		relevant: func(c *gen.Case) bool { return len(c.CSIStorageCapacities) > 0 },
	}, {
		name: "CSINode migrated-plugins annotation ignored",
		mutate: func(s *snapshot.Snapshot) {
			for _, n := range s.CSINodes {
				n.Annotations = nil
			}
		},
		relevant: func(c *gen.Case) bool {
			for _, n := range c.CSINodes {
				if n.Annotations != nil {
					return true
				}
			}
			return false
		},
	}} {
		t.Run(m.name, func(t *testing.T) {
			relevant, caught := 0, 0
			for seed := int64(1); seed <= seeds; seed++ {
				c := gen.Generate(seed)
				if !m.relevant(c) {
					continue
				}
				relevant++
				v, err := judge(context.Background(), c, m.mutate)
				if err != nil {
					t.Fatal(err)
				}
				if len(v.diffs) > 0 {
					caught++
				}
			}
			t.Logf("%d of %d relevant cases (seeds 1-%d) disagree", caught, relevant, seeds)
			if caught == 0 {
				t.Fatalf("the comparison did not catch the mutation on any of %d relevant cases", relevant)
			}
		})
	}
}
