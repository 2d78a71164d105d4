package fidelity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// wholeSnapshot is one generated cluster with many Pending Pods: a base case's cluster, the
// Pending Pods of the next cases moved into it, and replicas of some of them (same owner, same
// spec) so explain's grouping of identical Pods is exercised.
func wholeSnapshot(base int64, transplants int) *gen.Case {
	c := gen.Generate(base)
	c.Pods = append([]*corev1.Pod(nil), c.Pods...)
	for i := int64(1); i <= int64(transplants); i++ {
		from := gen.Generate(base + i)
		p := from.Pending
		// A Pending Pod's claims live in its own case; generic ephemeral volumes are named after
		// the Pod, so its replicas would need claims of their own. Pods without volumes move.
		if len(p.Spec.Volumes) > 0 {
			continue
		}
		p = p.DeepCopy()
		p.Name = fmt.Sprintf("pending-s%d", from.Seed)
		p.UID = types.UID(fmt.Sprintf("uid-pending-s%d", from.Seed))
		c.Pods = append(c.Pods, p)
		if i%3 != 0 {
			continue
		}
		if _, _, ok := snapshot.ControllerOf(p); !ok {
			yes := true
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet",
				Name: fmt.Sprintf("rs-s%d", from.Seed), UID: types.UID(fmt.Sprintf("uid-rs-s%d", from.Seed)), Controller: &yes}}
		}
		for r := 1; r <= 2; r++ {
			q := p.DeepCopy()
			q.Name = fmt.Sprintf("%s-r%d", p.Name, r)
			q.UID = types.UID(fmt.Sprintf("%s-r%d", p.UID, r))
			c.Pods = append(c.Pods, q)
		}
	}
	return c
}

// TestWholeSnapshot writes clusters with many Pending Pods as YAML, loads them with the file
// loader (what -f reads), explains every Pending Pod at once (why-pending -A) and requires each
// Pod's line to equal the real scheduler's for that Pod.
func TestWholeSnapshot(t *testing.T) {
	batches := envInt(t, "FIDELITY_SNAPSHOTS", 100)
	seed0 := envInt(t, "FIDELITY_SEED", 1)
	const transplants = 12
	ctx := context.Background()
	dir := t.TempDir()
	start := time.Now()
	var pods, agree, grouped, skipped int
	failures := 0
	for b := int64(0); b < batches; b++ {
		base := seed0 + 100_000 + b*(transplants+1)
		c := wholeSnapshot(base, transplants)
		y, err := c.YAML()
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, fmt.Sprintf("snapshot-%d.yaml", base))
		if err := os.WriteFile(path, y, 0o644); err != nil {
			t.Fatal(err)
		}
		snap, err := snapshot.LoadFiles([]string{path}, nil)
		if err != nil {
			t.Fatalf("snapshot %d: load: %v", base, err)
		}
		// `kubectl get` prints nothing for an empty kind; the fake cluster has these (empty).
		if snap.PVCs == nil {
			snap.PVCs = []*corev1.PersistentVolumeClaim{}
		}
		if snap.PVs == nil {
			snap.PVs = []*corev1.PersistentVolume{}
		}
		if snap.StorageClasses == nil {
			snap.StorageClasses = []*storagev1.StorageClass{}
		}
		if snap.CSINodes == nil {
			snap.CSINodes = []*storagev1.CSINode{}
		}
		if snap.CSIDrivers == nil {
			snap.CSIDrivers = []*storagev1.CSIDriver{}
		}
		if snap.CSIStorageCapacities == nil {
			snap.CSIStorageCapacities = []*storagev1.CSIStorageCapacity{}
		}
		if snap.VolumeAttachments == nil {
			snap.VolumeAttachments = []*storagev1.VolumeAttachment{}
		}
		rep, err := explain.Explain(snap, explain.Selection{AllNamespaces: true, SchedulerVersion: harness.Version})
		if err != nil {
			t.Fatalf("snapshot %d: explain: %v", base, err)
		}
		objs := objectsOf(c)
		for i := range rep.Pods {
			ours := &rep.Pods[i]
			pods++
			if ours.AnalysedWith != "" {
				grouped++
			}
			pod := podNamed(c, ours.Namespace, ours.Name)
			if pod == nil {
				t.Fatalf("snapshot %d: explain reports %s/%s, which the cluster lacks", base, ours.Namespace, ours.Name)
			}
			if pod.DeletionTimestamp != nil {
				// The scheduler skips a Pod being deleted (skipPodSchedule): it writes no line.
				skipped++
				agree++
				continue
			}
			// The real default scheduler never tries gated Pods nor other schedulers' Pods.
			if len(pod.Spec.SchedulingGates) > 0 || pod.Spec.SchedulerName != corev1.DefaultSchedulerName {
				skipped++
				want := explain.StatusSchedulingGated
				if len(pod.Spec.SchedulingGates) == 0 {
					want = explain.StatusOtherScheduler
				}
				if ours.Status == want {
					agree++
				} else if failures++; failures <= 10 {
					t.Errorf("snapshot %d pod %s/%s: status %s, want %s", base, pod.Namespace, pod.Name, ours.Status, want)
				}
				continue
			}
			truth, err := harness.Run(ctx, objs, pod.Namespace, pod.Name)
			if err != nil {
				t.Fatalf("snapshot %d pod %s/%s: scheduler: %v", base, pod.Namespace, pod.Name, err)
			}
			if d := lineDiff(truth, pod, ours); d != "" {
				if failures++; failures <= 10 {
					t.Errorf("snapshot %d (%s) pod %s/%s (analysed with %q): %s", base, path, pod.Namespace, pod.Name, ours.AnalysedWith, d)
				}
				continue
			}
			agree++
		}
	}
	t.Logf("fidelity: whole-snapshot: %d Pending Pods in %d snapshot files, %d agree (%.2f%%); %d answered through a grouped Pod, %d never tried by the default scheduler (gated, being deleted, another scheduler's); %v",
		pods, batches, agree, percent(agree, pods), grouped, skipped, time.Since(start).Round(time.Millisecond))
	if agree != pods {
		t.Errorf("whole-snapshot: %d disagreements", failures)
	}
}

// lineDiff compares one Pod's report with the real scheduler's outcome; "" when they agree. A Pod
// that fits is NotModelled, with nothing listed, when it carries an earlier Unschedulable
// condition (a nominated Pod whose victims have gone, say).
func lineDiff(truth *harness.Result, pod *corev1.Pod, ours *explain.PodReport) string {
	if truth.Scheduled {
		if ours.Status == explain.StatusSchedulable ||
			(ours.Status == explain.StatusNotModelled && len(ours.Unmodelled) == 0 && reportedUnschedulable(pod)) {
			return ""
		}
		return fmt.Sprintf("the scheduler places it on %s; ours: %s %q", truth.NodeName, ours.Status, ours.SchedulerMessage)
	}
	want := explain.StatusUnschedulable
	if truth.NominatedNodeName != "" {
		want = explain.StatusPreemptionPending
	}
	if ours.Status != want || ours.SchedulerMessage != truth.Message {
		return fmt.Sprintf("\n  scheduler: [%s] %s\n  ours:      [%s] %s", want, truth.Message, ours.Status, ours.SchedulerMessage)
	}
	return ""
}

func reportedUnschedulable(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			return true
		}
	}
	return false
}

// objectsOf is the case's cluster as the real scheduler gets it.
func objectsOf(c *gen.Case) harness.Objects {
	return harness.Objects{Nodes: c.Nodes, Pods: c.Pods, Namespaces: c.Namespaces, PriorityClasses: c.PriorityClasses,
		PVCs: c.PVCs, PVs: c.PVs, StorageClasses: c.StorageClasses,
		CSINodes: c.CSINodes, CSIDrivers: c.CSIDrivers, CSIStorageCapacities: c.CSIStorageCapacities, VolumeAttachments: c.VolumeAttachments}
}

func podNamed(c *gen.Case, namespace, name string) *corev1.Pod {
	for _, p := range c.Pods {
		if p.Namespace == namespace && p.Name == name {
			return p
		}
	}
	return nil
}
