package checks

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// ClusterChange is what a derived cluster changed in the cluster it was derived from, as far as
// PreFilter states read it (PreFilterReuser).
type ClusterChange struct {
	// Evicted Pods were taken off their nodes, then Bound ones added to theirs.
	Evicted, Bound []*corev1.Pod
	NodesAdded     bool
	Labels         bool // some node's labels
	Taints         bool // some node's taints
}

// PodsChanged: Pods were evicted or bound.
func (ch ClusterChange) PodsChanged() bool { return len(ch.Evicted) > 0 || len(ch.Bound) > 0 }

// changeFrom is what c changed in base; false when c is neither base nor derived from it.
func (c *Cluster) changeFrom(base *Cluster) (ClusterChange, bool) {
	switch {
	case c == base:
		return ClusterChange{}, true
	case c.derivedFrom != nil && c.derivedFrom == base:
		return c.change, true
	}
	return ClusterChange{}, false
}

// ClusterEdit is a change to a cluster, as a proposed fix makes it: nodes replaced by edited
// copies, Pods evicted, nodes added (with no Pods).
type ClusterEdit struct {
	// Nodes are edited copies of existing nodes, by name.
	Nodes map[string]*corev1.Node
	// Evict are bound Pods to take off their nodes.
	Evict []*corev1.Pod
	// Add are new nodes, appended after the existing ones.
	Add []*corev1.Node
	// Bind are Pods to add to the node their spec.nodeName names (an evicted Pod's changed copy).
	Bind []*corev1.Pod
}

// Derive is the cluster with the edit applied. Only the nodes the edit touches are rebuilt, so
// verifying a fix on 5,000 nodes costs one more Filter pass, not a new index.
func (c *Cluster) Derive(e ClusterEdit) *Cluster {
	out := *c
	out.derivedFrom = c
	out.change = ClusterChange{Evicted: e.Evict, Bound: e.Bind, NodesAdded: len(e.Add) > 0}
	if out.change.PodsChanged() {
		out.podsByNamespace = nil // positions moved; added nodes come last, without Pods
	}
	out.Nodes = make([]*NodeInfo, 0, len(c.Nodes)+len(e.Add))
	out.nodeByName = make(map[string]*NodeInfo, len(c.Nodes)+len(e.Add))
	evict := map[string][]*corev1.Pod{}
	for _, p := range e.Evict {
		evict[p.Spec.NodeName] = append(evict[p.Spec.NodeName], p)
	}
	bind := map[string][]*corev1.Pod{}
	for _, p := range e.Bind {
		bind[p.Spec.NodeName] = append(bind[p.Spec.NodeName], p)
	}
	for _, ni := range c.Nodes {
		name := ni.Node.Name
		if n, ok := e.Nodes[name]; ok {
			out.change.Labels = out.change.Labels || !maps.Equal(n.Labels, ni.Node.Labels)
			out.change.Taints = out.change.Taints || !equality.Semantic.DeepEqual(n.Spec.Taints, ni.Node.Spec.Taints)
			rebuilt := *ni
			rebuilt.Node = n
			rebuilt.Allocatable = allocatable(n.Status.Allocatable)
			ni = &rebuilt
		}
		if pods := evict[name]; len(pods) > 0 {
			ni = ni.withoutPods(pods)
		}
		if pods := bind[name]; len(pods) > 0 {
			ni = ni.withPods(pods)
		}
		out.Nodes = append(out.Nodes, ni)
		out.nodeByName[name] = ni
	}
	for _, n := range e.Add {
		ni := NewNodeInfo(n, nil)
		out.Nodes = append(out.Nodes, ni)
		out.nodeByName[n.Name] = ni
	}
	return &out
}
