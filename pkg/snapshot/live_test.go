package snapshot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

func clusterObjects() []runtime.Object {
	pending := fixture.Pod("shop", "web-0")
	pending.Annotations = map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}"}
	pending.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}
	running := fixture.Pod("shop", "db-0")
	running.Spec.NodeName = "node-a"
	running.Status.Phase = corev1.PodRunning
	done := fixture.Pod("shop", "migrate")
	done.Spec.NodeName = "node-a"
	done.Status.Phase = corev1.PodSucceeded
	other := fixture.Pod("kube-system", "dns-0")
	other.Spec.NodeName = "node-b"
	other.Status.Phase = corev1.PodRunning
	return []runtime.Object{
		fixture.Node("node-b"), fixture.Node("node-a"),
		pending, running, done, other,
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "shop", Labels: map[string]string{"team": "retail"}}},
		&schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "high"}, Value: 1000},
		&corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "data"}},
		&storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "fast"}, Provisioner: "example.com/fast"},
		fixture.PV("local-1", "fast", "10Gi"),
		&corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Namespace: "shop", Name: "web-0.1"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "web-0"},
			Reason:         "FailedScheduling", Message: "0/2 nodes are available: 2 Insufficient cpu.",
			ReportingController: "default-scheduler",
		},
		&corev1.Event{
			ObjectMeta:     metav1.ObjectMeta{Namespace: "shop", Name: "db-0.1"},
			InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "shop", Name: "db-0"},
			Reason:         "Scheduled", Message: "Successfully assigned shop/db-0 to node-a",
		},
	}
}

func forbid(resource string, onlyClusterWide bool) k8stesting.ReactionFunc {
	return func(a k8stesting.Action) (bool, runtime.Object, error) {
		if onlyClusterWide && a.GetNamespace() != "" {
			return false, nil, nil
		}
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "",
			fmt.Errorf("User \"jane\" cannot list resource %q", resource))
	}
}

func TestFromCluster(t *testing.T) {
	client := fake.NewClientset(clusterObjects()...)
	s, err := FromCluster(context.Background(), client, ClusterOptions{Source: "cluster dev", FallbackNamespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "cluster dev" {
		t.Errorf("Source = %q", s.Source)
	}
	if diff := cmp.Diff([]string{"node-a", "node-b"}, nodeNames(s)); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"kube-system/dns-0", "shop/db-0", "shop/web-0"}, podNames(s)); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	web := s.Pods[2]
	if web.Annotations != nil || web.ManagedFields != nil {
		t.Errorf("web-0 not trimmed: %v %v", web.Annotations, web.ManagedFields)
	}
	if len(s.Namespaces) != 1 || len(s.PriorityClasses) != 1 || len(s.PVCs) != 1 || len(s.StorageClasses) != 1 || len(s.PVs) != 1 {
		t.Errorf("optional objects: %d namespaces, %d priority classes, %d PVCs, %d storage classes, %d PVs",
			len(s.Namespaces), len(s.PriorityClasses), len(s.PVCs), len(s.StorageClasses), len(s.PVs))
	}
	if len(s.Events) != 1 || s.Events[0].PodName != "web-0" || s.Events[0].Reporter != "default-scheduler" {
		t.Errorf("events = %+v", s.Events)
	}
	if len(s.Warnings) != 0 || len(s.Missing) != 0 {
		t.Errorf("warnings %q, missing %v", s.Warnings, s.Missing)
	}

	// Read-only, paged, and terminal Pods and other events filtered on the server.
	for _, a := range client.Actions() {
		if versionGet(a) {
			continue
		}
		if p := (Permission{Verb: a.GetVerb(), Resource: a.GetResource().Resource, Group: a.GetResource().Group}); !slices.Contains(ReadPermissions(), p) {
			t.Errorf("%+v is not in ReadPermissions (docs/rbac.yaml)", p)
		}
		if a.GetVerb() != "list" {
			t.Errorf("unexpected %s %s", a.GetVerb(), a.GetResource().Resource)
			continue
		}
		l := a.(k8stesting.ListActionImpl)
		if l.ListOptions.Limit != pageSize {
			t.Errorf("list %s: limit %d, want %d", a.GetResource().Resource, l.ListOptions.Limit, pageSize)
		}
		want := map[string]string{
			"pods":   "status.phase!=Succeeded,status.phase!=Failed",
			"events": "reason=FailedScheduling",
		}[a.GetResource().Resource]
		if got := l.ListOptions.FieldSelector; got != want {
			t.Errorf("list %s: field selector %q, want %q", a.GetResource().Resource, got, want)
		}
	}
}

func TestFromClusterNamedFinishedPod(t *testing.T) {
	client := fake.NewClientset(clusterObjects()...)
	// The API server applies the phase field selector; the fake does not, so do it here.
	client.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		all, err := client.Tracker().List(corev1.SchemeGroupVersion.WithResource("pods"), corev1.SchemeGroupVersion.WithKind("Pod"), a.GetNamespace())
		if err != nil {
			return true, nil, err
		}
		l := all.(*corev1.PodList)
		var active []corev1.Pod
		for _, p := range l.Items {
			if !Finished(&p) {
				active = append(active, p)
			}
		}
		l.Items = active
		return true, l, nil
	})
	named := []types.NamespacedName{{Namespace: "shop", Name: "migrate"}, {Namespace: "shop", Name: "nope"}, {Namespace: "shop", Name: "web-0"}}
	s, err := FromCluster(context.Background(), client, ClusterOptions{FallbackNamespace: "shop", NamedPods: named})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Finished) != 1 || s.Finished[0].Name != "migrate" || s.Finished[0].Status.Phase != corev1.PodSucceeded {
		t.Errorf("finished = %v, want shop/migrate", s.Finished)
	}
	if diff := cmp.Diff([]string{"kube-system/dns-0", "shop/db-0", "shop/web-0"}, podNames(s)); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	var gets []string
	for _, a := range client.Actions() {
		if versionGet(a) {
			continue
		}
		switch a.GetVerb() {
		case "list":
		case "get":
			gets = append(gets, a.GetNamespace()+"/"+a.(k8stesting.GetAction).GetName())
		default:
			t.Errorf("unexpected %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
	// Only the named Pods the list lacked are read one by one.
	if diff := cmp.Diff([]string{"shop/migrate", "shop/nope"}, gets); diff != "" {
		t.Errorf("gets (-want +got):\n%s", diff)
	}
}

func TestFromClusterEventNamespace(t *testing.T) {
	client := fake.NewClientset(clusterObjects()...)
	if _, err := FromCluster(context.Background(), client, ClusterOptions{FallbackNamespace: "shop", EventNamespace: "shop"}); err != nil {
		t.Fatal(err)
	}
	for _, a := range client.Actions() {
		if a.GetResource().Resource == "events" && a.GetNamespace() != "shop" {
			t.Errorf("events listed in %q, want only shop", a.GetNamespace())
		}
	}
}

func TestFromClusterNodesForbidden(t *testing.T) {
	client := fake.NewClientset(clusterObjects()...)
	client.PrependReactor("list", "nodes", forbid("nodes", false))
	s, err := FromCluster(context.Background(), client, ClusterOptions{FallbackNamespace: "shop"})
	if err != nil {
		t.Fatalf("a namespace-only user must still get an analysis: %v", err)
	}
	if len(s.Nodes) != 0 || len(s.Pods) != 3 {
		t.Errorf("%d nodes, %d pods", len(s.Nodes), len(s.Pods))
	}
	if diff := cmp.Diff([]Permission{{Verb: "list", Resource: "nodes"}}, s.Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if len(s.Warnings) != 1 || s.Warnings[0] != "cannot list nodes at cluster scope: without Nodes only what the cluster recorded can be shown; docs/rbac.yaml grants list on nodes" {
		t.Errorf("warnings = %q", s.Warnings)
	}
}

func TestFromClusterPodsFallBackToNamespace(t *testing.T) {
	client := fake.NewClientset(clusterObjects()...)
	for _, r := range []string{"pods", "persistentvolumeclaims", "events"} {
		client.PrependReactor("list", r, forbid(r, true))
	}
	s, err := FromCluster(context.Background(), client, ClusterOptions{FallbackNamespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"shop/db-0", "shop/web-0"}, podNames(s)); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	if len(s.PVCs) != 1 || len(s.Events) != 1 {
		t.Errorf("PVCs %d, events %d: the fallback namespace's should be read", len(s.PVCs), len(s.Events))
	}
	want := []Permission{
		{Verb: "list", Resource: "pods"},
		{Verb: "list", Resource: "persistentvolumeclaims"},
		{Verb: "list", Resource: "events"},
	}
	if diff := cmp.Diff(want, s.Missing); diff != "" {
		t.Errorf("missing (-want +got):\n%s", diff)
	}
	if len(s.Warnings) != 3 || s.Warnings[0] != `cannot list pods in all namespaces: pods is forbidden: User "jane" cannot list resource "pods"; `+
		`showing namespace "shop" only: spread, inter-pod affinity, host port and resource checks do not see Pods elsewhere; docs/rbac.yaml grants list on pods` ||
		!strings.HasPrefix(s.Warnings[1], `cannot list persistentvolumeclaims in all namespaces: persistentvolumeclaims is forbidden: User "jane" cannot list resource "persistentvolumeclaims"; read namespace "shop" only;`) {
		t.Errorf("warnings = %q", s.Warnings)
	}
}

func TestFromClusterOptionalForbidden(t *testing.T) {
	client := fake.NewClientset(clusterObjects()...)
	for _, r := range []string{"namespaces", "priorityclasses", "persistentvolumeclaims", "storageclasses", "events", "persistentvolumes"} {
		client.PrependReactor("list", r, forbid(r, false))
	}
	s, err := FromCluster(context.Background(), client, ClusterOptions{FallbackNamespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if s.PVCs != nil || s.StorageClasses != nil || s.PVs != nil {
		t.Errorf("unreadable PVCs/StorageClasses/PVs must be nil, got %v %v %v", s.PVCs, s.StorageClasses, s.PVs)
	}
	if len(s.Pods) != 3 || len(s.Nodes) != 2 {
		t.Errorf("%d pods, %d nodes", len(s.Pods), len(s.Nodes))
	}
	wantWarnings := []string{
		"cannot list namespaces at cluster scope: namespaceSelector terms see no namespace labels; docs/rbac.yaml grants list on namespaces",
		"cannot list priorityclasses.scheduling.k8s.io at cluster scope: Pods without spec.priority are taken as priority 0; docs/rbac.yaml grants list on priorityclasses.scheduling.k8s.io",
		`cannot list persistentvolumeclaims in all namespaces, nor in namespace "shop": volume checks are skipped; docs/rbac.yaml grants list on persistentvolumeclaims`,
		"cannot list storageclasses.storage.k8s.io at cluster scope: volume binding checks are skipped; docs/rbac.yaml grants list on storageclasses.storage.k8s.io",
		`cannot list events in all namespaces, nor in namespace "shop": the scheduler's recorded messages are not compared; docs/rbac.yaml grants list on events`,
		"cannot list persistentvolumes at cluster scope: bound volumes' node affinity and matching volumes are not checked; docs/rbac.yaml grants list on persistentvolumes",
	}
	if diff := cmp.Diff(wantWarnings, s.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if len(s.Missing) != 8 {
		t.Errorf("missing = %v", s.Missing)
	}
}

func TestFromClusterErrors(t *testing.T) {
	tests := []struct {
		name    string
		react   func(*fake.Clientset)
		opts    ClusterOptions
		wantErr string
		is      func(error) bool
	}{
		{
			name:    "pods forbidden everywhere",
			react:   func(c *fake.Clientset) { c.PrependReactor("list", "pods", forbid("pods", false)) },
			opts:    ClusterOptions{FallbackNamespace: "shop"},
			wantErr: `cannot list pods in all namespaces, nor in namespace "shop"`,
			is:      apierrors.IsForbidden,
		},
		{
			name:    "pods forbidden without fallback",
			react:   func(c *fake.Clientset) { c.PrependReactor("list", "pods", forbid("pods", false)) },
			wantErr: "cannot list pods in all namespaces",
			is:      apierrors.IsForbidden,
		},
		{
			name: "unauthorized",
			react: func(c *fake.Clientset) {
				c.PrependReactor("list", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewUnauthorized("Unauthorized")
				})
			},
			wantErr: "list nodes: Unauthorized",
			is:      apierrors.IsUnauthorized,
		},
		{
			name: "transport error on a required list",
			react: func(c *fake.Clientset) {
				c.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, context.DeadlineExceeded
				})
			},
			wantErr: "list nodes: context deadline exceeded",
			is:      func(err error) bool { return errors.Is(err, context.DeadlineExceeded) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewClientset(clusterObjects()...)
			tt.react(client)
			_, err := FromCluster(context.Background(), client, tt.opts)
			if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want prefix %q", err, tt.wantErr)
			}
			if !tt.is(err) {
				t.Errorf("error %v does not wrap the cause", err)
			}
		})
	}
}

func TestFromClusterOptionalFailures(t *testing.T) {
	client := fake.NewClientset(clusterObjects()...)
	client.PrependReactor("list", "storageclasses", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, context.DeadlineExceeded
	})
	client.PrependReactor("list", "events", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(schema.GroupResource{Resource: "events"}, "")
	})
	s, err := FromCluster(context.Background(), client, ClusterOptions{FallbackNamespace: "shop"})
	if err != nil {
		t.Fatalf("optional data must degrade: %v", err)
	}
	want := []string{
		`cannot list storageclasses.storage.k8s.io at cluster scope (context deadline exceeded): volume binding checks are skipped`,
		`cannot list events in all namespaces (events "" not found): the scheduler's recorded messages are not compared`,
	}
	if diff := cmp.Diff(want, s.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
	if s.StorageClasses != nil || len(s.Missing) != 0 || len(s.Pods) != 3 {
		t.Errorf("storage classes %v, missing %v, %d pods", s.StorageClasses, s.Missing, len(s.Pods))
	}
}

func TestListPaged(t *testing.T) {
	pages := map[string]*corev1.NodeList{
		"":   {ListMeta: metav1.ListMeta{Continue: "p2"}, Items: []corev1.Node{*fixture.Node("n1"), *fixture.Node("n2")}},
		"p2": {Items: []corev1.Node{*fixture.Node("n3")}},
	}
	var calls []metav1.ListOptions
	list := func(_ context.Context, o metav1.ListOptions) (*corev1.NodeList, error) {
		calls = append(calls, o)
		return pages[o.Continue], nil
	}
	got, err := listPaged(context.Background(), list, func(l *corev1.NodeList) []corev1.Node { return l.Items }, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[2].Name != "n3" || len(calls) != 2 || calls[1].Continue != "p2" {
		t.Errorf("got %d nodes in %d calls: %+v", len(got), len(calls), calls)
	}

	// The next page is asked for while one is reduced, but requests stay one at a time.
	var inFlight, most atomic.Int32
	slow := func(_ context.Context, o metav1.ListOptions) (*corev1.NodeList, error) {
		if n := inFlight.Add(1); n > most.Load() {
			most.Store(n)
		}
		defer inFlight.Add(-1)
		time.Sleep(time.Millisecond)
		if o.Continue == "" {
			return &corev1.NodeList{ListMeta: metav1.ListMeta{Continue: "1"}}, nil
		}
		if n, _ := strconv.Atoi(o.Continue); n < 20 {
			return &corev1.NodeList{ListMeta: metav1.ListMeta{Continue: strconv.Itoa(n + 1)}, Items: []corev1.Node{*fixture.Node(o.Continue)}}, nil
		}
		return &corev1.NodeList{}, nil
	}
	got, err = listPaged(context.Background(), slow, func(l *corev1.NodeList) []corev1.Node { return l.Items }, metav1.ListOptions{})
	if err != nil || len(got) != 19 || most.Load() != 1 {
		t.Errorf("got %d nodes (%v), at most %d requests at once", len(got), err, most.Load())
	}

	// An expired continue token restarts as one unpaged list.
	calls = nil
	expiring := func(_ context.Context, o metav1.ListOptions) (*corev1.NodeList, error) {
		calls = append(calls, o)
		switch {
		case o.Continue == "p2":
			return nil, apierrors.NewResourceExpired("continue token expired")
		case o.Limit == 0:
			return &corev1.NodeList{Items: pages[""].Items[:1]}, nil
		}
		return pages[""], nil
	}
	got, err = listPaged(context.Background(), expiring, func(l *corev1.NodeList) []corev1.Node { return l.Items }, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(calls) != 3 {
		t.Errorf("got %d nodes in %d calls, want 1 node after restart", len(got), len(calls))
	}
}

func TestListPagedEnds(t *testing.T) {
	items := func(l *corev1.NodeList) []corev1.Node { return l.Items }
	// A server that never stops paging.
	calls := 0
	endless := func(_ context.Context, o metav1.ListOptions) (*corev1.NodeList, error) {
		calls++
		return &corev1.NodeList{ListMeta: metav1.ListMeta{Continue: fmt.Sprint("p", calls)}}, nil
	}
	if _, err := listPaged(context.Background(), endless, items, metav1.ListOptions{}); !errors.Is(err, ErrTooManyPages) || calls != maxPages {
		t.Errorf("endless continue: %v after %d calls", err, calls)
	}
	// 410 on a continue page, then an unpaged list that still pages: no loop.
	calls = 0
	gone := func(_ context.Context, o metav1.ListOptions) (*corev1.NodeList, error) {
		calls++
		if o.Continue != "" {
			return nil, apierrors.NewResourceExpired("expired")
		}
		return &corev1.NodeList{ListMeta: metav1.ListMeta{Continue: "again"}}, nil
	}
	if _, err := listPaged(context.Background(), gone, items, metav1.ListOptions{}); err == nil || calls > 3 {
		t.Errorf("410 loop: %v after %d calls", err, calls)
	}
	// A cancelled context stops before the next page.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := listPaged(ctx, endless, items, metav1.ListOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// versionGet is the GET /version that picks the scheduler version: a non-resource URL every
// authenticated user may read (system:public-info-viewer), so not in docs/rbac.yaml.
func versionGet(a k8stesting.Action) bool {
	return a.GetVerb() == "get" && a.GetResource().Resource == "version"
}

// TestFromClusterDRAKinds: the DRA kinds are listed with the others; a cluster without them reads
// as empty lists (read), not as missing.
func TestFromClusterDRAKinds(t *testing.T) {
	objs := append(clusterObjects(),
		&resourcev1.ResourceClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "gpu"}},
		&resourcev1.ResourceClaimTemplate{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "gpu"}},
		&resourcev1.DeviceClass{ObjectMeta: metav1.ObjectMeta{Name: "gpu.example.com"}},
		&resourcev1.ResourceSlice{ObjectMeta: metav1.ObjectMeta{Name: "node-a-gpus"}})
	s, err := FromCluster(context.Background(), fake.NewClientset(objs...), ClusterOptions{Source: "cluster dev"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ResourceClaims) != 1 || len(s.ResourceClaimTemplates) != 1 || len(s.DeviceClasses) != 1 || len(s.ResourceSlices) != 1 {
		t.Errorf("DRA kinds: %d claims, %d templates, %d classes, %d slices",
			len(s.ResourceClaims), len(s.ResourceClaimTemplates), len(s.DeviceClasses), len(s.ResourceSlices))
	}
	s, err = FromCluster(context.Background(), fake.NewClientset(clusterObjects()...), ClusterOptions{Source: "cluster dev"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ResourceClaims == nil || s.DeviceClasses == nil || s.ResourceSlices == nil {
		t.Errorf("DRA kinds read as empty must not be nil: %v %v %v", s.ResourceClaims, s.DeviceClasses, s.ResourceSlices)
	}
}

// A cluster older than v1.34 serves no resource.k8s.io/v1: the DRA kinds stay unread, silently.
func TestFromClusterWithoutDRAAPI(t *testing.T) {
	client := fake.NewClientset(clusterObjects()...)
	for _, r := range []string{"resourceclaims", "resourceclaimtemplates", "deviceclasses", "resourceslices"} {
		client.PrependReactor("list", r, func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: "resource.k8s.io", Resource: r}, "")
		})
	}
	s, err := FromCluster(context.Background(), client, ClusterOptions{FallbackNamespace: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Warnings) != 0 || s.ResourceClaims != nil || s.ResourceSlices != nil {
		t.Errorf("warnings %q, claims %v, slices %v", s.Warnings, s.ResourceClaims, s.ResourceSlices)
	}
}

// withNamespaces is clusterObjects with Namespace objects for every namespace its Pods use, and
// one without Pods, so the Pod list is split by namespace.
func withNamespaces() []runtime.Object {
	return append(clusterObjects(),
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system"}},
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "empty"}})
}

// largeCluster makes the client's Node list come in two pages, as a cluster of more than 500
// Nodes does (the Pod list is split by namespace only then).
func largeCluster(client *fake.Clientset) {
	client.PrependReactor("list", "nodes", func(a k8stesting.Action) (bool, runtime.Object, error) {
		l := a.(k8stesting.ListActionImpl)
		if l.ListOptions.Continue == "" {
			return true, &corev1.NodeList{ListMeta: metav1.ListMeta{Continue: "page-2"}, Items: []corev1.Node{*fixture.Node("node-a")}}, nil
		}
		return true, &corev1.NodeList{Items: []corev1.Node{*fixture.Node("node-b")}}, nil
	})
}

// podListNamespaces are the namespaces of the Pod lists a client was asked for ("" for all).
func podListNamespaces(client *fake.Clientset) []string {
	var out []string
	for _, a := range client.Actions() {
		if a.GetVerb() == "list" && a.GetResource().Resource == "pods" {
			out = append(out, a.GetNamespace())
		}
	}
	slices.Sort(out)
	return out
}

func TestFromClusterSplitsPodsByNamespace(t *testing.T) {
	client := fake.NewClientset(withNamespaces()...)
	largeCluster(client)
	s, err := FromCluster(context.Background(), client, ClusterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Added in namespace order: the order of the one all-namespaces list.
	if diff := cmp.Diff([]string{"kube-system/dns-0", "shop/db-0", "shop/web-0"}, podNames(s)); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"empty", "kube-system", "shop"}, podListNamespaces(client)); diff != "" {
		t.Errorf("Pod lists by namespace (-want +got):\n%s", diff)
	}
	if len(s.Warnings) != 0 || len(s.Missing) != 0 {
		t.Errorf("warnings %q, missing %v", s.Warnings, s.Missing)
	}
	if diff := cmp.Diff([]string{"node-a", "node-b"}, nodeNames(s)); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}

	// One page of Nodes: a small cluster's Pods are read in one list.
	small := fake.NewClientset(withNamespaces()...)
	if _, err := FromCluster(context.Background(), small, ClusterOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{""}, podListNamespaces(small)); diff != "" {
		t.Errorf("Pod lists of a small cluster (-want +got):\n%s", diff)
	}
}

func TestFromClusterSplitFallsBackToOneList(t *testing.T) {
	tests := []struct {
		name  string
		react func(*fake.Clientset)
	}{
		{"namespaces forbidden", func(c *fake.Clientset) { c.PrependReactor("list", "namespaces", forbid("namespaces", false)) }},
		{"nodes forbidden", func(c *fake.Clientset) { c.PrependReactor("list", "nodes", forbid("nodes", false)) }},
		{"one namespace's Pods forbidden", func(c *fake.Clientset) {
			c.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
				if a.GetNamespace() == "kube-system" {
					return forbid("pods", false)(a)
				}
				return false, nil, nil
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := fake.NewClientset(withNamespaces()...)
			largeCluster(client)
			tt.react(client)
			s, err := FromCluster(context.Background(), client, ClusterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"kube-system/dns-0", "shop/db-0", "shop/web-0"}, podNames(s)); diff != "" {
				t.Errorf("pods (-want +got):\n%s", diff)
			}
			if got := podListNamespaces(client); !slices.Contains(got, "") {
				t.Errorf("Pod lists in %q: want the all-namespaces list after the refusal", got)
			}
		})
	}
}

func TestFromClusterSplitFailure(t *testing.T) {
	client := fake.NewClientset(withNamespaces()...)
	largeCluster(client)
	client.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetNamespace() == "shop" {
			return true, nil, apierrors.NewInternalError(errors.New("etcd is sad"))
		}
		return false, nil, nil
	})
	_, err := FromCluster(context.Background(), client, ClusterOptions{})
	if err == nil || !strings.Contains(err.Error(), "etcd is sad") || !apierrors.IsInternalError(err) {
		t.Fatalf("error = %v, want the shop list's internal error", err)
	}
	if got := podListNamespaces(client); slices.Contains(got, "") {
		t.Errorf("Pod lists in %q: a failure other than a refusal is not retried as one list", got)
	}
}
