package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
)

// The spread e2e (issue 4, "Checked by"): for each scenario of spreadScenarios, run
// `kubectl placement spread deployment/NAME -n NS -o json` as the read-only reader, then place one
// more replica in each domain the report names and check that the real kube-scheduler agrees:
// a domain with canPlace true takes it (on a node of nextReplica.nodes), any other leaves it
// Pending with FailedScheduling, and its message is the one why-pending predicts.
//
// A replica is pinned to a domain by cordoning every node outside it: spec.unschedulable never
// changes PodTopologySpread's counts (scheduler-semantics.md §3.7), whereas a nodeSelector or a
// matchFields term would, under the default nodeAffinityPolicy Honor, drop the other domains from
// the count and move the global minimum. The workloads do not tolerate node.kubernetes.io/unschedulable
// (checked), so the cordon is the only thing that changes for them.
//
// Every domain counts, so each scenario has the cluster to itself: RunSpread first removes the
// why-pending scenarios' Pods and Nodes (their checks are done), and each scenario removes its own.
//
// The scheduler works from an informer cache, so before each replica a sentinel Pod (its own
// namespace, a nodeSelector no node matches) proves that the cache has caught up: its message
// "0/N nodes are available: K node(s) were unschedulable, ..." must show the scenario's N nodes
// and the K cordoned ones. Pod events reach the scheduler in order too, so once it judges the
// sentinel it has also seen the previous replica's deletion.

const (
	sentinelNamespace = "spread-e2e-sentinel"
	sentinelLabel     = "e2e.kubectl-placement.io/sentinel"
	bindTimeout       = 30 * time.Second
	judgeTimeout      = 20 * time.Second
	syncTimeout       = 60 * time.Second
	goneTimeout       = 60 * time.Second
	spreadHint        = "didn't match pod topology spread constraints"
	antiAffinityHint  = "didn't match pod anti-affinity rules"
)

// SpreadResult is what the spread e2e found.
type SpreadResult struct {
	Scenarios     int
	OpenBound     int // replicas placed where the report said canPlace, bound there by the scheduler
	ClosedPending int // replicas placed where the report said no, left Pending by the scheduler
	Failures      []string
}

// Summary is the one-line result.
func (r SpreadResult) Summary() string {
	return fmt.Sprintf("spread e2e: %d scenarios, %d open placements bound, %d closed placements stayed Pending",
		r.Scenarios, r.OpenBound, r.ClosedPending)
}

// spreadReportJSON is the part of `kind: SpreadReport` the e2e reads (spread-scenarios/README.md).
type spreadReportJSON struct {
	Kind     string `json:"kind"`
	Workload struct {
		Pods    int `json:"pods"`
		Pending int `json:"pending"`
	} `json:"workload"`
	DefaultConstraints bool             `json:"defaultConstraints"`
	Constraints        []constraintJSON `json:"constraints"`
	AntiAffinity       []struct {
		Required    bool   `json:"required"`
		TopologyKey string `json:"topologyKey"`
		Occupied    int    `json:"occupied"`
		Domains     []struct {
			Name     string `json:"name"`
			Matching int    `json:"matching"`
		} `json:"domains"`
	} `json:"antiAffinity"`
	NextReplica struct {
		PreFilter json.RawMessage `json:"preFilter"`
		Nodes     []string        `json:"nodes"`
	} `json:"nextReplica"`
}

type constraintJSON struct {
	Index             int          `json:"constraint"`
	TopologyKey       string       `json:"topologyKey"`
	WhenUnsatisfiable string       `json:"whenUnsatisfiable"`
	MaxSkew           int32        `json:"maxSkew"`
	GlobalMinimum     int32        `json:"globalMinimum"`
	Domains           []domainJSON `json:"domains"`
}

type domainJSON struct {
	Name     string `json:"name"`
	Matching int32  `json:"matching"`
	// Nodes counted in the domain; a domain is eligible (the scheduler counts it) when it has any.
	Nodes        int   `json:"nodes"`
	Eligible     bool  `json:"-"`
	SkewIfPlaced int32 `json:"skewIfPlaced"`
	Open         bool  `json:"open"`
	CanPlace     bool  `json:"canPlace"`
}

func (r *spreadReportJSON) constraint(key string) *constraintJSON {
	for i := range r.Constraints {
		if r.Constraints[i].TopologyKey == key {
			return &r.Constraints[i]
		}
	}
	return nil
}

func (c *constraintJSON) domain(name string) *domainJSON {
	for i := range c.Domains {
		if c.Domains[i].Name == name {
			return &c.Domains[i]
		}
	}
	return nil
}

// spreadPhase holds what the scenarios share.
type spreadPhase struct {
	l         *Loader
	cs        kubernetes.Interface
	plugin    string
	kubeconf  string
	log       io.Writer
	res       *SpreadResult
	sentinels int
	probes    int
	cordoned  map[string]bool // the scenario's nodes, cordoned or not (as last patched)
	nodeOrder []string
	// stderrShown: the plugin's stderr was logged once (the same warning every scenario).
	stderrShown bool
}

func (p *spreadPhase) logf(format string, args ...any) {
	fmt.Fprintf(p.log, "spread: "+format+"\n", args...)
}

func (p *spreadPhase) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.res.Failures = append(p.res.Failures, msg)
	p.logf("FAIL: %s", msg)
}

// RunSpread runs the spread scenarios against cp with plugin as UserReader. It returns an error
// only when the harness itself fails; disagreements are in the result's Failures.
func RunSpread(ctx context.Context, cp *ControlPlane, plugin string, log io.Writer) (SpreadResult, error) {
	res := SpreadResult{}
	l, err := NewLoader(cp, log)
	if err != nil {
		return res, err
	}
	l.Log = nil
	l.SettleTimeout = 90 * time.Second
	p := &spreadPhase{l: l, cs: l.Client, plugin: plugin, kubeconf: cp.KubeconfigPath(UserReader), log: log, res: &res}
	start := time.Now()
	if err := p.clearCluster(ctx); err != nil {
		return res, err
	}
	if err := p.createNamespace(ctx, sentinelNamespace); err != nil {
		return res, err
	}
	for _, s := range spreadScenarios() {
		t := time.Now()
		if err := p.runScenario(ctx, s); err != nil {
			return res, fmt.Errorf("spread scenario %s: %w", s.name, err)
		}
		res.Scenarios++
		p.logf("%s: done in %s", s.name, time.Since(t).Round(100*time.Millisecond))
	}
	if res.OpenBound == 0 || res.ClosedPending == 0 {
		p.fail("the scenarios placed %d replicas in open domains and %d in closed ones; both must be exercised", res.OpenBound, res.ClosedPending)
	}
	p.logf("%d scenarios, %d sentinel pods, in %s", res.Scenarios, p.sentinels, time.Since(start).Round(100*time.Millisecond))
	return res, nil
}

// clearCluster deletes every Pod and Node: every node is a spread domain, and the why-pending
// scenarios' are not the spread scenarios'.
func (p *spreadPhase) clearCluster(ctx context.Context) error {
	pods, err := p.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	for _, pod := range pods.Items {
		if err := p.deletePod(ctx, pod.Namespace, pod.Name); err != nil {
			return err
		}
	}
	nodes, err := p.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	for _, n := range nodes.Items {
		if err := p.cs.CoreV1().Nodes().Delete(ctx, n.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete node %s: %w", n.Name, err)
		}
	}
	p.logf("removed the why-pending scenarios: %d pods, %d nodes", len(pods.Items), len(nodes.Items))
	return p.waitEmpty(ctx, "")
}

// waitEmpty waits until namespace (all when "") has no Pods and, for "", the cluster has no Nodes.
func (p *spreadPhase) waitEmpty(ctx context.Context, namespace string) error {
	return poll(ctx, goneTimeout, func() (bool, string, error) {
		pods, err := p.cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		if len(pods.Items) > 0 {
			return false, fmt.Sprintf("%d pods left, e.g. %s/%s", len(pods.Items), pods.Items[0].Namespace, pods.Items[0].Name), nil
		}
		if namespace != "" {
			return true, "", nil
		}
		nodes, err := p.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, "", err
		}
		return len(nodes.Items) == 0, fmt.Sprintf("%d nodes left", len(nodes.Items)), nil
	})
}

func (p *spreadPhase) createNamespace(ctx context.Context, name string) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := p.cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create namespace %s: %w", name, err)
	}
	return p.l.ensureServiceAccount(ctx, name)
}

// deletePod deletes at once (no kubelet confirms a graceful deletion) and waits until it is gone.
func (p *spreadPhase) deletePod(ctx context.Context, namespace, name string) error {
	err := p.cs.CoreV1().Pods(namespace).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptrTo(int64(0))})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s/%s: %w", namespace, name, err)
	}
	return poll(ctx, goneTimeout, func() (bool, string, error) {
		_, err := p.cs.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, "", nil
		}
		return false, "still there", err
	})
}

// createNodes creates the scenario's nodes cordoned, then clears admission's not-ready taint and
// the cordon in one update: a sentinel seeing 0 cordoned nodes has then seen the taint go too.
func (p *spreadPhase) createNodes(ctx context.Context, s *spreadScenario) (map[string]map[string]string, error) {
	labelsOf := map[string]map[string]string{}
	p.cordoned = map[string]bool{}
	p.nodeOrder = nil
	for _, sn := range s.nodes {
		labels := map[string]string{corev1.LabelHostname: sn.name, corev1.LabelOSStable: "linux"}
		if sn.zone != "" {
			labels[corev1.LabelTopologyZone] = sn.zone
		}
		for k, v := range sn.labels {
			labels[k] = v
		}
		capacity := corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"),
			corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
		}
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: sn.name, Labels: labels},
			Spec:       corev1.NodeSpec{Unschedulable: true, Taints: sn.taints},
			Status: corev1.NodeStatus{
				Capacity: capacity, Allocatable: capacity,
				Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"}},
			},
		}
		if _, err := p.cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
			return nil, fmt.Errorf("create node %s: %w", sn.name, err)
		}
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			n, err := p.cs.CoreV1().Nodes().Get(ctx, sn.name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			var kept []corev1.Taint
			for _, t := range n.Spec.Taints {
				if t.Key != corev1.TaintNodeNotReady {
					kept = append(kept, t)
				}
			}
			n.Spec.Taints, n.Spec.Unschedulable = kept, false
			_, err = p.cs.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("ready node %s: %w", sn.name, err)
		}
		labelsOf[sn.name] = labels
		p.cordoned[sn.name] = false
		p.nodeOrder = append(p.nodeOrder, sn.name)
	}
	return labelsOf, nil
}

// setCordons cordons exactly the nodes in cordon and uncordons the others.
func (p *spreadPhase) setCordons(ctx context.Context, cordon map[string]bool) error {
	for _, name := range p.nodeOrder {
		if p.cordoned[name] == cordon[name] {
			continue
		}
		patch := fmt.Sprintf(`{"spec":{"unschedulable":%t}}`, cordon[name])
		if _, err := p.cs.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			return fmt.Errorf("cordon=%t node %s: %w", cordon[name], name, err)
		}
		p.cordoned[name] = cordon[name]
	}
	return nil
}

var (
	sentinelNodes       = regexp.MustCompile(`^0/(\d+) nodes are available`)
	sentinelUnscheduled = regexp.MustCompile(`(\d+) node\(s\) were unschedulable`)
)

// syncScheduler returns once a sentinel Pod shows that the scheduler's cache has the scenario's
// nodes and cordons (and, being a later Pod event, every earlier Pod event).
func (p *spreadPhase) syncScheduler(ctx context.Context) error {
	wantNodes, wantCordoned := len(p.nodeOrder), 0
	for _, c := range p.cordoned {
		if c {
			wantCordoned++
		}
	}
	deadline := time.Now().Add(syncTimeout)
	for {
		p.sentinels++
		name := fmt.Sprintf("sentinel-%d", p.sentinels)
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: sentinelNamespace},
			Spec: corev1.PodSpec{
				Containers:   []corev1.Container{{Name: "pause", Image: "registry.k8s.io/pause:3.10"}},
				NodeSelector: map[string]string{sentinelLabel: "no-node-has-this"},
			},
		}
		if _, err := p.cs.CoreV1().Pods(sentinelNamespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create sentinel: %w", err)
		}
		judged, err := p.waitJudged(ctx, sentinelNamespace, name, judgeTimeout)
		if err != nil {
			return err
		}
		if err := p.deletePod(ctx, sentinelNamespace, name); err != nil {
			return err
		}
		msg := ""
		if c := scheduledCondition(judged); c != nil {
			msg = c.Message
		}
		nodes, cordoned := -1, 0
		if m := sentinelNodes.FindStringSubmatch(msg); m != nil {
			nodes, _ = strconv.Atoi(m[1])
		}
		if m := sentinelUnscheduled.FindStringSubmatch(msg); m != nil {
			cordoned, _ = strconv.Atoi(m[1])
		}
		if nodes == wantNodes && cordoned == wantCordoned {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the scheduler's cache did not catch up within %s: want %d nodes with %d cordoned, the sentinel says %q",
				syncTimeout, wantNodes, wantCordoned, msg)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// waitJudged waits until the Pod is bound or has PodScheduled=False (Unschedulable).
func (p *spreadPhase) waitJudged(ctx context.Context, namespace, name string, bound time.Duration) (*corev1.Pod, error) {
	pod, err := p.waitPod(ctx, namespace, name, bound, func(pod *corev1.Pod) bool {
		c := scheduledCondition(pod)
		return pod.Spec.NodeName != "" || c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable
	})
	if err != nil {
		return nil, fmt.Errorf("pod %s/%s not judged: %w", namespace, name, err)
	}
	return pod, nil
}

// waitBound waits for a binding; a Pod judged on a stale cache is retried by the scheduler when
// the cordon it missed arrives, so PodScheduled=False alone does not end the wait. An unbound Pod
// after the bound is returned without error: the caller reports it with its condition.
func (p *spreadPhase) waitBound(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	pod, err := p.waitPod(ctx, namespace, name, bindTimeout, func(pod *corev1.Pod) bool { return pod.Spec.NodeName != "" })
	if err != nil && pod != nil && ctx.Err() == nil {
		return pod, nil
	}
	return pod, err
}

// waitPod polls the Pod until done says so or bound passes; it returns the last Pod read.
func (p *spreadPhase) waitPod(ctx context.Context, namespace, name string, bound time.Duration, done func(*corev1.Pod) bool) (*corev1.Pod, error) {
	var pod *corev1.Pod
	err := poll(ctx, bound, func() (bool, string, error) {
		got, err := p.cs.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, "", err
		}
		pod = got
		return done(pod), conditionText(pod), nil
	})
	return pod, err
}

func scheduledCondition(pod *corev1.Pod) *corev1.PodCondition {
	if pod == nil {
		return nil
	}
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.PodScheduled {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// placements is where the workload's Pods are: "name=node" lines, for spotting a Pending replica
// that a probe let in (which would make the later probes test another state than the report's).
func (p *spreadPhase) placements(ctx context.Context, namespace string) (string, error) {
	pods, err := p.cs.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", fmt.Errorf("list pods: %w", err)
	}
	var lines []string
	for _, pod := range pods.Items {
		lines = append(lines, pod.Name+"="+pod.Spec.NodeName)
	}
	sort.Strings(lines)
	return strings.Join(lines, " "), nil
}

// target is one placement to try: a domain (or the whole cluster) with what the report says of it.
type target struct {
	nodes    []string // not cordoned; nil for the unpinned replica
	label    string   // e.g. "kubernetes.io/hostname=th-worker-1"
	canPlace bool
	hints    []string // phrases the scheduler's message must contain when it refuses
	excerpt  []string // the report's words about it, for failure messages
}

func (p *spreadPhase) runScenario(ctx context.Context, s *spreadScenario) error {
	ns := s.namespace()
	p.logf("%s: %s", s.name, s.about)
	if err := p.createNamespace(ctx, ns); err != nil {
		return err
	}
	labelsOf, err := p.createNodes(ctx, s)
	if err != nil {
		return err
	}
	if err := p.syncScheduler(ctx); err != nil {
		return err
	}
	for i := 0; i < s.replicas; i++ {
		if _, err := p.cs.CoreV1().Pods(ns).Create(ctx, s.replica(fmt.Sprintf("r%d", i+1)), metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create replica: %w", err)
		}
	}
	if err := p.l.Settle(ctx); err != nil {
		return err
	}
	if n, err := p.l.markBoundPodsRunning(ctx); err != nil {
		return err
	} else if n > 0 {
		if err := p.l.Settle(ctx); err != nil {
			return err
		}
	}
	before, err := p.placements(ctx, ns)
	if err != nil {
		return err
	}
	p.logf("%s: replicas placed: %s", s.name, before)
	if err := p.checkNoUnschedulableToleration(ctx, ns); err != nil {
		return err
	}

	run, err := RunPlugin(ctx, p.plugin, 2*time.Minute, "spread", "deployment/"+s.app, "-n", ns, "-o", "json", "--kubeconfig", p.kubeconf)
	if err != nil {
		return err
	}
	if stderr := strings.TrimSpace(run.Stderr); stderr != "" && !p.stderrShown {
		// Expected once: the reader may not GET deployments, so the Pods stand for the workload.
		p.stderrShown = true
		p.logf("%s: spread as %s wrote to stderr (shown once):\n%s", s.name, UserReader, IndentLines(stderr))
	}
	if run.ExitCode != 0 || run.Crashed() {
		p.fail("%s: spread deployment/%s -n %s as %s: exit %d, stderr:\n%s", s.name, s.app, ns, UserReader, run.ExitCode, IndentLines(run.Stderr))
		return p.cleanup(ctx, s)
	}
	var report spreadReportJSON
	if err := json.Unmarshal([]byte(run.Stdout), &report); err != nil || report.Kind != "SpreadReport" {
		p.fail("%s: spread -o json is not a SpreadReport (%v):\n%s", s.name, err, IndentLines(run.Stdout))
		return p.cleanup(ctx, s)
	}
	for i := range report.Constraints {
		for j := range report.Constraints[i].Domains {
			d := &report.Constraints[i].Domains[j]
			d.Eligible = d.Nodes > 0
		}
	}
	if s.expect != nil {
		if err := s.expect(&report); err != nil {
			p.fail("%s: the report does not show the scenario's case: %v\n%s", s.name, err, IndentLines(reportExcerpt(&report)))
		}
	}
	targets, err := p.targets(s, &report, labelsOf)
	if err != nil {
		p.fail("%s: %v\n%s", s.name, err, IndentLines(reportExcerpt(&report)))
		return p.cleanup(ctx, s)
	}
	for _, t := range targets {
		if err := p.probe(ctx, s, &report, t, before); err != nil {
			return err
		}
	}
	return p.cleanup(ctx, s)
}

// checkNoUnschedulableToleration: a replica that tolerates the cordon could not be pinned by it.
func (p *spreadPhase) checkNoUnschedulableToleration(ctx context.Context, ns string) error {
	pods, err := p.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	cordon := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	for _, pod := range pods.Items {
		for _, t := range pod.Spec.Tolerations {
			if t.ToleratesTaint(klog.Background(), &cordon, false) {
				return fmt.Errorf("scenario error: %s/%s tolerates %s, so cordoning cannot pin it to a domain", ns, pod.Name, cordon.Key)
			}
		}
	}
	return nil
}

// targets are the unpinned replica, then every distinct node set of every constraint's domains.
func (p *spreadPhase) targets(s *spreadScenario, r *spreadReportJSON, labelsOf map[string]map[string]string) ([]*target, error) {
	unpinned := &target{label: "anywhere (nothing cordoned)", canPlace: len(r.NextReplica.Nodes) > 0,
		excerpt: []string{fmt.Sprintf("nextReplica.nodes: %v", r.NextReplica.Nodes)}}
	out := []*target{unpinned}
	byNodes := map[string]*target{}
	for _, c := range r.Constraints {
		for _, d := range c.Domains {
			var nodes []string
			for _, name := range p.nodeOrder {
				if v, ok := labelsOf[name][c.TopologyKey]; ok && v == d.Name {
					nodes = append(nodes, name)
				}
			}
			if len(nodes) == 0 {
				return nil, fmt.Errorf("constraint %d (%s): domain %q has no node carrying %s=%s", c.Index, c.TopologyKey, d.Name, c.TopologyKey, d.Name)
			}
			dj, _ := json.Marshal(d)
			line := fmt.Sprintf("constraints[%d] %s %s maxSkew=%d globalMinimum=%d: %s", c.Index, c.TopologyKey, c.WhenUnsatisfiable, c.MaxSkew, c.GlobalMinimum, dj)
			key := strings.Join(nodes, ",")
			t := byNodes[key]
			if t == nil {
				t = &target{nodes: nodes, label: c.TopologyKey + "=" + d.Name, canPlace: d.CanPlace}
				byNodes[key] = t
				out = append(out, t)
			} else if t.canPlace != d.CanPlace {
				return nil, fmt.Errorf("the report disagrees with itself: nodes %s have canPlace %t as %s but %t as %s=%s", key, t.canPlace, t.label, d.CanPlace, c.TopologyKey, d.Name)
			}
			t.excerpt = append(t.excerpt, line)
			if c.WhenUnsatisfiable == string(corev1.DoNotSchedule) && d.Eligible && !d.Open {
				t.hints = appendOnce(t.hints, spreadHint)
			}
		}
	}
	// A required anti-affinity term that occupies every node of a target is its blocker.
	for _, t := range out[1:] {
		for _, term := range r.AntiAffinity {
			if !term.Required {
				continue
			}
			occupied := 0
			for _, n := range t.nodes {
				for _, d := range term.Domains {
					if v, ok := labelsOf[n][term.TopologyKey]; ok && v == d.Name && d.Matching > 0 {
						occupied++
					}
				}
			}
			if occupied == len(t.nodes) {
				t.hints = appendOnce(t.hints, antiAffinityHint)
			}
		}
	}
	// nextReplica.nodes and canPlace must agree: a domain can take one iff one of its nodes is listed.
	next := map[string]bool{}
	for _, n := range r.NextReplica.Nodes {
		next[n] = true
	}
	for _, t := range out[1:] {
		listed := false
		for _, n := range t.nodes {
			listed = listed || next[n]
		}
		if listed != t.canPlace {
			return nil, fmt.Errorf("the report disagrees with itself: %s has canPlace %t but nextReplica.nodes %v", t.label, t.canPlace, r.NextReplica.Nodes)
		}
	}
	return out, nil
}

func appendOnce(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

// probe places one more replica in t (cordoning the nodes outside it) and checks the scheduler's verdict.
func (p *spreadPhase) probe(ctx context.Context, s *spreadScenario, r *spreadReportJSON, t *target, before string) error {
	ns := s.namespace()
	cordon := map[string]bool{}
	if t.nodes != nil {
		in := map[string]bool{}
		for _, n := range t.nodes {
			in[n] = true
		}
		for _, n := range p.nodeOrder {
			cordon[n] = !in[n]
		}
	}
	if err := p.setCordons(ctx, cordon); err != nil {
		return err
	}
	if err := p.syncScheduler(ctx); err != nil {
		return err
	}
	p.probes++
	pod := s.replica(fmt.Sprintf("probe%d", p.probes))
	if _, err := p.cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create probe: %w", err)
	}
	what := fmt.Sprintf("%s: one more replica (%s) in %s", s.name, pod.Name, t.label)
	report := IndentLines(strings.Join(t.excerpt, "\n"))
	if t.canPlace {
		got, err := p.waitBound(ctx, ns, pod.Name)
		if err != nil {
			return err
		}
		switch {
		case got.Spec.NodeName == "":
			p.fail("%s: the report says it can go there, but the scheduler left it Pending\n  report:\n%s\n  pod: %s", what, report, conditionText(got))
		case t.nodes != nil && !contains(t.nodes, got.Spec.NodeName):
			p.fail("%s: bound to %s, outside the domain (nodes %v): the cordons did not pin it", what, got.Spec.NodeName, t.nodes)
		case !contains(r.NextReplica.Nodes, got.Spec.NodeName):
			p.fail("%s: bound to %s, which is not in nextReplica.nodes %v\n  report:\n%s", what, got.Spec.NodeName, r.NextReplica.Nodes, report)
		default:
			p.res.OpenBound++
			p.logf("%s: bound to %s, as the report says", what, got.Spec.NodeName)
		}
	} else {
		got, err := p.waitJudged(ctx, ns, pod.Name, judgeTimeout)
		if err != nil {
			return err
		}
		if got.Spec.NodeName == "" {
			// Let any retry the probe's own events cause finish before judging.
			if err := p.l.Settle(ctx); err != nil {
				return err
			}
			if got, err = p.cs.CoreV1().Pods(ns).Get(ctx, pod.Name, metav1.GetOptions{}); err != nil {
				return fmt.Errorf("get probe: %w", err)
			}
		}
		c := scheduledCondition(got)
		switch {
		case got.Spec.NodeName != "":
			p.fail("%s: the report says it cannot go there, but the scheduler bound it to %s\n  report:\n%s", what, got.Spec.NodeName, report)
		case c == nil || c.Status != corev1.ConditionFalse || c.Reason != corev1.PodReasonUnschedulable:
			p.fail("%s: Pending without PodScheduled=False/Unschedulable: %s", what, conditionText(got))
		default:
			ok := true
			for _, h := range t.hints {
				if !strings.Contains(c.Message, h) {
					ok = false
					p.fail("%s: Pending as the report says, but the scheduler's message does not mention %q, the blocker the report names\n  report:\n%s\n  pod: %s", what, h, report, conditionText(got))
				}
			}
			if !p.checkEvent(ctx, got) {
				ok = false
				p.fail("%s: Pending but no FailedScheduling event for it: %s", what, conditionText(got))
			}
			if !p.compareWhyPending(ctx, what, ns, got.Name, c.Message) {
				ok = false
			}
			if ok {
				p.res.ClosedPending++
				p.logf("%s: Pending, as the report says: %s", what, c.Message)
			}
		}
	}
	if err := p.deletePod(ctx, ns, pod.Name); err != nil {
		return err
	}
	after, err := p.placements(ctx, ns)
	if err != nil {
		return err
	}
	if after != before {
		p.fail("%s: the workload's Pods moved while the probe ran (a Pending replica was placed), later probes would test another state\n  before: %s\n  after:  %s", what, before, after)
	}
	return nil
}

// checkEvent: the scheduler recorded a FailedScheduling event for the Pod.
func (p *spreadPhase) checkEvent(ctx context.Context, pod *corev1.Pod) bool {
	found := false
	_ = poll(ctx, 10*time.Second, func() (bool, string, error) {
		evs, err := p.cs.CoreV1().Events(pod.Namespace).List(ctx, metav1.ListOptions{
			FieldSelector: "involvedObject.name=" + pod.Name + ",reason=FailedScheduling"})
		if err != nil {
			return false, "", err
		}
		found = len(evs.Items) > 0
		return found, "no event yet", nil
	})
	return found
}

// compareWhyPending runs why-pending on the Pending replica as the reader: its scheduler line must
// be the scheduler's, byte for byte (the cordons included).
func (p *spreadPhase) compareWhyPending(ctx context.Context, what, ns, name, message string) bool {
	run, err := RunPlugin(ctx, p.plugin, 2*time.Minute, "why-pending", name, "-n", ns, "-o", "json", "--kubeconfig", p.kubeconf)
	if err != nil {
		p.fail("%s: why-pending: %v", what, err)
		return false
	}
	if run.ExitCode != 0 || run.Crashed() {
		p.fail("%s: why-pending %s -n %s: exit %d, stderr:\n%s", what, name, ns, run.ExitCode, IndentLines(run.Stderr))
		return false
	}
	_, diffs, err := CompareMessages(map[string]string{ns + "/" + name: message}, run.Stdout)
	if err != nil {
		p.fail("%s: why-pending: %v", what, err)
		return false
	}
	if len(diffs) > 0 {
		p.fail("%s: why-pending's scheduler line differs:\n%s", what, IndentLines(strings.Join(diffs, "\n")))
		return false
	}
	return true
}

func conditionText(pod *corev1.Pod) string {
	c := scheduledCondition(pod)
	if c == nil {
		return fmt.Sprintf("node %q, no PodScheduled condition", pod.Spec.NodeName)
	}
	return fmt.Sprintf("node %q, PodScheduled=%s reason=%s message=%q", pod.Spec.NodeName, c.Status, c.Reason, c.Message)
}

// reportExcerpt is the report's domains and next replica, one line each.
func reportExcerpt(r *spreadReportJSON) string {
	var lines []string
	for _, c := range r.Constraints {
		lines = append(lines, fmt.Sprintf("constraints[%d] %s %s maxSkew=%d globalMinimum=%d", c.Index, c.TopologyKey, c.WhenUnsatisfiable, c.MaxSkew, c.GlobalMinimum))
		for _, d := range c.Domains {
			dj, _ := json.Marshal(d)
			lines = append(lines, "  "+string(dj))
		}
	}
	lines = append(lines, fmt.Sprintf("nextReplica.nodes: %v", r.NextReplica.Nodes))
	return strings.Join(lines, "\n")
}

// cleanup removes the scenario's Pods and Nodes; its namespace stays (no namespace controller).
func (p *spreadPhase) cleanup(ctx context.Context, s *spreadScenario) error {
	ns := s.namespace()
	pods, err := p.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	for _, pod := range pods.Items {
		if err := p.deletePod(ctx, ns, pod.Name); err != nil {
			return err
		}
	}
	for _, n := range p.nodeOrder {
		if err := p.cs.CoreV1().Nodes().Delete(ctx, n, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete node %s: %w", n, err)
		}
	}
	p.nodeOrder, p.cordoned = nil, nil
	return p.waitEmpty(ctx, "")
}

// poll calls check every 200ms until it is done, fails, or bound passes.
func poll(ctx context.Context, bound time.Duration, check func() (done bool, why string, err error)) error {
	deadline := time.Now().Add(bound)
	for {
		done, why, err := check()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done within %s: %s", bound, why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// IndentLines indents every line of s by four spaces, for multi-line failure details.
func IndentLines(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (empty)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
