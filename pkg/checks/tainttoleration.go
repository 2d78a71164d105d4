package checks

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/sets"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/klog/v2"
)

// comparisonOperators is the TaintTolerationComparisonOperators gate: alpha and off in v1.36.3,
// so Lt/Gt tolerations never match.
const comparisonOperators = false

// logger is handed to the toleration helpers, which only log for Lt/Gt (never reached with the
// gate off). The zero klog.Logger discards.
var logger klog.Logger

// CheckTaintToleration mirrors the TaintToleration filter: every NoSchedule/NoExecute taint must be
// tolerated. The scheduler stops at the first untolerated taint; this lists every one.
func CheckTaintToleration(pod *corev1.Pod, node *corev1.Node) *Status {
	if pod == nil || node == nil {
		return nil
	}
	var blockers []Blocker
	for i := range node.Spec.Taints {
		taint := node.Spec.Taints[i]
		if taint.Effect != corev1.TaintEffectNoSchedule && taint.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		if corev1helpers.TolerationsTolerateTaint(logger, pod.Spec.Tolerations, &taint, comparisonOperators) {
			continue
		}
		ev := &TaintEvidence{Taint: taint}
		if j, miss := nearestToleration(pod.Spec.Tolerations, &taint); j >= 0 {
			tol := pod.Spec.Tolerations[j]
			ev.NearestToleration, ev.NearMiss = &tol, miss
		}
		blockers = append(blockers, Blocker{Plugin: PluginTaintToleration, Kind: KindUntoleratedTaint, Taint: ev})
	}
	if len(blockers) == 0 {
		return nil
	}
	return &Status{
		Plugin:   PluginTaintToleration,
		Code:     UnschedulableAndUnresolvable,
		Reasons:  []string{ReasonUntoleratedTaint},
		Blockers: blockers,
	}
}

// nearestToleration picks the toleration closest to tolerating taint, for a fix hint: first one
// whose key matches (what differs: effect, then value, then operator), else one whose key is one or
// two edits away. Fewer differences win, then smaller key distance, then spec order. -1: none.
func nearestToleration(tols []corev1.Toleration, taint *corev1.Taint) (int, string) {
	best, bestMiss := -1, ""
	var bestRank [3]int
	for i := range tols {
		t := &tols[i]
		dist := 0
		if t.Key != "" && t.Key != taint.Key {
			dist = editDistance(t.Key, taint.Key, 2)
			if dist > 2 {
				continue
			}
		}
		var misses []string
		if dist > 0 {
			misses = append(misses, "key")
		}
		if t.Effect != "" && t.Effect != taint.Effect {
			misses = append(misses, "effect")
		}
		switch t.Operator {
		case "", corev1.TolerationOpEqual:
			if t.Value != taint.Value {
				misses = append(misses, "value")
			}
		case corev1.TolerationOpExists:
		default:
			// Lt/Gt (gate off) and unknown operators never match.
			misses = append(misses, "operator")
		}
		if len(misses) == 0 {
			continue // it tolerates; cannot happen for an untolerated taint
		}
		keyTier := 0
		if dist > 0 {
			keyTier = 1
		}
		rank := [3]int{keyTier, len(misses), dist}
		if best < 0 || less3(rank, bestRank) {
			best, bestMiss, bestRank = i, misses[0], rank
		}
	}
	return best, bestMiss
}

func less3(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// editDistance is the Levenshtein distance between a and b (bytes), capped: anything above limit
// is reported as limit+1.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit+1)
}

// TaintToleration is the TaintToleration plugin.
type TaintToleration struct {
	// NamesTaint: before v1.34 the reason names the first untolerated taint,
	// `node(s) had untolerated taint {key: value}`, so each taint is its own histogram entry.
	NamesTaint bool
}

// ReasonUntoleratedTaintFmt is TaintToleration's reason before v1.34 (key, value).
const ReasonUntoleratedTaintFmt = "node(s) had untolerated taint {%s: %s}"

func (TaintToleration) Name() string { return PluginTaintToleration }

func (TaintToleration) PreFilter(*CycleState, *corev1.Pod, *Cluster) (sets.Set[string], *PreFilterRejection) {
	return nil, nil
}

// SamePodInput: the Pod's tolerations.
func (TaintToleration) SamePodInput(a, b *corev1.Pod) bool {
	return equality.Semantic.DeepEqual(a.Spec.Tolerations, b.Spec.Tolerations)
}

func (t TaintToleration) Filter(cs *CycleState, ni *NodeInfo) *Status {
	s := CheckTaintToleration(cs.Pod, ni.Node)
	if s != nil && t.NamesTaint {
		first := s.Blockers[0].Taint.Taint // blockers follow the node's taints, as the scheduler's search does
		s.Reasons = []string{fmt.Sprintf(ReasonUntoleratedTaintFmt, first.Key, first.Value)}
	}
	return s
}
