package render

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
)

// SummaryThreshold is how many Pending Pods a text report must cover before it opens with the
// summary: below it, the details fit a screen or two by themselves.
const SummaryThreshold = 30

// maxSummaryWorkloads bounds the summary's rows so it stays one screen (two lines a workload).
const maxSummaryWorkloads = 25

// workloadSummary is one row of the summary: the Pending Pods of one owner.
type workloadSummary struct {
	namespace, name string // name: Kind/name of the owner, or the Pod's own name
	pods            int
	// analysed is the first of its Pods that carries its own analysis.
	analysed *explain.PodReport
}

// WantsSummary reports whether a text report of r opens with a summary.
func WantsSummary(r *explain.WhyPendingReport) bool {
	return r != nil && len(r.Pods) >= SummaryThreshold
}

// WhyPendingSummary prints the one-screen summary of a why-pending report: per workload, how
// many Pods are Pending, the blocker that decides it (on the most nodes) and the first fix.
func WhyPendingSummary(w io.Writer, r *explain.WhyPendingReport, o Options) error {
	p := paint(o.Color)
	rows := summaryRows(r)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d Pending %s of %d %s over %d nodes\n", p.bold("Summary"), len(r.Pods), summaryNoun(len(r.Pods), "Pod", "Pods"),
		len(rows), summaryNoun(len(rows), "workload", "workloads"), r.NodeCount)
	shown := rows
	if len(shown) > maxSummaryWorkloads {
		shown = shown[:maxSummaryWorkloads]
	}
	for _, row := range shown {
		fmt.Fprintf(&b, "  %s/%s: %d Pending; %s\n", Clean(row.namespace), Clean(row.name), row.pods, decidingBlocker(row.analysed, r.NodeCount))
		if fix := topFix(row.analysed); fix != "" {
			fmt.Fprintf(&b, "    fix: %s\n", fix)
		}
	}
	if rest := rows[len(shown):]; len(rest) > 0 {
		pods := 0
		for _, row := range rest {
			pods += row.pods
		}
		fmt.Fprintf(&b, "  and %d more %s (%d Pods): see the details\n", len(rest), summaryNoun(len(rest), "workload", "workloads"), pods)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func summaryNoun(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// summaryRows groups the report's Pods by owner, most Pending Pods first.
func summaryRows(r *explain.WhyPendingReport) []*workloadSummary {
	byKey := map[string]*workloadSummary{}
	var rows []*workloadSummary
	for i := range r.Pods {
		pod := &r.Pods[i]
		name := pod.Name
		if pod.Owner != nil {
			name = pod.Owner.Kind + "/" + pod.Owner.Name
		}
		key := pod.Namespace + "/" + name
		row := byKey[key]
		if row == nil {
			row = &workloadSummary{namespace: pod.Namespace, name: name}
			byKey[key] = row
			rows = append(rows, row)
		}
		row.pods++
		if row.analysed == nil && pod.AnalysedWith == "" {
			row.analysed = pod
		}
	}
	for _, row := range rows {
		if row.analysed == nil { // every Pod shares an analysis made under another owner
			for i := range r.Pods {
				if pod := &r.Pods[i]; pod.Namespace == row.namespace && pod.AnalysedWith == "" {
					row.analysed = pod
					break
				}
			}
		}
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].pods != rows[j].pods {
			return rows[i].pods > rows[j].pods
		}
		return rows[i].namespace+"/"+rows[i].name < rows[j].namespace+"/"+rows[j].name
	})
	return rows
}

// decidingBlocker says what keeps a workload's Pods Pending: the blocker of the largest node
// group (groups come largest first), or the Pod's status when no node blocks it.
func decidingBlocker(pod *explain.PodReport, nodes int) string {
	switch {
	case pod == nil:
		return "no analysis"
	case pod.Status != explain.StatusUnschedulable:
		return string(pod.Status)
	case pod.PreFilter != nil:
		return "rejected before any node is looked at: " + Clean(pod.SchedulerMessage)
	}
	if len(pod.Groups) == 0 || len(pod.Groups[0].Blockers) == 0 {
		return Clean(pod.SchedulerMessage)
	}
	g := pod.Groups[0]
	return fmt.Sprintf("%s (%d of %d nodes)", Clean(blockerPhrase(g.Blockers[0])), len(g.Nodes), nodes)
}

// topFix is the first fix the report proposes for the Pod.
func topFix(pod *explain.PodReport) string {
	if pod == nil {
		return ""
	}
	for _, f := range pod.Fixes {
		if s := fixPhrase(f); s != "" {
			return Clean(s)
		}
	}
	return ""
}
