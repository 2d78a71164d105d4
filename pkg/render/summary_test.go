package render

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
)

// TestSummaryFitsAScreen: the summary of 1,000 Pending Pods, of few or of many workloads, stays
// within 60 lines and counts every Pod.
func TestSummaryFitsAScreen(t *testing.T) {
	for _, workloads := range []int{20, 1000} {
		r := &explain.WhyPendingReport{NodeCount: 5000}
		for i := 0; i < 1000; i++ {
			w := i % workloads
			pod := explain.PodReport{
				Namespace: fmt.Sprintf("team-%02d", w%7), Name: fmt.Sprintf("web-%d-%d", w, i),
				Owner:  &explain.Owner{Kind: "ReplicaSet", Name: fmt.Sprintf("web-%d", w)},
				Status: explain.StatusUnschedulable,
				Groups: []explain.NodeGroup{{Blockers: []checks.Blocker{{Kind: checks.KindCordoned, Plugin: checks.PluginNodeUnschedulable}}, Nodes: []string{"n1", "n2"}}},
			}
			if i >= workloads {
				pod.AnalysedWith = fmt.Sprintf("team-%02d/web-%d-%d", w%7, w, w)
			}
			r.Pods = append(r.Pods, pod)
		}
		if !WantsSummary(r) {
			t.Fatal("1,000 Pods should open with the summary")
		}
		var out bytes.Buffer
		if err := WhyPendingSummary(&out, r, Options{}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) > 60 {
			t.Errorf("%d workloads: the summary has %d lines, want at most 60:\n%s", workloads, len(lines), out.String())
		}
		if !strings.HasPrefix(lines[0], fmt.Sprintf("Summary: 1000 Pending Pods of %d workloads over 5000 nodes", workloads)) {
			t.Errorf("first line %q", lines[0])
		}
		if workloads == 20 && !strings.Contains(out.String(), "team-00/ReplicaSet/web-0: 50 Pending; ") {
			t.Errorf("no row for web-0 with its 50 Pods:\n%s", out.String())
		}
	}
}
