//go:build !(k8s129 || k8s130 || k8s131 || k8s132 || k8s133 || k8s134 || k8s135 || k8s136)

package harness

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/scheduler"
	"k8s.io/kubernetes/pkg/scheduler/framework"
)

// Version is the minor of the kube-scheduler this build of the harness runs.
const Version = "1.37"

func newInformerFactory(client *fake.Clientset) informers.SharedInformerFactory {
	return scheduler.NewInformerFactory(client, 0, nil)
}

// popOnly makes the next cycle schedule pending, whatever else is queued. v1.37 has no
// PopSpecificPod: activate the Pod, then pop past the ones queued before it and put those back.
func popOnly(sched *scheduler.Scheduler, pending *corev1.Pod) error {
	q := sched.SchedulingQueue
	sched.NextEntity = func(logger klog.Logger) (framework.QueuedEntityInfo, error) {
		q.Activate(logger, map[string]*corev1.Pod{pending.Namespace + "/" + pending.Name: pending})
		active := q.PodsInActiveQ()
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
				_ = q.AddUnschedulablePodIfNotPresent(logger, pi, q.SchedulingCycle())
				q.Done(pi.Pod.UID)
			}
		}()
		for range active {
			e, err := q.Pop(logger)
			if err != nil {
				return nil, err
			}
			pi, ok := e.(*framework.QueuedPodInfo)
			if !ok || pi.Pod == nil {
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
