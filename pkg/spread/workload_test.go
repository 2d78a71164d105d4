package spread

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

func TestWorkloadPods(t *testing.T) {
	snap := &snapshot.Snapshot{Pods: []*corev1.Pod{
		replica("web-h1-1", "n1"),
		replica("web-h2-1", "n1", func(p *corev1.Pod) { p.Labels["pod-template-hash"] = "h2"; fixture.OwnedBy("ReplicaSet", "web-h2")(p) }),
		fixture.Pod("shop", "db-0", fixture.PodLabels("app", "db"), fixture.OwnedBy("StatefulSet", "db")),
		fixture.Pod("shop", "solo", fixture.PodLabels("app", "web")),
		replica("other-ns", "n1", func(p *corev1.Pod) { p.Namespace = "dev" }),
	}}
	if kind, name := OwnerOfPod(snap.Pods[0]); kind != KindDeployment || name != "web" {
		t.Errorf("owner of a ReplicaSet's Pod: %s %s, want Deployment web", kind, name)
	}
	w, err := FromPods(snap, KindDeployment, "shop", "web")
	if err != nil || len(w.Pods) != 2 {
		t.Fatalf("deployment web: %v, %v", err, w)
	}
	if w, _ := FromPods(snap, KindReplicaSet, "shop", "web-h2"); w == nil || len(w.Pods) != 1 || w.Pods[0].Name != "web-h2-1" {
		t.Errorf("replicaset web-h2: %+v", w)
	}
	if _, err := FromPods(snap, KindDeployment, "shop", "nope"); err == nil ||
		err.Error() != `deployment "nope" not found in namespace "shop" (no Pods of it in the snapshot)` {
		t.Errorf("missing deployment: %v", err)
	}
	groups := BySelector(snap, "shop", false, labels.SelectorFromSet(labels.Set{"app": "web"}))
	var got []string
	for _, g := range groups {
		got = append(got, g.Kind+"/"+g.Name)
	}
	if len(got) != 2 || got[0] != "Deployment/web" || got[1] != "Pod/solo" {
		t.Errorf("groups %v, want Deployment/web and Pod/solo", got)
	}
	if n := newestPod(snap.Pods[:2]); n.Name != "web-h2-1" {
		t.Errorf("newest %s", n.Name)
	}
}

func TestFindWorkloadInSnapshotFile(t *testing.T) {
	data := `apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    replicas: 3
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec: {containers: [{name: app, image: x}]}
- apiVersion: v1
  kind: Node
  metadata: {name: n1}
---
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec: {containers: [{name: app, image: x}], restartPolicy: Never}
`
	snap, err := snapshot.LoadFiles([]string{snapshot.StdinName}, strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	d, ok := FindWorkload(snap, KindDeployment, "shop", "web").(*appsv1.Deployment)
	if !ok || *d.Spec.Replicas != 3 {
		t.Fatalf("deployment: %#v", d)
	}
	if FindWorkload(snap, KindJob, "default", "migrate") == nil {
		t.Error("a Job without namespace is in default")
	}
	if o := FindWorkload(snap, KindStatefulSet, "shop", "web"); o != nil {
		t.Errorf("statefulset shop/web: %#v, want nil", o)
	}
	w, err := FromObject(d, snap)
	if err != nil || w.Template == nil || w.Replicas == nil {
		t.Fatalf("FromObject: %v %+v", err, w)
	}
	// Without Pods, the template stands for the next replica.
	r, err := Analyze(snap, w)
	if err != nil || r.Workload.TemplateFrom != "template" || !r.Workload.FromObject {
		t.Errorf("analyse from template: %v %+v", err, r)
	}
}
