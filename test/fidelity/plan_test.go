package fidelity

import (
	"context"
	"testing"
	"time"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// TestVerifiedPlans: on generated clusters where the Pod does not fit, the plan why-pending
// verified (the least change that lets the Pod pass every filter on a copy) is applied to the
// cluster, and the real scheduler must then place the Pod. PLAN_CASES seeds (default 600) from
// FIDELITY_SEED.
func TestVerifiedPlans(t *testing.T) {
	n := envInt(t, "PLAN_CASES", 600)
	seed0 := envInt(t, "FIDELITY_SEED", 1)
	ctx := context.Background()
	start := time.Now()
	unschedulable, withPlan, placed := 0, 0, 0
	for i := int64(0); i < n; i++ {
		c := gen.Generate(seed0 + i)
		sel := explain.Selection{Namespace: c.Pending.Namespace, Names: []string{c.Pending.Name}, SchedulerVersion: harness.Version}
		snap := snapshotOf(c)
		rep, err := explain.Explain(snap, sel)
		if err != nil {
			t.Fatalf("seed %d: explain: %v", c.Seed, err)
		}
		if len(rep.Pods) != 1 || rep.Pods[0].Status != explain.StatusUnschedulable {
			continue
		}
		unschedulable++
		changed, pr, err := explain.ApplyPlan(snapshotOf(c), sel)
		if err != nil {
			t.Fatalf("seed %d: apply plan: %v", c.Seed, err)
		}
		if changed == nil {
			continue
		}
		withPlan++
		truth, err := harness.Run(ctx, objectsOfSnapshot(changed), c.Pending.Namespace, c.Pending.Name)
		if err != nil {
			t.Fatalf("seed %d: scheduler: %v", c.Seed, err)
		}
		if truth.Scheduled {
			placed++
			continue
		}
		var changes []string
		for _, i := range pr.Plan.Fixes {
			f := pr.Fixes[i]
			changes = append(changes, string(f.Kind)+"/"+string(f.Outcome.Action))
		}
		t.Errorf("seed %d (%s): plan %v verified to schedule on %v, but the real scheduler says: %s",
			c.Seed, c.Focus, changes, pr.Plan.Outcome.SchedulesOn, truth.Message)
	}
	t.Logf("fidelity: verified plans %d/%d placed by the real scheduler (%d of %d cases unschedulable, %d of them without a plan); %v",
		placed, withPlan, unschedulable, n, unschedulable-withPlan, time.Since(start).Round(time.Millisecond))
	if withPlan == 0 {
		t.Fatal("no case had a plan: the generator or ApplyPlan changed")
	}
}

// objectsOfSnapshot is the cluster a changed snapshot describes, as the harness takes it.
func objectsOfSnapshot(s *snapshot.Snapshot) harness.Objects {
	return harness.Objects{Nodes: s.Nodes, Pods: s.Pods, Namespaces: s.Namespaces, PriorityClasses: s.PriorityClasses,
		PVCs: s.PVCs, PVs: s.PVs, StorageClasses: s.StorageClasses,
		CSINodes: s.CSINodes, CSIDrivers: s.CSIDrivers, CSIStorageCapacities: s.CSIStorageCapacities, VolumeAttachments: s.VolumeAttachments}
}
