package spread

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// termMatcher matches Pods against one pod (anti-)affinity term as InterPodAffinity does.
// TODO: checks.affinityTerm is the same thing, unexported; export a matcher from pkg/checks
// (parse + matches + selector text) and drop this copy.
type termMatcher struct {
	namespaces sets.Set[string]
	nsSelector labels.Selector
	selector   labels.Selector
	text       string
}

// newTermMatcher parses a term of owner, merging matchLabelKeys/mismatchLabelKeys as
// kube-apiserver does at Pod creation (a no-op for a stored Pod, which has them merged already).
func newTermMatcher(owner *corev1.Pod, t corev1.PodAffinityTerm) (termMatcher, error) {
	sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil {
		return termMatcher{}, err
	}
	if t.LabelSelector != nil {
		for _, k := range t.MatchLabelKeys {
			if v, ok := owner.Labels[k]; ok {
				if r, err := labels.NewRequirement(k, selection.In, []string{v}); err == nil {
					sel = sel.Add(*r)
				}
			}
		}
		for _, k := range t.MismatchLabelKeys {
			if v, ok := owner.Labels[k]; ok {
				if r, err := labels.NewRequirement(k, selection.NotIn, []string{v}); err == nil {
					sel = sel.Add(*r)
				}
			}
		}
	}
	ns, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector)
	if err != nil {
		return termMatcher{}, err
	}
	m := termMatcher{namespaces: sets.New(t.Namespaces...), nsSelector: ns, selector: sel, text: sel.String()}
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		m.namespaces.Insert(owner.Namespace)
	}
	switch {
	case t.LabelSelector == nil:
		m.text = "<none>"
	case m.text == "":
		m.text = "{}"
	}
	return m, nil
}

func (m termMatcher) matches(p *corev1.Pod, nsLabels map[string]string) bool {
	if !m.namespaces.Has(p.Namespace) && !m.nsSelector.Matches(labels.Set(nsLabels)) {
		return false
	}
	return m.selector.Matches(labels.Set(p.Labels))
}

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
	m, err := newTermMatcher(pod, t)
	if err != nil {
		return AntiAffinityTerm{}, err
	}
	out := AntiAffinityTerm{TopologyKey: t.TopologyKey, Selector: m.text, Domains: []AffinityDomain{},
		SelfMatch: m.matches(pod, c.NamespaceLabels[pod.Namespace])}
	byName := map[string]*AffinityDomain{}
	for _, ni := range c.Nodes {
		if ni == nil || ni.Node == nil {
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
			if m.matches(p, c.NamespaceLabels[p.Namespace]) {
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
