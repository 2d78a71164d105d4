package explain

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// ApplyPlan analyses the one Pod sel names and returns the snapshot with the Pod's Plan applied:
// the changed Pod in place of the Pod, edited copies of the nodes, evicted Pods left out, added
// nodes appended; nil when the Pod has no plan. The other objects are shared with s. It lets a
// test hand the changed cluster to the real scheduler.
func ApplyPlan(s *snapshot.Snapshot, sel Selection) (*snapshot.Snapshot, *PodReport, error) {
	if len(sel.Names) != 1 {
		return nil, nil, fmt.Errorf("apply plan: name one Pod, not %d", len(sel.Names))
	}
	profile, _, _, err := chooseProfile(s, sel.SchedulerVersion)
	if err != nil {
		return nil, nil, err
	}
	s = checks.WithResolvedPriorities(s)
	targets, _, err := selectPods(s, sel)
	if err != nil {
		return nil, nil, err
	}
	if len(targets) == 0 {
		return nil, nil, fmt.Errorf("apply plan: pod %s/%s is not Pending", sel.Namespace, sel.Names[0])
	}
	pod := targets[0]
	var metas []fixMeta
	pr := analyzePod(profile, checks.NewCluster(s), newClusterIndex(s), pod, &metas)
	if pr.Plan == nil {
		return nil, &pr, nil
	}
	var parts []*edit
	for _, i := range pr.Plan.Fixes {
		if metas[i].edit == nil {
			return nil, &pr, fmt.Errorf("apply plan: fix %d has no change", i)
		}
		parts = append(parts, metas[i].edit)
	}
	e := merge(parts...)
	out := *s
	changed := pod
	if len(e.pod) > 0 {
		changed = pod.DeepCopy()
		for _, f := range e.pod {
			f(changed)
		}
	}
	evicted := map[*corev1.Pod]bool{}
	for _, p := range e.evict {
		evicted[p] = true
	}
	out.Pods = make([]*corev1.Pod, 0, len(s.Pods)+len(e.bind))
	for _, p := range s.Pods {
		switch {
		case p == pod:
			out.Pods = append(out.Pods, changed)
		case !evicted[p]:
			out.Pods = append(out.Pods, p)
		}
	}
	out.Pods = append(out.Pods, e.bind...)
	out.Nodes = make([]*corev1.Node, 0, len(s.Nodes)+len(e.add))
	for _, n := range s.Nodes {
		if fs := e.nodes[n.Name]; len(fs) > 0 {
			n = n.DeepCopy()
			for _, f := range fs {
				f(n)
			}
		}
		out.Nodes = append(out.Nodes, n)
	}
	out.Nodes = append(out.Nodes, e.add...)
	return &out, &pr, nil
}
