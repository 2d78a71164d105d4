package render

import (
	"sort"
	"strings"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
)

// writePodWide prints the Pod header, then one row per node: the plugin the scheduler counted
// and every blocker, so the reader can check any node the grouped text summarised.
func writePodWide(b *strings.Builder, pod *explain.PodReport, p paint) error {
	writePodHeader(b, pod, p)
	b.WriteByte('\n')
	if pf := pod.PreFilter; pf != nil {
		writeReasons(b, pod, 0, p)
	} else if len(pod.Nodes) > 0 {
		nodes := append([]explain.NodeReport(nil), pod.Nodes...)
		sort.SliceStable(nodes, func(i, j int) bool { return naturalLess(nodes[i].Name, nodes[j].Name) })
		rows := make([][]string, 0, len(nodes))
		for _, n := range nodes {
			plugin := "<none>"
			if n.Scheduler != nil && n.Scheduler.Plugin != "" {
				plugin = Clean(n.Scheduler.Plugin)
			}
			blockers := "<none>"
			if len(n.Blockers) > 0 {
				phrases := make([]string, len(n.Blockers))
				for i, bl := range n.Blockers {
					phrases[i] = blockerPhrase(bl)
				}
				blockers = strings.Join(phrases, "; ")
			}
			rows = append(rows, []string{Clean(n.Name), plugin, blockers})
		}
		if err := writeTable(b, "", []string{"NODE", "SCHEDULER", "BLOCKERS"}, rows); err != nil {
			return err
		}
	} else {
		b.WriteString("The report lists no nodes for this Pod.\n")
	}
	if len(pod.Closest) > 0 || len(pod.Fixes) > 0 {
		b.WriteByte('\n')
		writeClosest(b, pod)
		writeFixes(b, pod)
	}
	b.WriteByte('\n')
	writeScheduler(b, pod, p)
	return nil
}

// naturalLess orders names with their numbers read as numbers (gpu-2 before gpu-10), the order
// people expect from numbered nodes.
func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
