package snapshot

import (
	"context"
	"fmt"
	"sync"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// pageSize bounds each LIST response, so a large cluster is read in pieces the API server can serve
// from its watch cache and the client never holds one huge response.
const pageSize = 500

// RBACHint is where the read-only ClusterRole the plugin needs is documented.
const RBACHint = "docs/rbac.yaml"

// ClusterOptions say how FromCluster reads a cluster.
type ClusterOptions struct {
	// Source names the cluster in the report, e.g. "cluster kind-dev".
	Source string
	// FallbackNamespace is read instead when Pods (or PVCs, events) cannot be listed in all
	// namespaces; empty makes that refusal an error.
	FallbackNamespace string
	// EventNamespace limits the FailedScheduling events listed to one namespace; empty lists all.
	EventNamespace string
	// NamedPods are the Pods given on the command line. The Pod list leaves finished Pods on the
	// server, so a named one it lacks is read with a GET and, if it has finished, kept in Finished.
	NamedPods []types.NamespacedName
}

// FromCluster reads a snapshot from a live cluster with LIST requests (and a GET per named Pod
// the lists lack). Refusals to read
// optional data (PVCs, StorageClasses, PriorityClasses, Namespaces, events) and Nodes become
// warnings and Missing entries; Pods fall back to FallbackNamespace. Other errors are returned
// wrapped, for the caller to recognise with apierrors and errors.As.
func FromCluster(ctx context.Context, client kubernetes.Interface, opts ClusterOptions) (*Snapshot, error) {
	c := newCollector(opts.NamedPods)
	// Terminal Pods never hold resources or count for spread and affinity; leave them on the server.
	activePods := fields.AndSelectors(
		fields.OneTermNotEqualSelector("status.phase", string(corev1.PodSucceeded)),
		fields.OneTermNotEqualSelector("status.phase", string(corev1.PodFailed)),
	).String()
	failedScheduling := fields.OneTermEqualSelector("reason", ReasonFailedScheduling).String()

	var (
		nodes      []*corev1.Node
		pods       []*corev1.Pod
		namespaces []*corev1.Namespace
		pcs        []*schedulingv1.PriorityClass
		pvcs       []*corev1.PersistentVolumeClaim
		pvs        []*corev1.PersistentVolume
		scs        []*storagev1.StorageClass
		events     []*corev1.Event
	)
	// The lists are independent; reading them at once keeps a remote cluster's latency to one round.
	results := make([]listResult, 8)
	var wg sync.WaitGroup
	run := func(i int, f func() listResult) {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = f() }()
	}
	core := client.CoreV1()
	run(0, func() listResult {
		var r listResult
		nodes, r.err = listPaged(ctx, core.Nodes().List, func(l *corev1.NodeList) []corev1.Node { return l.Items }, metav1.ListOptions{})
		r.perm = Permission{Verb: "list", Resource: "nodes"}
		return r
	})
	run(1, func() listResult {
		return listInAllOrFallback(ctx, opts.FallbackNamespace, "pods", metav1.ListOptions{FieldSelector: activePods}, &pods,
			func(ns string) podLister { return core.Pods(ns).List },
			func(l *corev1.PodList) []corev1.Pod { return l.Items })
	})
	run(2, func() listResult {
		var r listResult
		namespaces, r.err = listPaged(ctx, core.Namespaces().List, func(l *corev1.NamespaceList) []corev1.Namespace { return l.Items }, metav1.ListOptions{})
		r.perm = Permission{Verb: "list", Resource: "namespaces"}
		return r
	})
	run(3, func() listResult {
		var r listResult
		pcs, r.err = listPaged(ctx, client.SchedulingV1().PriorityClasses().List, func(l *schedulingv1.PriorityClassList) []schedulingv1.PriorityClass { return l.Items }, metav1.ListOptions{})
		r.perm = Permission{Verb: "list", Resource: "priorityclasses", Group: schedulingv1.GroupName}
		return r
	})
	run(4, func() listResult {
		return listInAllOrFallback(ctx, opts.FallbackNamespace, "persistentvolumeclaims", metav1.ListOptions{}, &pvcs,
			func(ns string) pvcLister { return core.PersistentVolumeClaims(ns).List },
			func(l *corev1.PersistentVolumeClaimList) []corev1.PersistentVolumeClaim { return l.Items })
	})
	run(5, func() listResult {
		var r listResult
		scs, r.err = listPaged(ctx, client.StorageV1().StorageClasses().List, func(l *storagev1.StorageClassList) []storagev1.StorageClass { return l.Items }, metav1.ListOptions{})
		r.perm = Permission{Verb: "list", Resource: "storageclasses", Group: storagev1.GroupName}
		return r
	})
	run(6, func() listResult {
		if opts.EventNamespace != "" {
			// Only one namespace's Pods are explained: its events are all that is needed.
			var r listResult
			events, r.err = listPaged(ctx, core.Events(opts.EventNamespace).List, func(l *corev1.EventList) []corev1.Event { return l.Items }, metav1.ListOptions{FieldSelector: failedScheduling})
			r.perm = Permission{Verb: "list", Resource: "events", Namespace: opts.EventNamespace}
			return r
		}
		return listInAllOrFallback(ctx, opts.FallbackNamespace, "events", metav1.ListOptions{FieldSelector: failedScheduling}, &events,
			func(ns string) eventLister { return core.Events(ns).List },
			func(l *corev1.EventList) []corev1.Event { return l.Items })
	})
	run(7, func() listResult {
		// CSIStorageCapacity and CSIDriver are not read: VolumeBinding's storage capacity check
		// (node(s) did not have enough free storage) is not modelled, so provisioning is taken
		// to have room.
		var r listResult
		pvs, r.err = listPaged(ctx, core.PersistentVolumes().List, func(l *corev1.PersistentVolumeList) []corev1.PersistentVolume { return l.Items }, metav1.ListOptions{})
		r.perm = Permission{Verb: "list", Resource: "persistentvolumes"}
		return r
	})
	wg.Wait()

	// Anything but a refusal (unreachable, timed out, unauthorized) fails the whole read; the
	// first in this fixed order is reported so the message does not depend on timing.
	for _, r := range results {
		if r.err != nil && !apierrors.IsForbidden(r.err) {
			return nil, fmt.Errorf("list %s: %w", r.perm.Resource, r.err)
		}
	}
	if p := results[1]; p.err != nil {
		if p.fellBack == nil {
			return nil, fmt.Errorf("cannot list pods in all namespaces: %w", p.err)
		}
		return nil, fmt.Errorf("cannot list pods in all namespaces, nor in namespace %q: %w", opts.FallbackNamespace, p.err)
	}

	if results[0].err != nil {
		c.refused(fmt.Sprintf("cannot list nodes at cluster scope: ask for the ClusterRole in %s; without Nodes only what the cluster recorded can be shown", RBACHint), results[0].perm)
	}
	for _, r := range results[1:] {
		switch {
		case r.fellBack != nil && r.err == nil:
			// The refusal names the user and the permission; what was read instead is the namespace.
			instead := fmt.Sprintf("read namespace %q only", opts.FallbackNamespace)
			if r.fellBack.Resource == "pods" {
				instead = fmt.Sprintf("showing namespace %q only%s", opts.FallbackNamespace, consequence["pods"])
			}
			c.refused(fmt.Sprintf("cannot list %s in all namespaces: %v; %s; ask for the ClusterRole in %s", r.fellBack.Resource, r.refusal, instead, RBACHint), *r.fellBack)
		case r.fellBack != nil:
			c.refused(fmt.Sprintf("cannot list %s in all namespaces, nor in namespace %q%s", r.perm.Resource, opts.FallbackNamespace, consequence[r.perm.Resource]), *r.fellBack, r.perm)
		case r.err != nil:
			where := "at cluster scope"
			if r.perm.Namespace != "" {
				where = fmt.Sprintf("in namespace %q", r.perm.Namespace)
			} else if r.perm.Resource == "persistentvolumeclaims" || r.perm.Resource == "events" {
				where = "in all namespaces"
			}
			c.refused(fmt.Sprintf("cannot list %s %s%s", qualified(r.perm), where, consequence[r.perm.Resource]), r.perm)
		}
	}

	for _, n := range nodes {
		c.addNode(n)
	}
	for _, p := range pods {
		c.addPod(p)
	}
	for _, ns := range namespaces {
		c.addNamespace(ns)
	}
	for _, pc := range pcs {
		c.addPriorityClass(pc)
	}
	if results[4].err == nil {
		c.pvcsRead = true
		for _, pvc := range pvcs {
			c.addPVC(pvc)
		}
	}
	if results[5].err == nil {
		c.storageClassesRead = true
		for _, sc := range scs {
			c.addStorageClass(sc)
		}
	}
	if results[7].err == nil {
		c.pvsRead = true
		for _, pv := range pvs {
			c.addPV(pv)
		}
	}
	for _, e := range events {
		c.addCoreEvent(e)
	}
	for _, n := range c.missingNamed() {
		// Not found, refused or unreachable alike: the Pod stays unknown and explain says so.
		if p, err := core.Pods(n.Namespace).Get(ctx, n.Name, metav1.GetOptions{}); err == nil && Finished(p) {
			c.addPod(p)
		}
	}
	return c.snapshot(opts.Source), nil
}

// consequence says what the analysis loses without a resource.
var consequence = map[string]string{
	"pods":                   ": spread, inter-pod affinity, host port and resource checks do not see Pods elsewhere",
	"namespaces":             ": namespaceSelector terms see no namespace labels",
	"priorityclasses":        ": Pods without spec.priority are taken as priority 0",
	"persistentvolumeclaims": ": volume checks are skipped",
	"storageclasses":         ": volume binding checks are skipped",
	"persistentvolumes":      ": bound volumes' node affinity and matching volumes are not checked",
	"events":                 ": the scheduler's recorded messages are not compared",
}

func qualified(p Permission) string {
	if p.Group == "" {
		return p.Resource
	}
	return p.Resource + "." + p.Group
}

// refused records permissions the loader was denied and what that means for the analysis.
func (c *collector) refused(warning string, perms ...Permission) {
	c.missing = append(c.missing, perms...)
	c.warnings = append(c.warnings, warning)
}

// listResult is one LIST's outcome: err is the refusal or failure, perm what was asked for, and
// fellBack the cluster-wide permission that was refused (with refusal, the API server's words)
// before the namespace was read.
type listResult struct {
	err      error
	perm     Permission
	fellBack *Permission
	refusal  error
}

type (
	podLister   = func(context.Context, metav1.ListOptions) (*corev1.PodList, error)
	pvcLister   = func(context.Context, metav1.ListOptions) (*corev1.PersistentVolumeClaimList, error)
	eventLister = func(context.Context, metav1.ListOptions) (*corev1.EventList, error)
)

// listInAllOrFallback lists a namespaced resource in all namespaces and, when that is forbidden,
// in the fallback namespace.
func listInAllOrFallback[L interface{ GetContinue() string }, T any](
	ctx context.Context, fallback, resource string, opts metav1.ListOptions, out *[]*T,
	lister func(namespace string) func(context.Context, metav1.ListOptions) (L, error), items func(L) []T,
) listResult {
	all := Permission{Verb: "list", Resource: resource}
	var err error
	*out, err = listPaged(ctx, lister(metav1.NamespaceAll), items, opts)
	if err == nil || !apierrors.IsForbidden(err) || fallback == "" {
		return listResult{err: err, perm: all}
	}
	r := listResult{perm: Permission{Verb: "list", Resource: resource, Namespace: fallback}, fellBack: &all, refusal: err}
	*out, r.err = listPaged(ctx, lister(fallback), items, opts)
	return r
}

// listPaged reads a whole list pageSize items at a time.
func listPaged[L interface{ GetContinue() string }, T any](
	ctx context.Context, list func(context.Context, metav1.ListOptions) (L, error), items func(L) []T, opts metav1.ListOptions,
) ([]*T, error) {
	opts.Limit = pageSize
	var out []*T
	for {
		l, err := list(ctx, opts)
		if err != nil {
			if apierrors.IsResourceExpired(err) && opts.Continue != "" {
				// The continue token outlived etcd compaction: read everything in one request instead.
				opts.Continue, opts.Limit, out = "", 0, out[:0]
				continue
			}
			return nil, err
		}
		page := items(l)
		for i := range page {
			out = append(out, &page[i])
		}
		opts.Continue = l.GetContinue()
		if opts.Continue == "" {
			return out, nil
		}
	}
}
