// Package whatif places a manifest's Pods on a snapshot as the scheduler would, one replica after
// another, each placed replica counted for the next: how many of each workload fit, and for the
// first that does not, the full why-pending analysis and the scheduler's exact line.
//
// The scheduler scores the feasible nodes and picks the best (at random among ties); scoring is
// not modelled. Each replica goes to a feasible node, and a workload's count is reported as
// exact only when it is provably the same whichever feasible nodes were picked (see couplings).
package whatif

import (
	"fmt"
	"math"
	"slices"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	resourcehelper "k8s.io/component-helpers/resource"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// Options tune Place.
type Options struct {
	// SchedulerVersion picks the profile ("1.36"); "" is the server's version, else the newest.
	SchedulerVersion string
}

// Place places the workloads' replicas on the snapshot's cluster in the scheduler's queue order.
func Place(s *snapshot.Snapshot, workloads []Workload, opts Options) (*WhatIfReport, error) {
	profile, from, warnings, err := chooseProfile(s, opts.SchedulerVersion)
	if err != nil {
		return nil, err
	}
	report := &WhatIfReport{APIVersion: explain.APIVersion, Kind: ReportKind, Source: s.Source, NodeCount: len(s.Nodes),
		SchedulerVersion: profile.SchedulerVersion, SchedulerVersionFrom: from, Workloads: []WorkloadResult{}, AllPlaced: true}
	report.Warnings = append(append([]string(nil), s.Warnings...), warnings...)

	resolver := checks.NewPriorityResolver(s.PriorityClasses)
	type queued struct {
		w        Workload
		pods     []*corev1.Pod
		priority int32
	}
	var queue []queued
	base := *s
	base.Pods = slices.Clone(s.Pods)
	for _, w := range workloads {
		pods := Replicas(w, s.Nodes)
		for _, p := range pods {
			if p.Spec.Priority == nil {
				if v := resolver.Priority(p); v != nil {
					p.Spec.Priority = v
				} else if p.Spec.PriorityClassName != "" {
					report.Warnings = append(report.Warnings, fmt.Sprintf("%s %s/%s: PriorityClass %q is not in the snapshot; its Pods are placed with priority 0",
						w.Kind, w.Namespace, w.Name, p.Spec.PriorityClassName))
					zero := int32(0)
					p.Spec.Priority = &zero
				}
			}
		}
		base.PVCs = withClaimTemplates(base.PVCs, w, s.StorageClasses)
		q := queued{w: w, pods: pods}
		if len(pods) > 0 {
			q.priority = corev1helpers.PodPriority(pods[0])
		}
		queue = append(queue, q)
	}
	// The scheduling queue pops by priority, then by the time a Pod was added: manifest order,
	// each workload's replicas in the order its controller creates them.
	sort.SliceStable(queue, func(i, j int) bool { return queue[i].priority > queue[j].priority })

	snap := checks.WithResolvedPriorities(&base)
	c := checks.NewCluster(snap)
	sim := &simulation{profile: profile, cluster: c, snap: snap, uniqueHostnames: uniqueHostnames(s.Nodes), ambiguous: map[string]bool{}}
	for _, q := range queue {
		wr, err := sim.placeWorkload(q.w, q.pods, q.priority)
		if err != nil {
			return nil, err
		}
		if wr.Placed < wr.Replicas {
			report.AllPlaced = false
		}
		report.Workloads = append(report.Workloads, wr)
	}
	if len(report.Warnings) == 0 {
		report.Warnings = nil
	}
	return report, nil
}

// chooseProfile is why-pending's choice without recorded messages: --scheduler-version, else the
// server's version (live), else the newest.
func chooseProfile(s *snapshot.Snapshot, asked string) (*checks.Profile, string, []string, error) {
	switch {
	case asked != "":
		p, err := checks.ProfileFor(asked)
		return p, explain.VersionFromFlag, nil, err
	case s.ServerVersion != "":
		if p, err := checks.ProfileFor(s.ServerVersion); err == nil {
			return p, explain.VersionFromServer, nil, nil
		}
		return checks.DefaultProfile, explain.VersionFromServer, []string{"the server reports Kubernetes " + s.ServerVersion +
			", which is not modelled; Pods are placed as a v" + checks.DefaultProfile.SchedulerVersion + " scheduler places them"}, nil
	}
	return checks.DefaultProfile, explain.VersionFromDefault, nil, nil
}

// simulation is the cluster as the replicas placed so far have left it.
type simulation struct {
	profile         *checks.Profile
	cluster         *checks.Cluster
	snap            *snapshot.Snapshot
	placed          []*corev1.Pod
	uniqueHostnames bool
	// ambiguous are the nodes whose Pods depend on which feasible nodes earlier replicas went to;
	// all is set when that may reach every node (an earlier workload's cross-node terms).
	ambiguous    map[string]bool
	ambiguousAll bool
}

func (sim *simulation) placeWorkload(w Workload, pods []*corev1.Pod, priority int32) (WorkloadResult, error) {
	wr := WorkloadResult{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Origin: w.Origin, Priority: priority,
		Replicas: len(pods), Placements: []Placement{}}
	var couplings []Coupling
	if len(pods) > 0 {
		couplings = sim.couplings(pods[0])
	}
	forced, failed, preempts := true, false, false
	var reached []string // every node some replica of this workload could have gone to
	for _, pod := range pods {
		if failed && w.Kind != KindDaemonSet {
			// Nothing changed since the last replica failed, and this one is the same: it fails
			// the same way (a DaemonSet's Pods differ by node).
			last := wr.Unplaced[len(wr.Unplaced)-1]
			wr.Unplaced = append(wr.Unplaced, UnplacedPod{Pod: pod.Name, SchedulerMessage: last.SchedulerMessage, WouldPreempt: last.WouldPreempt})
			continue
		}
		res := checks.RunCycle(sim.profile, sim.cluster, pod, checks.CycleOptions{})
		if !slices.Contains(couplings, CouplingEarlierWorkload) && sim.reachesAmbiguous(pod, res) {
			couplings = append(couplings, CouplingEarlierWorkload)
		}
		if !res.Feasible {
			failed = true
			wouldPreempt := res.Preemption.Outcome == checks.PreemptionWouldSucceed
			preempts = preempts || wouldPreempt
			wr.Unplaced = append(wr.Unplaced, UnplacedPod{Pod: pod.Name, SchedulerMessage: res.Message, WouldPreempt: wouldPreempt})
			if wr.FirstFailure == nil {
				fr, err := sim.explain(pod)
				if err != nil {
					return wr, fmt.Errorf("%s %s/%s: explain %s: %w", w.Kind, w.Namespace, w.Name, pod.Name, err)
				}
				wr.FirstFailure = fr
			}
			continue
		}
		var feasible []string
		for _, n := range res.Nodes {
			if n.Verdict == nil {
				feasible = append(feasible, n.Name)
			}
		}
		if len(feasible) > 1 {
			forced = false
		}
		reached = append(reached, feasible...)
		node := sim.choose(pod, feasible)
		if !sim.cluster.Place(pod, node) {
			return wr, fmt.Errorf("%s %s/%s: cannot place %s on node %q", w.Kind, w.Namespace, w.Name, pod.Name, node)
		}
		bound := pod.DeepCopy()
		bound.Spec.NodeName = node
		sim.placed = append(sim.placed, bound)
		wr.Placements = append(wr.Placements, Placement{Pod: pod.Name, Node: node, FeasibleNodes: len(feasible)})
	}
	wr.Placed = len(wr.Placements)
	if preempts {
		couplings = append(couplings, CouplingPreemption)
	}
	// A workload's count is the same for every choice of feasible nodes when its start is (no
	// ambiguous node it could reach), and either every replica had one feasible node, or what
	// decides a node is only the replicas on that node (node-local; see couplings): then each
	// node takes replicas up to its own capacity, whichever order they come in.
	blocking := slices.ContainsFunc(couplings, func(c Coupling) bool {
		return c == CouplingEarlierWorkload || c == CouplingVolumes || c == CouplingPreemption
	})
	wr.Exact = !blocking && (len(couplings) == 0 || forced)
	if !wr.Exact {
		wr.DependsOn = dedupe(couplings)
	}
	// What the next workloads start from: unique when every choice was forced, or when this
	// node-local workload ran out of room (every node it reaches is full, whatever the order).
	if !wr.Exact || !(forced || failed) {
		for _, n := range reached {
			sim.ambiguous[n] = true
		}
		// Pod terms may reach any node; a preempting replica is nominated and evicts Pods,
		// neither of which is modelled.
		if len(couplings) > 0 && len(pods) > 0 && hasPodTerms(pods[0]) || preempts {
			sim.ambiguousAll = true
		}
	}
	return wr, nil
}

// couplings are what makes a replica's fate on one node depend on replicas on other nodes.
func (sim *simulation) couplings(pod *corev1.Pod) []Coupling {
	var out []Coupling
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable == corev1.DoNotSchedule {
			out = append(out, CouplingSpread)
			break
		}
	}
	if a := pod.Spec.Affinity; a != nil {
		if a.PodAffinity != nil && len(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution) > 0 {
			out = append(out, CouplingPodAffinity)
		} else if a.PodAntiAffinity != nil {
			// Anti-affinity per node (hostname, unique on every node) keeps each node to itself.
			for _, t := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
				if t.TopologyKey != corev1.LabelHostname || !sim.uniqueHostnames {
					out = append(out, CouplingPodAffinity)
					break
				}
			}
		}
	}
	// A bound claim stays as it is; an unbound or ephemeral one is bound or provisioned for the
	// first replica that uses it, which what-if does not do.
	for _, v := range pod.Spec.Volumes {
		unbound := v.Ephemeral != nil
		if v.PersistentVolumeClaim != nil {
			pvc := sim.cluster.PVCs[pod.Namespace+"/"+v.PersistentVolumeClaim.ClaimName]
			unbound = pvc == nil || pvc.Spec.VolumeName == ""
		}
		if unbound {
			out = append(out, CouplingVolumes)
			break
		}
	}
	return out
}

// reachesAmbiguous: the cycle looks at a node whose Pods depend on earlier choices, other than
// to reject it for what no placed Pod changes (node name, cordon, taints, node affinity). A Pod
// with spread or pod affinity terms may count the Pods of a node it cannot go to.
func (sim *simulation) reachesAmbiguous(pod *corev1.Pod, res *checks.CycleResult) bool {
	if sim.ambiguousAll {
		return true
	}
	if res.PreFilter != nil || hasPodTerms(pod) {
		return len(sim.ambiguous) > 0
	}
	for _, n := range res.Nodes {
		if !sim.ambiguous[n.Name] {
			continue
		}
		if n.Verdict == nil {
			return true
		}
		switch n.Verdict.Plugin {
		case checks.PluginNodeName, checks.PluginNodeUnschedulable, checks.PluginTaintToleration, checks.PluginNodeAffinity:
		default:
			return true
		}
	}
	return false
}

// choose picks the feasible node with the largest free share of cpu and memory once the Pod is
// on it, by name among equals: near what the scheduler's LeastAllocated scoring favours, but only
// a feasible node, never a claim about the scheduler's pick.
func (sim *simulation) choose(pod *corev1.Pod, feasible []string) string {
	req := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	// Overcommitted nodes (Pods bound past allocatable) have negative shares: start below any.
	best, bestScore := "", math.Inf(-1)
	for _, name := range feasible {
		ni := sim.cluster.Node(name)
		score := 0.0
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			q := req[r]
			want := q.Value()
			if r == corev1.ResourceCPU {
				want = q.MilliValue()
			}
			if a := ni.Allocatable[r]; a > 0 {
				score += float64(a-ni.Requested[r]-want) / float64(a)
			}
		}
		if score > bestScore {
			best, bestScore = name, score
		}
	}
	return best
}

// explain runs why-pending on pod against the cluster with the replicas placed so far.
func (sim *simulation) explain(pod *corev1.Pod) (*explain.PodReport, error) {
	s := *sim.snap
	s.Pods = append(append(slices.Clone(sim.snap.Pods), sim.placed...), pod)
	s.Events = nil
	r, err := explain.Explain(&s, explain.Selection{Namespace: pod.Namespace, Names: []string{pod.Name}, SchedulerVersion: sim.profile.SchedulerVersion})
	if err != nil {
		return nil, err
	}
	for i := range r.Pods {
		if r.Pods[i].Name == pod.Name {
			return &r.Pods[i], nil
		}
	}
	return nil, fmt.Errorf("no analysis")
}

// hasPodTerms: the Pod's own spread or pod (anti-)affinity terms may reach other nodes' Pods.
func hasPodTerms(p *corev1.Pod) bool {
	if len(p.Spec.TopologySpreadConstraints) > 0 {
		return true
	}
	a := p.Spec.Affinity
	return a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil)
}

func uniqueHostnames(nodes []*corev1.Node) bool {
	seen := map[string]bool{}
	for _, n := range nodes {
		h, ok := n.Labels[corev1.LabelHostname]
		if !ok || seen[h] {
			return false
		}
		seen[h] = true
	}
	return true
}

func dedupe(cs []Coupling) []Coupling {
	var out []Coupling
	for _, c := range cs {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// withClaimTemplates adds the claims a StatefulSet's controller creates for its replicas, unbound,
// with the default StorageClass when the template names none (DefaultStorageClass admission).
func withClaimTemplates(pvcs []*corev1.PersistentVolumeClaim, w Workload, classes []*storagev1.StorageClass) []*corev1.PersistentVolumeClaim {
	set, isSet := w.Object.(*appsv1.StatefulSet)
	if !isSet || len(set.Spec.VolumeClaimTemplates) == 0 || pvcs == nil {
		return pvcs
	}
	var def *string
	for _, sc := range classes {
		if sc.Annotations["storageclass.kubernetes.io/is-default-class"] == "true" {
			name := sc.Name
			def = &name
		}
	}
	start := 0
	if set.Spec.Ordinals != nil {
		start = int(set.Spec.Ordinals.Start)
	}
	out := slices.Clone(pvcs)
	for i := start; i < start+count(set.Spec.Replicas); i++ {
		for _, t := range set.Spec.VolumeClaimTemplates {
			pvc := &corev1.PersistentVolumeClaim{ObjectMeta: *t.ObjectMeta.DeepCopy(), Spec: *t.Spec.DeepCopy()}
			pvc.Name = fmt.Sprintf("%s-%s-%d", t.Name, w.Name, i)
			pvc.Namespace = w.Namespace
			if pvc.Spec.StorageClassName == nil {
				pvc.Spec.StorageClassName = def
			}
			pvc.Status.Phase = corev1.ClaimPending
			out = append(out, pvc)
		}
	}
	return out
}
