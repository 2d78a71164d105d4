package render

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	fx "github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// TestNotModelledWording: a Pod the cluster reports unschedulable that passes every modelled
// filter is never printed as Schedulable, and what the analysis does not model is listed.
func TestNotModelledWording(t *testing.T) {
	recorded := func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: corev1.PodReasonUnschedulable, Message: "0/1 nodes are available: 1 cannot allocate all claims."}}
	}
	claims := func(p *corev1.Pod) { p.Spec.ResourceClaims = []corev1.PodResourceClaim{{Name: "gpu"}} }
	s := &snapshot.Snapshot{Source: "file cluster.yaml", Nodes: []*corev1.Node{fx.Node("n1")},
		Pods: []*corev1.Pod{
			fx.Pod("ns", "dra", claims, recorded),
			fx.Pod("ns", "vol", fx.ClaimVolume("data", "data-vol"), recorded),
			fx.Pod("ns", "plain", recorded),
			fx.Pod("ns", "fits"),
		},
		PVCs:           []*corev1.PersistentVolumeClaim{fx.PVC("ns", "data-vol", fx.BoundTo("pv-1"))},
		StorageClasses: []*storagev1.StorageClass{},
	}
	r, err := explain.Explain(s, explain.Selection{Namespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{FormatText, FormatWide} {
		var out bytes.Buffer
		if err := WhyPending(&out, r, Options{Format: format}); err != nil {
			t.Fatal(err)
		}
		blocks := map[string]string{}
		for _, b := range strings.Split(out.String(), "\nPod ") {
			name, _, _ := strings.Cut(strings.TrimPrefix(b, "Pod "), "\n")
			blocks[name] = b
		}
		for name, want := range map[string][]string{
			"ns/dra": {"Status: NotModelled (the cluster reports it unschedulable, yet a node passes every filter this analysis models)",
				"  - resource claims gpu: the snapshot lacks the DRA objects to allocate them",
				"Scheduler: no line computed: a node passes every modelled filter",
				"It differs because of what this analysis does not model or could not read (under Not modelled)."},
			"ns/vol": {"Status: NotModelled",
				"  - PersistentVolume: the snapshot has none; add `persistentvolumes` to the kubectl get command"},
			"ns/plain": {"Status: NotModelled",
				"Not modelled: nothing this Pod uses is known to be outside the analysis; the cluster may have changed"},
			"ns/fits": {"Status: Schedulable", "Scheduler: writes no message for a Pod that fits"},
		} {
			block := blocks[name]
			for _, w := range want {
				if !strings.Contains(block, w) {
					t.Errorf("%s: %s lacks %q:\n%s", format, name, w, block)
				}
			}
			if name != "ns/fits" && regexp.MustCompile(`Status: Schedulable|Preemption:`).MatchString(block) {
				t.Errorf("%s: %s says Schedulable or speaks of preemption:\n%s", format, name, block)
			}
			if name == "ns/fits" && strings.Contains(block, "Not modelled") {
				t.Errorf("%s: %s lists what is not modelled though it uses nothing of it:\n%s", format, name, block)
			}
		}
	}
}
