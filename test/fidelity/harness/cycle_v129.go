//go:build k8s129

package harness

import (
	"context"
	"errors"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/scheduler"
	"k8s.io/kubernetes/pkg/scheduler/framework"
)

// oneCycle runs one scheduling cycle for pending. v1.29 does not export ScheduleOne: Run loops
// over it (and runs and closes the queue itself), so the cycle is over when Run asks for the
// next Pod; that call waits until the caller's context ends, which stops Run.
func oneCycle(ctx context.Context, sched *scheduler.Scheduler, pending *corev1.Pod) error {
	if err := popOnly(sched, pending); err != nil {
		return err
	}
	ctx, stop := context.WithCancel(ctx)
	first, done, stopped := sched.NextPod, make(chan struct{}), make(chan struct{})
	calls := 0
	sched.NextPod = func(logger klog.Logger) (*framework.QueuedPodInfo, error) {
		calls++
		if calls == 1 {
			return first(logger)
		}
		if calls == 2 {
			close(done)
		}
		<-ctx.Done()
		return nil, errors.New("one cycle only")
	}
	go func() {
		sched.Run(ctx)
		close(stopped)
	}()
	select {
	case <-done:
		// Run stays blocked in NextPod (and a chosen node's binding goes on) until the caller's
		// context ends: stopping it now would fail the binding and call the FailureHandler.
		go func() { <-stopped; stop() }()
		return nil
	case <-ctx.Done():
		stop()
		<-stopped
		return ctx.Err()
	}
}
