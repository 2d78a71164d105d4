package explain_test

import (
	"path/filepath"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// TestExampleMatchesRealScheduler checks the bundled example against what a real kube-scheduler
// v1.36.3 recorded in it (bash hack/e2e.sh --regenerate-example): for every Pending Pod, the
// computed SchedulerMessage must equal the PodScheduled message byte for byte.
func TestExampleMatchesRealScheduler(t *testing.T) {
	path := filepath.Join("..", "..", "examples", "cluster.yaml")
	s, err := snapshot.LoadFiles([]string{path}, nil)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	recorded := map[string]string{}
	for _, p := range s.Pods {
		if p.Spec.NodeName != "" {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				recorded[p.Namespace+"/"+p.Name] = c.Message
			}
		}
	}
	if len(recorded) < 10 {
		t.Fatalf("%s has %d Pods with a recorded PodScheduled=False message; want the example's dozen or more", path, len(recorded))
	}

	report, err := explain.Explain(s, explain.Selection{AllNamespaces: true})
	if err != nil {
		t.Fatalf("Explain: %v", err)
	}
	got := map[string]string{}
	for _, p := range report.Pods {
		got[p.Namespace+"/"+p.Name] = p.SchedulerMessage
		// A report stands for its identical sibling Pods too.
		for _, same := range p.SamePods {
			if _, ok := got[same]; !ok {
				got[same] = p.SchedulerMessage
			}
		}
	}

	keys := make([]string, 0, len(recorded))
	for k := range recorded {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		msg, ok := got[k]
		if !ok {
			t.Errorf("%s: Pending in the example but missing from the report", k)
			continue
		}
		if msg != recorded[k] {
			t.Errorf("%s:\nscheduler: %s\nexplain:   %s", k, recorded[k], msg)
		}
	}
}
