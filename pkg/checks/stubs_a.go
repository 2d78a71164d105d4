package checks

// Stubs owned by the "basic filters" helper; each moves to its own file (one per scheduler filter).

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// NewNodeInfo builds a node's cache entry: allocatable, the Pods' effective requests, used host ports.
func NewNodeInfo(node *corev1.Node, pods []*corev1.Pod) *NodeInfo {
	return &NodeInfo{Node: node, Pods: pods}
}

// podRequest is resource.PodRequests as the scheduler calls it; useStatus for Pods already on nodes.
func podRequest(pod *corev1.Pod, useStatus bool) Resources { return Resources{} }

func podHostPorts(pod *corev1.Pod) []UsedPort { return nil }

func preFilterNodeAffinity(pod *corev1.Pod) (sets.Set[string], *PreFilterRejection) { return nil, nil }

func preFilterVolumes(pod *corev1.Pod, c *Cluster) *PreFilterRejection { return nil }

func CheckNodeUnschedulable(pod *corev1.Pod, node *corev1.Node) *Status { return nil }
func CheckNodeName(pod *corev1.Pod, node *corev1.Node) *Status          { return nil }
func CheckTaintToleration(pod *corev1.Pod, node *corev1.Node) *Status   { return nil }
func CheckNodeAffinity(ps *PodState, node *corev1.Node) *Status         { return nil }
func CheckNodePorts(ps *PodState, ni *NodeInfo) *Status                 { return nil }
func CheckNodeResourcesFit(ps *PodState, ni *NodeInfo) *Status          { return nil }
