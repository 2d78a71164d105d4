package e2e

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-placement/kubectl-placement/hack/gencluster/gen"
	"github.com/kubectl-placement/kubectl-placement/internal/parallel"
)

// LoadGenerated creates the synthetic cluster cfg describes (hack/gencluster's generator) in the
// API server: Namespaces with their default ServiceAccount, PriorityClasses, Nodes with their
// status, then Pods (bound ones with spec.nodeName, Pending ones without), workers Pods at a
// time through a client without rate limit. Pods keep the API server's own status (no kubelet).
func (l *Loader) LoadGenerated(ctx context.Context, cfg gen.Config, workers int) error {
	rc := l.CP.RESTConfig(UserAdmin)
	rc.QPS, rc.Burst = -1, 0 // no client-side rate limit
	rc.ContentType = "application/vnd.kubernetes.protobuf"
	cs, err := kubernetes.NewForConfig(rc)
	if err != nil {
		return err
	}
	start := time.Now()
	var pods []*corev1.Pod
	var nodes []*corev1.Node
	var first error
	gen.Generate(cfg, func(obj any) {
		if first != nil {
			return
		}
		switch o := obj.(type) {
		case *corev1.Namespace:
			o = o.DeepCopy()
			o.ResourceVersion, o.UID = "", ""
			if _, err := cs.CoreV1().Namespaces().Create(ctx, o, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				first = fmt.Errorf("namespace %s: %w", o.Name, err)
				return
			}
			first = l.ensureServiceAccount(ctx, o.Name)
		case *schedulingv1.PriorityClass:
			o = o.DeepCopy()
			o.ResourceVersion, o.UID = "", ""
			if _, err := cs.SchedulingV1().PriorityClasses().Create(ctx, o, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				first = fmt.Errorf("priorityclass %s: %w", o.Name, err)
			}
		case *corev1.Node:
			nodes = append(nodes, o)
		case *corev1.Pod:
			pods = append(pods, o)
		default:
			first = fmt.Errorf("generated object of unexpected type %T", obj)
		}
	})
	if first != nil {
		return first
	}
	err = parallelErr(ctx, len(nodes), workers, func(i int) error {
		n := nodes[i].DeepCopy()
		n.ResourceVersion, n.UID = "", ""
		created, err := cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		// Admission taints every new Node not-ready; a kubelet would report Ready and clear it.
		var taints []corev1.Taint
		for _, t := range created.Spec.Taints {
			if t.Key != corev1.TaintNodeNotReady {
				taints = append(taints, t)
			}
		}
		created.Spec.Taints = taints
		if created, err = cs.CoreV1().Nodes().Update(ctx, created, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		created.Status = nodes[i].Status
		if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("node %s status: %w", n.Name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	l.logf("%d nodes in %s", len(nodes), time.Since(start).Round(100*time.Millisecond))
	start = time.Now()
	var done atomic.Int64
	err = parallelErr(ctx, len(pods), workers, func(i int) error {
		p := pods[i].DeepCopy()
		p.ResourceVersion, p.UID, p.ManagedFields = "", "", nil
		p.Status = corev1.PodStatus{}
		if _, err := cs.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("pod %s/%s: %w", p.Namespace, p.Name, err)
		}
		if n := done.Add(1); n%10000 == 0 {
			l.logf("%d of %d pods in %s", n, len(pods), time.Since(start).Round(time.Second))
		}
		return nil
	})
	if err != nil {
		return err
	}
	l.logf("%d pods in %s", len(pods), time.Since(start).Round(100*time.Millisecond))
	return nil
}

// parallelErr calls f(0..n-1) on workers goroutines and returns the first error; after one, the
// calls not yet started are skipped.
func parallelErr(ctx context.Context, n, workers int, f func(i int) error) error {
	var mu sync.Mutex
	var first error
	var failed atomic.Bool
	parallel.Each(n, workers, func(i int) {
		if failed.Load() || ctx.Err() != nil {
			return
		}
		if err := f(i); err != nil {
			mu.Lock()
			if first == nil {
				first = err
			}
			mu.Unlock()
			failed.Store(true)
		}
	})
	if first == nil {
		first = ctx.Err()
	}
	return first
}
