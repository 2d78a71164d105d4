package render

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/spread"
)

// Spread bars: one cell per matching Pod up to barWidth, scaled beyond, so skew is seen at a glance.
const (
	barWidth    = 30
	barCell     = "█"
	maxImpacted = 5 // nodes listed in the text failure-domain table
)

// spreadList is the JSON/YAML shape of several reports (spread -l), as kubectl prints lists.
type spreadList struct {
	APIVersion string                 `json:"apiVersion"`
	Kind       string                 `json:"kind"`
	Items      []*spread.SpreadReport `json:"items"`
}

// Spread prints spread reports. With list false there must be one report, printed as a
// SpreadReport; with list true they are printed as a List (text: one after the other).
func Spread(w io.Writer, reports []*spread.SpreadReport, list bool, o Options) error {
	if !list && len(reports) != 1 {
		return errors.New("render: a single spread report is needed")
	}
	for _, r := range reports {
		if r == nil {
			return errors.New("render: no report to print")
		}
	}
	var v any
	if list {
		v = spreadList{APIVersion: "v1", Kind: "List", Items: append([]*spread.SpreadReport{}, reports...)}
	} else {
		v = reports[0]
	}
	switch o.Format {
	case FormatText, "", FormatWide:
		p, wide := paint(o.Color), o.Format == FormatWide
		blocks := make([]string, 0, len(reports))
		for _, r := range reports {
			var b strings.Builder
			if err := writeSpreadReport(&b, r, p, wide); err != nil {
				return fmt.Errorf("render %s %s/%s: %w", Clean(r.Workload.Kind), Clean(r.Workload.Namespace), Clean(r.Workload.Name), err)
			}
			blocks = append(blocks, b.String())
		}
		_, err := io.WriteString(w, strings.Join(blocks, "\n"))
		return err
	case FormatJSON, FormatYAML:
		return encode(w, v, o.Format)
	}
	return fmt.Errorf("--output must be one of: %s", strings.Join(Formats, ", "))
}

func (p paint) green(s string) string { return p.apply(s, color.FgGreen) }

func writeSpreadReport(b *strings.Builder, r *spread.SpreadReport, p paint, wide bool) error {
	// Loader warnings and missing permissions are not repeated: the command prints them to stderr.
	writeWorkloadHeader(b, r, p)
	if r.DefaultConstraints {
		b.WriteByte('\n')
		b.WriteString("No topologySpreadConstraints: only the scheduler's soft defaults apply (ScheduleAnyway, used\n" +
			"for scoring only, so they never keep a Pod Pending). The spread they look at:\n")
	}
	for i := range r.Constraints {
		b.WriteByte('\n')
		if err := writeConstraint(b, &r.Constraints[i], r.DefaultConstraints, p, wide); err != nil {
			return err
		}
	}
	for i := range r.AntiAffinity {
		b.WriteByte('\n')
		writeAntiAffinity(b, &r.AntiAffinity[i], wide)
	}
	b.WriteByte('\n')
	if err := writeImpact(b, &r.Impact, wide); err != nil {
		return err
	}
	b.WriteByte('\n')
	writeNextReplica(b, r, p, wide)
	if len(r.Findings) > 0 {
		b.WriteByte('\n')
		writeFindings(b, r, p)
	}
	return nil
}

func writeWorkloadHeader(b *strings.Builder, r *spread.SpreadReport, p paint) {
	wl := r.Workload
	fmt.Fprintf(b, "%s %s", Clean(wl.Kind), p.bold(Clean(wl.Namespace)+"/"+Clean(wl.Name)))
	var parts []string
	if wl.Replicas != nil {
		parts = append(parts, plural(int(*wl.Replicas), "replica")+" wanted")
	}
	pods := plural(wl.Pods, "Pod")
	var state []string
	state = append(state, fmt.Sprintf("%d ready", wl.Ready))
	if wl.Pending > 0 {
		state = append(state, p.yellow(fmt.Sprintf("%d Pending", wl.Pending)))
	}
	parts = append(parts, pods+" ("+strings.Join(state, ", ")+")")
	fmt.Fprintf(b, ": %s\n", strings.Join(parts, ", "))
	if wl.Selector != nil {
		fmt.Fprintf(b, "Selector: %s\n", Clean(selectorText(wl.Selector)))
	}
	from := "its Pod template"
	if strings.HasPrefix(wl.TemplateFrom, "pod ") {
		from = "its newest Pod, " + Clean(strings.TrimPrefix(wl.TemplateFrom, "pod "))
	}
	fmt.Fprintf(b, "Next replica modelled on %s; read from %s\n", from, Clean(r.Source))
}

// writeConstraint prints one constraint: its settings, the minimum and skew, and a bar per domain.
func writeConstraint(b *strings.Builder, c *checks.SpreadDomains, defaults bool, p paint, wide bool) error {
	title := "Spread constraint"
	if defaults {
		title = "Default constraint"
	}
	fmt.Fprintf(b, "%s %d: %s, maxSkew %d, %s, selector %s", title, c.Constraint, Clean(c.TopologyKey), c.MaxSkew,
		Clean(string(c.WhenUnsatisfiable)), Clean(selectorText(c.Selector)))
	if len(c.MatchLabelKeys) > 0 {
		fmt.Fprintf(b, ", matchLabelKeys %s", strings.Join(cleanAll(c.MatchLabelKeys), ","))
	}
	if c.NodeAffinityPolicy != "" && c.NodeAffinityPolicy != "Honor" {
		fmt.Fprintf(b, ", nodeAffinityPolicy %s", Clean(string(c.NodeAffinityPolicy)))
	}
	if c.NodeTaintsPolicy != "" && c.NodeTaintsPolicy != "Ignore" {
		fmt.Fprintf(b, ", nodeTaintsPolicy %s", Clean(string(c.NodeTaintsPolicy)))
	}
	b.WriteByte('\n')
	fmt.Fprintf(b, "  %s\n", minimumPhrase(c))
	skew := fmt.Sprintf("Skew now %d", c.Skew)
	switch {
	case c.EligibleDomains == 0:
		skew = "No eligible domains"
	case c.Skew > c.MaxSkew:
		skew = p.red(fmt.Sprintf("Skew now %d, over maxSkew %d", c.Skew, c.MaxSkew))
	default:
		skew += fmt.Sprintf(", within maxSkew %d", c.MaxSkew)
	}
	fmt.Fprintf(b, "  %s.\n", skew)

	if len(c.Domains) > 0 {
		maxMatching := int32(0)
		for _, d := range c.Domains {
			maxMatching = max(maxMatching, d.Matching)
		}
		t := domainTable{
			header: []string{"DOMAIN", "MATCHING", "THIS WORKLOAD", "ONE MORE REPLICA HERE"},
			row: func(d checks.DomainCount) []string {
				r := []string{Clean(d.Name), bar(int(d.Matching), int(maxMatching)), fmt.Sprint(d.Replicas), nextPhrase(c, d)}
				if wide {
					r = append(r, fmt.Sprintf("%d/%d", d.Nodes, d.NodesWithValue))
				}
				return r
			},
			all:  wide,
			more: "(%d more in between; -o wide lists all)",
		}
		if wide {
			t.header = append(t.header, "NODES COUNTED")
		}
		if err := writeDomainTable(b, c.Domains, t); err != nil {
			return err
		}
	}
	if n := len(c.NodesWithoutKey); n > 0 {
		effect := "DoNotSchedule rejects them"
		if c.WhenUnsatisfiable != "DoNotSchedule" {
			effect = "they are in no domain"
		}
		fmt.Fprintf(b, "  %s lack %s (%s): %s.\n", plural(n, "node"), Clean(c.TopologyKey),
			listSome(cleanAll(c.NodesWithoutKey), maxListed), effect)
	}
	if len(c.OpenDomains) > 0 {
		fmt.Fprintf(b, "  One more replica could go to: %s.\n", p.green(listSome(cleanAll(c.OpenDomains), 2*maxListed)))
	} else if !defaults {
		fmt.Fprintf(b, "  One more replica could go to: %s.\n", p.red("no domain"))
	}
	return nil
}

// minimumPhrase says the global minimum, with and without minDomains.
func minimumPhrase(c *checks.SpreadDomains) string {
	s := fmt.Sprintf("Global minimum %d (%s", c.GlobalMinimum, plural(c.EligibleDomains, "eligible domain"))
	if c.EligibleDomains < int(c.MinDomains) {
		s += fmt.Sprintf(", fewer than minDomains %d, so the minimum is 0", c.MinDomains)
		if c.MinMatching != nil {
			s += fmt.Sprintf("; %d without minDomains", *c.MinMatching)
		}
	} else if c.MinDomains > 1 {
		s += fmt.Sprintf(", minDomains %d met", c.MinDomains)
	}
	return s + ")."
}

// bar draws n as cells, scaled to barWidth when the largest count is wider.
func bar(n, maxN int) string {
	cells := n
	if maxN > barWidth {
		cells = (n*barWidth + maxN/2) / maxN
		if n > 0 && cells == 0 {
			cells = 1
		}
	}
	if n == 0 {
		return "0"
	}
	return strings.Repeat(barCell, cells) + " " + fmt.Sprint(n)
}

// nextPhrase says whether one more replica may land in the domain, and if not, why.
func nextPhrase(c *checks.SpreadDomains, d checks.DomainCount) string {
	var s string
	soft := c.WhenUnsatisfiable != "DoNotSchedule"
	switch {
	case !d.Open && soft:
		s = fmt.Sprintf("less preferred: skew would be %d > maxSkew %d", d.SkewIfPlaced, c.MaxSkew)
	case !d.Open:
		s = fmt.Sprintf("no: skew would be %d > maxSkew %d", d.SkewIfPlaced, c.MaxSkew)
	case !d.CanPlace:
		s = "no: no node of it fits now"
	default:
		s = fmt.Sprintf("yes (skew %d)", d.SkewIfPlaced)
	}
	if !d.Eligible() {
		// "not eligible: ...; no node of it fits now" rather than a second "no:" mid-sentence.
		s = "not eligible: " + exclusionPhrase(d.Excluded) + "; " + strings.TrimPrefix(s, "no: ")
	} else if n := len(d.Excluded); n > 0 {
		s += "; " + plural(n, "node") + " not counted: " + exclusionPhrase(d.Excluded)
	}
	return s
}

// exclusionPhrase groups why nodes are not counted: "2 nodes excluded by nodeTaintsPolicy (taint x=y:NoSchedule)".
func exclusionPhrase(ex []checks.ExcludedNode) string {
	if len(ex) == 0 {
		return "no node counted"
	}
	type group struct {
		n      int
		detail []string
	}
	order := []checks.SpreadExclusionReason{checks.SpreadNodeAffinityPolicy, checks.SpreadNodeTaintsPolicy, checks.SpreadMissingTopologyKey}
	groups := map[checks.SpreadExclusionReason]*group{}
	for _, e := range ex {
		g := groups[e.Reason]
		if g == nil {
			g = &group{}
			groups[e.Reason] = g
		}
		g.n++
		switch {
		case e.Taint != nil:
			g.detail = append(g.detail, Clean(taintText(*e.Taint)))
		case len(e.MissingKeys) > 0:
			g.detail = append(g.detail, cleanAll(e.MissingKeys)...)
		}
	}
	var parts []string
	for _, reason := range order {
		g := groups[reason]
		if g == nil {
			continue
		}
		nodes := plural(g.n, "node")
		detail := listSome(distinct(g.detail), maxListed)
		switch reason {
		case checks.SpreadNodeAffinityPolicy:
			parts = append(parts, nodes+" excluded by nodeAffinityPolicy Honor (the Pod's nodeSelector/affinity rejects them)")
		case checks.SpreadNodeTaintsPolicy:
			parts = append(parts, fmt.Sprintf("%s excluded by nodeTaintsPolicy Honor (untolerated %s)", nodes, detail))
		case checks.SpreadMissingTopologyKey:
			parts = append(parts, fmt.Sprintf("%s lack %s, needed by another constraint", nodes, detail))
		}
	}
	return strings.Join(parts, ", ")
}

func writeAntiAffinity(b *strings.Builder, t *spread.AntiAffinityTerm, wide bool) {
	kind := "required"
	if !t.Required {
		kind = fmt.Sprintf("preferred, weight %d", t.Weight)
	}
	fmt.Fprintf(b, "Pod anti-affinity (%s) %d: %s, selector %s\n", kind, t.Index, Clean(t.TopologyKey), Clean(selectorText(t.Selector)))
	var held, free []string
	for _, d := range t.Domains {
		if d.Matching > 0 {
			held = append(held, fmt.Sprintf("%s (%d)", Clean(d.Name), d.Matching))
		} else {
			free = append(free, Clean(d.Name))
		}
	}
	limit := maxListed
	if wide {
		limit = len(t.Domains) + 1
	}
	fmt.Fprintf(b, "  %d of %s hold a matching Pod", t.Occupied, plural(len(t.Domains), "domain"))
	if len(held) > 0 {
		fmt.Fprintf(b, ": %s", listSome(held, limit))
	}
	if t.NodesNotSelected > 0 {
		fmt.Fprintf(b, " (counting only the nodes the Pod's nodeSelector and node affinity accept; %s left out)", plural(t.NodesNotSelected, "node"))
	}
	b.WriteString(".\n")
	if len(free) > 0 {
		fmt.Fprintf(b, "  Free: %s.\n", listSome(free, limit))
	}
	verb := "before this term blocks every domain"
	if !t.Required {
		verb = "before this preference can no longer be met"
	}
	switch {
	case t.Remaining != nil:
		fmt.Fprintf(b, "  %s %s.\n", moreReplicas(*t.Remaining), verb)
	case !t.SelfMatch:
		b.WriteString("  The workload's own replicas do not match this term, so they never use up a domain.\n")
	default:
		fmt.Fprintf(b, "  %s lack %s and always satisfy the term: it never runs out.\n", plural(t.NodesWithoutKey, "node"), Clean(t.TopologyKey))
	}
}

func moreReplicas(n int) string {
	switch n {
	case 0:
		return "No more replicas fit"
	case 1:
		return "1 more replica fits"
	}
	return fmt.Sprintf("%d more replicas fit", n)
}

func writeImpact(b *strings.Builder, im *spread.Impact, wide bool) error {
	fmt.Fprintf(b, "Failure domains (%s):\n", plural(im.ReadyReplicas, "ready replica"))
	if im.ReadyReplicas == 0 {
		b.WriteString("  No ready replica: losing any zone or node takes down nothing that runs now.\n")
		return nil
	}
	maxZone := 0
	for _, z := range im.Zones {
		maxZone = max(maxZone, z.Ready)
	}
	var rows [][]string
	for _, z := range im.Zones {
		name := Clean(z.Name)
		if z.Name == "" {
			name = "<no zone label>"
		}
		share := fmt.Sprintf("%d%%", z.Percent)
		if z.MoreThanHalf {
			share += " (more than half)"
		}
		rows = append(rows, []string{name, bar(z.Ready, maxZone), share})
	}
	if err := writeTable(b, "  ", []string{"ZONE", "READY", "LOST WITH IT"}, rows); err != nil {
		return err
	}
	nodes := im.Nodes
	if !wide && len(nodes) > maxImpacted {
		nodes = nodes[:maxImpacted]
	}
	rows = rows[:0]
	for _, n := range nodes {
		rows = append(rows, []string{Clean(n.Name), fmt.Sprint(n.Ready), fmt.Sprintf("%d%%", n.Percent)})
	}
	if len(rows) > 0 {
		if err := writeTable(b, "  ", []string{"NODE", "READY", "LOST WITH IT"}, rows); err != nil {
			return err
		}
	}
	if rest := len(im.Nodes) - len(nodes); rest > 0 {
		fmt.Fprintf(b, "  and %s more; -o wide lists every node.\n", plural(rest, "node"))
	}
	return nil
}

func writeNextReplica(b *strings.Builder, r *spread.SpreadReport, p paint, wide bool) {
	n := r.NextReplica
	if n.PreFilter != nil {
		fmt.Fprintf(b, "Next replica: %s; the scheduler's %s plugin rejects it before looking at any node: %s.\n",
			p.red("cannot be placed"), Clean(n.PreFilter.Plugin), Clean(n.PreFilter.Reason))
		return
	}
	if len(n.Nodes) == 0 {
		fmt.Fprintf(b, "Next replica: %s.\n", p.red("no node fits it now"))
		return
	}
	limit := 2 * maxListed
	if wide {
		limit = len(n.Nodes)
	}
	fmt.Fprintf(b, "Next replica: fits on %s: %s.\n", plural(len(n.Nodes), "node"), p.green(listSome(cleanAll(n.Nodes), limit)))
}

func writeFindings(b *strings.Builder, r *spread.SpreadReport, p paint) {
	for _, w := range r.Findings {
		msg, fix := findingWords(r, w)
		fmt.Fprintf(b, "%s %s\n  Fix: %s\n", p.yellow("Warning:"), msg, fix)
	}
}

// findingWords says one finding and its fix, cleaned; the text calls it a warning.
func findingWords(r *spread.SpreadReport, w spread.Finding) (msg, fix string) {
	wl := r.Workload
	ref := fmt.Sprintf("%s/%s -n %s", strings.ToLower(wl.Kind), wl.Name, wl.Namespace)
	which := ""
	var c *checks.SpreadDomains
	if w.Constraint != nil {
		which = fmt.Sprintf("constraint %d (%s)", *w.Constraint, w.TopologyKey)
		for i := range r.Constraints {
			if r.Constraints[i].Constraint == *w.Constraint {
				c = &r.Constraints[i]
			}
		}
	}
	switch w.Kind {
	case spread.FindingSelectorMatchesNone:
		switch sel := selectorText(w.Selector); sel {
		case "{}":
			msg = fmt.Sprintf("%s has an empty labelSelector {}: the scheduler counts no Pods with it, so it spreads nothing.", which)
		case "<none>":
			msg = fmt.Sprintf("%s has no labelSelector: it matches no Pod, so it spreads nothing.", which)
		default:
			msg = fmt.Sprintf("%s selects %s, which matches none of this workload's Pods: it spreads other Pods, not these.", which, sel)
		}
		fix = fmt.Sprintf("set its labelSelector to the Pod template's labels (kubectl get %s -o jsonpath='{.spec.template.metadata.labels}').", ref)
	case spread.FindingTopologyKeyOnNoNode:
		effect := "every node fails it (missing required label), so no replica can be placed"
		if c != nil && c.WhenUnsatisfiable != "DoNotSchedule" {
			effect = "it has no effect"
		}
		msg = fmt.Sprintf("no node carries topologyKey %s of %s: %s.", w.TopologyKey, which, effect)
		fix = fmt.Sprintf("fix the key's spelling, or label the nodes: kubectl label node NODE %s=VALUE.", w.TopologyKey)
	case spread.FindingFewerDomainsThanMinDomains:
		msg = fmt.Sprintf("%s has %s for minDomains %d: the global minimum is forced to 0, so a domain holding maxSkew matching Pods is closed.",
			which, plural(w.Count, "eligible domain"), w.MinDomains)
		fix = fmt.Sprintf("add nodes in more %s domains, or lower minDomains to %d.", w.TopologyKey, w.Count)
	case spread.FindingReplicasExceedDomains:
		msg = fmt.Sprintf("required anti-affinity term %d (%s, selector %s) allows one replica per domain, but %d replicas are wanted and there are only %s: %d can never be placed.",
			*w.Constraint, w.TopologyKey, selectorText(w.Selector), w.Count, plural(w.Of, "domain"), w.Count-w.Of)
		fix = fmt.Sprintf("scale to %d, add %s domains, or make the term preferredDuringSchedulingIgnoredDuringExecution.", w.Of, w.TopologyKey)
	case spread.FindingPendingReplicas:
		msg = fmt.Sprintf("%d of %s are Pending: %s.", w.Count, plural(w.Of, "Pod"), listSome(w.Pods, maxListed))
		pod := ""
		if len(w.Pods) > 0 {
			pod = " " + w.Pods[0]
		}
		fix = fmt.Sprintf("see what blocks them: kubectl placement why-pending -n %s%s.", wl.Namespace, pod)
	case spread.FindingRolloutCountsBoth:
		msg = fmt.Sprintf("%s counts the Pods of every revision (pod-template-hash %s) together: during a rollout the old Pods can keep new ones out.",
			which, strings.Join(w.Revisions, ", "))
		fix = "add matchLabelKeys: [pod-template-hash] to the constraint, so each revision is spread on its own."
	case spread.FindingStuckDomainHoldsMinimum:
		msg = fmt.Sprintf("%s: %s %s no replica now, yet still %s the global minimum at %d, which closes the other domains.",
			which, listSome(w.Domains, maxListed), verbFor(len(w.Domains), "takes", "take"), verbFor(len(w.Domains), "counts and holds", "count and hold"), w.Count)
		switch w.Cause {
		case "Tainted":
			fix = "their nodes carry a taint the Pods do not tolerate but still count (nodeTaintsPolicy defaults to Ignore): set nodeTaintsPolicy: Honor on the constraint."
		case "Cordoned":
			fix = "cordoned nodes still count for spread: drain and delete those nodes, or uncordon them."
		default:
			fix = fmt.Sprintf("see why no node there takes a replica (kubectl placement why-pending -n %s), or leave those nodes out with nodeAffinityPolicy Honor and a node affinity.", wl.Namespace)
		}
	case spread.FindingZoneHoldsMajority:
		msg = fmt.Sprintf("zone %s holds %d of %d ready replicas: losing it takes down more than half of the workload.", w.Domain, w.Count, w.Of)
		fix = fmt.Sprintf("add a topologySpreadConstraint on %s with maxSkew 1 (DoNotSchedule) to the Pod template", w.TopologyKey)
		switch wl.Kind {
		case spread.KindDeployment, spread.KindStatefulSet, spread.KindDaemonSet:
			fix += fmt.Sprintf("; the rollout it starts (or kubectl rollout restart %s) moves replicas", ref)
		}
		fix += "."
	default:
		msg, fix = string(w.Kind), "see the JSON report."
	}
	return Clean(msg), Clean(fix)
}

func verbFor(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
