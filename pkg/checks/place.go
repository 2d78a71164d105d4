package checks

import corev1 "k8s.io/api/core/v1"

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
		return true
	}
	return false
}
