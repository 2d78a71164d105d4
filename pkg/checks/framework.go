package checks

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
)

// Plugin is one scheduler plugin of a Profile, in the shape of kube-scheduler's framework: a
// PreFilter that precomputes the plugin's state for the incoming Pod, then a Filter per node.
// Plugins with no PreFilter (or no Filter) in the real scheduler return nil there.
type Plugin interface {
	// Name is the plugin's name exactly as the scheduler's profile spells it.
	Name() string
	// PreFilter stores the plugin's state in state (nothing stored means the plugin skips its
	// Filter). It may restrict the nodes to consider (nil: all nodes) or reject the Pod outright.
	PreFilter(state *CycleState, pod *corev1.Pod, c *Cluster) (sets.Set[string], *PreFilterRejection)
	// Filter judges one node and returns the plugin's status with every blocker, nil when it passes.
	Filter(state *CycleState, ni *NodeInfo) *Status
}

// PodsExtension is implemented by plugins whose PreFilter state counts other Pods (spread and
// inter-pod affinity counts), as PreFilterExtensions' AddPod/RemovePod: the cycle calls them when
// it adds nominated Pods to a node or takes preemption victims off one. Resources and host ports
// need no hook: they are read from the NodeInfo, which the cycle rebuilds.
// PreFilterReuser is a plugin whose PreFilter state depends only on the parts of the Pod and of
// the cluster that SamePreFilterInput compares: a cycle of a changed copy of the Pod or cluster
// (fix verification) takes that state from the first cycle instead of computing it again.
type PreFilterReuser interface {
	// SamePreFilterInput: the state for Pod a is the state for Pod b in the cluster changed by
	// change, once the plugin's PodsExtension hooks (if any) have taken off change's evicted
	// Pods and added its bound ones, as the scheduler's preemption does.
	SamePreFilterInput(a, b *corev1.Pod, change ClusterChange) bool
}

// FilterReuser is a plugin whose PreFilter and Filter read of the Pod only what SamePodInput
// compares (and otherwise the cluster, their state and the node): over the same cluster, a
// changed copy of the Pod gets, on each node without nominated Pods, the status the Pod got
// there, so fix verification takes it from the first cycle instead of filtering again.
type FilterReuser interface {
	SamePodInput(a, b *corev1.Pod) bool
}

type PodsExtension interface {
	AddPods(state *CycleState, node *corev1.Node, pods []*corev1.Pod)
	RemovePods(state *CycleState, node *corev1.Node, pods []*corev1.Pod)
}

// PreFilterRejection is a PreFilter status that stops the cycle before any Filter runs.
type PreFilterRejection struct {
	Plugin string `json:"plugin"`
	Code   Code   `json:"code"`
	// Reason is verbatim, e.g. `persistentvolumeclaim "data" not found`.
	Reason string `json:"reason"`
	// PVC names the claim concerned (namespace/name), when the rejection is about one.
	PVC string `json:"pvc,omitempty"`
}

// CycleState is what one scheduling cycle knows about the incoming Pod: the Pod, its priority and
// each plugin's PreFilter state, keyed by plugin name (kube-scheduler's CycleState).
type CycleState struct {
	Pod      *corev1.Pod
	Priority int32
	// profile and cluster are what PreFilter ran with.
	profile *Profile
	cluster *Cluster
	// nodeNames is the merged PreFilterResult (nil: all nodes) and restrictedBy the plugins that
	// returned one, sorted.
	nodeNames    sets.Set[string]
	restrictedBy []string
	data         map[string]any
	// sharedData: data is shared with a clone, so the next Write copies it first.
	sharedData bool
	// verdictOnly: the caller reads only the failing plugin, code and reasons (filterFirst:
	// preemption's trials, the nodes a fix is not verified on), so a plugin may leave out the
	// blockers' evidence.
	verdictOnly bool
}

func newCycleState(pod *corev1.Pod) *CycleState {
	return &CycleState{Pod: pod, Priority: corev1helpers.PodPriority(pod), data: map[string]any{}}
}

// Write stores a plugin's state.
func (cs *CycleState) Write(plugin string, v any) {
	if cs.sharedData {
		cs.data, cs.sharedData = maps.Clone(cs.data), false
	}
	cs.data[plugin] = v
}

// clone shares the state table until either side writes, and never copies the states:
// AddPods/RemovePods replace a plugin's state with a changed copy and never modify one in place
// (preemption clones once per trial, most of them changing no state).
func (cs *CycleState) clone() *CycleState {
	cs.sharedData = true
	out := *cs
	return &out
}

// stateOf reads a plugin's state; the zero T when the plugin stored none.
func stateOf[T any](cs *CycleState, plugin string) T {
	v, _ := cs.data[plugin].(T)
	return v
}

// Excluded reports whether the PreFilterResult leaves the node out: the scheduler runs no filter
// there and counts it as "node(s) didn't satisfy plugin(s) [...]".
func (cs *CycleState) Excluded(node string) bool {
	return cs.nodeNames != nil && !cs.nodeNames.Has(node)
}
