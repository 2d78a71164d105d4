// Package harness runs the real kube-scheduler default profile (the version this module is built
// with: go.mod for the newest, go.vNNN.mod with -tags k8sNNN for v1.NN) in process, over a fake
// clientset, for one Pending Pod, and returns what it decided: the exact PodScheduled message and
// the per-node statuses of its FitError. It is the judge of the differential tests.
package harness

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/klog/v2"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler"
	"k8s.io/kubernetes/pkg/scheduler/framework"
)

// Objects are the cluster the scheduler sees. Pods holds the bound Pods and the Pending one.
type Objects struct {
	Nodes           []*corev1.Node
	Pods            []*corev1.Pod
	Namespaces      []*corev1.Namespace
	PriorityClasses []*schedulingv1.PriorityClass
	PVCs            []*corev1.PersistentVolumeClaim
	PVs             []*corev1.PersistentVolume
	StorageClasses  []*storagev1.StorageClass
}

// NodeStatus is the status the scheduler recorded for one node.
type NodeStatus struct {
	// Plugin is the first failing Filter plugin; "" for the absent-node status of a PreFilterResult
	// exclusion (the framework sets no plugin there), the PreFilter plugin when PreFilter rejected.
	Plugin  string
	Code    string
	Reasons []string
	// Absent: the node had no explicit status (PreFilter rejection or PreFilterResult exclusion).
	Absent bool
}

// Result is what the real scheduler did with the Pod in one cycle.
type Result struct {
	// Scheduled: a node passed every filter; NodeName is the one it picked.
	Scheduled bool
	NodeName  string
	// Message is the PodScheduled condition message patched onto the Pod ("" when scheduled).
	Message string
	// Reason is the PodScheduled condition reason (Unschedulable, SchedulerError).
	Reason string
	// FitError is FitError.Error() as captured in the failure handler; equal to Message for a
	// rejection (kept apart to catch a condition that was not written).
	FitError      string
	PreFilterMsg  string
	PostFilterMsg string
	// Nodes maps every node name to its status when the Pod did not fit.
	Nodes map[string]NodeStatus
	// NominatedNodeName is set when preemption found victims.
	NominatedNodeName string
}

var quietOnce sync.Once

// Quiet sends klog (and so the scheduler's logs and utilruntime errors) nowhere.
func Quiet() {
	quietOnce.Do(func() { klog.SetLogger(logr.Discard()) })
}

// Run schedules the Pod namespace/name once with a fresh default-profile scheduler over objs.
// A fresh scheduler per case keeps cases independent (no queue backoff, nominations, or cache
// left over); it costs a few milliseconds.
func Run(ctx context.Context, objs Objects, namespace, name string) (*Result, error) {
	Quiet()
	ctx, cancel := context.WithTimeout(klog.NewContext(ctx, logr.Discard()), 30*time.Second)
	defer cancel()

	var runtimeObjs []runtime.Object
	bound := 0
	var pending *corev1.Pod
	for _, n := range objs.Nodes {
		runtimeObjs = append(runtimeObjs, n.DeepCopy())
	}
	for _, p := range objs.Pods {
		runtimeObjs = append(runtimeObjs, p.DeepCopy())
		if p.Spec.NodeName != "" {
			bound++
		}
		if p.Namespace == namespace && p.Name == name {
			pending = p
		}
	}
	if pending == nil {
		return nil, fmt.Errorf("pod %s/%s not in objects", namespace, name)
	}
	if pending.Spec.NodeName != "" {
		return nil, fmt.Errorf("pod %s/%s is bound to %s", namespace, name, pending.Spec.NodeName)
	}
	for _, ns := range objs.Namespaces {
		runtimeObjs = append(runtimeObjs, ns.DeepCopy())
	}
	for _, pc := range objs.PriorityClasses {
		runtimeObjs = append(runtimeObjs, pc.DeepCopy())
	}
	for _, pvc := range objs.PVCs {
		runtimeObjs = append(runtimeObjs, pvc.DeepCopy())
	}
	for _, pv := range objs.PVs {
		runtimeObjs = append(runtimeObjs, pv.DeepCopy())
	}
	for _, sc := range objs.StorageClasses {
		runtimeObjs = append(runtimeObjs, sc.DeepCopy())
	}

	client := fake.NewSimpleClientset(runtimeObjs...)
	informerFactory := newInformerFactory(client)
	sched, err := scheduler.New(ctx, client, informerFactory, nil, fakeRecorders())
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}

	// Capture the decision at the two points it is made, then let the real handlers run so the
	// condition is patched exactly as in a cluster.
	var (
		mu      sync.Mutex
		chosen  string
		failure *fwk.Status
		failed  bool
		fitErr  *framework.FitError
	)
	hookCycle(sched, func(r scheduler.ScheduleResult, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			chosen = r.SuggestedHost
		}
		var fe *framework.FitError
		if errors.As(err, &fe) {
			fitErr = fe
		}
	}, func(status *fwk.Status) {
		mu.Lock()
		failure, failed = status, true
		mu.Unlock()
	})

	informerFactory.Start(ctx.Done())
	defer informerFactory.Shutdown()
	defer cancel() // runs before Shutdown, which waits for the informers to stop
	for typ, ok := range waitForCacheSync(ctx, informerFactory) {
		if !ok {
			return nil, fmt.Errorf("informer %v did not sync", typ)
		}
	}
	// The cache is fed by event handlers after the informers sync; wait until it holds every
	// node and bound pod, or the Pod would be judged against a partial cluster. NodeCount alone
	// is not enough: a pod bound to a node not yet seen creates a placeholder entry.
	for {
		nodes, pods := cacheContents(sched)
		if nodes == len(objs.Nodes) && pods == bound {
			break
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("scheduler cache: %d/%d nodes, %d/%d pods", nodes, len(objs.Nodes), pods, bound)
		}
		time.Sleep(200 * time.Microsecond)
	}
	// Every unbound Pod of this scheduler must be in the queue too: a Pending Pod with
	// status.nominatedNodeName reaches the nominator when the queue adds it (unless it is gated),
	// and the filters count it on that node only from then on.
	queued := 0
	for _, p := range objs.Pods {
		if p.Spec.NodeName == "" && p.Spec.SchedulerName == corev1.DefaultSchedulerName &&
			p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			queued++
		}
	}
	for {
		if pods, _ := sched.SchedulingQueue.PendingPods(); len(pods) == queued {
			break
		}
		if ctx.Err() != nil {
			pods, _ := sched.SchedulingQueue.PendingPods()
			return nil, fmt.Errorf("scheduling queue: %d/%d pods", len(pods), queued)
		}
		time.Sleep(200 * time.Microsecond)
	}
	sched.SchedulingQueue.Run(klog.FromContext(ctx))
	defer sched.SchedulingQueue.Close()

	// Schedule the Pod under test, not whichever the queue would pop first (a nominated Pod of
	// higher priority, say): the others stay queued, and nominated, for this one cycle.
	if err := popOnly(sched, pending); err != nil {
		return nil, err
	}
	sched.ScheduleOne(ctx)

	mu.Lock()
	defer mu.Unlock()
	res := &Result{}
	if !failed {
		if chosen == "" {
			return nil, errors.New("scheduling cycle neither failed nor chose a node")
		}
		res.Scheduled, res.NodeName = true, chosen
		return res, nil
	}
	if fitErr == nil {
		// no nodes, or an internal error: the message is the status text.
		res.FitError = failure.Message()
	} else {
		res.FitError = fitErr.Error()
		res.PreFilterMsg = fitErr.Diagnosis.PreFilterMsg
		res.PostFilterMsg = fitErr.Diagnosis.PostFilterMsg
		res.Nodes = nodeStatuses(fitErr, objs.Nodes)
	}

	// The failure handler patches the condition synchronously (SchedulerAsyncAPICalls is off by
	// default); poll briefly anyway so an async path would not read a stale Pod.
	for {
		p, err := client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("get pod: %w", err)
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				res.Message, res.Reason = c.Message, c.Reason
			}
		}
		res.NominatedNodeName = p.Status.NominatedNodeName
		if res.Message != "" {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("no PodScheduled=False condition written (status %q)", failure.Message())
		}
		time.Sleep(time.Millisecond)
	}
}

// cacheContents counts the real nodes and the pods in the scheduler's cache.
func cacheContents(sched *scheduler.Scheduler) (nodes, pods int) {
	for _, ni := range sched.Cache.Dump().Nodes {
		if ni.Node() != nil {
			nodes++
		}
		pods += len(ni.Pods)
	}
	return nodes, pods
}

func nodeStatuses(fe *framework.FitError, nodes []*corev1.Node) map[string]NodeStatus {
	out := make(map[string]NodeStatus, len(nodes))
	explicit := map[string]bool{}
	fe.Diagnosis.NodeToStatus.ForEachExplicitNode(func(n string, _ *fwk.Status) { explicit[n] = true })
	for _, n := range nodes {
		s := fe.Diagnosis.NodeToStatus.Get(n.Name)
		out[n.Name] = NodeStatus{
			Plugin:  s.Plugin(),
			Code:    s.Code().String(),
			Reasons: append([]string(nil), s.Reasons()...),
			Absent:  !explicit[n.Name],
		}
	}
	return out
}

// SortedReasons returns a sorted copy, for comparing reason sets whose order follows Go map
// iteration (NodeResourcesFit walks scalar resources in map order).
func SortedReasons(r []string) []string {
	out := append([]string(nil), r...)
	sort.Strings(out)
	return out
}
