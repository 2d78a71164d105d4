package explain

import (
	"encoding/json"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

func priorityOf(p *corev1.Pod) int32 { return corev1helpers.PodPriority(p) }

// ownerOf is the Pod's workload (see snapshot.ControllerOf), nil without a controller.
func ownerOf(p *corev1.Pod) *Owner {
	if kind, name, ok := snapshot.ControllerOf(p); ok {
		return &Owner{Kind: kind, Name: name}
	}
	return nil
}

// groupIdentical groups Pods of the same controller whose scheduling-relevant fields are equal:
// they get the same answer, so each group is analysed once. A Pod with a generic ephemeral volume
// is never grouped: its claim is named <pod>-<volume>, so each replica has its own claim, which
// may be missing, bound elsewhere or owned by another Pod (differential finding D2).
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
	for _, v := range p.Spec.Volumes {
		if v.Ephemeral != nil {
			return ""
		}
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
