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
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
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
	// CSINodes, CSIDrivers, CSIStorageCapacities and VolumeAttachments back NodeVolumeLimits and
	// VolumeBinding's capacity check.
	CSINodes             []*storagev1.CSINode
	CSIDrivers           []*storagev1.CSIDriver
	CSIStorageCapacities []*storagev1.CSIStorageCapacity
	VolumeAttachments    []*storagev1.VolumeAttachment
	// ResourceClaims, DeviceClasses and ResourceSlices back DynamicResources (resource.k8s.io/v1,
	// v1.34 on; a build for an older scheduler refuses them).
	ResourceClaims []*ResourceClaim
	DeviceClasses  []*DeviceClass
	ResourceSlices []*ResourceSlice
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
	for attempt := 1; ; attempt++ {
		res, err := runOnce(ctx, objs, namespace, name)
		if err != nil || attempt == 3 || !pvcNotYetSeen(res, objs) {
			return res, err
		}
	}
}

// pvcNotYetSeen: VolumeBinding's PreFilter failed on a PVC that objs hold. Before v1.32 the
// plugin's assume cache is fed by event handlers that may lag the informers' sync, so the
// first cycle can miss a PVC; a fresh scheduler sees it.
func pvcNotYetSeen(res *Result, objs Objects) bool {
	if res == nil || !strings.Contains(res.Message, "could not find v1.PersistentVolumeClaim") {
		return false
	}
	for _, c := range objs.PVCs {
		if strings.Contains(res.Message, fmt.Sprintf("%q", c.Namespace+"/"+c.Name)) {
			return true
		}
	}
	return false
}

func runOnce(ctx context.Context, objs Objects, namespace, name string) (*Result, error) {
	Quiet()
	if err := supported(objs); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(klog.NewContext(ctx, logr.Discard()), 30*time.Second)
	defer cancel()

	st, err := start(ctx, objs, namespace, name)
	if err != nil {
		return nil, err
	}
	defer st.stop()
	sched, client, pending := st.sched, st.client, st.pending

	// Capture the decision at the two points it is made, then let the real handlers run so the
	// condition is patched exactly as in a cluster.
	var (
		mu      sync.Mutex
		chosen  string
		failure *status
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
	}, func(s *status) {
		mu.Lock()
		failure, failed = s, true
		mu.Unlock()
	})

	// Schedule the Pod under test, not whichever the queue would pop first (a nominated Pod of
	// higher priority, say): the others stay queued, and nominated, for this one cycle.
	if err := oneCycle(ctx, sched, pending); err != nil {
		return nil, err
	}

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

// SortedReasons returns a sorted copy, for comparing reason sets whose order follows Go map
// iteration (NodeResourcesFit walks scalar resources in map order).
func SortedReasons(r []string) []string {
	out := append([]string(nil), r...)
	sort.Strings(out)
	return out
}
