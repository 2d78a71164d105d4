package explain

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	fx "github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

// The report names the scheduler version it reproduces; an unknown one is a clear error.
func TestSchedulerVersion(t *testing.T) {
	s := snap([]*corev1.Node{fx.Node("n1")}, fx.Pod(ns, "p", fx.Requests("cpu", "100")))
	r, err := Explain(s, Selection{Namespace: ns})
	if err != nil || r.SchedulerVersion != "1.36" {
		t.Fatalf("default profile: version %q, error %v", r.SchedulerVersion, err)
	}
	if r, err = Explain(s, Selection{Namespace: ns, SchedulerVersion: "v1.36.3"}); err != nil || r.SchedulerVersion != "1.36" {
		t.Errorf("v1.36.3: error %v", err)
	}
	_, err = Explain(s, Selection{Namespace: ns, SchedulerVersion: "1.29"})
	if err == nil || !strings.Contains(err.Error(), `unknown scheduler version "1.29"`) {
		t.Errorf("1.29: error %v", err)
	}
}
