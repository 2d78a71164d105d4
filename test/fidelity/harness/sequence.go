package harness

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// RunSequence has the real scheduler place pods one after another, as its queue would pop them:
// each cycle sees the cluster of objs with the pods placed before bound to the nodes it chose
// (and the ones that did not fit still Pending, nominated where preemption nominated them). It
// returns each pod's result, in order.
func RunSequence(ctx context.Context, objs Objects, pods []*corev1.Pod) ([]*Result, error) {
	base := objs.Pods
	var done []*corev1.Pod
	out := make([]*Result, 0, len(pods))
	for _, p := range pods {
		cycle := objs
		cycle.Pods = append(append(append([]*corev1.Pod(nil), base...), done...), p)
		res, err := Run(ctx, cycle, p.Namespace, p.Name)
		if err != nil {
			return nil, fmt.Errorf("pod %s/%s: %w", p.Namespace, p.Name, err)
		}
		out = append(out, res)
		after := p.DeepCopy()
		if res.Scheduled {
			after.Spec.NodeName = res.NodeName
			after.Status.Phase = corev1.PodRunning
		} else {
			after.Status.NominatedNodeName = res.NominatedNodeName
		}
		done = append(done, after)
	}
	return out, nil
}
