package checks

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

func TestCheckTaintToleration(t *testing.T) {
	const (
		noSched = corev1.TaintEffectNoSchedule
		noExec  = corev1.TaintEffectNoExecute
		prefer  = corev1.TaintEffectPreferNoSchedule
		equal   = corev1.TolerationOpEqual
		exists  = corev1.TolerationOpExists
	)
	// want lists, per untolerated taint, "key=value:effect nearMiss tolIndex" (tolIndex -1: none).
	type miss struct {
		Taint    string
		NearMiss string
		Tol      int
	}
	tests := []struct {
		name string
		node *corev1.Node
		pod  *corev1.Pod
		want []miss // nil: passes
	}{
		{name: "no taints", node: fixture.Node("n1"), pod: fixture.Pod("ns", "p")},
		{name: "PreferNoSchedule only is scoring", node: fixture.Node("n1", fixture.Taint("k", "v", prefer)), pod: fixture.Pod("ns", "p")},
		{
			name: "Exists with empty key and effect tolerates everything",
			node: fixture.Node("n1", fixture.Taint("a", "1", noSched), fixture.Taint("b", "", noExec)),
			pod:  fixture.Pod("ns", "p", fixture.Tolerate("", exists, "", "")),
		},
		{
			name: "Equal with matching value, effect empty",
			node: fixture.Node("n1", fixture.Taint("k", "v", noExec)),
			pod:  fixture.Pod("ns", "p", fixture.Tolerate("k", equal, "v", "")),
		},
		{
			name: "empty operator means Equal",
			node: fixture.Node("n1", fixture.Taint("k", "v", noSched)),
			pod:  fixture.Pod("ns", "p", fixture.Tolerate("k", "", "v", noSched)),
		},
		{
			name: "NoExecute is not tolerated by a NoSchedule toleration",
			node: fixture.Node("n1", fixture.Taint("k", "v", noExec)),
			pod:  fixture.Pod("ns", "p", fixture.Tolerate("k", exists, "", noSched)),
			want: []miss{{"k=v:NoExecute", "effect", 0}},
		},
		{
			name: "every untolerated taint, in spec order; no toleration close",
			node: fixture.Node("n1", fixture.Taint("gpu", "true", noSched), fixture.Taint("x", "", prefer),
				fixture.Taint("node.kubernetes.io/not-ready", "", noExec)),
			pod:  fixture.Pod("ns", "p"),
			want: []miss{{"gpu=true:NoSchedule", "", -1}, {"node.kubernetes.io/not-ready=:NoExecute", "", -1}},
		},
		{
			name: "value mismatch beats a key typo",
			node: fixture.Node("n1", fixture.Taint("dedicated", "db", noSched)),
			pod: fixture.Pod("ns", "p", fixture.Tolerate("dedicatd", equal, "db", noSched),
				fixture.Tolerate("dedicated", equal, "web", noSched)),
			want: []miss{{"dedicated=db:NoSchedule", "value", 1}},
		},
		{
			name: "key one edit away",
			node: fixture.Node("n1", fixture.Taint("dedicated", "db", noSched)),
			pod:  fixture.Pod("ns", "p", fixture.Tolerate("other", exists, "", ""), fixture.Tolerate("dedicatd", exists, "", "")),
			want: []miss{{"dedicated=db:NoSchedule", "key", 1}},
		},
		{
			name: "key three edits away is not close",
			node: fixture.Node("n1", fixture.Taint("dedicated", "db", noSched)),
			pod:  fixture.Pod("ns", "p", fixture.Tolerate("dedic", exists, "", "")),
			want: []miss{{"dedicated=db:NoSchedule", "", -1}},
		},
		{
			name: "Gt never matches: the comparison gate is off",
			node: fixture.Node("n1", fixture.Taint("level", "5", noSched)),
			pod:  fixture.Pod("ns", "p", fixture.Tolerate("level", corev1.TolerationOpGt, "3", noSched)),
			want: []miss{{"level=5:NoSchedule", "operator", 0}},
		},
		{
			name: "fewer differences win",
			node: fixture.Node("n1", fixture.Taint("k", "v", noExec)),
			pod: fixture.Pod("ns", "p", fixture.Tolerate("k", equal, "w", noSched),
				fixture.Tolerate("k", equal, "v", noSched)),
			want: []miss{{"k=v:NoExecute", "effect", 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := CheckTaintToleration(tt.pod, tt.node)
			if !expectStatus(t, s, tt.want == nil, PluginTaintToleration, UnschedulableAndUnresolvable, ReasonUntoleratedTaint) {
				return
			}
			var got []miss
			for _, b := range s.Blockers {
				m := miss{Taint: b.Taint.Taint.Key + "=" + b.Taint.Taint.Value + ":" + string(b.Taint.Taint.Effect), NearMiss: b.Taint.NearMiss, Tol: -1}
				if b.Taint.NearestToleration != nil {
					for i := range tt.pod.Spec.Tolerations {
						if cmp.Equal(tt.pod.Spec.Tolerations[i], *b.Taint.NearestToleration) {
							m.Tol = i
							break
						}
					}
				}
				if b.Kind != KindUntoleratedTaint {
					t.Errorf("kind = %s", b.Kind)
				}
				got = append(got, m)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("blockers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"abc", "abc", 0}, {"abc", "abd", 1}, {"abc", "ab", 1}, {"abc", "ba", 2}, {"abcdef", "a", 3}, {"", "ab", 2}, {"kitten", "sitting", 3}} {
		if got := editDistance(tt.a, tt.b, 2); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
