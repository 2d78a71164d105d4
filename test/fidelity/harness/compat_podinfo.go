//go:build !(k8s129 || k8s130 || k8s131 || k8s132 || k8s133 || k8s134 || k8s135)

package harness

import (
	"context"
	"reflect"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/events"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/profile"
)

// fakeRecorders drops the scheduler's events: the harness reads the condition it patches.
func fakeRecorders() profile.RecorderFactory {
	return func(string) events.EventRecorderLogger { return &events.FakeRecorder{} }
}

// hookCycle calls onSchedule with SchedulePod's result and onFailure with the status the
// FailureHandler gets, then lets the real functions run. Since 1.36 SchedulePod takes the
// QueuedPodInfo.
func hookCycle(sched *scheduler.Scheduler, onSchedule func(scheduler.ScheduleResult, error), onFailure func(*fwk.Status)) {
	schedPod, failureHandler := sched.SchedulePod, sched.FailureHandler
	sched.SchedulePod = func(ctx context.Context, f framework.Framework, state fwk.CycleState, pi *framework.QueuedPodInfo) (scheduler.ScheduleResult, error) {
		r, err := schedPod(ctx, f, state, pi)
		onSchedule(r, err)
		return r, err
	}
	sched.FailureHandler = func(ctx context.Context, f framework.Framework, pi *framework.QueuedPodInfo, status *fwk.Status, ni *fwk.NominatingInfo, start time.Time) {
		onFailure(status)
		failureHandler(ctx, f, pi, status, ni, start)
	}
}

func waitForCacheSync(ctx context.Context, f informers.SharedInformerFactory) map[reflect.Type]bool {
	return f.WaitForCacheSync(ctx.Done())
}
