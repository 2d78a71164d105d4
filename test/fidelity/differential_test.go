package fidelity

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// envInt reads a positive integer from the environment, or def.
func envInt(t *testing.T, name string, def int64) int64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: want an integer", name, s)
	}
	return v
}

// verdict is the outcome of one case: what the scheduler did, what we said, and how they differ.
type verdict struct {
	truth *harness.Result
	ours  *explain.PodReport
	diffs []string
	// class names the kind of disagreement, to group failing seeds.
	class string
}

// snapshotOf is the same cluster as the harness gets, as our tool sees it.
func snapshotOf(c *gen.Case) *snapshot.Snapshot {
	s := &snapshot.Snapshot{Source: fmt.Sprintf("seed %d", c.Seed)}
	for _, n := range c.Nodes {
		s.Nodes = append(s.Nodes, n.DeepCopy())
	}
	sort.Slice(s.Nodes, func(i, j int) bool { return s.Nodes[i].Name < s.Nodes[j].Name })
	for _, p := range c.Pods {
		s.Pods = append(s.Pods, p.DeepCopy())
	}
	for _, ns := range c.Namespaces {
		s.Namespaces = append(s.Namespaces, ns.DeepCopy())
	}
	for _, pc := range c.PriorityClasses {
		s.PriorityClasses = append(s.PriorityClasses, pc.DeepCopy())
	}
	// The fake cluster's PVCs, PVs and StorageClasses are all known (empty is not unreadable).
	s.PVCs, s.PVs, s.StorageClasses = []*corev1.PersistentVolumeClaim{}, []*corev1.PersistentVolume{}, []*storagev1.StorageClass{}
	for _, o := range c.PVCs {
		s.PVCs = append(s.PVCs, o.DeepCopy())
	}
	for _, o := range c.PVs {
		s.PVs = append(s.PVs, o.DeepCopy())
	}
	for _, o := range c.StorageClasses {
		s.StorageClasses = append(s.StorageClasses, o.DeepCopy())
	}
	c.CSI.AddTo(s)
	return s
}

// judge runs the real scheduler on c and our explain on c (after mutate, if any, changes our view
// only) and compares them.
func judge(ctx context.Context, c *gen.Case, mutate func(*snapshot.Snapshot)) (*verdict, error) {
	sched, err := theScheduler()
	if err != nil {
		return nil, err
	}
	truth, err := sched.runCase(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("seed %d: scheduler: %w", c.Seed, err)
	}
	snap := snapshotOf(c)
	if mutate != nil {
		mutate(snap)
	}
	v := &verdict{truth: truth}
	rep, err := explain.Explain(snap, explain.Selection{Namespace: c.Pending.Namespace, Names: []string{c.Pending.Name}, SchedulerVersion: sched.version})
	if err != nil {
		v.diffs = []string{fmt.Sprintf("explain: %v", err)}
		v.class = "explain error"
		return v, nil
	}
	for i := range rep.Pods {
		if rep.Pods[i].Namespace == c.Pending.Namespace && rep.Pods[i].Name == c.Pending.Name {
			v.ours = &rep.Pods[i]
		}
	}
	v.diffs, v.class = compare(c, truth, v.ours)
	return v, nil
}

// compare lists every disagreement between the scheduler's result and our report: (a) the message
// byte for byte, (b) per node the first failing plugin, its code and its reasons (as sorted sets:
// NodeResourcesFit lists scalar resources in map order), (c) scheduled or not.
func compare(c *gen.Case, truth *harness.Result, ours *explain.PodReport) (diffs []string, class string) {
	var classes []string
	add := func(cls, format string, args ...any) {
		diffs = append(diffs, fmt.Sprintf(format, args...))
		classes = append(classes, cls)
	}
	defer func() {
		sort.Strings(classes)
		class = strings.Join(dedupe(classes), "; ")
	}()
	if ours == nil {
		add("no report", "no report for %s/%s", c.Pending.Namespace, c.Pending.Name)
		return
	}

	// (c) scheduled vs unschedulable.
	if truth.Scheduled {
		if ours.Status != explain.StatusSchedulable {
			add("fits: ours "+string(ours.Status), "scheduler placed the pod on %s; ours says %s: %q", truth.NodeName, ours.Status, ours.SchedulerMessage)
		}
		for _, n := range ours.Nodes {
			if n.Name == truth.NodeName && n.Scheduler != nil {
				add("chosen node blocked", "scheduler placed the pod on %s; ours blocks it with %s %v", n.Name, n.Scheduler.Plugin, n.Scheduler.Reasons)
			}
		}
		return
	}
	wantStatus := explain.StatusUnschedulable
	if truth.NominatedNodeName != "" {
		wantStatus = explain.StatusPreemptionPending
	}
	if ours.Status != wantStatus {
		add("status "+string(wantStatus)+"→"+string(ours.Status), "status: scheduler %s (nominated %q), ours %s", wantStatus, truth.NominatedNodeName, ours.Status)
	}
	// Which node preemption nominates is compared only as one of the equally good candidates:
	// the scheduler breaks ties at random (v1.37 names the node in the message).
	oursMessage := ours.SchedulerMessage
	if nom := truth.NominatedNodeName; nom != "" && nom != ours.Preemption.Node && slices.Contains(ours.Preemption.Tied, nom) {
		oursMessage = strings.Replace(oursMessage, "on node "+ours.Preemption.Node+",", "on node "+nom+",", 1)
	}

	// (a) the message.
	if oursMessage != truth.Message {
		add("message: "+messageDelta(truth.Message, ours.SchedulerMessage), "message:\n  scheduler: %s\n  ours:      %s", truth.Message, ours.SchedulerMessage)
	}

	// PreFilter rejection: no per-node statuses to compare.
	if truth.PreFilterMsg != "" {
		if ours.PreFilter == nil || ours.PreFilter.Reason != truth.PreFilterMsg {
			add("prefilter", "prefilter: scheduler %q, ours %+v", truth.PreFilterMsg, ours.PreFilter)
		}
		return
	}

	// (b) per node.
	byName := map[string]*explain.NodeReport{}
	for i := range ours.Nodes {
		byName[ours.Nodes[i].Name] = &ours.Nodes[i]
	}
	for _, n := range c.Nodes {
		want, ok := truth.Nodes[n.Name]
		if !ok {
			continue // no FitError (no nodes, internal error): the message says it all
		}
		got := byName[n.Name]
		if got == nil || got.Scheduler == nil {
			add(fmt.Sprintf("node: %s→pass", want.Plugin), "node %s: scheduler %s %s %q; ours: passes", n.Name, want.Plugin, want.Code, want.Reasons)
			continue
		}
		s := got.Scheduler
		// The absent-node status of a PreFilterResult exclusion carries no plugin name; before
		// v1.32 no reason either (the node is not counted: the message shows it).
		pluginOK := want.Plugin == s.Plugin || (want.Absent && want.Plugin == "")
		if want.Absent && len(want.Reasons) == 0 && pluginOK && want.Code == string(s.Code) {
			continue
		}
		if !pluginOK || want.Code != string(s.Code) || !reflect.DeepEqual(harness.SortedReasons(want.Reasons), harness.SortedReasons(s.Reasons)) {
			add(fmt.Sprintf("node: %s→%s", want.Plugin, s.Plugin),
				"node %s: scheduler %s %s %q; ours %s %s %q", n.Name, want.Plugin, want.Code, want.Reasons, s.Plugin, s.Code, s.Reasons)
		}
	}
	return
}

func dedupe(xs []string) []string {
	var out []string
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// messageDelta names the histogram items only one side has, e.g. `-N Insufficient cpu +N Too many pods`.
func messageDelta(truth, ours string) string {
	items := func(m string) map[string]bool {
		out := map[string]bool{}
		// Items are separated by ", ", ": " and ". " (reason texts contain dots, e.g. example.com/gpu).
		for _, part := range messageSep.Split(strings.TrimSuffix(m, "."), -1) {
			out[part] = true
		}
		return out
	}
	t, o := items(truth), items(ours)
	var d []string
	for k := range t {
		if !o[k] {
			d = append(d, "-"+k)
		}
	}
	for k := range o {
		if !t[k] {
			d = append(d, "+"+k)
		}
	}
	if len(d) == 0 {
		return "format"
	}
	// Counts differ from case to case; keep the class about which reasons differ.
	for i, s := range d {
		d[i] = s[:1] + countPrefix.ReplaceAllString(s[1:], "N ")
	}
	sort.Strings(d)
	return strings.Join(dedupe(d), " ")
}

var (
	messageSep  = regexp.MustCompile(`[,:.] `)
	countPrefix = regexp.MustCompile(`^[0-9]+ `)
)

// shrink removes objects and pod fields while the case still disagrees, so a failure comes with a
// small reproducer. Every step reruns both sides, so it is only done for the first few failures.
func shrink(ctx context.Context, c *gen.Case, class string, mutate func(*snapshot.Snapshot)) *gen.Case {
	// Keep the same class of disagreement, so the reproducer shows the bug that was found.
	fails := func(x *gen.Case) bool {
		v, err := judge(ctx, x, mutate)
		return err == nil && len(v.diffs) > 0 && v.class == class
	}
	cur := c
	for changed := true; changed; {
		changed = false
		for _, cand := range reductions(cur) {
			if fails(cand) {
				cur, changed = cand, true
				break
			}
		}
	}
	return cur
}

// reductions are the one-step-smaller variants of c.
func reductions(c *gen.Case) []*gen.Case {
	var out []*gen.Case
	clone := func() *gen.Case {
		x := &gen.Case{Seed: c.Seed, Focus: c.Focus, Namespaces: c.Namespaces, PriorityClasses: c.PriorityClasses,
			Volumes: c.Volumes, PVs: c.PVs, PVCs: c.PVCs, StorageClasses: c.StorageClasses, CSI: c.CSI}
		x.Nodes = append(x.Nodes, c.Nodes...)
		for _, p := range c.Pods {
			if p == c.Pending {
				x.Pending = p.DeepCopy()
				x.Pods = append(x.Pods, x.Pending)
			} else {
				x.Pods = append(x.Pods, p)
			}
		}
		return x
	}
	for i := range c.Nodes {
		x := clone()
		gone := x.Nodes[i].Name
		x.Nodes = append(x.Nodes[:i:i], x.Nodes[i+1:]...)
		var pods []*corev1.Pod
		for _, p := range x.Pods {
			if p.Spec.NodeName != gone {
				pods = append(pods, p)
			}
		}
		x.Pods = pods
		out = append(out, x)
	}
	for i, p := range c.Pods {
		if p != c.Pending {
			x := clone()
			x.Pods = append(x.Pods[:i:i], x.Pods[i+1:]...)
			out = append(out, x)
		}
	}
	// Pod fields, each dropped on its own.
	spec := func(f func(s *corev1.PodSpec) bool) {
		x := clone()
		if f(&x.Pending.Spec) {
			out = append(out, x)
		}
	}
	for i := range c.Pending.Spec.Tolerations {
		spec(func(s *corev1.PodSpec) bool {
			s.Tolerations = append(s.Tolerations[:i:i], s.Tolerations[i+1:]...)
			return true
		})
	}
	for i := range c.Pending.Spec.TopologySpreadConstraints {
		spec(func(s *corev1.PodSpec) bool {
			s.TopologySpreadConstraints = append(s.TopologySpreadConstraints[:i:i], s.TopologySpreadConstraints[i+1:]...)
			return true
		})
	}
	for i := range c.Pending.Spec.InitContainers {
		spec(func(s *corev1.PodSpec) bool {
			s.InitContainers = append(s.InitContainers[:i:i], s.InitContainers[i+1:]...)
			return true
		})
	}
	spec(func(s *corev1.PodSpec) bool { r := s.NodeSelector != nil; s.NodeSelector = nil; return r })
	spec(func(s *corev1.PodSpec) bool {
		r := s.Overhead != nil
		s.Overhead, s.RuntimeClassName = nil, nil
		return r
	})
	spec(func(s *corev1.PodSpec) bool { r := len(s.Containers) > 1; s.Containers = s.Containers[:1]; return r })
	if a := c.Pending.Spec.Affinity; a != nil {
		spec(func(s *corev1.PodSpec) bool { r := a.NodeAffinity != nil; s.Affinity.NodeAffinity = nil; return r })
		spec(func(s *corev1.PodSpec) bool { r := a.PodAffinity != nil; s.Affinity.PodAffinity = nil; return r })
		spec(func(s *corev1.PodSpec) bool {
			r := a.PodAntiAffinity != nil
			s.Affinity.PodAntiAffinity = nil
			return r
		})
	}
	return out
}

// report prints one failure: seed, both messages, the differences, and a minimal YAML reproducer
// written to a file.
func report(t *testing.T, ctx context.Context, dir string, c *gen.Case, v *verdict, mutate func(*snapshot.Snapshot)) {
	t.Helper()
	small := shrink(ctx, c, v.class, mutate)
	sv, err := judge(ctx, small, mutate)
	if err != nil || len(sv.diffs) == 0 {
		small, sv = c, v
	}
	y, err := small.YAML()
	if err != nil {
		t.Errorf("seed %d: %v", c.Seed, err)
		return
	}
	path := filepath.Join(dir, fmt.Sprintf("seed-%d.yaml", c.Seed))
	if err := os.WriteFile(path, y, 0o644); err != nil {
		t.Errorf("seed %d: write reproducer: %v", c.Seed, err)
	}
	truthMsg := sv.truth.Message
	if sv.truth.Scheduled {
		truthMsg = "scheduled on " + sv.truth.NodeName
	}
	ourMsg := "(no report)"
	if sv.ours != nil {
		ourMsg = fmt.Sprintf("[%s] %s", sv.ours.Status, sv.ours.SchedulerMessage)
	}
	t.Errorf("seed %d (%s): disagreement, minimal case %s\n  scheduler: %s\n  ours:      %s\n  %s\n--- reproducer (%d nodes, %d pods) ---\n%s",
		c.Seed, v.class, path, truthMsg, ourMsg, strings.Join(sv.diffs, "\n  "), len(small.Nodes), len(small.Pods), y)
}

// TestDifferential runs FIDELITY_CASES generated cases (default 2000) from FIDELITY_SEED (default
// 1) through the real scheduler and through explain, and requires them to agree on every one.
func TestDifferential(t *testing.T) {
	n := envInt(t, "FIDELITY_CASES", 2000)
	seed0 := envInt(t, "FIDELITY_SEED", 1)
	maxReports := int(envInt(t, "FIDELITY_REPORTS", 5))
	ctx := context.Background()
	var dir string // made on the first failure only

	mustScheduler(t) // an older minor's oracle is built here, outside the timing
	start := time.Now()
	cov := coverage{}
	agree, scheduled := 0, 0
	preempted, sameNominee := 0, 0 // informational: see compare
	classes := map[string][]int64{}
	reported := 0
	for i := int64(0); i < n; i++ {
		c := gen.Generate(seed0 + i)
		v, err := judge(ctx, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v.truth.Scheduled {
			scheduled++
		}
		cov.add(v.truth)
		if v.truth.NominatedNodeName != "" && v.ours != nil {
			preempted++
			if v.ours.Preemption.Node == v.truth.NominatedNodeName {
				sameNominee++
			}
		}
		if len(v.diffs) == 0 {
			agree++
			continue
		}
		first := len(classes[v.class]) == 0
		classes[v.class] = append(classes[v.class], c.Seed)
		if first && reported < maxReports {
			reported++
			if dir == "" {
				if dir, err = os.MkdirTemp("", "fidelity-"); err != nil {
					t.Fatal(err)
				}
			}
			report(t, ctx, dir, c, v, nil)
		}
	}
	elapsed := time.Since(start)
	var names []string
	for k := range classes {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool { return len(classes[names[i]]) > len(classes[names[j]]) })
	for _, k := range names {
		seeds := classes[k]
		if len(seeds) > 10 {
			seeds = seeds[:10]
		}
		t.Logf("class %q: %d cases, seeds %v", k, len(classes[k]), seeds)
	}
	cov.log(t)
	t.Logf("preemption succeeded in %d cases; explain named the scheduler's nominated node in %d (not required)", preempted, sameNominee)
	t.Logf("fidelity: v%s: %d cases, %d agree (%.2f%%); %d scheduled, %d unschedulable; %v (%v per case); reproducers in %s",
		mustScheduler(t).version, n, agree, 100*float64(agree)/float64(n), scheduled, n-int64(scheduled), elapsed.Round(time.Millisecond),
		(elapsed / time.Duration(n)).Round(time.Microsecond), or(dir, "(none)"))
	if int64(agree) != n {
		t.Fail()
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// coverage counts what the scheduler decided across the cases, so a run shows which plugins,
// reasons and preemption outcomes the generator actually exercised.
type coverage map[string]int

func (c coverage) add(r *harness.Result) {
	switch {
	case r.Scheduled:
		c["outcome: scheduled"]++
		return
	case r.PreFilterMsg != "":
		c["outcome: prefilter "+r.PreFilterMsg]++
	case r.NominatedNodeName != "":
		c["outcome: preemption succeeds"]++
	case strings.Contains(r.Message, "preemptionPolicy=Never"):
		c["outcome: preemption Never"]++
	case strings.Contains(r.Message, "No preemption victims"):
		c["outcome: no victims on some node"]++
	case strings.Contains(r.PostFilterMsg, "preemption: 0/"):
		c["outcome: preemption finds no candidate"]++
	case r.Nodes == nil:
		c["outcome: "+r.Message]++
	default:
		c["outcome: other "+r.PostFilterMsg]++
	}
	for _, s := range r.Nodes {
		plugin := s.Plugin
		if s.Absent {
			plugin = "(absent)"
		}
		for _, reason := range s.Reasons {
			c[fmt.Sprintf("node: %s %s: %s", plugin, s.Code, reason)]++
		}
		if len(s.Reasons) > 1 && s.Plugin != "NodeResourcesFit" {
			// Several reasons in one status (VolumeBinding): their order is the plugin's.
			c[fmt.Sprintf("node: %s %s: %s", plugin, s.Code, strings.Join(s.Reasons, " + "))]++
		}
	}
}

func (c coverage) log(t *testing.T) {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "\n  %6d %s", c[k], k)
	}
	t.Logf("coverage (scheduler side):%s", b.String())
}

// TestDifferentialRegressions replays the disagreements found so far (FINDINGS.md) as fixed
// cases, so they stay fixed whatever the generator draws.
func TestDifferentialRegressions(t *testing.T) {
	ctx := context.Background()
	for _, r := range regressionCases() {
		c := r.c
		v, err := judge(ctx, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The case must still provoke the scheduler behaviour it was written for.
		version := mustScheduler(t).version
		if want, ok := r.want[version]; ok && v.truth.Message != want {
			t.Errorf("%s: v%s scheduler now says %q, want %q", c.Focus, version, v.truth.Message, want)
		}
		if len(v.diffs) > 0 {
			t.Errorf("%s: %s\n  %s", c.Focus, v.class, strings.Join(v.diffs, "\n  "))
		}
	}
}

type regression struct {
	c    *gen.Case
	want map[string]string // the scheduler's message by version
}

func regressionCases() []regression {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "default", Labels: map[string]string{"kubernetes.io/metadata.name": "default"}}}
	node := func(name, cpu, mem, pods string) *corev1.Node {
		alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourcePods: resource.MustParse(pods)}
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name), Labels: map[string]string{gen.LabelHostname: name}},
			Status: corev1.NodeStatus{Allocatable: alloc, Capacity: alloc}}
	}
	pod := func(name, nodeName string, prio int32, mem string, hostPort int32) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
			Spec: corev1.PodSpec{NodeName: nodeName, Priority: &prio, SchedulerName: corev1.DefaultSchedulerName,
				Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse(mem)}}}}},
			Status: corev1.PodStatus{Phase: corev1.PodPending},
		}
		if hostPort > 0 {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80, HostPort: hostPort, Protocol: corev1.ProtocolTCP}}
		}
		if nodeName != "" {
			p.Status.Phase = corev1.PodRunning
		}
		return p
	}
	mk := func(name string, nodes []*corev1.Node, pods ...*corev1.Pod) *gen.Case {
		return &gen.Case{Focus: name, Nodes: nodes, Pods: pods, Namespaces: []*corev1.Namespace{ns}, Pending: pods[len(pods)-1]}
	}

	// F1: preemption's dry run removes the terminating victim's 8080 from the node's port set
	// although p3 still holds it, so the node fails on memory instead of ports.
	victim := pod("p2", "n2", 0, "1Gi", 8080)
	victim.DeletionTimestamp = &metav1.Time{Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	victim.Finalizers = []string{"example.com/hold"}
	f1 := mk("F1 host port set in preemption", []*corev1.Node{node("n2", "4", "1Gi", "2")},
		victim, pod("p3", "n2", 100, "128Mi", 8080), pod(gen.PendingName, "", 100, "1Gi", 8080))
	// F3: only the default scheduler's queued, ungated Pods are in its nominator. n1's nominated
	// Pod takes its cpu; n2's gated one and another scheduler's do not, so n2 fails on its Pod
	// count alone.
	nominated := func(name, node string, edit func(*corev1.Pod)) *corev1.Pod {
		p := pod(name, "", 1000, "128Mi", 0)
		p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("600m")
		p.Status.NominatedNodeName = node
		if edit != nil {
			edit(p)
		}
		return p
	}
	f3 := mk("F3 nominator holds only this scheduler's ungated Pods",
		[]*corev1.Node{node("n1", "1", "1Gi", "110"), node("n2", "1", "1Gi", "1")},
		pod("p1", "n2", 0, "128Mi", 0),
		nominated("nominated1", "n1", nil),
		nominated("gated", "n2", func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/hold"}} }),
		nominated("other", "n2", func(p *corev1.Pod) { p.Spec.SchedulerName = "other-scheduler" }),
		func() *corev1.Pod {
			p := pod(gen.PendingName, "", 0, "128Mi", 0)
			p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("500m")
			return p
		}())
	// From v1.37 the nominator records gated Pods too (F4), so n2 also fails on cpu there.
	return []regression{
		{f1, map[string]string{
			"1.35": "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. no new claims to deallocate, preemption: 0/1 nodes are available: 1 Insufficient memory.",
			"1.36": "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. no new claims to deallocate, preemption: 0/1 nodes are available: 1 Insufficient memory.",
			"1.37": "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 Insufficient memory.",
		}},
		{f3, map[string]string{
			"1.35": "0/2 nodes are available: 1 Insufficient cpu, 1 Too many pods. no new claims to deallocate, preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
			"1.36": "0/2 nodes are available: 1 Insufficient cpu, 1 Too many pods. no new claims to deallocate, preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
			"1.37": "0/2 nodes are available: 1 Too many pods, 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
		}},
	}
}

// TestEveryBlocker proves every blocker, not only the first: for each case and node it runs each
// Filter plugin of the real default profile on its own, after the real PreFilter, and requires the
// set of failing plugins, their codes and reasons to equal the statuses behind our blockers on that
// node. A PreFilter rejection (no Filter runs) must be ours too.
func TestEveryBlocker(t *testing.T) {
	n := envInt(t, "FIDELITY_BLOCKER_CASES", 2000)
	seed0 := envInt(t, "FIDELITY_SEED", 1)
	start := time.Now()
	tally := everyBlocker(t, seed0, n, nil)
	for _, d := range tally.diffs[:min(len(tally.diffs), 10)] {
		t.Error(d)
	}
	t.Logf("fidelity: every-blocker: %d nodes in %d cases, %d agree (%.2f%%); %d nodes fail several plugins; %d cases end at PreFilter, %d agree; %v",
		tally.nodes, n, tally.nodesAgree, percent(tally.nodesAgree, tally.nodes), tally.several, tally.prefilter, tally.prefilterAgree,
		time.Since(start).Round(time.Millisecond))
	if len(tally.diffs) > 0 {
		t.Errorf("every-blocker: %d disagreements", len(tally.diffs))
	}
}

// TestEveryBlockerCatchesFirstOnly: a model that kept only each node's first failing plugin (what
// the scheduler records) must fail the every-blocker comparison.
func TestEveryBlockerCatchesFirstOnly(t *testing.T) {
	firstOnly := func(sts []checks.Status) []checks.Status { return sts[:min(len(sts), 1)] }
	if tally := everyBlocker(t, 1, 200, firstOnly); len(tally.diffs) == 0 {
		t.Errorf("keeping only the first failing plugin went unnoticed on %d nodes (%d fail several plugins)", tally.nodes, tally.several)
	} else {
		t.Logf("every-blocker mutation (first plugin only): %d of %d nodes disagree", len(tally.diffs), tally.nodes)
	}
}

// blockerTally counts the every-blocker comparison over some cases.
type blockerTally struct {
	nodes, nodesAgree, prefilter, prefilterAgree int
	several                                      int // nodes where more than the scheduler's first plugin fails
	diffs                                        []string
}

// everyBlocker compares n cases from seed0 per plugin and per node; mutate, if set, changes our
// statuses of each node first.
func everyBlocker(t *testing.T, seed0, n int64, mutate func([]checks.Status) []checks.Status) blockerTally {
	t.Helper()
	ctx := context.Background()
	var tally blockerTally
	for i := int64(0); i < n; i++ {
		c := gen.Generate(seed0 + i)
		real, err := harness.RunPerPlugin(ctx, objectsOf(c), c.Pending.Namespace, c.Pending.Name)
		if err != nil {
			t.Fatalf("seed %d: %v", c.Seed, err)
		}
		cycle, err := ourCycle(c)
		if err != nil {
			t.Fatalf("seed %d: %v", c.Seed, err)
		}
		if real.PreFilterMsg != "" {
			tally.prefilter++
			if cycle.PreFilter != nil && cycle.PreFilter.Plugin == real.PreFilterPlugin && cycle.PreFilter.Reason == real.PreFilterMsg {
				tally.prefilterAgree++
			} else {
				tally.diffs = append(tally.diffs, fmt.Sprintf("seed %d: PreFilter: scheduler %s %q, ours %+v", c.Seed, real.PreFilterPlugin, real.PreFilterMsg, cycle.PreFilter))
			}
			continue
		}
		if cycle.PreFilter != nil {
			tally.diffs = append(tally.diffs, fmt.Sprintf("seed %d: PreFilter: scheduler passes, ours rejects %+v", c.Seed, cycle.PreFilter))
			continue
		}
		ours := map[string][]checks.Status{}
		for _, nr := range cycle.Nodes {
			ours[nr.Name] = nr.Statuses
			if mutate != nil {
				ours[nr.Name] = mutate(nr.Statuses)
			}
		}
		for _, node := range c.Nodes {
			tally.nodes++
			want, got := realStatuses(real.Nodes[node.Name]), ourStatuses(ours[node.Name])
			if len(want) > 1 {
				tally.several++
			}
			if reflect.DeepEqual(want, got) {
				tally.nodesAgree++
				continue
			}
			tally.diffs = append(tally.diffs, fmt.Sprintf("seed %d node %s: every failing plugin\n  scheduler: %v\n  ours:      %v", c.Seed, node.Name, want, got))
		}
	}
	return tally
}

func percent(part, whole int) float64 {
	if whole == 0 {
		return 100
	}
	return 100 * float64(part) / float64(whole)
}

// ourCycle is our scheduling cycle of the case's Pending Pod, as explain runs it.
func ourCycle(c *gen.Case) (*checks.CycleResult, error) {
	s := checks.WithResolvedPriorities(snapshotOf(c))
	for _, p := range s.Pods {
		if p.Namespace == c.Pending.Namespace && p.Name == c.Pending.Name {
			return checks.RunCycle(checks.DefaultProfile, checks.NewCluster(s), p, checks.CycleOptions{SkipPostFilter: true}), nil
		}
	}
	return nil, fmt.Errorf("pod %s/%s not in the snapshot", c.Pending.Namespace, c.Pending.Name)
}

// blockerStatus is one failing plugin on one node, comparable across both sides (reasons sorted:
// NodeResourcesFit lists scalar resources in map order).
type blockerStatus struct {
	Plugin, Code string
	Reasons      []string
}

func realStatuses(sts []harness.PluginStatus) []blockerStatus {
	out := []blockerStatus{}
	for _, s := range sts {
		out = append(out, blockerStatus{s.Plugin, s.Code, harness.SortedReasons(s.Reasons)})
	}
	return out
}

// ourStatuses are the statuses behind our blockers; a status without blockers (nothing for the
// report to show) or with another plugin's blockers is marked so it cannot agree.
func ourStatuses(sts []checks.Status) []blockerStatus {
	out := []blockerStatus{}
	for _, s := range sts {
		bs := blockerStatus{s.Plugin, string(s.Code), harness.SortedReasons(s.Reasons)}
		if len(s.Blockers) == 0 {
			bs.Plugin += " (no blockers)"
		}
		for _, b := range s.Blockers {
			if b.Plugin != s.Plugin {
				bs.Plugin += " (blocker of " + b.Plugin + ")"
				break
			}
		}
		out = append(out, bs)
	}
	return out
}
