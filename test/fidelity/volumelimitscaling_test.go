package fidelity

import (
	"context"
	"strings"
	"testing"

	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
	"k8s.io/kubernetes/pkg/features"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
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
		truth, err := harness.Run(context.Background(), harness.Objects{
			Nodes: c.Nodes, Pods: c.Pods, Namespaces: c.Namespaces, PriorityClasses: c.PriorityClasses,
			PVCs: c.PVCs, PVs: c.PVs, StorageClasses: c.StorageClasses,
			CSINodes: c.CSINodes, CSIDrivers: c.CSIDrivers, CSIStorageCapacities: c.CSIStorageCapacities, VolumeAttachments: c.VolumeAttachments,
		}, c.Pending.Namespace, c.Pending.Name)
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
