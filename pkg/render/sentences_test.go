package render

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// TestSentencesMatchEvidence renders every example and fixture and checks each number the text
// claims against the report it was rendered from: group sizes, "N of M nodes reject it", the
// closest nodes' blocker counts, each fix's node count and verified outcome (where it then
// schedules, how many nodes it clears, enough or not), spread limits, the nodes too small for a
// request, and the nodes each colliding Pod keeps the Pod off.
func TestSentencesMatchEvidence(t *testing.T) {
	reports := map[string]*explain.WhyPendingReport{"shop fixture": shopReport(t)}
	for _, path := range []string{
		filepath.Join("..", "..", "examples", "cluster.yaml"),
		filepath.Join("..", "snapshot", "testdata", "list.yaml"),
		filepath.Join("..", "snapshot", "testdata", "stream.yaml"),
	} {
		s, err := snapshot.LoadFiles([]string{path}, nil)
		if err != nil {
			t.Fatalf("load %s: %v", path, err)
		}
		r, err := explain.Explain(s, explain.Selection{AllNamespaces: true})
		if err != nil {
			t.Fatalf("explain %s: %v", path, err)
		}
		reports[path] = r
	}
	claims := 0
	for name, r := range reports {
		for i := range r.Pods {
			pod := &r.Pods[i]
			if pod.AnalysedWith != "" {
				continue
			}
			var b strings.Builder
			if err := writePodText(&b, pod, r.NodeCount, false); err != nil {
				t.Fatal(err)
			}
			c := &claimChecker{t: t, where: name + ": " + pod.Namespace + "/" + pod.Name, pod: pod}
			c.check(b.String())
			claims += c.claims
		}
	}
	t.Logf("%d numeric claims checked", claims)
	if claims < 100 {
		t.Fatalf("checked only %d numeric claims; the parser no longer reads the text", claims)
	}
}

var (
	rejectRe    = regexp.MustCompile(`^(\d+) of (\d+) nodes reject it:`)
	groupRe     = regexp.MustCompile(`^  (\d+) nodes? \(([^,) ]+)`)
	closestRe   = regexp.MustCompile(`(\S+) \((\d+) blockers?\)`)
	fixRe       = regexp.MustCompile(`^  (\d+)\. (.*) \((\d+) nodes?: (.*)\)$`)
	schedulesRe = regexp.MustCompile(`then it schedules on (.*)$`)
	clearsRe    = regexp.MustCompile(`it clears (\d+) nodes?`)
	atMostRe    = regexp.MustCompile(`allows at most (\d+) matching`)
	smallRe     = regexp.MustCompile(`insufficient (\S+): requests \S+, more than (\d+) of them (?:has|have) in all`)
	podNodesRe  = regexp.MustCompile(`(\S+/\S+) \((\d+) nodes?\)`)
	keepsOffRe  = regexp.MustCompile(`^Pod (\S+) has a required anti-affinity .* keeps it off (\d+) nodes?`)
)

type claimChecker struct {
	t      *testing.T
	where  string
	pod    *explain.PodReport
	claims int
}

func (c *claimChecker) expect(ok bool, format string, args ...any) {
	c.t.Helper()
	c.claims++
	if !ok {
		c.t.Errorf(c.where+": "+format, args...)
	}
}

func (c *claimChecker) check(text string) {
	var worded []explain.Fix
	for _, f := range c.pod.Fixes {
		if strings.TrimSpace(fixPhrase(f)) != "" {
			worded = append(worded, f)
		}
	}
	var group *explain.NodeGroup
	for _, line := range strings.Split(text, "\n") {
		if m := rejectRe.FindStringSubmatch(line); m != nil {
			rejecting := 0
			for _, n := range c.pod.Nodes {
				if len(n.Blockers) > 0 {
					rejecting++
				}
			}
			c.expect(atoi(m[1]) == rejecting && atoi(m[2]) == len(c.pod.Nodes), "%q: %d of %d nodes have blockers", line, rejecting, len(c.pod.Nodes))
		}
		if m := groupRe.FindStringSubmatch(line); m != nil {
			group = nil
			for i := range c.pod.Groups {
				if c.pod.Groups[i].Nodes[0] == m[2] {
					group = &c.pod.Groups[i]
				}
			}
			c.expect(group != nil && len(group.Nodes) == atoi(m[1]), "%q: no group of %s nodes starting with %s", line, m[1], m[2])
		}
		if m := smallRe.FindStringSubmatch(line); m != nil && group != nil {
			small := 0
			for _, ev := range group.Evidence {
				for _, b := range ev {
					if b.Resource != nil && string(b.Resource.Resource) == m[1] && b.Resource.ExceedsAllocatable {
						small++
					}
				}
			}
			c.expect(small == atoi(m[2]), "%q: %d nodes of the group are smaller than the request", line, small)
		}
		if strings.HasPrefix(line, "Closest: ") {
			ms := closestRe.FindAllStringSubmatch(line, -1)
			c.expect(len(ms) == len(c.pod.Closest), "%q: %d closest nodes in the report", line, len(c.pod.Closest))
			for i, m := range ms {
				if i < len(c.pod.Closest) {
					cl := c.pod.Closest[i]
					c.expect(cl.Name == m[1] && cl.Blockers == atoi(m[2]), "%q: closest %d is %s with %d", line, i, cl.Name, cl.Blockers)
				}
			}
		}
		if m := fixRe.FindStringSubmatch(line); m != nil {
			i := atoi(m[1]) - 1
			if i >= len(worded) {
				c.expect(false, "%q: only %d worded fixes", line, len(worded))
				continue
			}
			c.checkFix(line, worded[i], m[2], atoi(m[3]), m[4])
		}
	}
}

func (c *claimChecker) checkFix(line string, f explain.Fix, sentence string, nodes int, outcome string) {
	c.expect(nodes == f.Nodes, "%q: the fix's cause is on %d nodes", line, f.Nodes)
	enough := strings.Contains(outcome, "enough on its own") && !strings.Contains(outcome, "not enough on its own")
	c.expect(enough == f.Sufficient, "%q: sufficient is %v", line, f.Sufficient)
	if strings.Contains(outcome, "not verified") {
		c.expect(f.Outcome == nil, "%q: the fix was verified", line)
	}
	if m := schedulesRe.FindStringSubmatch(outcome); m != nil {
		o := f.Outcome
		c.expect(o != nil && o.Schedulable > 0, "%q: no verified node", line)
		if o != nil {
			listed := 0
			for _, part := range strings.Split(strings.ReplaceAll(m[1], " and ", ", "), ", ") {
				if more, ok := strings.CutSuffix(part, " more"); ok {
					c.expect(atoi(more) == o.Schedulable-len(o.SchedulesOn), "%q: %d schedulable, %d named", line, o.Schedulable, len(o.SchedulesOn))
					continue
				}
				found := false
				for _, n := range o.SchedulesOn {
					found = found || n == part || "a new node like "+o.NewNodes[n] == part
				}
				c.expect(found, "%q: %s is not among %v", line, part, o.SchedulesOn)
				listed++
			}
			c.expect(listed == len(o.SchedulesOn), "%q: %d named, %d in the outcome", line, listed, len(o.SchedulesOn))
		}
	}
	if m := clearsRe.FindStringSubmatch(outcome); m != nil {
		c.expect(f.Outcome != nil && f.Outcome.Cleared == atoi(m[1]), "%q: outcome %+v", line, f.Outcome)
	}
	if m := atMostRe.FindStringSubmatch(sentence); m != nil {
		s := f.Change.Spread
		c.expect(s != nil && int(s.GlobalMinimum+s.MaxSkew) == atoi(m[1]), "%q: spread %+v", line, s)
	}
	if m := keepsOffRe.FindStringSubmatch(sentence); m != nil {
		p := f.Change.Pods
		c.expect(len(p) == 1 && p[0].Pod == m[1] && p[0].Nodes == atoi(m[2]), "%q: colliding Pods %+v", line, p)
	}
	for _, m := range podNodesRe.FindAllStringSubmatch(sentence, -1) {
		found := false
		for _, p := range f.Change.Pods {
			found = found || (p.Pod == m[1] && p.Nodes == atoi(m[2]))
		}
		c.expect(found, "%q: %s does not keep the Pod off %s nodes: %+v", line, m[1], m[2], f.Change.Pods)
	}
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return -1
	}
	return n
}
