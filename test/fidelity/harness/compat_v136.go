//go:build k8s136

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
const Version = "1.36"

func newInformerFactory(client *fake.Clientset) informers.SharedInformerFactory {
	return scheduler.NewInformerFactory(client, 0)
}

// popOnly makes the next cycle schedule pending, whatever else is queued.
func popOnly(sched *scheduler.Scheduler, pending *corev1.Pod) error {
	sched.NextPod = func(logger klog.Logger) (*framework.QueuedPodInfo, error) {
		if pi := sched.SchedulingQueue.PopSpecificPod(logger, pending); pi != nil {
			return pi, nil
		}
		return nil, fmt.Errorf("pod %s/%s is not in the scheduling queue", pending.Namespace, pending.Name)
	}
	return nil
}
