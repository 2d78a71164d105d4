package harness

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/kubernetes/pkg/scheduler"
)

// started is a real scheduler over a fake clientset holding the objects, ready for one cycle.
type started struct {
	sched   *scheduler.Scheduler
	client  *fake.Clientset
	pending *corev1.Pod
	// stop ends the informers; call it when the cycle is done.
	stop func()
}

// runtimeObjects are copies of every object, as the fake clientset serves them.
func (objs Objects) runtimeObjects() []runtime.Object {
	var out []runtime.Object
	add := func(o runtime.Object) {
		o = o.DeepCopyObject()
		// v1.31 and older parse a PVC's resourceVersion when VolumeBinding reserves it; the fake
		// clientset does not set one.
		if m, err := meta.Accessor(o); err == nil && m.GetResourceVersion() == "" {
			m.SetResourceVersion("1")
		}
		out = append(out, o)
	}
	for _, o := range objs.Nodes {
		add(o)
	}
	for _, o := range objs.Pods {
		add(o)
	}
	for _, o := range objs.Namespaces {
		add(o)
	}
	for _, o := range objs.PriorityClasses {
		add(o)
	}
	for _, o := range objs.PVCs {
		add(o)
	}
	for _, o := range objs.PVs {
		add(o)
	}
	for _, o := range objs.StorageClasses {
		add(o)
	}
	for _, o := range objs.CSINodes {
		add(o)
	}
	for _, o := range objs.CSIDrivers {
		add(o)
	}
	for _, o := range objs.CSIStorageCapacities {
		add(o)
	}
	for _, o := range objs.VolumeAttachments {
		add(o)
	}
	return append(out, objs.draObjects()...)
}

// start builds a scheduler (default profile unless opts say otherwise) over objs and waits until
// it sees the whole cluster: the cache holds every node and bound Pod, and the queue (so the
// nominator) every Pending Pod of the default scheduler. namespace/name must be one of those.
// The caller sets the scheduler's hooks, runs the queue and calls ScheduleOne.
func start(ctx context.Context, objs Objects, namespace, name string, opts ...scheduler.Option) (*started, error) {
	s := &started{}
	bound, queued := 0, 0
	for _, p := range objs.Pods {
		switch {
		case p.Spec.NodeName != "":
			bound++
		case p.Spec.SchedulerName == corev1.DefaultSchedulerName && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed:
			queued++
		}
		if p.Namespace == namespace && p.Name == name {
			s.pending = p
		}
	}
	if s.pending == nil {
		return nil, fmt.Errorf("pod %s/%s not in objects", namespace, name)
	}
	if s.pending.Spec.NodeName != "" {
		return nil, fmt.Errorf("pod %s/%s is bound to %s", namespace, name, s.pending.Spec.NodeName)
	}

	s.client = fake.NewSimpleClientset(objs.runtimeObjects()...)
	informerFactory := newInformerFactory(s.client)
	sched, err := scheduler.New(ctx, s.client, informerFactory, nil, fakeRecorders(), opts...)
	if err != nil {
		return nil, fmt.Errorf("new scheduler: %w", err)
	}
	s.sched = sched
	ctx, cancel := context.WithCancel(ctx)
	informerFactory.Start(ctx.Done())
	s.stop = func() {
		cancel() // before Shutdown, which waits for the informers to stop
		informerFactory.Shutdown()
	}
	for typ, ok := range waitForCacheSync(ctx, informerFactory) {
		if !ok {
			s.stop()
			return nil, fmt.Errorf("informer %v did not sync", typ)
		}
	}
	// The cache is fed by event handlers after the informers sync; wait until it holds every
	// node and bound pod, or the Pod would be judged against a partial cluster. NodeCount alone
	// is not enough: a pod bound to a node not yet seen creates a placeholder entry. Every
	// unbound Pod of this scheduler must be in the queue too: a Pending Pod with
	// status.nominatedNodeName reaches the nominator when the queue adds it, and the filters
	// count it on that node only from then on.
	for {
		nodes, pods := cacheContents(sched)
		queue, _ := sched.SchedulingQueue.PendingPods()
		if nodes == len(objs.Nodes) && pods == bound && len(queue) == queued && draSynced(sched, objs) {
			if volumeHandlerLag > 0 && len(objs.PVs)+len(objs.PVCs)+len(objs.CSIStorageCapacities) > 0 {
				time.Sleep(volumeHandlerLag)
			}
			return s, nil
		}
		if ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("scheduler cache: %d/%d nodes, %d/%d pods, %d/%d queued", nodes, len(objs.Nodes), pods, bound, len(queue), queued)
		}
		time.Sleep(200 * time.Microsecond)
	}
}
