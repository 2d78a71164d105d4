package snapshot

import (
	"context"
	"io"
	"slices"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// Source is where a snapshot comes from, a live cluster or snapshot files: the commands and
// completion read through it without asking which.
type Source interface {
	// Load reads the whole snapshot.
	Load(ctx context.Context) (*Snapshot, error)
	// Workload reads one workload object (Deployment, StatefulSet, ReplicaSet, DaemonSet, Job).
	// It is nil, nil when the source does not hold it: the workload's Pods then stand for it.
	Workload(ctx context.Context, kind, namespace, name string) (runtime.Object, error)
	// Candidates are the names shell completion offers: the objects of one kind (Pod, Namespace
	// or a workload kind) in namespace, read cheaply (never the whole snapshot of a cluster).
	Candidates(ctx context.Context, kind, namespace string) ([]metav1.Object, error)
}

// Kinds Candidates and Workload take besides the workload kinds.
const (
	KindPod       = "Pod"
	KindNamespace = "Namespace"
)

// Files is a Source reading snapshot files (see LoadFiles); it reads them once.
type Files struct {
	Paths []string
	// Stdin is read for the path "-"; nil when stdin is not ours (completion).
	Stdin     io.Reader
	NamedPods []types.NamespacedName

	snap *Snapshot
}

// Load reads the files, once.
func (f *Files) Load(context.Context) (*Snapshot, error) {
	if f.snap == nil {
		if f.Stdin == nil && slices.Contains(f.Paths, StdinName) {
			// Completion: stdin belongs to the shell; offer nothing rather than wait on it.
			f.snap = &Snapshot{}
			return f.snap, nil
		}
		s, err := LoadFiles(f.Paths, f.Stdin, f.NamedPods...)
		if err != nil {
			return nil, err
		}
		f.snap = s
	}
	return f.snap, nil
}

// Workload finds the object in the files.
func (f *Files) Workload(ctx context.Context, kind, namespace, name string) (runtime.Object, error) {
	s, err := f.Load(ctx)
	if err != nil {
		return nil, err
	}
	return s.Workload(kind, namespace, name), nil
}

// Candidates are the snapshot's objects of kind in namespace. Workload kinds include the
// controllers the Pods name that the files lack, as spread finds those by their Pods.
func (f *Files) Candidates(ctx context.Context, kind, namespace string) ([]metav1.Object, error) {
	s, err := f.Load(ctx)
	if err != nil {
		return nil, err
	}
	var out []metav1.Object
	switch kind {
	case KindPod:
		for _, p := range s.Pods {
			if p.Namespace == namespace {
				out = append(out, p)
			}
		}
		return out, nil
	case KindNamespace:
		seen := map[string]bool{}
		for _, ns := range s.Namespaces {
			seen[ns.Name] = true
			out = append(out, ns)
		}
		for _, p := range s.Pods {
			if !seen[p.Namespace] {
				seen[p.Namespace] = true
				out = append(out, &metav1.ObjectMeta{Name: p.Namespace})
			}
		}
		return out, nil
	}
	w := s.Workloads
	for _, o := range slices.Concat(objects(w.Deployments), objects(w.StatefulSets), objects(w.ReplicaSets), objects(w.DaemonSets), objects(w.Jobs)) {
		if o.GetNamespace() == namespace && kindOf(o) == kind {
			out = append(out, o)
		}
	}
	for _, p := range s.Pods {
		if k, name, ok := ControllerOf(p); ok && k == kind && p.Namespace == namespace && s.Workload(kind, namespace, name) == nil {
			out = append(out, &metav1.ObjectMeta{Namespace: namespace, Name: name})
		}
	}
	return out, nil
}

// Workload returns the workload object kind namespace/name the snapshot holds, or nil.
func (s *Snapshot) Workload(kind, namespace, name string) runtime.Object {
	w := s.Workloads
	for _, o := range slices.Concat(objects(w.Deployments), objects(w.StatefulSets), objects(w.ReplicaSets), objects(w.DaemonSets), objects(w.Jobs)) {
		if o.GetNamespace() == namespace && o.GetName() == name && kindOf(o) == kind {
			return o.(runtime.Object)
		}
	}
	return nil
}

func objects[T metav1.Object](objs []T) []metav1.Object {
	out := make([]metav1.Object, len(objs))
	for i, o := range objs {
		out[i] = o
	}
	return out
}

// kindOf names a workload object's kind (decoded objects do not keep their TypeMeta reliably).
func kindOf(o metav1.Object) string {
	switch o.(type) {
	case *appsv1.Deployment:
		return "Deployment"
	case *appsv1.StatefulSet:
		return "StatefulSet"
	case *appsv1.ReplicaSet:
		return "ReplicaSet"
	case *appsv1.DaemonSet:
		return "DaemonSet"
	case *batchv1.Job:
		return "Job"
	case *corev1.Pod:
		return KindPod
	case *corev1.Namespace:
		return KindNamespace
	}
	return ""
}

// Cluster is a Source reading a live cluster: FromCluster for the snapshot, one GET per workload,
// one LIST per completion.
type Cluster struct {
	Client  kubernetes.Interface
	Options ClusterOptions
}

// Load reads the snapshot with FromCluster.
func (c *Cluster) Load(ctx context.Context) (*Snapshot, error) {
	return FromCluster(ctx, c.Client, c.Options)
}

// Workload GETs the object; errors are the API server's, wrapped. A kind that is not read live is
// nil, nil.
func (c *Cluster) Workload(ctx context.Context, kind, namespace, name string) (runtime.Object, error) {
	api, ok := workloadAPIs[kind]
	if !ok {
		return nil, nil
	}
	return api.get(ctx, c.Client, namespace, name)
}

// candidateOptions serve completion from the API server's watch cache rather than etcd.
var candidateOptions = metav1.ListOptions{ResourceVersion: "0"}

// Candidates LISTs the kind in namespace once, from the watch cache.
func (c *Cluster) Candidates(ctx context.Context, kind, namespace string) ([]metav1.Object, error) {
	switch kind {
	case KindPod:
		l, err := c.Client.CoreV1().Pods(namespace).List(ctx, candidateOptions)
		if err != nil {
			return nil, err
		}
		return items(l.Items), nil
	case KindNamespace:
		l, err := c.Client.CoreV1().Namespaces().List(ctx, candidateOptions)
		if err != nil {
			return nil, err
		}
		return items(l.Items), nil
	}
	api, ok := workloadAPIs[kind]
	if !ok {
		return nil, nil
	}
	return api.list(ctx, c.Client, namespace)
}

// workloadAPI reads one workload kind live.
type workloadAPI struct {
	// Resource is the RBAC resource, e.g. deployments.apps.
	Permission
	get  func(ctx context.Context, c kubernetes.Interface, namespace, name string) (runtime.Object, error)
	list func(ctx context.Context, c kubernetes.Interface, namespace string) ([]metav1.Object, error)
}

// workloadAPIs are the workload kinds spread reads (GET) and completion lists.
var workloadAPIs = map[string]workloadAPI{
	"Deployment": workloadAPIOf(appsv1.GroupName, "deployments",
		func(c kubernetes.Interface, ns string) getLister[*appsv1.Deployment, *appsv1.DeploymentList] {
			return c.AppsV1().Deployments(ns)
		}, func(l *appsv1.DeploymentList) []appsv1.Deployment { return l.Items }),
	"StatefulSet": workloadAPIOf(appsv1.GroupName, "statefulsets",
		func(c kubernetes.Interface, ns string) getLister[*appsv1.StatefulSet, *appsv1.StatefulSetList] {
			return c.AppsV1().StatefulSets(ns)
		}, func(l *appsv1.StatefulSetList) []appsv1.StatefulSet { return l.Items }),
	"ReplicaSet": workloadAPIOf(appsv1.GroupName, "replicasets",
		func(c kubernetes.Interface, ns string) getLister[*appsv1.ReplicaSet, *appsv1.ReplicaSetList] {
			return c.AppsV1().ReplicaSets(ns)
		}, func(l *appsv1.ReplicaSetList) []appsv1.ReplicaSet { return l.Items }),
	"DaemonSet": workloadAPIOf(appsv1.GroupName, "daemonsets",
		func(c kubernetes.Interface, ns string) getLister[*appsv1.DaemonSet, *appsv1.DaemonSetList] {
			return c.AppsV1().DaemonSets(ns)
		}, func(l *appsv1.DaemonSetList) []appsv1.DaemonSet { return l.Items }),
	"Job": workloadAPIOf(batchv1.GroupName, "jobs",
		func(c kubernetes.Interface, ns string) getLister[*batchv1.Job, *batchv1.JobList] {
			return c.BatchV1().Jobs(ns)
		},
		func(l *batchv1.JobList) []batchv1.Job { return l.Items }),
}

// getLister is the part of a typed namespaced client a workload kind needs.
type getLister[O, L any] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (O, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
}

// workloadAPIOf builds a workloadAPI from a typed client: GET one object, LIST the names from
// the watch cache.
func workloadAPIOf[O runtime.Object, L any, T any, PT interface {
	*T
	metav1.Object
}](group, resource string, client func(kubernetes.Interface, string) getLister[O, L], listItems func(L) []T) workloadAPI {
	return workloadAPI{
		Permission: Permission{Resource: resource, Group: group},
		get: func(ctx context.Context, c kubernetes.Interface, ns, name string) (runtime.Object, error) {
			return client(c, ns).Get(ctx, name, metav1.GetOptions{})
		},
		list: func(ctx context.Context, c kubernetes.Interface, ns string) ([]metav1.Object, error) {
			l, err := client(c, ns).List(ctx, candidateOptions)
			if err != nil {
				return nil, err
			}
			return items[T, PT](listItems(l)), nil
		},
	}
}

// WorkloadResource names a workload kind as RBAC does (deployments.apps), or "" for a kind that
// is not read.
func WorkloadResource(kind string) string {
	api, ok := workloadAPIs[kind]
	if !ok {
		return ""
	}
	return qualified(api.Permission)
}

// WorkloadPermissions are the reads of workload objects (get by spread, list by completion).
func WorkloadPermissions() []Permission {
	var out []Permission
	for _, api := range workloadAPIs {
		for _, verb := range []string{"get", "list"} {
			p := api.Permission
			p.Verb = verb
			out = append(out, p)
		}
	}
	return out
}

// items returns pointers to a List's items, which are values.
func items[T any, PT interface {
	*T
	metav1.Object
}](list []T) []metav1.Object {
	out := make([]metav1.Object, len(list))
	for i := range list {
		out[i] = PT(&list[i])
	}
	return out
}
