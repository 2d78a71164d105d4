package whatif

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// Workload kinds a manifest may hold.
const (
	KindPod         = "Pod"
	KindDeployment  = "Deployment"
	KindStatefulSet = "StatefulSet"
	KindReplicaSet  = "ReplicaSet"
	KindJob         = "Job"
	KindDaemonSet   = "DaemonSet"
)

// Workload is one object of a manifest that makes Pods, with where it was read.
type Workload struct {
	Kind      string
	Namespace string
	Name      string
	// Origin is "file: document N", for messages.
	Origin string
	// Object is the decoded *corev1.Pod, *appsv1.Deployment, ... .
	Object runtime.Object
}

// manifestKinds are the kinds what-if places, by group and kind (any served version decodes).
var manifestKinds = map[schema.GroupVersionKind]string{
	corev1.SchemeGroupVersion.WithKind(KindPod):         KindPod,
	appsv1.SchemeGroupVersion.WithKind(KindDeployment):  KindDeployment,
	appsv1.SchemeGroupVersion.WithKind(KindStatefulSet): KindStatefulSet,
	appsv1.SchemeGroupVersion.WithKind(KindReplicaSet):  KindReplicaSet,
	appsv1.SchemeGroupVersion.WithKind(KindDaemonSet):   KindDaemonSet,
	batchv1.SchemeGroupVersion.WithKind(KindJob):        KindJob,
}

// LoadManifests reads the workloads of YAML or JSON manifests ("-" reads stdin), in file and
// document order: multi-document streams, JSON values one after another, and Lists. Objects
// without a namespace get namespace. Other kinds (Services, ConfigMaps) are skipped and counted
// in the returned warnings. A bad document is an error naming the file and the document.
func LoadManifests(paths []string, stdin io.Reader, namespace string) ([]Workload, []string, error) {
	if len(paths) == 0 {
		return nil, nil, errors.New("no manifest given: name one with -f FILE")
	}
	var out []Workload
	var warnings []string
	for _, path := range paths {
		var data []byte
		var err error
		name := path
		if path == "-" {
			if stdin == nil {
				return nil, nil, errors.New("cannot read the manifest from stdin: no input")
			}
			name = "<stdin>"
			data, err = io.ReadAll(stdin)
		} else {
			data, err = os.ReadFile(path)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("cannot read manifest: %w", err)
		}
		ws, skipped, err := decodeManifest(name, data, namespace)
		if err != nil {
			return nil, nil, err
		}
		if len(ws) == 0 && len(skipped) == 0 {
			return nil, nil, fmt.Errorf("%s: no Kubernetes objects found", name)
		}
		if len(skipped) > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: ignored %s (they make no Pods)", name, strings.Join(skipped, ", ")))
		}
		out = append(out, ws...)
	}
	if len(out) == 0 {
		return nil, warnings, errors.New("the manifest has no Pod, Deployment, StatefulSet, ReplicaSet, Job or DaemonSet")
	}
	return out, warnings, nil
}

func decodeManifest(file string, data []byte, namespace string) ([]Workload, []string, error) {
	docs, err := snapshot.SplitDocuments(file, data)
	if err != nil {
		return nil, nil, err
	}
	var out []Workload
	var skipped []string
	for _, d := range docs {
		where := d.Where(file)
		ws, sk, err := decodeDocument(d.JSON, where, namespace)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", where, err)
		}
		out, skipped = append(out, ws...), append(skipped, sk...)
	}
	return out, skipped, nil
}

type typeHeader struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []json.RawMessage `json:"items"`
}

// decodeDocument decodes one object or List.
func decodeDocument(data []byte, where, namespace string) ([]Workload, []string, error) {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil, nil, nil
	}
	var h typeHeader
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, nil, errors.New("not a Kubernetes object")
	}
	if h.Kind == "" {
		return nil, nil, errors.New("not a Kubernetes object: no kind")
	}
	if !strings.HasSuffix(h.Kind, "List") {
		w, skipped, err := decodeObject(data, schema.FromAPIVersionAndKind(h.APIVersion, h.Kind), where, namespace)
		if err != nil || w == nil {
			return nil, skipped, err
		}
		return []Workload{*w}, nil, nil
	}
	itemGVK := schema.FromAPIVersionAndKind(h.APIVersion, strings.TrimSuffix(h.Kind, "List"))
	var out []Workload
	var skipped []string
	for i, item := range h.Items {
		gvk := itemGVK
		var ih typeHeader
		if err := json.Unmarshal(item, &ih); err != nil {
			return nil, nil, fmt.Errorf("item %d: not a Kubernetes object", i+1)
		}
		if ih.Kind != "" {
			gvk = schema.FromAPIVersionAndKind(ih.APIVersion, ih.Kind)
		}
		if gvk.Kind == "" || gvk.Kind == "List" {
			return nil, nil, fmt.Errorf("item %d: not a Kubernetes object: no kind", i+1)
		}
		w, sk, err := decodeObject(item, gvk, fmt.Sprintf("%s item %d", where, i+1), namespace)
		if err != nil {
			return nil, nil, fmt.Errorf("item %d: %w", i+1, err)
		}
		if w != nil {
			out = append(out, *w)
		}
		skipped = append(skipped, sk...)
	}
	return out, skipped, nil
}

// decodeObject decodes a workload, or names the kind it skips.
func decodeObject(data []byte, gvk schema.GroupVersionKind, where, namespace string) (*Workload, []string, error) {
	kind, ok := manifestKinds[gvk]
	if !ok {
		for known := range manifestKinds {
			// extensions/v1beta1 Deployments and the like: removed versions, not other kinds.
			if known.Kind == gvk.Kind && (known.Group == gvk.Group || gvk.Group == "extensions") {
				return nil, nil, fmt.Errorf("%s with apiVersion %q: want %q", gvk.Kind, gvk.GroupVersion().String(), known.GroupVersion().String())
			}
		}
		return nil, []string{gvk.Kind}, nil
	}
	obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(data, &gvk, nil)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ", error found in #"); i >= 0 {
			msg = msg[:i]
		}
		return nil, nil, fmt.Errorf("invalid %s: %s", gvk.Kind, msg)
	}
	meta, err := metaOf(obj)
	if err != nil {
		return nil, nil, err
	}
	if meta.GetName() == "" && meta.GetGenerateName() == "" {
		return nil, nil, fmt.Errorf("%s has no metadata.name", kind)
	}
	if meta.GetNamespace() == "" {
		meta.SetNamespace(namespace)
	}
	name := meta.GetName()
	if name == "" {
		name = meta.GetGenerateName()
	}
	return &Workload{Kind: kind, Namespace: meta.GetNamespace(), Name: name, Origin: where, Object: obj}, nil, nil
}
