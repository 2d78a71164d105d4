package spread

import (
	"bytes"
	"encoding/json"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
)

// workloadKinds are the objects DecodeWorkloads keeps.
var workloadKinds = map[schema.GroupVersionKind]bool{
	appsv1.SchemeGroupVersion.WithKind(KindDeployment):  true,
	appsv1.SchemeGroupVersion.WithKind(KindStatefulSet): true,
	appsv1.SchemeGroupVersion.WithKind(KindReplicaSet):  true,
	appsv1.SchemeGroupVersion.WithKind(KindDaemonSet):   true,
	batchv1.SchemeGroupVersion.WithKind(KindJob):        true,
}

// DecodeWorkloads picks the apps/v1 and batch/v1 workloads out of a snapshot file (YAML or JSON,
// lists included). The snapshot loader skips these kinds; other kinds and undecodable documents
// are skipped here too, since the loader has already reported what is wrong with the file.
// TODO: drop this once pkg/snapshot keeps workload objects.
func DecodeWorkloads(data []byte) []runtime.Object {
	var out []runtime.Object
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return out // io.EOF, or a document the snapshot loader has already reported
		}
		out = append(out, decodeWorkloadDoc(raw)...)
	}
}

func decodeWorkloadDoc(raw []byte) []runtime.Object {
	var h struct {
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Items      []json.RawMessage `json:"items"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &h) != nil || h.Kind == "" {
		return nil
	}
	if !strings.HasSuffix(h.Kind, "List") {
		if o := decodeWorkload(raw, schema.FromAPIVersionAndKind(h.APIVersion, h.Kind)); o != nil {
			return []runtime.Object{o}
		}
		return nil
	}
	var out []runtime.Object
	for _, item := range h.Items {
		out = append(out, decodeWorkloadDoc(item)...)
	}
	return out
}

func decodeWorkload(raw []byte, gvk schema.GroupVersionKind) runtime.Object {
	if !workloadKinds[gvk] {
		return nil
	}
	obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(raw, &gvk, nil)
	if err != nil {
		return nil
	}
	return obj
}

// FindWorkload returns the object of kind named namespace/name, or nil.
func FindWorkload(objs []runtime.Object, kind, namespace, name string) runtime.Object {
	for _, o := range objs {
		m, ok := o.(metav1.Object)
		if !ok {
			continue
		}
		ns := m.GetNamespace()
		if ns == "" {
			ns = metav1.NamespaceDefault
		}
		if kindOf(o) == kind && ns == namespace && m.GetName() == name {
			return o
		}
	}
	return nil
}

// kindOf names a typed workload's kind (decoded objects may have no TypeMeta).
func kindOf(o runtime.Object) string {
	switch o.(type) {
	case *appsv1.Deployment:
		return KindDeployment
	case *appsv1.StatefulSet:
		return KindStatefulSet
	case *appsv1.ReplicaSet:
		return KindReplicaSet
	case *appsv1.DaemonSet:
		return KindDaemonSet
	case *batchv1.Job:
		return KindJob
	}
	return ""
}
