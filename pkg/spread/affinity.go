package spread

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// antiAffinityTerms reports the workload's required and preferred pod anti-affinity terms.
func antiAffinityTerms(pod *corev1.Pod, c *checks.Cluster, w *Workload) ([]AntiAffinityTerm, error) {
	a := pod.Spec.Affinity
	if a == nil || a.PodAntiAffinity == nil {
		return nil, nil
	}
	var out []AntiAffinityTerm
	for i, t := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		r, err := antiTerm(pod, t, c)
		if err != nil {
			return nil, err
		}
		r.Required, r.Index = true, i
		out = append(out, r)
	}
	for i, wt := range a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution {
		r, err := antiTerm(pod, wt.PodAffinityTerm, c)
		if err != nil {
			return nil, err
		}
		r.Index, r.Weight = i, wt.Weight
		out = append(out, r)
	}
	return out, nil
}

func antiTerm(pod *corev1.Pod, t corev1.PodAffinityTerm, c *checks.Cluster) (AntiAffinityTerm, error) {
	m, err := checks.ParseAffinityTerm(pod, t)
	if err != nil {
		return AntiAffinityTerm{}, err
	}
	out := AntiAffinityTerm{TopologyKey: t.TopologyKey, Selector: m.LabelSelector(), Domains: []AffinityDomain{},
		SelfMatch: m.Matches(pod, c.NamespaceLabels[pod.Namespace])}
	byName := map[string]*AffinityDomain{}
	// Only the nodes the Pod's own nodeSelector and required node affinity accept can take a
	// replica: a domain of other nodes is free but no use (kafka selects the data pool).
	selection := nodeaffinity.GetRequiredNodeAffinity(pod)
	for _, ni := range c.Nodes {
		if ni == nil || ni.Node == nil {
			continue
		}
		if ok, err := selection.Match(ni.Node); err == nil && !ok {
			out.NodesNotSelected++
			continue
		}
		v, ok := ni.Node.Labels[t.TopologyKey]
		if !ok {
			out.NodesWithoutKey++
			continue
		}
		d := byName[v]
		if d == nil {
			d = &AffinityDomain{Name: v}
			byName[v] = d
		}
		d.Nodes++
		// Terminating Pods count here, unlike for spread.
		for _, p := range ni.Pods {
			if m.Matches(p, c.NamespaceLabels[p.Namespace]) {
				d.Matching++
			}
		}
	}
	free := 0
	for _, d := range byName {
		out.Domains = append(out.Domains, *d)
		if d.Matching > 0 {
			out.Occupied++
		} else {
			free++
		}
	}
	sort.Slice(out.Domains, func(a, b int) bool { return out.Domains[a].Name < out.Domains[b].Name })
	// Replicas that do not match the term never use up a domain, and nodes without the key always
	// satisfy it: in both cases the term alone never runs out.
	if out.SelfMatch && out.NodesWithoutKey == 0 {
		out.Remaining = &free
	}
	return out, nil
}
