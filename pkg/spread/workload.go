package spread

import (
	"fmt"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// Workload kinds accepted as TYPE.
const (
	KindDeployment  = "Deployment"
	KindStatefulSet = "StatefulSet"
	KindReplicaSet  = "ReplicaSet"
	KindDaemonSet   = "DaemonSet"
	KindJob         = "Job"
	KindPod         = "Pod"
	// KindSelector is a group of Pods chosen by -l that have no controller.
	KindSelector = "Selector"
)

// Labels controllers add per Pod or per revision; a workload-wide selector leaves them out.
const (
	labelPodTemplateHash    = "pod-template-hash"
	labelControllerRevision = "controller-revision-hash"
	labelStatefulSetPodName = "statefulset.kubernetes.io/pod-name"
	labelPodIndex           = "apps.kubernetes.io/pod-index"
	labelJobCompletionIndex = "batch.kubernetes.io/job-completion-index"
)

// Workload is what the analysis needs to know about one workload.
type Workload struct {
	Kind, Namespace, Name string
	// Selector is the workload's spec.selector; nil when only its Pods are known.
	Selector *metav1.LabelSelector
	// Replicas is the desired count; nil when unknown.
	Replicas *int32
	// Template is the object's Pod template; nil when the object was not read.
	Template *corev1.PodTemplateSpec
	// Pods are the workload's Pods in the snapshot.
	Pods []*corev1.Pod
}

// NotFoundError says a workload (or Pod) is not where it was looked for.
type NotFoundError struct {
	Kind, Namespace, Name string
	// Where adds what was searched, e.g. "in the snapshot".
	Where string
}

func (e *NotFoundError) Error() string {
	s := fmt.Sprintf("%s %q not found in namespace %q", strings.ToLower(e.Kind), e.Name, e.Namespace)
	if e.Where != "" {
		s += " " + e.Where
	}
	return s
}

// FromObject makes a Workload of a typed apps/v1 or batch/v1 object, with its Pods from snap.
func FromObject(obj runtime.Object, snap *snapshot.Snapshot) (*Workload, error) {
	w := &Workload{}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		w.Kind, w.Namespace, w.Name = KindDeployment, o.Namespace, o.Name
		w.Selector, w.Replicas, w.Template = o.Spec.Selector, o.Spec.Replicas, &o.Spec.Template
	case *appsv1.StatefulSet:
		w.Kind, w.Namespace, w.Name = KindStatefulSet, o.Namespace, o.Name
		w.Selector, w.Replicas, w.Template = o.Spec.Selector, o.Spec.Replicas, &o.Spec.Template
	case *appsv1.ReplicaSet:
		w.Kind, w.Namespace, w.Name = KindReplicaSet, o.Namespace, o.Name
		w.Selector, w.Replicas, w.Template = o.Spec.Selector, o.Spec.Replicas, &o.Spec.Template
	case *appsv1.DaemonSet:
		w.Kind, w.Namespace, w.Name = KindDaemonSet, o.Namespace, o.Name
		w.Selector, w.Template = o.Spec.Selector, &o.Spec.Template
	case *batchv1.Job:
		w.Kind, w.Namespace, w.Name = KindJob, o.Namespace, o.Name
		w.Selector, w.Replicas, w.Template = o.Spec.Selector, o.Spec.Parallelism, &o.Spec.Template
	default:
		return nil, fmt.Errorf("%T is not a workload kind spread understands", obj)
	}
	if w.Namespace == "" {
		w.Namespace = metav1.NamespaceDefault
	}
	w.Pods = podsOf(snap, w.Kind, w.Namespace, w.Name)
	return w, nil
}

// FindWorkload returns the snapshot's workload object of kind named namespace/name, or nil.
func FindWorkload(snap *snapshot.Snapshot, kind, namespace, name string) runtime.Object {
	switch kind {
	case KindDeployment:
		return find(snap.Workloads.Deployments, namespace, name)
	case KindStatefulSet:
		return find(snap.Workloads.StatefulSets, namespace, name)
	case KindReplicaSet:
		return find(snap.Workloads.ReplicaSets, namespace, name)
	case KindDaemonSet:
		return find(snap.Workloads.DaemonSets, namespace, name)
	case KindJob:
		return find(snap.Workloads.Jobs, namespace, name)
	}
	return nil
}

// find returns the object named namespace/name; a nil pointer is returned as a nil interface.
func find[T any, P interface {
	*T
	runtime.Object
	metav1.Object
}](objs []P, namespace, name string) runtime.Object {
	for _, o := range objs {
		if o.GetNamespace() == namespace && o.GetName() == name {
			return o
		}
	}
	return nil
}

// FromPods finds a workload by its Pods' ownerReferences, for snapshots that lack the object.
func FromPods(snap *snapshot.Snapshot, kind, namespace, name string) (*Workload, error) {
	pods := podsOf(snap, kind, namespace, name)
	if len(pods) == 0 {
		return nil, &NotFoundError{Kind: kind, Namespace: namespace, Name: name, Where: "(no Pods of it in the snapshot)"}
	}
	return &Workload{Kind: kind, Namespace: namespace, Name: name, Pods: pods}, nil
}

// OwnerOfPod is the workload a Pod stands for: its controller, lifted from a ReplicaSet to its
// Deployment when the ReplicaSet is named after it plus the Pod's pod-template-hash. A Pod without
// a controller stands for itself.
func OwnerOfPod(p *corev1.Pod) (kind, name string) {
	if kind, name, ok := snapshot.ControllerOf(p); ok {
		return kind, name
	}
	return KindPod, p.Name
}

// FindPod returns the named Pod of the snapshot.
func FindPod(snap *snapshot.Snapshot, namespace, name string) (*corev1.Pod, error) {
	for _, p := range snap.Pods {
		if p.Namespace == namespace && p.Name == name {
			return p, nil
		}
	}
	return nil, &NotFoundError{Kind: KindPod, Namespace: namespace, Name: name}
}

// BySelector groups the Pods matching sel (in namespace, or everywhere when allNamespaces) by the
// workload they stand for, in namespace/kind/name order.
func BySelector(snap *snapshot.Snapshot, namespace string, allNamespaces bool, sel labels.Selector) []*Workload {
	groups := map[string]*Workload{}
	for _, p := range snap.Pods {
		if (!allNamespaces && p.Namespace != namespace) || !sel.Matches(labels.Set(p.Labels)) {
			continue
		}
		kind, name := OwnerOfPod(p)
		k := p.Namespace + "/" + kind + "/" + name
		if groups[k] == nil {
			groups[k] = &Workload{Kind: kind, Namespace: p.Namespace, Name: name}
		}
		groups[k].Pods = append(groups[k].Pods, p)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*Workload, 0, len(keys))
	for _, k := range keys {
		w := groups[k]
		if w.Kind != KindPod {
			// The selector may have left some of the workload's Pods out.
			w.Pods = podsOf(snap, w.Kind, w.Namespace, w.Name)
		}
		out = append(out, w)
	}
	return out
}

// podsOf lists the Pods that stand for the named workload.
func podsOf(snap *snapshot.Snapshot, kind, namespace, name string) []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range snap.Pods {
		if p.Namespace != namespace {
			continue
		}
		var ok bool
		switch kind {
		case KindPod:
			ok = p.Name == name
		case KindReplicaSet:
			ok = directReplicaSet(p, name)
		default:
			k, n := OwnerOfPod(p)
			ok = k == kind && n == name
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

// directReplicaSet: a Deployment's Pod also belongs to its ReplicaSet when asked for by that name.
func directReplicaSet(p *corev1.Pod, name string) bool {
	ref := metav1.GetControllerOf(p)
	return ref != nil && ref.Kind == KindReplicaSet && ref.Name == name
}

// newestPod is the most recently created Pod (by name on ties): the current revision during a rollout.
func newestPod(pods []*corev1.Pod) *corev1.Pod {
	var best *corev1.Pod
	for _, p := range pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		if best == nil || best.CreationTimestamp.Before(&p.CreationTimestamp) ||
			best.CreationTimestamp.Equal(&p.CreationTimestamp) && p.Name > best.Name {
			best = p
		}
	}
	return best
}
