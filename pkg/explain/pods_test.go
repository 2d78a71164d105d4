package explain

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	fx "github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

// D2: replicas with a generic ephemeral volume each have their own claim (<pod>-<volume>); one
// may wait for its claim while another is short of cpu, so they are never folded together.
func TestEphemeralReplicasNotGrouped(t *testing.T) {
	replica := func(name string) *corev1.Pod {
		return fx.Pod(ns, name, fx.OwnedBy("ReplicaSet", "web-abc"), fx.PodLabels("pod-template-hash", "abc"),
			fx.Requests("cpu", "100"), fx.EphemeralVolume("scratch"))
	}
	webA, webB := replica("web-a"), replica("web-b")
	s := snap([]*corev1.Node{fx.Node("n1")}, webA, webB)
	s.StorageClasses = []*storagev1.StorageClass{fx.StorageClass("standard", storagev1.VolumeBindingWaitForFirstConsumer)}
	s.PVCs = []*corev1.PersistentVolumeClaim{fx.PVC(ns, "web-a-scratch", fx.ClaimClass("standard"),
		fx.ClaimRequest("1Gi", corev1.ReadWriteOnce), fx.ClaimOwnedBy(webA))}
	r, err := Explain(s, Selection{AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Pods) != 2 {
		t.Fatalf("got %d entries", len(r.Pods))
	}
	msgs := map[string]string{}
	for _, p := range r.Pods {
		if len(p.SamePods) != 0 || p.AnalysedWith != "" {
			t.Errorf("%s folded: same %v, analysed with %q", p.Name, p.SamePods, p.AnalysedWith)
		}
		msgs[p.Name] = p.SchedulerMessage
	}
	if !strings.Contains(msgs["web-a"], "Insufficient cpu") {
		t.Errorf("web-a: %q", msgs["web-a"])
	}
	if !strings.Contains(msgs["web-b"], `waiting for ephemeral volume controller to create the persistentvolumeclaim "web-b-scratch"`) {
		t.Errorf("web-b: %q", msgs["web-b"])
	}
}
