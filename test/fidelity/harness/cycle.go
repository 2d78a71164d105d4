//go:build !k8s129

package harness

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/scheduler"
)

// oneCycle runs the queue and one scheduling cycle for pending, then closes the queue.
func oneCycle(ctx context.Context, sched *scheduler.Scheduler, pending *corev1.Pod) error {
	sched.SchedulingQueue.Run(klog.FromContext(ctx))
	defer sched.SchedulingQueue.Close()
	if err := popOnly(sched, pending); err != nil {
		return err
	}
	sched.ScheduleOne(ctx)
	return nil
}
