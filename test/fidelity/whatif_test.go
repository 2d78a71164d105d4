package fidelity

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/whatif"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// whatIfCase turns a generated case into a cluster without its Pending Pod and one or two
// workloads made from that Pod: a Deployment or a DaemonSet, sometimes followed by a second
// Deployment of another size and priority (queue order and an earlier workload's placements).
func whatIfCase(c *gen.Case) []whatif.Workload {
	r := rand.New(rand.NewSource(c.Seed*31 + 5))
	tmpl := c.Pending.DeepCopy()
	if v := checks.NewPriorityResolver(c.PriorityClasses).Priority(tmpl); tmpl.Spec.Priority == nil && v != nil {
		tmpl.Spec.Priority = v
	}
	tmpl.Spec.SchedulingGates, tmpl.Status = nil, corev1.PodStatus{}
	if r.Float64() < 0.5 {
		// Half the workloads keep no claims: what-if never calls a count with unbound claims exact.
		var vols []corev1.Volume
		for _, v := range tmpl.Spec.Volumes {
			if v.PersistentVolumeClaim == nil && v.Ephemeral == nil {
				vols = append(vols, v)
			}
		}
		tmpl.Spec.Volumes = vols
	}
	if r.Float64() < 0.4 {
		// Relaxed: most nodes feasible, so replicas have choices and run out of room on the way.
		tmpl.Spec.NodeSelector, tmpl.Spec.Tolerations = nil, []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
		if tmpl.Spec.Affinity != nil {
			tmpl.Spec.Affinity.NodeAffinity = nil
		}
		cpu := []string{"100m", "250m", "500m", "1"}[r.Intn(4)]
		tmpl.Spec.InitContainers = nil
		tmpl.Spec.Containers[0].Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}}
		if r.Float64() < 0.5 {
			// Node-local: no spread or pod affinity terms, the case the exact counts are about.
			tmpl.Spec.TopologySpreadConstraints = nil
			if tmpl.Spec.Affinity != nil {
				tmpl.Spec.Affinity.PodAffinity, tmpl.Spec.Affinity.PodAntiAffinity = nil, nil
			}
		}
	}
	template := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: tmpl.Labels}, Spec: tmpl.Spec}
	ns := tmpl.Namespace
	deploy := func(name string, n int32, t corev1.PodTemplateSpec) whatif.Workload {
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
			Spec: appsv1.DeploymentSpec{Replicas: &n, Template: *t.DeepCopy()}}
		return whatif.Workload{Kind: whatif.KindDeployment, Namespace: ns, Name: name, Origin: fmt.Sprintf("seed %d", c.Seed), Object: d}
	}
	var ws []whatif.Workload
	if r.Float64() < 0.15 {
		ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "ds", Namespace: ns}, Spec: appsv1.DaemonSetSpec{Template: *template.DeepCopy()}}
		ws = append(ws, whatif.Workload{Kind: whatif.KindDaemonSet, Namespace: ns, Name: "ds", Origin: "daemonset", Object: ds})
	} else {
		ws = append(ws, deploy("first", int32(2+r.Intn(11)), template))
	}
	if r.Float64() < 0.35 {
		second := *template.DeepCopy()
		cpu := []string{"100m", "500m", "1", "2"}[r.Intn(4)]
		second.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu)}
		second.Spec.Containers[0].Resources.Limits = nil
		prio := int32([]int{0, 100, 1000}[r.Intn(3)])
		second.Spec.Priority, second.Spec.PriorityClassName = &prio, ""
		ws = append(ws, deploy("second", int32(1+r.Intn(4)), second))
	}
	return ws
}

// queueOrder is the real queue's order for the workloads' replicas: priority, then creation.
func queueOrder(ws []whatif.Workload, nodes []*corev1.Node) [][]*corev1.Pod {
	var out [][]*corev1.Pod
	for _, w := range ws {
		out = append(out, whatif.Replicas(w, nodes))
	}
	prio := func(ps []*corev1.Pod) int32 {
		if len(ps) == 0 {
			return 0
		}
		return corev1helpers.PodPriority(ps[0])
	}
	sort.SliceStable(out, func(i, j int) bool { return prio(out[i]) > prio(out[j]) })
	return out
}

// TestWhatIf places generated workloads with what-if and with the real scheduler, replica after
// replica in the same order, and compares, for every workload what-if calls exact, the number
// placed and the first failure's message byte for byte. The workloads it does not call exact are
// counted apart (their count may differ with the scheduler's scoring, which is not modelled).
func TestWhatIf(t *testing.T) {
	n := envInt(t, "FIDELITY_WHATIF_CASES", 600)
	seed0 := envInt(t, "FIDELITY_SEED", 1)
	ctx := context.Background()
	exact, agree, inexact, inexactAgree, exactFailing, exactChoosing := 0, 0, 0, 0, 0, 0
	reasons := map[string]int{}
	for seed := seed0; seed < seed0+n; seed++ {
		c := gen.Generate(seed)
		ws := whatIfCase(c)
		snap := snapshotOf(c)
		var kept []*corev1.Pod
		for _, p := range snap.Pods {
			if p.Name != c.Pending.Name || p.Namespace != c.Pending.Namespace {
				kept = append(kept, p)
			}
		}
		snap.Pods = kept
		ours, err := whatif.Place(snap, ws, whatif.Options{SchedulerVersion: harness.Version})
		if err != nil {
			t.Fatalf("seed %d: what-if: %v", seed, err)
		}
		objs := objectsOf(c)
		objs.Pods = nil
		for _, p := range c.Pods {
			if p != c.Pending {
				objs.Pods = append(objs.Pods, p)
			}
		}
		var sequence []*corev1.Pod
		groups := queueOrder(ws, snap.Nodes)
		for _, g := range groups {
			sequence = append(sequence, g...)
		}
		truth, err := harness.RunSequence(ctx, objs, sequence)
		if err != nil {
			t.Fatalf("seed %d: scheduler: %v", seed, err)
		}
		i := 0
		for gi, g := range groups {
			wr := ours.Workloads[gi]
			placed, firstMsg := 0, ""
			for range g {
				res := truth[i]
				i++
				if res.Scheduled {
					placed++
				} else if firstMsg == "" {
					firstMsg = res.Message
				}
			}
			for _, pl := range wr.Placements {
				if snap.Nodes == nil || pl.Node == "" || pl.FeasibleNodes < 1 {
					t.Errorf("seed %d %s: placement %+v names no node", seed, wr.Name, pl)
				}
			}
			ourMsg := ""
			if len(wr.Unplaced) > 0 {
				ourMsg = wr.Unplaced[0].SchedulerMessage
				if wr.FirstFailure == nil || wr.FirstFailure.SchedulerMessage != ourMsg {
					t.Errorf("seed %d %s: the first failure's analysis does not carry its line %q", seed, wr.Name, ourMsg)
				}
			}
			same := placed == wr.Placed && firstMsg == ourMsg && wr.Replicas == len(g)
			if !wr.Exact {
				reasons[fmt.Sprint(wr.DependsOn)]++
				inexact++
				if same {
					inexactAgree++
				}
				continue
			}
			exact++
			if len(wr.Unplaced) > 0 {
				exactFailing++
			}
			for _, pl := range wr.Placements {
				if pl.FeasibleNodes > 1 {
					exactChoosing++
					break
				}
			}
			if same {
				agree++
				continue
			}
			t.Errorf("seed %d (%s) %s %s: scheduler placed %d of %d, what-if %d of %d (exact)\n  scheduler: %q\n  what-if:   %q",
				seed, c.Focus, wr.Kind, wr.Name, placed, len(g), wr.Placed, wr.Replicas, firstMsg, ourMsg)
		}
	}
	t.Logf("fidelity: what-if %d/%d (workloads whose count what-if calls exact, %d with replicas that do not fit, %d with a choice of nodes: count and first-failure message equal to the real scheduler's)", agree, exact, exactFailing, exactChoosing)
	t.Logf("what-if: %d workloads not called exact; %d of them happened to agree with the scheduler's picks; why not exact: %v", inexact, inexactAgree, reasons)
}
