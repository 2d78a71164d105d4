package explain

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

func priorityOf(p *corev1.Pod) int32 { return corev1helpers.PodPriority(p) }

// withResolvedPriorities fills spec.priority from PriorityClasses where a Pod lacks it, as the
// Priority admission plugin does (hand-written snapshots skip admission). Pods are copied, not changed.
func withResolvedPriorities(s *snapshot.Snapshot) *snapshot.Snapshot {
	values := map[string]int32{}
	var def *int32
	for _, pc := range s.PriorityClasses {
		values[pc.Name] = pc.Value
		if pc.GlobalDefault {
			v := pc.Value
			def = &v
		}
	}
	var pods []*corev1.Pod
	for i, p := range s.Pods {
		if p.Spec.Priority != nil {
			continue
		}
		var v *int32
		if val, ok := values[p.Spec.PriorityClassName]; ok {
			v = &val
		} else if p.Spec.PriorityClassName == "" {
			v = def
		}
		if v == nil {
			continue
		}
		if pods == nil {
			pods = append([]*corev1.Pod(nil), s.Pods...)
		}
		cp := p.DeepCopy()
		cp.Spec.Priority = v
		pods[i] = cp
	}
	if pods == nil {
		return s
	}
	out := *s
	out.Pods = pods
	return &out
}

// ownerOf is the Pod's workload (see snapshot.ControllerOf), nil without a controller.
func ownerOf(p *corev1.Pod) *Owner {
	if kind, name, ok := snapshot.ControllerOf(p); ok {
		return &Owner{Kind: kind, Name: name}
	}
	return nil
}

// groupIdentical groups Pods of the same controller whose scheduling-relevant fields are equal:
// they get the same answer, so each group is analysed once.
func groupIdentical(pods []*corev1.Pod) [][]*corev1.Pod {
	var groups [][]*corev1.Pod
	index := map[string]int{}
	for _, p := range pods {
		key := schedulingKey(p)
		if key == "" {
			groups = append(groups, []*corev1.Pod{p})
			continue
		}
		if i, ok := index[key]; ok {
			groups[i] = append(groups[i], p)
			continue
		}
		index[key] = len(groups)
		groups = append(groups, []*corev1.Pod{p})
	}
	return groups
}

func schedulingKey(p *corev1.Pod) string {
	var owner string
	for _, r := range p.OwnerReferences {
		if r.Controller != nil && *r.Controller {
			owner = string(r.UID) + "/" + r.Kind + "/" + r.Name
		}
	}
	if owner == "" {
		return ""
	}
	spec := p.Spec.DeepCopy()
	spec.Hostname, spec.Subdomain = "", ""
	// Keep only the volumes the scheduler looks at; the others carry per-Pod names
	// (kube-api-access-<random>) that would split identical replicas.
	var vols []corev1.Volume
	for _, v := range spec.Volumes {
		vs := v.VolumeSource
		if vs.PersistentVolumeClaim != nil || vs.Ephemeral != nil || vs.CSI != nil || vs.GCEPersistentDisk != nil ||
			vs.AWSElasticBlockStore != nil || vs.RBD != nil || vs.ISCSI != nil || vs.AzureDisk != nil {
			vols = append(vols, v)
		}
	}
	spec.Volumes = vols
	b, err := json.Marshal(struct {
		Owner, Namespace, Nominated string
		Labels                      map[string]string
		Spec                        *corev1.PodSpec
	}{owner, p.Namespace, p.Status.NominatedNodeName, p.Labels, spec})
	if err != nil {
		return ""
	}
	return string(b)
}
