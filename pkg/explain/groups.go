package explain

import (
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// keyedNode is a node with its blockers' identities, computed once per Pod and shared by grouping,
// closest nodes and fixes.
type keyedNode struct {
	*NodeReport
	keys     []string // checks.Identity of each blocker, aligned with Blockers
	distinct []string // the distinct keys, in blocker order
}

func keyNodes(nodes []NodeReport) []keyedNode {
	out := make([]keyedNode, len(nodes))
	for i := range nodes {
		n := keyedNode{NodeReport: &nodes[i], keys: make([]string, len(nodes[i].Blockers))}
		seen := map[string]bool{}
		cordon := ""
		for _, b := range nodes[i].Blockers {
			if b.Kind == checks.KindCordoned {
				cordon = checks.Identity(b)
			}
		}
		for j, b := range nodes[i].Blockers {
			k := checks.Identity(b)
			// A cordon brings its node.kubernetes.io/unschedulable taint: one cause, which
			// uncordoning lifts whole, counted once in groups, closest nodes and fixes.
			if cordon != "" && b.Taint != nil && b.Taint.Taint.Key == corev1.TaintNodeUnschedulable {
				k = cordon
			}
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

// groupNodes groups nodes with identical blocker keys, largest group first. Each group keeps, per
// key, the blockers of every node, so render can summarise what differs between them.
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
			groups = append(groups, NodeGroup{Key: key, Blockers: n.firstOfEachKey(),
				Evidence: make([][]checks.Blocker, len(n.distinct))})
		}
		g := &groups[i]
		g.Nodes = append(g.Nodes, n.Name)
		for j, b := range n.Blockers {
			// distinct is short (a few blockers per node): a scan beats a map here.
			for d, k := range n.distinct {
				if k == n.keys[j] {
					g.Evidence[d] = append(g.Evidence[d], b)
					break
				}
			}
		}
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
// the Pod's selection picks, then the least short of resources, those whose blockers preemption
// could resolve, then by name.
func closestNodes(nodes []keyedNode) []ClosestNode {
	type cand struct {
		name     string
		n        int
		intended bool
		unres    bool
		excess   float64
	}
	// Among equals, the nodes the Pod's own selection picks come first: that is where it is meant to run.
	intended, _ := podSelection(nodes)
	var cs []cand
	for _, n := range nodes {
		if len(n.Blockers) == 0 {
			continue
		}
		c := cand{name: n.Name, n: len(n.distinct), intended: intended[n.Name], unres: n.Scheduler != nil && n.Scheduler.Code == checks.UnschedulableAndUnresolvable}
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
		if a.intended != b.intended {
			return a.intended
		}
		if a.excess != b.excess {
			return a.excess < b.excess
		}
		if a.unres != b.unres {
			return !a.unres
		}
		return a.name < b.name
	})
	var out []ClosestNode
	for i := 0; i < len(cs) && i < 3; i++ {
		out = append(out, ClosestNode{Name: cs[i].name, Blockers: cs[i].n})
	}
	return out
}
