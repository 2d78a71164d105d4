package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/util/retry"
)

// Scenario manifests live in one directory per scenario. Files are named NN-what.yaml; all files
// of the same NN (across scenarios) form a stage, applied together, and the loader waits for the
// scheduler to settle before the next stage. Stages keep the recorded messages true: a Pod judged
// before a later Pod was bound could carry a message about an older cluster state, because the
// scheduler does not retry it for events that cannot help it. So Pods that should run come in
// earlier stages than the Pods that should stay Pending, and Pending Pods change nothing: Pods
// of files named NN-pending*.yaml must not be placed, and Load fails if one is.

// ScenarioFiles returns the manifests of the scenario directories, grouped by stage in order.
func ScenarioFiles(dirs []string) ([][]string, error) {
	byStage := map[string][]string{}
	for _, dir := range dirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("scenario %s: no *.yaml files", dir)
		}
		for _, f := range files {
			stage, _, ok := strings.Cut(filepath.Base(f), "-")
			if _, err := strconv.Atoi(stage); !ok || err != nil {
				return nil, fmt.Errorf("scenario file %s: name must start with a stage number, e.g. 20-running.yaml", f)
			}
			byStage[stage] = append(byStage[stage], f)
		}
	}
	stages := make([]string, 0, len(byStage))
	for s := range byStage {
		stages = append(stages, s)
	}
	sort.Slice(stages, func(i, j int) bool {
		a, _ := strconv.Atoi(stages[i])
		b, _ := strconv.Atoi(stages[j])
		return a < b
	})
	var out [][]string
	for _, s := range stages {
		out = append(out, byStage[s])
	}
	return out, nil
}

// Loader creates scenario objects as the admin user and does what the missing kubelet and
// controller-manager would have done.
type Loader struct {
	CP     *ControlPlane
	Client kubernetes.Interface
	Log    io.Writer
	// SettleTimeout bounds each wait for the scheduler.
	SettleTimeout time.Duration
}

// NewLoader makes a loader for cp's admin.
func NewLoader(cp *ControlPlane, log io.Writer) (*Loader, error) {
	cs, err := kubernetes.NewForConfig(cp.RESTConfig(UserAdmin))
	if err != nil {
		return nil, err
	}
	return &Loader{CP: cp, Client: cs, Log: log, SettleTimeout: 3 * time.Minute}, nil
}

func (l *Loader) logf(format string, args ...any) {
	if l.Log != nil {
		fmt.Fprintf(l.Log, "load: "+format+"\n", args...)
	}
}

// Load applies the scenario directories stage by stage and returns once the scheduler has judged
// every Pod of the last stage.
func (l *Loader) Load(ctx context.Context, dirs []string) error {
	stages, err := ScenarioFiles(dirs)
	if err != nil {
		return err
	}
	dyn, mapper, err := l.clients()
	if err != nil {
		return err
	}
	// The API server makes these namespaces itself; Pods there need a default ServiceAccount too.
	for _, ns := range []string{"default", "kube-system"} {
		if err := l.ensureServiceAccount(ctx, ns); err != nil {
			return err
		}
	}
	mustStayPending := map[string]string{} // "ns/name" -> file
	for i, files := range stages {
		start := time.Now()
		n := 0
		for _, f := range files {
			objs, err := readManifests(f)
			if err != nil {
				return err
			}
			for _, obj := range objs {
				if err := l.create(ctx, dyn, mapper, obj); err != nil {
					return fmt.Errorf("%s: %s %s/%s: %w", f, obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
				}
				if obj.GetKind() == "Pod" && strings.Contains(filepath.Base(f), "-pending") {
					mustStayPending[obj.GetNamespace()+"/"+obj.GetName()] = f
				}
				n++
			}
		}
		if err := l.Settle(ctx); err != nil {
			return fmt.Errorf("stage %d: %w", i+1, err)
		}
		marked, err := l.markBoundPodsRunning(ctx)
		if err != nil {
			return err
		}
		if marked > 0 {
			// Status updates of bound Pods are cluster events too; let any retries they cause finish.
			if err := l.Settle(ctx); err != nil {
				return fmt.Errorf("stage %d: %w", i+1, err)
			}
		}
		l.logf("stage %d: %d objects from %d files, settled in %s", i+1, n, len(files), time.Since(start).Round(100*time.Millisecond))
	}
	return l.checkStillPending(ctx, mustStayPending)
}

// checkStillPending fails when a Pod of a *-pending*.yaml file was bound: that binding changed the
// cluster after other Pending Pods were judged, so their recorded messages may be stale.
func (l *Loader) checkStillPending(ctx context.Context, pods map[string]string) error {
	list, err := l.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	var bound []string
	for _, p := range list.Items {
		if f, ok := pods[p.Namespace+"/"+p.Name]; ok && p.Spec.NodeName != "" {
			bound = append(bound, fmt.Sprintf("%s/%s (%s) was scheduled to %s", p.Namespace, p.Name, filepath.Base(f), p.Spec.NodeName))
		}
	}
	if len(bound) > 0 {
		sort.Strings(bound)
		return fmt.Errorf("scenario error: Pods meant to stay Pending were placed, which can leave the other Pods' recorded messages stale; move them to an earlier stage or make them unschedulable:\n  %s", strings.Join(bound, "\n  "))
	}
	return nil
}

// ApplyFiles creates the objects of files (in order) without stages or waits: RBAC and the like.
func (l *Loader) ApplyFiles(ctx context.Context, files ...string) error {
	dyn, mapper, err := l.clients()
	if err != nil {
		return err
	}
	for _, f := range files {
		objs, err := readManifests(f)
		if err != nil {
			return err
		}
		for _, obj := range objs {
			if err := l.create(ctx, dyn, mapper, obj); err != nil {
				return fmt.Errorf("%s: %s %s/%s: %w", f, obj.GetKind(), obj.GetNamespace(), obj.GetName(), err)
			}
		}
	}
	return nil
}

func (l *Loader) clients() (dynamic.Interface, meta.RESTMapper, error) {
	cfg := l.CP.RESTConfig(UserAdmin)
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, nil, err
	}
	groups, err := restmapper.GetAPIGroupResources(dc)
	if err != nil {
		return nil, nil, fmt.Errorf("discovery: %w", err)
	}
	return dyn, restmapper.NewDiscoveryRESTMapper(groups), nil
}

func readManifests(path string) ([]*unstructured.Unstructured, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(bufio.NewReader(f), 4096)
	var out []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if len(m) == 0 {
			continue
		}
		out = append(out, &unstructured.Unstructured{Object: m})
	}
}

func (l *Loader) create(ctx context.Context, dyn dynamic.Interface, mapper meta.RESTMapper, obj *unstructured.Unstructured) error {
	gvk := obj.GroupVersionKind()
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	var ri dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
	if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := obj.GetNamespace()
		if ns == "" {
			ns = "default"
		}
		ri = dyn.Resource(mapping.Resource).Namespace(ns)
	}
	if _, err := ri.Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		return err
	}
	switch gvk.GroupKind() {
	case schema.GroupKind{Kind: "Namespace"}:
		// No controller-manager makes it, and Pod admission refuses Pods without it.
		return l.ensureServiceAccount(ctx, obj.GetName())
	case schema.GroupKind{Kind: "Node"}:
		return l.removeNotReadyTaint(ctx, obj.GetName())
	}
	return nil
}

func (l *Loader) ensureServiceAccount(ctx context.Context, ns string) error {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}
	_, err := l.Client.CoreV1().ServiceAccounts(ns).Create(ctx, sa, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create serviceaccount %s/default: %w", ns, err)
	}
	return nil
}

// removeNotReadyTaint undoes the taint admission puts on every new Node; a kubelet would clear it
// once the node reports Ready.
func (l *Loader) removeNotReadyTaint(ctx context.Context, name string) error {
	return retry.RetryOnConflict(retry.DefaultRetry, func() error {
		node, err := l.Client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		var kept []corev1.Taint
		for _, t := range node.Spec.Taints {
			if t.Key != corev1.TaintNodeNotReady {
				kept = append(kept, t)
			}
		}
		if len(kept) == len(node.Spec.Taints) {
			return nil
		}
		node.Spec.Taints = kept
		_, err = l.Client.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{})
		return err
	})
}

// markBoundPodsRunning sets phase Running on bound Pods, as a kubelet would, so the snapshot
// reads like a real cluster's. The scheduler counts bound Pods the same in either phase.
func (l *Loader) markBoundPodsRunning(ctx context.Context) (int, error) {
	pods, err := l.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("list pods: %w", err)
	}
	marked := 0
	for i := range pods.Items {
		pod := &pods.Items[i]
		if pod.Spec.NodeName == "" || pod.Status.Phase != corev1.PodPending {
			continue
		}
		now := metav1.Now()
		pod.Status.Phase = corev1.PodRunning
		pod.Status.StartTime = &now
		pod.Status.HostIP = "10.0.0.1"
		for _, t := range []corev1.PodConditionType{corev1.PodScheduled, corev1.PodInitialized, corev1.ContainersReady, corev1.PodReady} {
			setCondition(pod, corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: now})
		}
		for _, c := range pod.Spec.Containers {
			pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, Ready: true, Started: ptrTo(true),
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
			})
		}
		if _, err := l.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
			return marked, fmt.Errorf("mark pod %s/%s running: %w", pod.Namespace, pod.Name, err)
		}
		marked++
	}
	return marked, nil
}

func ptrTo[T any](v T) *T { return &v }

func setCondition(pod *corev1.Pod, c corev1.PodCondition) {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == c.Type {
			if pod.Status.Conditions[i].Status != c.Status {
				pod.Status.Conditions[i] = c
			}
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, c)
}

// Settle waits until the scheduler has judged every unbound Pod: its active and backoff queues
// are empty, every unbound Pod has PodScheduled=False, and nothing changed over three polls.
func (l *Loader) Settle(ctx context.Context) error {
	deadline := time.Now().Add(l.SettleTimeout)
	var last, why string
	stable := 0
	for {
		if err := l.CP.CheckAlive(); err != nil {
			return err
		}
		fp, waiting, err := l.podFingerprint(ctx)
		if err != nil {
			return err
		}
		queued, qerr := l.CP.schedulerQueued(ctx)
		switch {
		case qerr != nil:
			why, stable = "scheduler metrics: "+qerr.Error(), 0
		case queued > 0:
			why, stable = fmt.Sprintf("%d pods in the scheduler's active/backoff queues", queued), 0
		case waiting != "":
			why, stable = "not yet judged: "+waiting, 0
		case fp != last:
			why, stable = "pod states still changing", 0
		default:
			stable++
		}
		last = fp
		if stable >= 3 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("scheduler did not settle within %s: %s", l.SettleTimeout, why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// podFingerprint summarises every Pod's node and PodScheduled message, and names an unbound Pod
// without a PodScheduled=False condition, if any.
func (l *Loader) podFingerprint(ctx context.Context) (fp, waiting string, err error) {
	pods, err := l.Client.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", "", fmt.Errorf("list pods: %w", err)
	}
	var b strings.Builder
	for _, pod := range pods.Items {
		msg := ""
		judged := false
		for _, c := range pod.Status.Conditions {
			if c.Type == corev1.PodScheduled {
				msg = c.Message
				judged = c.Status == corev1.ConditionFalse
			}
		}
		fmt.Fprintf(&b, "%s/%s %s %s\n", pod.Namespace, pod.Name, pod.Spec.NodeName, msg)
		if pod.Spec.NodeName == "" && !judged && len(pod.Spec.SchedulingGates) == 0 && waiting == "" {
			waiting = pod.Namespace + "/" + pod.Name
		}
	}
	return b.String(), waiting, nil
}

// schedulerQueued reads scheduler_pending_pods for the active and backoff queues.
func (cp *ControlPlane) schedulerQueued(ctx context.Context) (int, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cp.schedulerURL()+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+cp.tokens[UserAdmin])
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /metrics: HTTP %d", resp.StatusCode)
	}
	total, seen := 0, 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, q := range []string{"active", "backoff"} {
			prefix := `scheduler_pending_pods{queue="` + q + `"} `
			if strings.HasPrefix(line, prefix) {
				v, err := strconv.ParseFloat(strings.TrimPrefix(line, prefix), 64)
				if err != nil {
					return 0, fmt.Errorf("parse %q: %w", line, err)
				}
				total += int(v)
				seen++
			}
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	if seen != 2 {
		return 0, errors.New("scheduler_pending_pods{queue=active|backoff} not found in /metrics")
	}
	return total, nil
}
