package whatif

import (
	"fmt"
	"hash/fnv"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/dump"
	"k8s.io/apimachinery/pkg/util/rand"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
)

func metaOf(obj runtime.Object) (metav1.Object, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, fmt.Errorf("no object metadata: %w", err)
	}
	return m, nil
}

// Replicas are the Pods a workload's controller creates, in the order it creates them: ordinal
// order for a StatefulSet, node order for a DaemonSet (one Pod per node it should run on).
func Replicas(w Workload, nodes []*corev1.Node) []*corev1.Pod {
	uid := types.UID("whatif-" + w.Kind + "-" + w.Namespace + "-" + w.Name)
	owned := func(t *corev1.PodTemplateSpec, name string, labels map[string]string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: *t.ObjectMeta.DeepCopy(), Spec: *t.Spec.DeepCopy()}
		p.Name, p.GenerateName, p.Namespace = name, "", w.Namespace
		p.UID = types.UID(fmt.Sprintf("%s-%s", uid, name))
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		for k, v := range labels {
			p.Labels[k] = v
		}
		ctl := true
		p.OwnerReferences = []metav1.OwnerReference{{Kind: w.Kind, Name: w.Name, UID: uid, Controller: &ctl}}
		return admitted(p)
	}
	var out []*corev1.Pod
	switch o := w.Object.(type) {
	case *corev1.Pod:
		p := admitted(o.DeepCopy())
		p.Name, p.Namespace = w.Name, w.Namespace
		if p.UID == "" {
			p.UID = uid
		}
		p.Spec.NodeName, p.Status = "", corev1.PodStatus{Phase: corev1.PodPending}
		out = append(out, p)
	case *appsv1.Deployment:
		hash := templateHash(&o.Spec.Template)
		for i := 0; i < count(o.Spec.Replicas); i++ {
			name := fmt.Sprintf("%s-%s-%d", w.Name, hash, i+1)
			out = append(out, owned(&o.Spec.Template, name, map[string]string{appsv1.DefaultDeploymentUniqueLabelKey: hash}))
		}
	case *appsv1.ReplicaSet:
		for i := 0; i < count(o.Spec.Replicas); i++ {
			out = append(out, owned(&o.Spec.Template, fmt.Sprintf("%s-%d", w.Name, i+1), nil))
		}
	case *appsv1.StatefulSet:
		start := 0
		if o.Spec.Ordinals != nil {
			start = int(o.Spec.Ordinals.Start)
		}
		for i := start; i < start+count(o.Spec.Replicas); i++ {
			name := fmt.Sprintf("%s-%d", w.Name, i)
			p := owned(&o.Spec.Template, name, map[string]string{
				appsv1.StatefulSetPodNameLabel: name, appsv1.PodIndexLabel: strconv.Itoa(i),
			})
			p.Spec.Hostname, p.Spec.Subdomain = name, o.Spec.ServiceName
			for _, t := range o.Spec.VolumeClaimTemplates {
				claim := t.Name + "-" + name
				p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: t.Name, VolumeSource: corev1.VolumeSource{
					PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}})
			}
			out = append(out, p)
		}
	case *batchv1.Job:
		n := 1
		if o.Spec.Parallelism != nil {
			n = int(*o.Spec.Parallelism)
		}
		if o.Spec.Completions != nil && int(*o.Spec.Completions) < n {
			n = int(*o.Spec.Completions)
		}
		for i := 0; i < n; i++ {
			labels := map[string]string{batchv1.JobNameLabel: w.Name, batchv1.ControllerUidLabel: string(uid)}
			if o.Spec.CompletionMode != nil && *o.Spec.CompletionMode == batchv1.IndexedCompletion {
				labels[batchv1.JobCompletionIndexAnnotation] = strconv.Itoa(i)
			}
			out = append(out, owned(&o.Spec.Template, fmt.Sprintf("%s-%d", w.Name, i+1), labels))
		}
	case *appsv1.DaemonSet:
		for _, n := range nodes {
			p := owned(&o.Spec.Template, w.Name+"-"+n.Name, nil)
			addDaemonTolerations(p)
			if !shouldRunDaemonPod(p, n) {
				continue
			}
			pinToNode(p, n.Name)
			out = append(out, p)
		}
	}
	return out
}

func count(r *int32) int {
	if r == nil {
		return 1
	}
	return int(*r)
}

// templateHash is the Deployment controller's pod-template-hash (controller.ComputeHash without
// a collision count), so spread's matchLabelKeys group the replicas as in the cluster.
func templateHash(t *corev1.PodTemplateSpec) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(dump.ForHash(*t)))
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// admitted is the Pod as the API server stores it, for what the scheduler reads: requests
// defaulted from limits, the default scheduler, Pending.
func admitted(p *corev1.Pod) *corev1.Pod {
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range cs {
			defaultRequests(&cs[i].Resources)
		}
	}
	if p.Spec.Resources != nil {
		defaultRequests(p.Spec.Resources)
	}
	addDefaultTolerations(p)
	if p.Spec.SchedulerName == "" {
		p.Spec.SchedulerName = corev1.DefaultSchedulerName
	}
	p.Status = corev1.PodStatus{Phase: corev1.PodPending}
	return p
}

// addDefaultTolerations adds what the DefaultTolerationSeconds admission plugin adds: not-ready
// and unreachable, NoExecute, for 300 seconds, unless the Pod tolerates them already.
func addDefaultTolerations(p *corev1.Pod) {
	seconds := int64(300)
	for _, key := range []string{corev1.TaintNodeNotReady, corev1.TaintNodeUnreachable} {
		t := corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds}
		tolerated := false
		for _, have := range p.Spec.Tolerations {
			if (have.Key == key || have.Key == "" && have.Operator == corev1.TolerationOpExists) &&
				(have.Effect == corev1.TaintEffectNoExecute || have.Effect == "") {
				tolerated = true
			}
		}
		if !tolerated {
			p.Spec.Tolerations = append(p.Spec.Tolerations, t)
		}
	}
}

// defaultRequests sets a request equal to its limit when only the limit is given (core/v1 defaulting).
func defaultRequests(r *corev1.ResourceRequirements) {
	for name, q := range r.Limits {
		if _, ok := r.Requests[name]; ok {
			continue
		}
		if r.Requests == nil {
			r.Requests = corev1.ResourceList{}
		}
		r.Requests[name] = q.DeepCopy()
	}
}

// addDaemonTolerations adds what the DaemonSet controller adds to every daemon Pod
// (util.AddOrUpdateDaemonPodTolerations).
func addDaemonTolerations(p *corev1.Pod) {
	add := func(key string, effect corev1.TaintEffect) {
		t := corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: effect}
		for _, have := range p.Spec.Tolerations {
			if have.MatchToleration(&t) {
				return
			}
		}
		p.Spec.Tolerations = append(p.Spec.Tolerations, t)
	}
	add(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute)
	add(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeMemoryPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodePIDPressure, corev1.TaintEffectNoSchedule)
	add(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)
	if p.Spec.HostNetwork {
		add(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)
	}
}

// shouldRunDaemonPod is the DaemonSet controller's NodeShouldRunDaemonPod: the node matches the
// Pod's node selector and required node affinity, and the Pod tolerates its NoSchedule and
// NoExecute taints. No Pod is created for any other node.
func shouldRunDaemonPod(p *corev1.Pod, n *corev1.Node) bool {
	if ok, _ := nodeaffinity.GetRequiredNodeAffinity(p).Match(n); !ok {
		return false
	}
	_, untolerated := corev1helpers.FindMatchingUntoleratedTaint(klog.Background(), n.Spec.Taints, p.Spec.Tolerations, func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
	}, false)
	return !untolerated
}

// pinToNode pins a daemon Pod to its node as the DaemonSet controller does
// (util.ReplaceDaemonSetPodNodeNameNodeAffinity): the required node affinity becomes one term,
// matchFields metadata.name In [node]; the node already matched the Pod's own terms.
func pinToNode(p *corev1.Pod, node string) {
	term := corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{Key: metav1.ObjectNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	if p.Spec.Affinity.NodeAffinity == nil {
		p.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	p.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{term}}
}
