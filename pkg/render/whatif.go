package render

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/kubectl-placement/kubectl-placement/pkg/whatif"
)

// couplingWords say why a count may depend on the nodes the scheduler picks.
var couplingWords = map[whatif.Coupling]string{
	whatif.CouplingEarlierWorkload: "where an earlier workload's replicas went (several nodes could take them)",
	whatif.CouplingSpread:          "a DoNotSchedule topology spread constraint, which counts replicas on other nodes",
	whatif.CouplingPodAffinity:     "a required pod affinity or anti-affinity term spanning more than one node",
	whatif.CouplingVolumes:         "PersistentVolumeClaims, bound or provisioned at scheduling, which what-if does not model",
	whatif.CouplingPreemption:      "preemption: the scheduler would evict lower-priority Pods for a replica, which what-if does not do",
}

// WhatIf prints a what-if report.
func WhatIf(w io.Writer, r *whatif.WhatIfReport, o Options) error {
	if r == nil {
		return errors.New("render: no report to print")
	}
	switch o.Format {
	case FormatText, "", FormatWide:
		return writeWhatIf(w, r, paint(o.Color), o.Format == FormatWide)
	case FormatJSON, FormatYAML:
		return encode(w, r, o.Format)
	}
	return fmt.Errorf("--output must be one of: %s", strings.Join(Formats, ", "))
}

func writeWhatIf(w io.Writer, r *whatif.WhatIfReport, p paint, wide bool) error {
	var blocks []string
	var head strings.Builder
	fmt.Fprintf(&head, "Placing on %s (%s), as a v%s scheduler places Pods", Clean(r.Source), plural(r.NodeCount, "node"), Clean(r.SchedulerVersion))
	if r.SchedulerVersionFrom != "" && r.SchedulerVersionFrom != "default" {
		fmt.Fprintf(&head, " (%s)", map[string]string{"flag": "as --scheduler-version asks", "server": "the cluster's version"}[r.SchedulerVersionFrom])
	}
	head.WriteString(".\n")
	blocks = append(blocks, head.String())
	total, placed := 0, 0
	for i := range r.Workloads {
		wr := &r.Workloads[i]
		total += wr.Replicas
		placed += wr.Placed
		var b strings.Builder
		if err := writeWorkload(&b, wr, r.NodeCount, p, wide); err != nil {
			return fmt.Errorf("render %s %s/%s: %w", Clean(wr.Kind), Clean(wr.Namespace), Clean(wr.Name), err)
		}
		blocks = append(blocks, b.String())
	}
	var sum strings.Builder
	switch {
	case r.AllPlaced:
		fmt.Fprintf(&sum, "%s: every replica fits (%d of %d).\n", p.green("All placed"), placed, total)
	default:
		fmt.Fprintf(&sum, "%s: %d of %d replicas fit; %d do not.\n", p.red("Not all placed"), placed, total, total-placed)
	}
	blocks = append(blocks, sum.String())
	_, err := io.WriteString(w, strings.Join(blocks, "\n"))
	return err
}

func writeWorkload(b *strings.Builder, wr *whatif.WorkloadResult, nodeCount int, p paint, wide bool) error {
	name := Clean(wr.Namespace) + "/" + Clean(wr.Name)
	fmt.Fprintf(b, "%s %s", Clean(wr.Kind), p.bold(name))
	if wr.Priority != 0 {
		fmt.Fprintf(b, " (priority %d)", wr.Priority)
	}
	fmt.Fprintf(b, " from %s\n", Clean(wr.Origin))
	fits := fmt.Sprintf("%d of %d replicas fit", wr.Placed, wr.Replicas)
	switch {
	case wr.Replicas == 0:
		fits = "no replicas (a DaemonSet runs no Pod on any node)"
	case wr.Placed == wr.Replicas:
		fits = p.green(fits)
	default:
		fits = p.red(fits)
	}
	fmt.Fprintf(b, "Result: %s\n", fits)
	if wr.Exact {
		b.WriteString("Count: exact: the same whichever feasible nodes the scheduler picks\n")
	} else {
		var why []string
		for _, c := range wr.DependsOn {
			why = append(why, couplingWords[c])
		}
		fmt.Fprintf(b, "Count: %s: it may differ with the nodes the scheduler picks, because of %s\n", p.yellow("not exact"), joinLast(why, "and"))
	}
	if len(wr.Placements) > 0 {
		if wide {
			b.WriteString("Placements (each on a feasible node; the scheduler's scoring may pick another):\n")
			rows := make([][]string, 0, len(wr.Placements))
			for _, pl := range wr.Placements {
				rows = append(rows, []string{Clean(pl.Pod), Clean(pl.Node), fmt.Sprint(pl.FeasibleNodes)})
			}
			if err := writeTable(b, "  ", []string{"POD", "NODE", "FEASIBLE NODES"}, rows); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(b, "Placed on: %s (feasible nodes; the scheduler's scoring may pick others)\n", placedSummary(wr.Placements))
		}
	}
	if len(wr.Unplaced) == 0 {
		return nil
	}
	var names []string
	for _, u := range wr.Unplaced {
		names = append(names, Clean(u.Pod))
	}
	fmt.Fprintf(b, "Do not fit: %s\n", listSome(names, maxListed))
	if wr.FirstFailure != nil {
		b.WriteString("\nThe first that does not fit, with the replicas before it placed:\n")
		if err := writePodText(b, wr.FirstFailure, nodeCount, p); err != nil {
			return err
		}
	}
	// The later ones with another line (a DaemonSet's Pods on other nodes).
	first := wr.Unplaced[0].SchedulerMessage
	for _, u := range wr.Unplaced[1:] {
		if u.SchedulerMessage != first {
			fmt.Fprintf(b, "Scheduler (%s): %s\n", Clean(u.Pod), Clean(u.SchedulerMessage))
		}
	}
	return nil
}

// placedSummary counts the placed replicas per node, most first: "n1 (2), n2 (1)".
func placedSummary(ps []whatif.Placement) string {
	counts := map[string]int{}
	var order []string
	for _, pl := range ps {
		if counts[pl.Node] == 0 {
			order = append(order, pl.Node)
		}
		counts[pl.Node]++
	}
	sort.SliceStable(order, func(i, j int) bool { return counts[order[i]] > counts[order[j]] })
	items := make([]string, len(order))
	for i, n := range order {
		items[i] = fmt.Sprintf("%s (%d)", Clean(n), counts[n])
	}
	return listSome(items, maxListed)
}
