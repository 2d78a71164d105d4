package checks

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Place binds pod to the named node in the cluster, as the scheduler's cache assumes a Pod it
// has just placed: the node's requests, host ports and Pods include it, so spread, inter-pod
// affinity, ports and resources count it for the next Pod (what-if places replicas one after
// another). It reports false when the cluster has no such node.
func (c *Cluster) Place(pod *corev1.Pod, nodeName string) bool {
	for i, ni := range c.Nodes {
		if ni.Node.Name != nodeName {
			continue
		}
		bound := pod.DeepCopy()
		bound.Spec.NodeName = nodeName
		placed := ni.withPods([]*corev1.Pod{bound})
		c.Nodes[i] = placed
		c.nodeByName[nodeName] = placed
		c.indexPlaced(bound.Namespace, podLoc{int32(i), int32(len(placed.Pods) - 1)})
		return true
	}
	return false
}

// indexPlaced adds a placed Pod to the namespace index, in node order. The index may be shared
// with clusters derived from this one, so the map and the list changed are copies.
func (c *Cluster) indexPlaced(ns string, loc podLoc) {
	if c.podsByNamespace == nil {
		return
	}
	index := make(map[string][]podLoc, len(c.podsByNamespace)+1)
	for k, v := range c.podsByNamespace {
		index[k] = v
	}
	old := index[ns]
	at, _ := slices.BinarySearchFunc(old, loc, func(a, b podLoc) int {
		if a.node != b.node {
			return int(a.node - b.node)
		}
		return int(a.pos - b.pos)
	})
	index[ns] = slices.Insert(slices.Clone(old), at, loc)
	c.podsByNamespace = index
}
