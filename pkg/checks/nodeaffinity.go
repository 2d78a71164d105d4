package checks

import (
	"maps"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// requiredNodeSelector returns the Pod's required node affinity, nil when unset.
func requiredNodeSelector(pod *corev1.Pod) *corev1.NodeSelector {
	if pod == nil || pod.Spec.Affinity == nil || pod.Spec.Affinity.NodeAffinity == nil {
		return nil
	}
	return pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
}

// preFilterNodeAffinity mirrors NodeAffinity.PreFilter: the node names that matchFields
// `metadata.name In` restricts the Pod to (union over terms; nil when any term is unrestricted or
// the plugin skips), or the "pod affinity terms conflict" rejection when that union is empty.
func preFilterNodeAffinity(pod *corev1.Pod) (sets.Set[string], *PreFilterRejection) {
	required := requiredNodeSelector(pod)
	if required == nil || len(required.NodeSelectorTerms) == 0 {
		// Includes the Skip case (no affinity, nil nodeSelector): no restriction either way.
		return nil, nil
	}
	var nodeNames sets.Set[string]
	for _, t := range required.NodeSelectorTerms {
		var termNames sets.Set[string]
		for _, r := range t.MatchFields {
			if r.Key == metav1.ObjectNameField && r.Operator == corev1.NodeSelectorOpIn {
				// Requirements in a term are ANDed.
				s := sets.New(r.Values...)
				if termNames == nil {
					termNames = s
				} else {
					termNames = termNames.Intersection(s)
				}
			}
		}
		if termNames == nil {
			// Terms are ORed: an unrestricted term admits every node.
			return nil, nil
		}
		nodeNames = nodeNames.Union(termNames)
	}
	if nodeNames != nil && len(nodeNames) == 0 {
		return nil, &PreFilterRejection{Plugin: PluginNodeAffinity, Code: UnschedulableAndUnresolvable, Reason: ReasonNodeAffinityConflict}
	}
	if len(nodeNames) == 0 {
		return nil, nil
	}
	return nodeNames, nil
}

// CheckNodeAffinity mirrors the NodeAffinity filter. The verdict is the scheduler's own matcher
// (required: nodeSelector AND required node affinity); the blockers say which nodeSelector entries and which affinity terms
// failed, each with the node's actual value.
func CheckNodeAffinity(pod *corev1.Pod, required nodeaffinity.RequiredNodeAffinity, node *corev1.Node) *Status {
	if pod == nil || node == nil {
		return nil
	}
	// Parse errors are ignored, as the plugin does: they only mean no match.
	if ok, _ := required.Match(node); ok {
		return nil
	}
	var blockers []Blocker
	keys := make([]string, 0, len(pod.Spec.NodeSelector))
	for k := range pod.Spec.NodeSelector {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want := pod.Spec.NodeSelector[k]
		actual, ok := node.Labels[k]
		if ok && actual == want {
			continue
		}
		ev := &NodeSelectorEvidence{Key: k, Want: want}
		if ok {
			ev.Actual = &actual
		}
		blockers = append(blockers, Blocker{Plugin: PluginNodeAffinity, Kind: KindNodeSelectorMismatch, NodeSelector: ev})
	}
	if terms := requiredNodeSelector(pod); terms != nil {
		if ok, _ := nodeaffinity.NewLazyErrorNodeSelector(terms).Match(node); !ok {
			blockers = append(blockers, Blocker{Plugin: PluginNodeAffinity, Kind: KindNodeAffinityMismatch,
				NodeAffinity: &NodeAffinityEvidence{Terms: termMismatches(terms, node)}})
		}
	}
	return &Status{
		Plugin:   PluginNodeAffinity,
		Code:     UnschedulableAndUnresolvable,
		Reasons:  []string{ReasonNodeAffinity},
		Blockers: blockers,
	}
}

// termMismatches explains, for every nodeSelectorTerm, why it does not match node.
func termMismatches(required *corev1.NodeSelector, node *corev1.Node) []TermMismatch {
	out := make([]TermMismatch, 0, len(required.NodeSelectorTerms))
	nodeLabels := labels.Set(node.Labels)
	nodeFields := fields.Set{}
	if node.Name != "" {
		nodeFields[metav1.ObjectNameField] = node.Name
	}
	for i := range required.NodeSelectorTerms {
		term := required.NodeSelectorTerms[i]
		tm := TermMismatch{Term: i}
		if len(term.MatchExpressions) == 0 && len(term.MatchFields) == 0 {
			tm.Empty = true
			out = append(out, tm)
			continue
		}
		if err := termParseError(required.NodeSelectorTerms[:i+1]); err != "" {
			tm.Invalid = err
			out = append(out, tm)
			continue
		}
		for _, r := range term.MatchExpressions {
			if !labelRequirementMatches(r, nodeLabels) {
				em := ExpressionMismatch{Requirement: r}
				if v, ok := node.Labels[r.Key]; ok {
					em.Actual = &v
				}
				tm.Failed = append(tm.Failed, em)
			}
		}
		// The matcher ignores matchFields on a node without a name.
		if len(nodeFields) > 0 {
			for _, r := range term.MatchFields {
				if !fieldRequirementMatches(r, nodeFields) {
					em := ExpressionMismatch{Field: true, Requirement: r}
					if v, ok := nodeFields[r.Key]; ok {
						em.Actual = &v
					}
					tm.Failed = append(tm.Failed, em)
				}
			}
		}
		out = append(out, tm)
	}
	return out
}

// termParseError returns the parse error of the last of terms, with the field path the scheduler
// gives it: earlier terms are blanked, and empty terms are skipped by the parser, so the index is kept.
func termParseError(terms []corev1.NodeSelectorTerm) string {
	only := make([]corev1.NodeSelectorTerm, len(terms))
	only[len(terms)-1] = terms[len(terms)-1]
	if _, err := nodeaffinity.NewNodeSelector(&corev1.NodeSelector{NodeSelectorTerms: only}); err != nil {
		return err.Error()
	}
	return ""
}

var labelOperators = map[corev1.NodeSelectorOperator]selection.Operator{
	corev1.NodeSelectorOpIn:           selection.In,
	corev1.NodeSelectorOpNotIn:        selection.NotIn,
	corev1.NodeSelectorOpExists:       selection.Exists,
	corev1.NodeSelectorOpDoesNotExist: selection.DoesNotExist,
	corev1.NodeSelectorOpGt:           selection.GreaterThan,
	corev1.NodeSelectorOpLt:           selection.LessThan,
}

// labelRequirementMatches evaluates one matchExpression of an already validated term.
func labelRequirementMatches(r corev1.NodeSelectorRequirement, nodeLabels labels.Set) bool {
	op, ok := labelOperators[r.Operator]
	if !ok {
		return false
	}
	req, err := labels.NewRequirement(r.Key, op, r.Values)
	if err != nil {
		return false
	}
	return req.Matches(nodeLabels)
}

// fieldRequirementMatches evaluates one matchFields requirement of an already validated term.
func fieldRequirementMatches(r corev1.NodeSelectorRequirement, nodeFields fields.Set) bool {
	if len(r.Values) != 1 {
		return false
	}
	switch r.Operator {
	case corev1.NodeSelectorOpIn:
		return fields.OneTermEqualSelector(r.Key, r.Values[0]).Matches(nodeFields)
	case corev1.NodeSelectorOpNotIn:
		return fields.OneTermNotEqualSelector(r.Key, r.Values[0]).Matches(nodeFields)
	}
	return false
}

// NodeAffinity is the NodeAffinity plugin; its state is the Pod's required node affinity as the
// scheduler matches it, and its PreFilterResult the matchFields metadata.name restriction.
type NodeAffinity struct{}

func (NodeAffinity) Name() string { return PluginNodeAffinity }

func (NodeAffinity) PreFilter(cs *CycleState, pod *corev1.Pod, _ *Cluster) (sets.Set[string], *PreFilterRejection) {
	names, rej := preFilterNodeAffinity(pod)
	if rej != nil {
		return nil, rej
	}
	cs.Write(PluginNodeAffinity, nodeaffinity.GetRequiredNodeAffinity(pod))
	return names, nil
}

// SamePodInput: the Pod's nodeSelector and node affinity.
func (NodeAffinity) SamePodInput(a, b *corev1.Pod) bool {
	return maps.Equal(a.Spec.NodeSelector, b.Spec.NodeSelector) && equality.Semantic.DeepEqual(nodeAffinityOf(a), nodeAffinityOf(b))
}

// nodeAffinityOf is the Pod's node affinity, nil when it has none.
func nodeAffinityOf(p *corev1.Pod) *corev1.NodeAffinity {
	if p.Spec.Affinity == nil {
		return nil
	}
	return p.Spec.Affinity.NodeAffinity
}

func (NodeAffinity) Filter(cs *CycleState, ni *NodeInfo) *Status {
	return CheckNodeAffinity(cs.Pod, stateOf[nodeaffinity.RequiredNodeAffinity](cs, PluginNodeAffinity), ni.Node)
}
