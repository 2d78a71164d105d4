//go:build k8s129 || k8s130 || k8s131 || k8s132 || k8s133 || k8s134 || k8s135

package harness

import (
	"context"
	"fmt"
	"reflect"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/scheduler"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/profile"
)

func newInformerFactory(client *fake.Clientset) informers.SharedInformerFactory {
	return scheduler.NewInformerFactory(client, 0)
}

// waitForCacheSync is the factory's WaitForCacheSync without its 100ms poll period (client-go
// v0.35 polls; v0.36 waits on the informers), which would add about 100ms to every case: a closed
// stop channel makes each call check once.
func waitForCacheSync(ctx context.Context, f informers.SharedInformerFactory) map[reflect.Type]bool {
	checkOnce := make(chan struct{})
	close(checkOnce)
	for {
		res := f.WaitForCacheSync(checkOnce)
		synced := true
		for _, ok := range res {
			synced = synced && ok
		}
		if synced || ctx.Err() != nil {
			return res
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// fakeRecorders drops the scheduler's events: the harness reads the condition it patches.
func fakeRecorders() profile.RecorderFactory {
	return func(string) events.EventRecorder { return &events.FakeRecorder{} }
}

// hookCycle calls onSchedule with SchedulePod's result and onFailure with the status the
// FailureHandler gets, then lets the real functions run. Before 1.36 SchedulePod takes the Pod.
func hookCycle(sched *scheduler.Scheduler, onSchedule func(scheduler.ScheduleResult, error), onFailure func(*status)) {
	schedPod, failureHandler := sched.SchedulePod, sched.FailureHandler
	sched.SchedulePod = func(ctx context.Context, f framework.Framework, state cycleState, pod *corev1.Pod) (scheduler.ScheduleResult, error) {
		r, err := schedPod(ctx, f, state, pod)
		onSchedule(r, err)
		return r, err
	}
	sched.FailureHandler = func(ctx context.Context, f framework.Framework, pi *framework.QueuedPodInfo, st *status, ni *nominatingInfo, start time.Time) {
		onFailure(st)
		failureHandler(ctx, f, pi, st, ni, start)
	}
}

// popOnly makes the next cycle schedule pending, whatever else is queued. Before 1.36 there is
// no PopSpecificPod: activate the Pod, then pop past the ones queued before it and put those back.
func popOnly(sched *scheduler.Scheduler, pending *corev1.Pod) error {
	q := sched.SchedulingQueue
	sched.NextPod = func(logger klog.Logger) (*framework.QueuedPodInfo, error) {
		q.Activate(logger, map[string]*corev1.Pod{pending.Namespace + "/" + pending.Name: pending})
		active := podsInActiveQ(q)
		found := false
		for _, p := range active {
			found = found || samePod(p, pending)
		}
		if !found {
			return nil, fmt.Errorf("pod %s/%s is not in the scheduling queue", pending.Namespace, pending.Name)
		}
		// Pods popped before it go back to the queue (as unschedulable): the nominator reads a
		// nominated Pod's spec from the queue, and an in-flight one would count as an empty Pod.
		var others []*framework.QueuedPodInfo
		defer func() {
			for _, pi := range others {
				_ = q.AddUnschedulableIfNotPresent(logger, pi, q.SchedulingCycle())
				q.Done(pi.Pod.UID)
			}
		}()
		for range active {
			pi, err := q.Pop(logger)
			if err != nil {
				return nil, err
			}
			if pi == nil || pi.Pod == nil {
				continue
			}
			if samePod(pi.Pod, pending) {
				return pi, nil
			}
			others = append(others, pi)
		}
		return nil, fmt.Errorf("pod %s/%s was not popped from the scheduling queue", pending.Namespace, pending.Name)
	}
	return nil
}

func samePod(a, b *corev1.Pod) bool { return a.Namespace == b.Namespace && a.Name == b.Name }
