package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Redact replaces, in place, what names a cluster's people and products: the names of
// namespaces, Pods, nodes and workloads, and every label, taint and toleration value, by stable
// hashes (keys stay). Every place a value is matched against another (selectors, node affinity,
// topology domains, tolerations, namespace lists, the node a Pod is bound or nominated to, the
// taints recorded messages quote) maps through the same function, so every verdict stays the same.
// Numbers stay as they are: node affinity's Gt and Lt compare them.
func Redact(s *Snapshot) {
	s.Source = "redacted snapshot"
	for _, ns := range s.Namespaces {
		ns.Name = RedactedValue(ns.Name)
		hashValues(ns.Labels)
	}
	for _, n := range s.Nodes {
		n.Name = RedactedValue(n.Name)
		hashValues(n.Labels)
		n.Spec.ProviderID, n.Spec.PodCIDR, n.Spec.PodCIDRs = "", "", nil
		for i := range n.Spec.Taints {
			n.Spec.Taints[i].Value = RedactedValue(n.Spec.Taints[i].Value)
		}
	}
	for _, pods := range [][]*corev1.Pod{s.Pods, s.Finished} {
		for _, p := range pods {
			redactMeta(&p.ObjectMeta)
			p.Name = RedactedValue(p.Name)
			redactPodSpec(&p.Spec)
			p.Status.NominatedNodeName = RedactedValue(p.Status.NominatedNodeName)
			for i := range p.Status.Conditions {
				p.Status.Conditions[i].Message = redactMessage(p.Status.Conditions[i].Message)
			}
		}
	}
	for _, pvc := range s.PVCs {
		redactMeta(&pvc.ObjectMeta)
		if node, ok := pvc.Annotations["volume.kubernetes.io/selected-node"]; ok {
			pvc.Annotations["volume.kubernetes.io/selected-node"] = RedactedValue(node)
		}
		redactSelector(pvc.Spec.Selector)
	}
	for _, pv := range s.PVs {
		hashValues(pv.Labels)
		if pv.Spec.ClaimRef != nil {
			pv.Spec.ClaimRef.Namespace = RedactedValue(pv.Spec.ClaimRef.Namespace)
		}
		if pv.Spec.NodeAffinity != nil {
			redactNodeSelector(pv.Spec.NodeAffinity.Required)
		}
	}
	for _, sc := range s.StorageClasses {
		for i := range sc.AllowedTopologies {
			for j := range sc.AllowedTopologies[i].MatchLabelExpressions {
				hashAll(sc.AllowedTopologies[i].MatchLabelExpressions[j].Values)
			}
		}
	}
	for _, n := range s.CSINodes {
		n.Name = RedactedValue(n.Name) // a CSINode is named after its node
	}
	for _, c := range s.CSIStorageCapacities {
		c.Namespace = RedactedValue(c.Namespace)
		redactSelector(c.NodeTopology)
	}
	for _, va := range s.VolumeAttachments {
		va.Spec.NodeName = RedactedValue(va.Spec.NodeName)
	}
	// DRA: claims live in the Pods' (hashed) namespaces and name the Pods and nodes they are
	// reserved for and allocated on; device attributes stay, as CEL selectors read them.
	for _, c := range s.ResourceClaims {
		redactMeta(&c.ObjectMeta)
		for i := range c.Status.ReservedFor {
			c.Status.ReservedFor[i].Name = RedactedValue(c.Status.ReservedFor[i].Name)
		}
		if c.Status.Allocation != nil {
			redactNodeSelector(c.Status.Allocation.NodeSelector)
		}
	}
	for _, t := range s.ResourceClaimTemplates {
		redactMeta(&t.ObjectMeta)
	}
	for _, sl := range s.ResourceSlices {
		if sl.Spec.NodeName != nil {
			n := RedactedValue(*sl.Spec.NodeName)
			sl.Spec.NodeName = &n
		}
		redactNodeSelector(sl.Spec.NodeSelector)
	}
	w := &s.Workloads
	for _, d := range w.Deployments {
		redactWorkload(&d.ObjectMeta, d.Spec.Selector, &d.Spec.Template)
	}
	for _, d := range w.StatefulSets {
		redactWorkload(&d.ObjectMeta, d.Spec.Selector, &d.Spec.Template)
	}
	for _, d := range w.ReplicaSets {
		redactWorkload(&d.ObjectMeta, d.Spec.Selector, &d.Spec.Template)
	}
	for _, d := range w.DaemonSets {
		redactWorkload(&d.ObjectMeta, d.Spec.Selector, &d.Spec.Template)
	}
	for _, d := range w.Jobs {
		redactWorkload(&d.ObjectMeta, d.Spec.Selector, &d.Spec.Template)
	}
	for i := range s.Events {
		ev := &s.Events[i]
		ev.Namespace, ev.PodName = RedactedValue(ev.Namespace), RedactedValue(ev.PodName)
		ev.Message = redactMessage(ev.Message)
	}
}

// RedactedValue is a value's stable stand-in: "" and integers stay, anything else becomes "r" and 12
// hex digits of its SHA-256 (a valid name and label value).
func RedactedValue(v string) string {
	if v == "" {
		return v
	}
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "r" + hex.EncodeToString(sum[:6])
}

func hashAll(vs []string) {
	for i, v := range vs {
		vs[i] = RedactedValue(v)
	}
}

func hashValues(m map[string]string) {
	for k, v := range m {
		m[k] = RedactedValue(v)
	}
}

// redactMeta hashes an object's namespace, labels and owners' names.
func redactMeta(m *metav1.ObjectMeta) {
	m.Namespace = RedactedValue(m.Namespace)
	m.GenerateName = ""
	if m.Labels != nil {
		m.Labels = copyHashed(m.Labels) // label sets may be shared between Pods
	}
	for i := range m.OwnerReferences {
		m.OwnerReferences[i].Name = RedactedValue(m.OwnerReferences[i].Name)
	}
}

func copyHashed(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = RedactedValue(v)
	}
	return out
}

func redactWorkload(m *metav1.ObjectMeta, sel *metav1.LabelSelector, t *corev1.PodTemplateSpec) {
	redactMeta(m)
	m.Name = RedactedValue(m.Name)
	redactSelector(sel)
	if t.Labels != nil {
		t.Labels = copyHashed(t.Labels)
	}
	redactPodSpec(&t.Spec)
}

func redactSelector(s *metav1.LabelSelector) {
	if s == nil {
		return
	}
	if s.MatchLabels != nil {
		s.MatchLabels = copyHashed(s.MatchLabels)
	}
	for i := range s.MatchExpressions {
		hashAll(s.MatchExpressions[i].Values)
	}
}

func redactNodeSelector(s *corev1.NodeSelector) {
	if s == nil {
		return
	}
	for i := range s.NodeSelectorTerms {
		redactNodeSelectorTerm(&s.NodeSelectorTerms[i])
	}
}

// redactNodeSelectorTerm hashes label values and, in matchFields, node names alike.
func redactNodeSelectorTerm(t *corev1.NodeSelectorTerm) {
	for i := range t.MatchExpressions {
		hashAll(t.MatchExpressions[i].Values)
	}
	for i := range t.MatchFields {
		hashAll(t.MatchFields[i].Values)
	}
}

func redactAffinityTerms(terms []corev1.PodAffinityTerm) {
	for i := range terms {
		t := &terms[i]
		redactSelector(t.LabelSelector)
		redactSelector(t.NamespaceSelector)
		hashAll(t.Namespaces)
	}
}

func redactPodSpec(s *corev1.PodSpec) {
	s.NodeName = RedactedValue(s.NodeName)
	s.Hostname, s.Subdomain = "", ""
	if s.NodeSelector != nil {
		s.NodeSelector = copyHashed(s.NodeSelector) // may be shared between Pods
	}
	for i := range s.Tolerations {
		s.Tolerations[i].Value = RedactedValue(s.Tolerations[i].Value)
	}
	for i := range s.TopologySpreadConstraints {
		redactSelector(s.TopologySpreadConstraints[i].LabelSelector)
	}
	a := s.Affinity
	if a == nil {
		return
	}
	if na := a.NodeAffinity; na != nil {
		redactNodeSelector(na.RequiredDuringSchedulingIgnoredDuringExecution)
		for i := range na.PreferredDuringSchedulingIgnoredDuringExecution {
			redactNodeSelectorTerm(&na.PreferredDuringSchedulingIgnoredDuringExecution[i].Preference)
		}
	}
	for _, pa := range []*corev1.PodAffinity{a.PodAffinity} {
		if pa != nil {
			redactAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution)
			for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
				redactAffinityTerms([]corev1.PodAffinityTerm{pa.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm})
			}
		}
	}
	if pa := a.PodAntiAffinity; pa != nil {
		redactAffinityTerms(pa.RequiredDuringSchedulingIgnoredDuringExecution)
		for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			redactAffinityTerms([]corev1.PodAffinityTerm{pa.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm})
		}
	}
}

// quotedTaint is a taint as the scheduler's messages quote it: {key: value}.
var quotedTaint = regexp.MustCompile(`\{([^{}:]+): ([^{}]*)\}`)

// redactMessage hashes the taint values a recorded scheduler message quotes, as the taints
// themselves are hashed.
func redactMessage(msg string) string {
	return quotedTaint.ReplaceAllStringFunc(msg, func(m string) string {
		sub := quotedTaint.FindStringSubmatch(m)
		return "{" + sub[1] + ": " + RedactedValue(sub[2]) + "}"
	})
}
