package explain

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// BlockerKey identifies "the same blocker" across nodes: the same taint, the same missing label,
// the same short resource, the same constraint — amounts and domains may differ.
func BlockerKey(b checks.Blocker) string {
	detail := ""
	switch {
	case b.Taint != nil:
		t := b.Taint.Taint
		detail = fmt.Sprintf("%s=%s:%s", t.Key, t.Value, t.Effect)
	case b.NodeSelector != nil:
		detail = b.NodeSelector.Key + "=" + b.NodeSelector.Want
	case b.NodeAffinity != nil:
		var terms []string
		for _, t := range b.NodeAffinity.Terms {
			var reqs []string
			for _, f := range t.Failed {
				reqs = append(reqs, fmt.Sprintf("%s %s %v", f.Requirement.Key, f.Requirement.Operator, f.Requirement.Values))
			}
			terms = append(terms, fmt.Sprintf("%d:%v:%s:%s", t.Term, t.Empty, t.Invalid, strings.Join(reqs, "&")))
		}
		detail = strings.Join(terms, "|")
	case b.NodeName != nil:
		detail = b.NodeName.Want
	case b.HostPort != nil:
		detail = fmt.Sprintf("%s:%d/%s", b.HostPort.HostIP, b.HostPort.Port, b.HostPort.Protocol)
	case b.Resource != nil:
		detail = string(b.Resource.Resource)
	case b.Spread != nil:
		detail = fmt.Sprintf("%d:%s", b.Spread.Constraint, b.Spread.TopologyKey)
	case b.PodAffinity != nil:
		detail = fmt.Sprintf("%d:%s:%s", b.PodAffinity.Term, b.PodAffinity.TopologyKey, b.PodAffinity.Selector)
	case b.Volume != nil:
		detail = fmt.Sprintf("%s:%s:%s:%s", b.Volume.PVC, b.Volume.PV, b.Volume.Conflict, b.Volume.SelectedNode)
		if b.Volume.ZoneLabel != "" {
			detail += ":" + b.Volume.ZoneLabel
		}
	}
	return b.Plugin + "/" + string(b.Kind) + "/" + detail
}

// keyedNode is a node with its blockers' keys, computed once per Pod and shared by grouping,
// closest nodes and fixes.
type keyedNode struct {
	*NodeReport
	keys     []string // BlockerKey of each blocker, aligned with Blockers
	distinct []string // the distinct keys, in blocker order
}

func keyNodes(nodes []NodeReport) []keyedNode {
	out := make([]keyedNode, len(nodes))
	for i := range nodes {
		n := keyedNode{NodeReport: &nodes[i], keys: make([]string, len(nodes[i].Blockers))}
		seen := map[string]bool{}
		for j, b := range nodes[i].Blockers {
			k := BlockerKey(b)
			n.keys[j] = k
			if !seen[k] {
				seen[k] = true
				n.distinct = append(n.distinct, k)
			}
		}
		out[i] = n
	}
	return out
}

// groupNodes groups nodes with identical blocker keys, largest group first.
func groupNodes(nodes []keyedNode) []NodeGroup {
	index := map[string]int{}
	groups := []NodeGroup{}
	for _, n := range nodes {
		if len(n.Blockers) == 0 {
			continue
		}
		key := strings.Join(n.distinct, "\n")
		i, ok := index[key]
		if !ok {
			i = len(groups)
			index[key] = i
			groups = append(groups, NodeGroup{Key: key, Blockers: n.firstOfEachKey()})
		}
		groups[i].Nodes = append(groups[i].Nodes, n.Name)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if len(groups[i].Nodes) != len(groups[j].Nodes) {
			return len(groups[i].Nodes) > len(groups[j].Nodes)
		}
		return groups[i].Key < groups[j].Key
	})
	return groups
}

// firstOfEachKey keeps the first blocker of each key (two Pods colliding on one term read as one).
func (n keyedNode) firstOfEachKey() []checks.Blocker {
	seen := map[string]bool{}
	var out []checks.Blocker
	for j, b := range n.Blockers {
		if k := n.keys[j]; !seen[k] {
			seen[k] = true
			out = append(out, b)
		}
	}
	return out
}

// closestNodes names up to three nodes with the fewest distinct blockers; among equals, those
// whose blockers preemption could resolve, then by name.
func closestNodes(nodes []keyedNode) []string {
	type cand struct {
		name   string
		n      int
		unres  bool
		excess float64
	}
	var cs []cand
	for _, n := range nodes {
		if len(n.Blockers) == 0 {
			continue
		}
		c := cand{name: n.Name, n: len(n.distinct), unres: n.Scheduler != nil && n.Scheduler.Code == checks.UnschedulableAndUnresolvable}
		for _, b := range n.Blockers {
			if r := b.Resource; r != nil && r.Requested.Value() > 0 {
				c.excess += float64(r.Shortfall.MilliValue()) / float64(r.Requested.MilliValue())
			}
		}
		cs = append(cs, c)
	}
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.n != b.n {
			return a.n < b.n
		}
		if a.excess != b.excess {
			return a.excess < b.excess
		}
		if a.unres != b.unres {
			return !a.unres
		}
		return a.name < b.name
	})
	var out []string
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, cs[i].name)
	}
	return out
}
