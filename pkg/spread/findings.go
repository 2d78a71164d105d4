package spread

import (
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// findings finds the problems the report's numbers imply, in a fixed order: per constraint, then
// anti-affinity, then the workload's Pods, then zones.
func findings(r *SpreadReport, w *Workload, next *corev1.Pod, c *checks.Cluster) []Finding {
	var out []Finding
	revisions := revisionsOf(w.Pods)
	if !r.DefaultConstraints {
		for i := range r.Constraints {
			cl := &r.Constraints[i]
			idx := cl.Constraint
			if len(w.Pods) > 0 && (!cl.SelfMatch || emptySelector(cl.Selector)) {
				out = append(out, Finding{Kind: FindingSelectorMatchesNone, Constraint: &idx, TopologyKey: cl.TopologyKey, Selector: cl.Selector})
			}
			if len(cl.Domains) == 0 {
				out = append(out, Finding{Kind: FindingTopologyKeyOnNoNode, Constraint: &idx, TopologyKey: cl.TopologyKey})
			} else if cl.EligibleDomains < int(cl.MinDomains) {
				out = append(out, Finding{Kind: FindingFewerDomainsThanMinDomains, Constraint: &idx, TopologyKey: cl.TopologyKey,
					MinDomains: cl.MinDomains, Count: cl.EligibleDomains})
			}
			if wn, ok := stuckDomains(c, next, cl); ok {
				wn.Constraint = &idx
				out = append(out, wn)
			}
			if len(revisions) > 1 && !slices.Contains(cl.MatchLabelKeys, labelPodTemplateHash) && !selects(cl.Selector, labelPodTemplateHash) {
				out = append(out, Finding{Kind: FindingRolloutCountsBoth, Constraint: &idx, TopologyKey: cl.TopologyKey, Revisions: revisions})
			}
		}
	}
	want := len(w.Pods)
	if w.Replicas != nil {
		want = int(*w.Replicas)
	}
	for _, t := range r.AntiAffinity {
		if t.Required && t.SelfMatch && t.NodesWithoutKey == 0 && want > len(t.Domains) {
			idx := t.Index
			out = append(out, Finding{Kind: FindingReplicasExceedDomains, Constraint: &idx, TopologyKey: t.TopologyKey,
				Selector: t.Selector, Count: want, Of: len(t.Domains)})
		}
	}
	var pending []string
	for _, p := range w.Pods {
		if p.Spec.NodeName == "" && p.DeletionTimestamp == nil {
			pending = append(pending, p.Name)
		}
	}
	if len(pending) > 0 {
		sort.Strings(pending)
		out = append(out, Finding{Kind: FindingPendingReplicas, Count: len(pending), Of: len(w.Pods), Pods: pending})
	}
	if r.Impact.ReadyReplicas > 1 {
		for _, z := range r.Impact.Zones {
			if z.MoreThanHalf && z.Name != "" && len(r.Impact.Zones) > 1 {
				out = append(out, Finding{Kind: FindingZoneHoldsMajority, Domain: z.Name, TopologyKey: ZoneKey,
					Count: z.Ready, Of: r.Impact.ReadyReplicas})
			}
		}
	}
	return out
}

// stuckDomains finds a DoNotSchedule constraint's counted domains that take no replica yet hold the
// global minimum while another domain is closed: the "tainted node still counts" surprise.
func stuckDomains(c *checks.Cluster, next *corev1.Pod, cl *checks.SpreadDomains) (Finding, bool) {
	if cl.WhenUnsatisfiable != corev1.DoNotSchedule {
		return Finding{}, false
	}
	closed := false
	var stuck []checks.DomainCount
	for _, d := range cl.Domains {
		if d.Eligible() && !d.Open {
			closed = true
		}
		if d.Eligible() && !d.CanPlace && d.Matching == cl.GlobalMinimum {
			stuck = append(stuck, d)
		}
	}
	if !closed || len(stuck) == 0 {
		return Finding{}, false
	}
	// Name the cause when every node of every stuck domain shares it.
	tainted, cordoned := true, true
	var names []string
	for _, d := range stuck {
		names = append(names, d.Name)
		for _, ni := range c.Nodes {
			if ni == nil || ni.Node == nil || ni.Node.Labels[cl.TopologyKey] != d.Name {
				continue
			}
			if _, has := ni.Node.Labels[cl.TopologyKey]; !has {
				continue
			}
			tainted = tainted && checks.CheckTaintToleration(next, ni.Node) != nil
			cordoned = cordoned && checks.CheckNodeUnschedulable(next, ni.Node) != nil
		}
	}
	cause := "Other"
	switch {
	case tainted:
		cause = "Tainted"
	case cordoned:
		cause = "Cordoned"
	}
	return Finding{Kind: FindingStuckDomainHoldsMinimum, TopologyKey: cl.TopologyKey, Domains: names, Cause: cause,
		Count: int(cl.GlobalMinimum)}, true
}

// revisionsOf lists the distinct pod-template-hash values of the workload's live Pods.
func revisionsOf(pods []*corev1.Pod) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range pods {
		h := p.Labels[labelPodTemplateHash]
		if h == "" || p.DeletionTimestamp != nil || seen[h] {
			continue
		}
		seen[h] = true
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// emptySelector: a selector with no requirements ({}), which PodTopologySpread counts no Pods with.
func emptySelector(ls *metav1.LabelSelector) bool {
	return ls != nil && len(ls.MatchLabels) == 0 && len(ls.MatchExpressions) == 0
}

// selects reports whether ls has a requirement on key.
func selects(ls *metav1.LabelSelector, key string) bool {
	if ls == nil {
		return false
	}
	if _, ok := ls.MatchLabels[key]; ok {
		return true
	}
	for _, r := range ls.MatchExpressions {
		if r.Key == key {
			return true
		}
	}
	return false
}
