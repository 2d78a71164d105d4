package e2e

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// Dump writes what `kubectl get namespaces,priorityclasses,nodes,pods -A -o yaml` followed by the
// FailedScheduling events would print: one v1 List whose items each carry apiVersion and kind,
// without managedFields (kubectl hides them too).
func Dump(ctx context.Context, cs kubernetes.Interface, w io.Writer) error {
	var items []any
	add := func(apiVersion, kind string, obj metav1.Object, typeMeta *metav1.TypeMeta) {
		typeMeta.APIVersion, typeMeta.Kind = apiVersion, kind
		obj.SetManagedFields(nil)
		items = append(items, obj)
	}

	nss, err := cs.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list namespaces: %w", err)
	}
	for i := range nss.Items {
		add("v1", "Namespace", &nss.Items[i], &nss.Items[i].TypeMeta)
	}
	pcs, err := cs.SchedulingV1().PriorityClasses().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list priorityclasses: %w", err)
	}
	for i := range pcs.Items {
		add("scheduling.k8s.io/v1", "PriorityClass", &pcs.Items[i], &pcs.Items[i].TypeMeta)
	}
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	for i := range nodes.Items {
		add("v1", "Node", &nodes.Items[i], &nodes.Items[i].TypeMeta)
	}
	pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list pods: %w", err)
	}
	sort.SliceStable(pods.Items, func(i, j int) bool {
		a, b := pods.Items[i], pods.Items[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	for i := range pods.Items {
		add("v1", "Pod", &pods.Items[i], &pods.Items[i].TypeMeta)
	}
	events, err := cs.CoreV1().Events("").List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("reason", "FailedScheduling").String(),
	})
	if err != nil {
		return fmt.Errorf("list events: %w", err)
	}
	sort.SliceStable(events.Items, func(i, j int) bool {
		a, b := events.Items[i], events.Items[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.InvolvedObject.Name != b.InvolvedObject.Name {
			return a.InvolvedObject.Name < b.InvolvedObject.Name
		}
		return eventTime(a).Before(eventTime(b))
	})
	for i := range events.Items {
		add("v1", "Event", &events.Items[i], &events.Items[i].TypeMeta)
	}

	list := map[string]any{
		"apiVersion": "v1",
		"kind":       "List",
		"metadata":   map[string]any{"resourceVersion": ""},
		"items":      items,
	}
	out, err := yaml.Marshal(list)
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

func eventTime(e corev1.Event) time.Time {
	switch {
	case e.Series != nil:
		return e.Series.LastObservedTime.Time
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.CreationTimestamp.Time
}
