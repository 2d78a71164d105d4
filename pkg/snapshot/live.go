package snapshot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-placement/kubectl-placement/internal/parallel"
)

// pageSize bounds each LIST response, so a large cluster is read in pieces the API server can serve
// from its watch cache and the client never holds one huge response.
const pageSize = 500

// maxPages caps the pages of one LIST (500,000 objects): a server that keeps sending continue
// tokens must end in an error, not in a loop.
const maxPages = 1000

// RBACHint is where the read-only ClusterRole the plugin needs is documented.
const RBACHint = "docs/rbac.yaml"

// ClusterOptions say how FromCluster reads a cluster.
type ClusterOptions struct {
	// Source names the cluster in the report, e.g. "cluster kind-dev".
	Source string
	// FallbackNamespace is read instead when Pods (or PVCs, events) cannot be listed in all
	// namespaces; empty makes that refusal an error.
	FallbackNamespace string
	// EventNamespace limits the lists that only serve the Pods explained (FailedScheduling
	// events) to one namespace; empty lists all.
	EventNamespace string
	// NamedPods are the Pods given on the command line. The Pod list leaves finished Pods on the
	// server, so a named one it lacks is read with a GET and, if it has finished, kept in Finished.
	NamedPods []types.NamespacedName
}

// listSpec is one LIST the live loader makes. Adding a kind to the snapshot is one entry in
// clusterLists, its field in Snapshot and its add method on the collector.
type listSpec struct {
	// resource and group name it as RBAC does (docs/rbac.yaml lists exactly these).
	resource, group string
	// namespaced lists are read in all namespaces, or in the fallback namespace when that is refused.
	namespaced bool
	// scoped lists serve only the Pods explained: with ClusterOptions.EventNamespace, only that
	// namespace is read.
	scoped bool
	// required: without it there is no analysis, so a failure other than a refusal is fatal. A
	// refused Node list still degrades (a namespace-only user gets what the cluster recorded).
	required bool
	// fieldSelector leaves on the server what the analysis never reads.
	fieldSelector string
	// splitByNamespace reads an all-namespaces list of a large cluster as one list per namespace,
	// a few at once (readSplit): the API server then encodes, and the plugin decodes, on several
	// cores.
	splitByNamespace bool
	// without says what the report cannot show when the list is missing (": ..." or "").
	without string
	// read lists one namespace (metav1.NamespaceAll for all, or a cluster-scoped kind).
	read func(ctx context.Context, c kubernetes.Interface, namespace string, opts metav1.ListOptions) (listed, error)
}

// listed is what one list read: what adds its objects to a collector, and their names (asked
// for of the Namespace list only: not built for 150,000 Pods).
type listed struct {
	add   func(*collector)
	names func() []string
}

// permission is what RBAC must grant for the spec in namespace.
func (s *listSpec) permission(namespace string) Permission {
	return Permission{Verb: "list", Resource: s.resource, Group: s.group, Namespace: namespace}
}

// clusterLists are the LISTs of a live snapshot, in report order.
var clusterLists = []*listSpec{
	{
		resource: "nodes", required: true,
		without: ": without Nodes only what the cluster recorded can be shown",
		read: reader(func(c kubernetes.Interface, _ string) lister[*corev1.NodeList] { return c.CoreV1().Nodes().List },
			func(l *corev1.NodeList) []corev1.Node { return l.Items }, (*collector).addNode),
	},
	{
		resource: "pods", namespaced: true, required: true, splitByNamespace: true,
		// Terminal Pods never hold resources or count for spread and affinity; leave them on the server.
		fieldSelector: fields.AndSelectors(
			fields.OneTermNotEqualSelector("status.phase", string(corev1.PodSucceeded)),
			fields.OneTermNotEqualSelector("status.phase", string(corev1.PodFailed)),
		).String(),
		without: ": spread, inter-pod affinity, host port and resource checks do not see Pods elsewhere",
		read: reader(func(c kubernetes.Interface, ns string) lister[*corev1.PodList] { return c.CoreV1().Pods(ns).List },
			func(l *corev1.PodList) []corev1.Pod { return l.Items }, (*collector).addPod),
	},
	{
		resource: "namespaces",
		without:  ": namespaceSelector terms see no namespace labels",
		read: reader(func(c kubernetes.Interface, _ string) lister[*corev1.NamespaceList] {
			return c.CoreV1().Namespaces().List
		},
			func(l *corev1.NamespaceList) []corev1.Namespace { return l.Items }, (*collector).addNamespace),
	},
	{
		resource: "priorityclasses", group: schedulingv1.GroupName,
		without: ": Pods without spec.priority are taken as priority 0",
		read: reader(func(c kubernetes.Interface, _ string) lister[*schedulingv1.PriorityClassList] {
			return c.SchedulingV1().PriorityClasses().List
		}, func(l *schedulingv1.PriorityClassList) []schedulingv1.PriorityClass { return l.Items }, (*collector).addPriorityClass),
	},
	{
		resource: "persistentvolumeclaims", namespaced: true,
		without: ": volume checks are skipped",
		read: reader(func(c kubernetes.Interface, ns string) lister[*corev1.PersistentVolumeClaimList] {
			return c.CoreV1().PersistentVolumeClaims(ns).List
		}, func(l *corev1.PersistentVolumeClaimList) []corev1.PersistentVolumeClaim { return l.Items }, (*collector).addPVC),
	},
	{
		resource: "storageclasses", group: storagev1.GroupName,
		without: ": volume binding checks are skipped",
		read: reader(func(c kubernetes.Interface, _ string) lister[*storagev1.StorageClassList] {
			return c.StorageV1().StorageClasses().List
		}, func(l *storagev1.StorageClassList) []storagev1.StorageClass { return l.Items }, (*collector).addStorageClass),
	},
	{
		resource: "csinodes", group: storagev1.GroupName,
		without: ": per-node CSI volume limits are not checked",
		read: reader(func(c kubernetes.Interface, _ string) lister[*storagev1.CSINodeList] {
			return c.StorageV1().CSINodes().List
		}, func(l *storagev1.CSINodeList) []storagev1.CSINode { return l.Items }, (*collector).addCSINode),
	},
	{
		resource: "csidrivers", group: storagev1.GroupName,
		without: ": storage capacity is not checked",
		read: reader(func(c kubernetes.Interface, _ string) lister[*storagev1.CSIDriverList] {
			return c.StorageV1().CSIDrivers().List
		}, func(l *storagev1.CSIDriverList) []storagev1.CSIDriver { return l.Items }, (*collector).addCSIDriver),
	},
	{
		resource: "csistoragecapacities", group: storagev1.GroupName, namespaced: true,
		without: ": storage capacity is not checked",
		read: reader(func(c kubernetes.Interface, ns string) lister[*storagev1.CSIStorageCapacityList] {
			return c.StorageV1().CSIStorageCapacities(ns).List
		}, func(l *storagev1.CSIStorageCapacityList) []storagev1.CSIStorageCapacity { return l.Items }, (*collector).addCSIStorageCapacity),
	},
	{
		resource: "volumeattachments", group: storagev1.GroupName,
		without: ": volumes attached outside Pods are not counted against CSI volume limits",
		read: reader(func(c kubernetes.Interface, _ string) lister[*storagev1.VolumeAttachmentList] {
			return c.StorageV1().VolumeAttachments().List
		}, func(l *storagev1.VolumeAttachmentList) []storagev1.VolumeAttachment { return l.Items }, (*collector).addVolumeAttachment),
	},
	{
		resource: "events", namespaced: true, scoped: true,
		fieldSelector: fields.OneTermEqualSelector("reason", ReasonFailedScheduling).String(),
		without:       ": the scheduler's recorded messages are not compared",
		read: reader(func(c kubernetes.Interface, ns string) lister[*corev1.EventList] { return c.CoreV1().Events(ns).List },
			func(l *corev1.EventList) []corev1.Event { return l.Items }, (*collector).addCoreEvent),
	},
	{
		// CSIStorageCapacity and CSIDriver are not read: VolumeBinding's storage capacity check
		// (node(s) did not have enough free storage) is not modelled, so provisioning is taken
		// to have room.
		resource: "persistentvolumes",
		without:  ": bound volumes' node affinity and matching volumes are not checked",
		read: reader(func(c kubernetes.Interface, _ string) lister[*corev1.PersistentVolumeList] {
			return c.CoreV1().PersistentVolumes().List
		}, func(l *corev1.PersistentVolumeList) []corev1.PersistentVolume { return l.Items }, (*collector).addPV),
	},
	// Dynamic Resource Allocation (resource.k8s.io/v1): what DynamicResources allocates from.
	{
		resource: "resourceclaims", group: resourcev1.GroupName, namespaced: true,
		without: ": Pods with ResourceClaims are not modelled",
		read: reader(func(c kubernetes.Interface, ns string) lister[*resourcev1.ResourceClaimList] {
			return c.ResourceV1().ResourceClaims(ns).List
		}, func(l *resourcev1.ResourceClaimList) []resourcev1.ResourceClaim { return l.Items }, (*collector).addResourceClaim),
	},
	{
		resource: "resourceclaimtemplates", group: resourcev1.GroupName, namespaced: true, scoped: true,
		without: ": a template's requests are not shown while its claim is not created",
		read: reader(func(c kubernetes.Interface, ns string) lister[*resourcev1.ResourceClaimTemplateList] {
			return c.ResourceV1().ResourceClaimTemplates(ns).List
		}, func(l *resourcev1.ResourceClaimTemplateList) []resourcev1.ResourceClaimTemplate { return l.Items }, (*collector).addResourceClaimTemplate),
	},
	{
		resource: "deviceclasses", group: resourcev1.GroupName,
		without: ": Pods with ResourceClaims are not modelled",
		read: reader(func(c kubernetes.Interface, _ string) lister[*resourcev1.DeviceClassList] {
			return c.ResourceV1().DeviceClasses().List
		}, func(l *resourcev1.DeviceClassList) []resourcev1.DeviceClass { return l.Items }, (*collector).addDeviceClass),
	},
	{
		resource: "resourceslices", group: resourcev1.GroupName,
		without: ": Pods with ResourceClaims are not modelled",
		read: reader(func(c kubernetes.Interface, _ string) lister[*resourcev1.ResourceSliceList] {
			return c.ResourceV1().ResourceSlices().List
		}, func(l *resourcev1.ResourceSliceList) []resourcev1.ResourceSlice { return l.Items }, (*collector).addResourceSlice),
	},
}

// ReadPermissions are every read the plugin makes, cluster-wide: one LIST per listSpec, the GET
// of a named Pod the lists lack, and the workload reads of spread and completion. docs/rbac.yaml
// grants exactly these.
func ReadPermissions() []Permission {
	out := make([]Permission, 0, len(clusterLists)+1)
	for _, s := range clusterLists {
		out = append(out, s.permission(""))
	}
	out = append(out, Permission{Verb: "get", Resource: "pods"})
	return append(out, WorkloadPermissions()...)
}

type lister[L any] func(context.Context, metav1.ListOptions) (L, error)

// reader adapts a typed client list to a listSpec's read: it pages through the list and returns
// what adds every item.
func reader[L interface{ GetContinue() string }, T any](
	list func(c kubernetes.Interface, namespace string) lister[L], items func(L) []T, add func(*collector, *T),
) func(context.Context, kubernetes.Interface, string, metav1.ListOptions) (listed, error) {
	return func(ctx context.Context, c kubernetes.Interface, namespace string, opts metav1.ListOptions) (listed, error) {
		objs, err := listPaged(ctx, list(c, namespace), items, opts)
		if err != nil {
			return listed{}, err
		}
		names := func() []string {
			out := make([]string, 0, len(objs))
			for _, o := range objs {
				if m, ok := any(o).(metav1.Object); ok {
					out = append(out, m.GetName())
				}
			}
			return out
		}
		return listed{add: func(col *collector) {
			for _, o := range objs {
				add(col, o)
			}
		}, names: names}, nil
	}
}

// listOutcome is what became of one listSpec.
type listOutcome struct {
	spec *listSpec
	// add adds what was read; nil when nothing was.
	add func(*collector)
	// names lists the names of the objects read; nil when nothing was.
	names func() []string
	// namespace is where the list was last tried (metav1.NamespaceAll for all, or cluster scope).
	namespace string
	err       error
	// refusedAll is the API server's refusal of the all-namespaces list before the fallback.
	refusedAll error
}

// FromCluster reads a snapshot from a live cluster with one paged LIST per listSpec (and a GET
// per named Pod the lists lack). Only the Node and Pod lists are required: a refused Pod list
// falls back to FallbackNamespace, a refused Node list and any failure of the optional lists
// become warnings (and Missing entries for refusals). Other errors are returned wrapped, for the
// caller to recognise with apierrors and errors.As.
func FromCluster(ctx context.Context, client kubernetes.Interface, opts ClusterOptions) (*Snapshot, error) {
	boundHeap()
	// The lists are independent; reading them at once keeps a remote cluster's latency to one round.
	outcomes := make([]*listOutcome, len(clusterLists))
	var wg sync.WaitGroup
	// The server's version picks the scheduler wording to reproduce; without it (a refused or
	// failed /version) explain falls back on the recorded messages.
	var serverVersion string
	wg.Add(1)
	go func() {
		defer wg.Done()
		// A development build's version (v0.0.0-master) says nothing about its wording.
		if v, err := client.Discovery().ServerVersion(); err == nil && v != nil && strings.HasPrefix(v.GitVersion, "v1.") {
			serverVersion = v.GitVersion
		}
	}()
	// A list split by namespace waits for the Namespace list (one small request) to name them,
	// and for the Node list's first page to say whether the cluster is large.
	var namespaces *listOutcome
	namespacesRead, nodesPaged := make(chan struct{}), make(chan bool, 1)
	for i, spec := range clusterLists {
		wg.Add(1)
		go func() {
			defer wg.Done()
			switch {
			case spec.splitByNamespace:
				<-namespacesRead
				if <-nodesPaged {
					outcomes[i] = readSplit(ctx, client, spec, opts, namespaces)
				} else {
					outcomes[i] = readList(ctx, client, spec, opts)
				}
			case spec.resource == "nodes":
				// The first value sent is the one read: more than a page of Nodes, or false
				// for a list that failed before its first page.
				send := func(more bool) {
					select {
					case nodesPaged <- more:
					default:
					}
				}
				outcomes[i] = readList(withFirstPage(ctx, send), client, spec, opts)
				send(false)
			default:
				outcomes[i] = readList(ctx, client, spec, opts)
				if spec.resource == "namespaces" {
					namespaces = outcomes[i]
					close(namespacesRead)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// Whatever a request is stuck in, the deadline or ^C ends the read now.
		return nil, ctx.Err()
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	c := newCollector(opts.NamedPods)
	// A required list's failure ends the read; the first in the fixed order is reported so the
	// message does not depend on timing.
	for _, o := range outcomes {
		if err := o.fatal(opts.FallbackNamespace); err != nil {
			return nil, err
		}
	}
	for _, o := range outcomes {
		o.report(c, opts.FallbackNamespace)
		if o.add != nil {
			o.add(c)
			c.read[o.spec.resource] = true
		}
	}
	for _, n := range c.missingNamed() {
		// Not found, refused or unreachable alike: the Pod stays unknown and explain says so.
		if p, err := client.CoreV1().Pods(n.Namespace).Get(ctx, n.Name, metav1.GetOptions{}); err == nil && Finished(p) {
			c.addPod(p)
		}
	}
	snap := c.snapshot(opts.Source)
	snap.ServerVersion = serverVersion
	return snap, nil
}

// readList runs one spec: in all namespaces (or the scoped one), then in the fallback namespace
// when the first is refused.
func readList(ctx context.Context, client kubernetes.Interface, spec *listSpec, opts ClusterOptions) *listOutcome {
	o := &listOutcome{spec: spec}
	if spec.scoped && opts.EventNamespace != "" {
		o.namespace = opts.EventNamespace
	}
	list := metav1.ListOptions{FieldSelector: spec.fieldSelector}
	o.set(spec.read(ctx, client, o.namespace, list))
	if spec.namespaced && o.namespace == "" && apierrors.IsForbidden(o.err) && opts.FallbackNamespace != "" {
		o.refusedAll, o.namespace = o.err, opts.FallbackNamespace
		o.set(spec.read(ctx, client, o.namespace, list))
	}
	return o
}

func (o *listOutcome) set(l listed, err error) {
	o.add, o.names, o.err = l.add, l.names, err
}

// Splitting a list by namespace, only in a cluster of more than one page of Nodes (a small
// cluster's Pods are a few pages: one list costs fewer round trips than one per namespace): at
// most maxSplitNamespaces lists (beyond that the round trips of many small lists outweigh the
// parallel work), splitWorkers at a time. On 2 cores with the API server on the same machine, 3
// at once read 150,000 Pods in 50 namespaces in 0.66 x the time of the one list (docs/scale.md).
const (
	maxSplitNamespaces = 256
	splitWorkers       = 3
)

type firstPageKey struct{}

// withFirstPage has listPaged call f once, with whether more pages follow, when the first page of
// a list arrives.
func withFirstPage(ctx context.Context, f func(more bool)) context.Context {
	return context.WithValue(ctx, firstPageKey{}, f)
}

// readSplit runs a namespaced spec in all namespaces as one list per namespace the Namespace list
// named, splitWorkers at a time, and adds their objects in namespace order (the order of the one
// list). Each list is consistent in itself; together they are as consistent as Pods read a few
// seconds apart. Without the names (refused, failed, too many), or when any namespace's list is
// refused, it is the one all-namespaces list of readList, with its fallback.
func readSplit(ctx context.Context, client kubernetes.Interface, spec *listSpec, opts ClusterOptions, namespaces *listOutcome) *listOutcome {
	if namespaces == nil || namespaces.err != nil || namespaces.names == nil || spec.scoped && opts.EventNamespace != "" {
		return readList(ctx, client, spec, opts)
	}
	names := namespaces.names()
	if len(names) < 2 || len(names) > maxSplitNamespaces {
		return readList(ctx, client, spec, opts)
	}
	splitCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	parts := make([]listed, len(names))
	errs := make([]error, len(names))
	list := metav1.ListOptions{FieldSelector: spec.fieldSelector}
	parallel.Each(len(names), splitWorkers, func(i int) {
		if errs[i] = splitCtx.Err(); errs[i] != nil {
			return
		}
		if parts[i], errs[i] = spec.read(splitCtx, client, names[i], list); errs[i] != nil {
			cancel() // the first failure ends the others
		}
	})
	for _, err := range errs {
		if apierrors.IsForbidden(err) {
			return readList(ctx, client, spec, opts)
		}
	}
	o := &listOutcome{spec: spec}
	// The first failure in namespace order, not a cancellation it caused.
	for _, err := range errs {
		if err != nil && (o.err == nil || errors.Is(o.err, context.Canceled)) {
			o.err = err
		}
	}
	if o.err != nil {
		return o
	}
	o.add = func(c *collector) {
		for _, p := range parts {
			p.add(c)
		}
	}
	return o
}

// fatal is the error that ends the read: any failure of a required list, but a refused Node list.
func (o *listOutcome) fatal(fallback string) error {
	switch {
	case o.err == nil || !o.spec.required:
		return nil
	case o.spec.resource == "pods" && apierrors.IsForbidden(o.err):
		if o.refusedAll == nil {
			return fmt.Errorf("cannot list pods in all namespaces: %w; %s grants list on pods", o.err, RBACHint)
		}
		return fmt.Errorf("cannot list pods in all namespaces, nor in namespace %q: %w; %s grants list on pods", fallback, o.err, RBACHint)
	case apierrors.IsForbidden(o.err):
		return nil
	}
	return fmt.Errorf("list %s: %w", o.spec.qualified(), o.err)
}

// report adds the outcome's warning and missing permissions to c, if it has any.
func (o *listOutcome) report(c *collector, fallback string) {
	s := o.spec
	grant := fmt.Sprintf("; %s grants list on %s", RBACHint, s.qualified())
	switch {
	case o.refusedAll != nil && o.err == nil:
		// The refusal names the user and the permission; what was read instead is the namespace.
		instead := fmt.Sprintf("read namespace %q only", fallback)
		if s.resource == "pods" {
			instead = fmt.Sprintf("showing namespace %q only%s", fallback, s.without)
		}
		c.refused(fmt.Sprintf("cannot list %s in all namespaces: %v; %s%s", s.qualified(), o.refusedAll, instead, grant), s.permission(""))
	case o.refusedAll != nil && apierrors.IsForbidden(o.err):
		c.refused(fmt.Sprintf("cannot list %s in all namespaces, nor in namespace %q%s%s", s.qualified(), fallback, s.without, grant),
			s.permission(""), s.permission(fallback))
	case apierrors.IsForbidden(o.err):
		c.refused(fmt.Sprintf("cannot list %s %s%s%s", s.qualified(), s.where(o.namespace), s.without, grant), s.permission(o.namespace))
	case apierrors.IsNotFound(o.err) && o.refusedAll == nil && s.group == resourcev1.GroupName:
		// resource.k8s.io/v1 is served from v1.34 on; before, the default scheduler has no DRA
		// either. The kind stays unread (a Pod with claims is not modelled), with no warning.
	case o.err != nil:
		where := s.where(o.namespace)
		if o.refusedAll != nil {
			where = fmt.Sprintf("in all namespaces, nor in namespace %q", fallback)
		}
		c.warnf("cannot list %s %s (%v)%s", s.qualified(), where, o.err, s.without)
	}
}

func (s *listSpec) where(namespace string) string {
	switch {
	case namespace != "":
		return fmt.Sprintf("in namespace %q", namespace)
	case s.namespaced:
		return "in all namespaces"
	}
	return "at cluster scope"
}

// qualified is the resource as kubectl and RBAC name it: persistentvolumes, storageclasses.storage.k8s.io.
func (s *listSpec) qualified() string {
	return qualified(Permission{Resource: s.resource, Group: s.group})
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

// ErrTooManyPages is returned for a LIST that does not end within maxPages pages.
var ErrTooManyPages = fmt.Errorf("the API server kept sending continue tokens (more than %d pages of %d)", maxPages, pageSize)

// errUnpagedContinue is a continue token on a list asked for in one piece: following it could loop.
var errUnpagedContinue = errors.New("the API server sent a continue token for a list asked for in one piece")

// reduce drops what no check reads of an object just listed and shares its repeated values
// within the list (sh), so a list of 150,000 Pods never holds them all unshared; the collector's
// add trims and shares again across lists (both are idempotent).
func reduce[T any](obj *T, sh *sharer) {
	switch o := any(obj).(type) {
	case *corev1.Pod:
		trimPod(o)
		sh.pod(o)
	case *corev1.Node:
		trimNode(o)
		sh.node(o)
	case metav1.Object:
		o.SetManagedFields(nil)
	}
}

// listPaged reads a whole list pageSize items at a time, at most maxPages pages. The next page is
// asked for as soon as a page arrives, while that page is reduced: the server encodes one page
// while the plugin reduces the last, and requests stay one at a time, in order.
func listPaged[L interface{ GetContinue() string }, T any](
	ctx context.Context, list func(context.Context, metav1.ListOptions) (L, error), items func(L) []T, opts metav1.ListOptions,
) ([]*T, error) {
	type page struct {
		l   L
		err error
	}
	fetch := func(opts metav1.ListOptions) <-chan page {
		ch := make(chan page, 1)
		go func() {
			l, err := list(ctx, opts)
			ch <- page{l, err}
		}()
		return ch
	}
	opts.Limit = pageSize
	var out []*T
	restarted := false
	sh := newSharer()
	next := fetch(opts)
	for pages := 1; ; pages++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var got page
		select {
		case got = <-next:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if got.err != nil {
			if apierrors.IsResourceExpired(got.err) && opts.Continue != "" && !restarted {
				// The continue token outlived etcd compaction: read everything in one request
				// instead, once.
				opts.Continue, opts.Limit, out, restarted = "", 0, out[:0], true
				next = fetch(opts)
				continue
			}
			return nil, got.err
		}
		opts.Continue = got.l.GetContinue()
		if f, ok := ctx.Value(firstPageKey{}).(func(bool)); ok && pages == 1 {
			f(opts.Continue != "")
		}
		switch {
		case opts.Continue == "":
		case opts.Limit == 0:
			return nil, errUnpagedContinue
		case pages == maxPages:
			return nil, ErrTooManyPages
		default:
			next = fetch(opts)
		}
		page := items(got.l)
		for i := range page {
			// Reduced as the page arrives: managedFields, images and the like are garbage now,
			// not when the last page of every list is in.
			reduce(&page[i], sh)
			out = append(out, &page[i])
		}
		if opts.Continue == "" {
			return out, nil
		}
	}
}
