package explain

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	fx "github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

// The report names the scheduler version it reproduces and how it was chosen; an unknown one is
// a clear error.
func TestSchedulerVersion(t *testing.T) {
	const (
		msg136 = "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
		msg137 = "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
	)
	recorded := func(msg string) fx.PodOption {
		return func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: msg}}
		}
	}
	for _, tt := range []struct {
		name, asked, server, recorded string
		version, from, warning        string
	}{
		{name: "nothing tells: the newest", version: "1.37", from: VersionFromDefault},
		{name: "flag", asked: "v1.36.3", version: "1.36", from: VersionFromFlag},
		{name: "server", server: "v1.36.3", version: "1.36", from: VersionFromServer},
		{name: "flag v1.35", asked: "1.35", version: "1.35", from: VersionFromFlag},
		{name: "server v1.35", server: "v1.35.4", version: "1.35", from: VersionFromServer},
		// v1.35 and v1.36 write this line alike: the newest of them.
		{name: "recorded v1.36 line", recorded: msg136, version: "1.36", from: VersionFromRecorded},
		{name: "server v1.35, recorded line fits it", server: "v1.35.4", recorded: msg136, version: "1.35", from: VersionFromServer},
		{name: "recorded v1.37 line", recorded: msg137, version: "1.37", from: VersionFromRecorded},
		{name: "server and recorded disagree", server: "v1.37.2", recorded: msg136, version: "1.37", from: VersionFromServer, warning: "read like a v1.36 or v1.35 or v1.34 scheduler's"},
		{name: "unmodelled server", server: "v1.28.4", version: "1.37", from: VersionFromServer, warning: "Kubernetes v1.28.4, which is not modelled"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var opts []fx.PodOption
			if tt.recorded != "" {
				opts = append(opts, recorded(tt.recorded))
			}
			s := snap([]*corev1.Node{fx.Node("n1", fx.Allocatable("cpu", "1"))}, fx.Pod(ns, "p", append(opts, fx.Requests("cpu", "2"))...))
			s.ServerVersion = tt.server
			r, err := Explain(s, Selection{Namespace: ns, SchedulerVersion: tt.asked})
			if err != nil || r.SchedulerVersion != tt.version || r.SchedulerVersionFrom != tt.from {
				t.Fatalf("version %q from %q, error %v; want %q from %q", r.SchedulerVersion, r.SchedulerVersionFrom, err, tt.version, tt.from)
			}
			warned := strings.Join(r.Warnings, "\n")
			if (tt.warning == "") != (warned == "") || !strings.Contains(warned, tt.warning) {
				t.Errorf("warnings %q, want one containing %q", warned, tt.warning)
			}
			if tt.recorded != "" && tt.warning == "" && (r.Pods[0].Recorded == nil || !r.Pods[0].Recorded.Matches) {
				t.Errorf("recorded %+v, computed %q", r.Pods[0].Recorded, r.Pods[0].SchedulerMessage)
			}
		})
	}
	_, err := Explain(snap([]*corev1.Node{fx.Node("n1")}), Selection{Namespace: ns, SchedulerVersion: "1.28"})
	if err == nil || !strings.Contains(err.Error(), `unknown scheduler version "1.28"`) {
		t.Errorf("1.28: error %v", err)
	}
}

// Before v1.34 the scheduler names the untolerated taint: such a recorded line picks the newest of
// those minors, and the line is written as they write it.
func TestSchedulerVersionFromNamedTaint(t *testing.T) {
	const msg = "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
	for _, tt := range []struct{ server, version, from string }{{"", "1.33", VersionFromRecorded}, {"v1.31.14", "1.31", VersionFromServer}} {
		pod := fx.Pod(ns, "p", func(p *corev1.Pod) {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: msg}}
		})
		s := snap([]*corev1.Node{fx.Node("n1", fx.Taint("dedicated", "gpu", corev1.TaintEffectNoSchedule))}, pod)
		s.ServerVersion = tt.server
		r, err := Explain(s, Selection{Namespace: ns})
		if err != nil || r.SchedulerVersion != tt.version || r.SchedulerVersionFrom != tt.from {
			t.Fatalf("server %q: version %q from %q, error %v; want %q from %q", tt.server, r.SchedulerVersion, r.SchedulerVersionFrom, err, tt.version, tt.from)
		}
		if got := r.Pods[0].SchedulerMessage; got != msg || len(r.Warnings) > 0 {
			t.Errorf("server %q: computed %q, warnings %q", tt.server, got, r.Warnings)
		}
	}
}
