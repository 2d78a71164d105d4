package spread

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// ZoneKey is the label failure-domain impact groups nodes by.
const ZoneKey = corev1.LabelTopologyZone

// systemDefaultConstraints are kube-scheduler v1.36.3's (podtopologyspread/plugin.go): scoring
// only, applied when a Pod has no constraints of its own.
var systemDefaultConstraints = []corev1.TopologySpreadConstraint{
	{TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 3},
	{TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 5},
}

// Analyzer analyses workloads over one snapshot, indexing its nodes once for all of them.
type Analyzer struct {
	snap       *snapshot.Snapshot
	cluster    *checks.Cluster
	priorities *checks.PriorityResolver
}

// NewAnalyzer indexes snap. Priorities are resolved as admission would, so nominated Pods weigh
// against the next replica exactly as in why-pending.
func NewAnalyzer(snap *snapshot.Snapshot) *Analyzer {
	return &Analyzer{snap: snap, cluster: checks.NewCluster(checks.WithResolvedPriorities(snap)),
		priorities: checks.NewPriorityResolver(snap.PriorityClasses)}
}

// Analyze builds the spread report of one workload over a snapshot.
func Analyze(snap *snapshot.Snapshot, w *Workload) (*SpreadReport, error) {
	if snap == nil {
		return nil, fmt.Errorf("spread: nothing to analyse")
	}
	return NewAnalyzer(snap).Analyze(w)
}

// Analyze builds the spread report of one workload.
func (a *Analyzer) Analyze(w *Workload) (*SpreadReport, error) {
	snap, cluster := a.snap, a.cluster
	if w == nil {
		return nil, fmt.Errorf("spread: nothing to analyse")
	}
	next, from, err := nextReplica(w)
	if err != nil {
		return nil, err
	}
	if next.Spec.Priority == nil {
		next.Spec.Priority = a.priorities.Priority(next)
	}
	r := &SpreadReport{
		APIVersion:         APIVersion,
		Kind:               ReportKind,
		Source:             snap.Source,
		Workload:           workloadRef(w, from),
		Warnings:           snap.Warnings,
		MissingPermissions: snap.Missing,
	}
	fits := nextReplicaNodes(next, cluster, &r.NextReplica)

	constraints, err := analyseConstraints(next, w, cluster, fits)
	if err != nil {
		return nil, err
	}
	r.Constraints = constraints
	r.DefaultConstraints = len(next.Spec.TopologySpreadConstraints) == 0

	r.AntiAffinity, err = antiAffinityTerms(next, cluster, w)
	if err != nil {
		return nil, fmt.Errorf("%s %s/%s: pod anti-affinity: %w", w.Kind, w.Namespace, w.Name, err)
	}
	r.Impact = impact(w.Pods, cluster)
	r.Findings = findings(r, w, next, cluster)
	return r, nil
}

func workloadRef(w *Workload, templateFrom string) WorkloadRef {
	ref := WorkloadRef{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Replicas: w.Replicas,
		FromObject: w.Template != nil, TemplateFrom: templateFrom, Pods: len(w.Pods)}
	if w.Selector != nil {
		ref.Selector = w.Selector
	}
	for _, p := range w.Pods {
		switch {
		case p.Spec.NodeName == "":
			ref.Pending++
		case isReady(p):
			ref.Ready++
		}
	}
	return ref
}

// isReady: bound, not terminating, and its Ready condition is True.
func isReady(p *corev1.Pod) bool {
	if p.Spec.NodeName == "" || p.DeletionTimestamp != nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// nextReplica is the Pod one more replica would be: the newest Pod as admission stored it
// (matchLabelKeys merged, default tolerations, pod-template-hash), else the object's template.
func nextReplica(w *Workload) (*corev1.Pod, string, error) {
	var pod *corev1.Pod
	var from string
	if p := newestPod(w.Pods); p != nil {
		pod, from = p.DeepCopy(), "pod "+p.Name
	} else if w.Template != nil {
		pod = &corev1.Pod{ObjectMeta: *w.Template.ObjectMeta.DeepCopy(), Spec: *w.Template.Spec.DeepCopy()}
		pod.Namespace, from = w.Namespace, "template"
	} else {
		return nil, "", fmt.Errorf("%s %q in namespace %q has no Pods and no Pod template to analyse", lower(w.Kind), w.Name, w.Namespace)
	}
	pod.Name = w.Name + "-next-replica"
	// A UID of its own: the scheduler weighs every nominated Pod but the incoming one itself.
	pod.UID, pod.ResourceVersion, pod.DeletionTimestamp = types.UID("next-replica-of-"+w.Namespace+"-"+w.Name), "", nil
	pod.Spec.NodeName = ""
	pod.Status = corev1.PodStatus{Phase: corev1.PodPending}
	// A new replica gets claims of its own (volumeClaimTemplates, ephemeral volumes), which do not
	// exist yet; the existing Pod's claims would wrongly pin or reject it.
	vols := pod.Spec.Volumes[:0:0]
	for _, v := range pod.Spec.Volumes {
		if v.PersistentVolumeClaim == nil && v.Ephemeral == nil {
			vols = append(vols, v)
		}
	}
	pod.Spec.Volumes = vols
	if w.Kind == KindDaemonSet {
		unpinDaemonPod(pod)
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	return pod, from, nil
}

// unpinDaemonPod drops the metadata.name matchFields the DaemonSet controller adds to pin each Pod
// to its node: kept, nodeAffinityPolicy Honor would leave every other node out of the domains.
func unpinDaemonPod(pod *corev1.Pod) {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return
	}
	ns := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	var terms []corev1.NodeSelectorTerm
	for _, t := range ns.NodeSelectorTerms {
		var fields []corev1.NodeSelectorRequirement
		for _, f := range t.MatchFields {
			if f.Key != metav1.ObjectNameField {
				fields = append(fields, f)
			}
		}
		t.MatchFields = fields
		if len(t.MatchExpressions) > 0 || len(t.MatchFields) > 0 {
			terms = append(terms, t)
		}
	}
	if len(terms) == 0 {
		a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
		return
	}
	ns.NodeSelectorTerms = terms
}

// nextReplicaNodes runs one more replica through the scheduler's cycle (PreFilter, then Filter
// with nominated Pods) and returns the nodes that accept it.
func nextReplicaNodes(next *corev1.Pod, c *checks.Cluster, out *NextReplica) map[string]bool {
	fits := map[string]bool{}
	out.Nodes = []string{}
	cycle := checks.RunCycle(checks.DefaultProfile, c, next, checks.CycleOptions{SkipPostFilter: true})
	out.PreFilter = cycle.PreFilter
	for _, n := range cycle.Nodes {
		if n.Verdict == nil {
			fits[n.Name] = true
			out.Nodes = append(out.Nodes, n.Name)
		}
	}
	return fits
}

// analyseConstraints counts every constraint of the Pod, or the system defaults when it has none.
func analyseConstraints(pod *corev1.Pod, w *Workload, c *checks.Cluster, fits map[string]bool) ([]checks.SpreadDomains, error) {
	specs := pod.Spec.TopologySpreadConstraints
	if len(specs) > 0 {
		st, err := checks.NewSpreadAnalysis(pod, specs, c)
		if err != nil {
			return nil, fmt.Errorf("%s %s/%s: %w", w.Kind, w.Namespace, w.Name, err)
		}
		out := make([]checks.SpreadDomains, len(specs))
		for i := range specs {
			out[i] = constraint(st, i, specs[i], w, c, fits)
		}
		return out, nil
	}
	// System defaults are counted one at a time: the scheduler does not require a node to carry
	// every default key (requireAllTopologies is false for them).
	sel := defaultSelector(pod, w)
	out := make([]checks.SpreadDomains, len(systemDefaultConstraints))
	for i, d := range systemDefaultConstraints {
		d.LabelSelector = sel
		st, err := checks.NewSpreadAnalysis(pod, []corev1.TopologySpreadConstraint{d}, c)
		if err != nil {
			return nil, fmt.Errorf("%s %s/%s: default spread: %w", w.Kind, w.Namespace, w.Name, err)
		}
		out[i] = constraint(st, 0, d, w, c, fits)
		out[i].Constraint = i
	}
	return out, nil
}

// defaultSelector approximates the selector the scheduler derives for the system defaults (the
// selectors of the Services and controllers that select the Pod): the workload's own selector, plus
// the pod-template-hash a Deployment's ReplicaSet adds; without the object, the Pod's labels
// minus the per-Pod ones.
func defaultSelector(pod *corev1.Pod, w *Workload) *metav1.LabelSelector {
	if w.Selector != nil {
		sel := w.Selector.DeepCopy()
		if h := pod.Labels[labelPodTemplateHash]; w.Kind == KindDeployment && h != "" {
			if sel.MatchLabels == nil {
				sel.MatchLabels = map[string]string{}
			}
			sel.MatchLabels[labelPodTemplateHash] = h
		}
		return sel
	}
	m := map[string]string{}
	for k, v := range pod.Labels {
		switch k {
		case labelControllerRevision, labelStatefulSetPodName, labelPodIndex, labelJobCompletionIndex:
		default:
			m[k] = v
		}
	}
	return &metav1.LabelSelector{MatchLabels: m}
}

// constraint fills one constraint's report from the scheduler's counts (position i of st).
func constraint(st *checks.SpreadState, i int, spec corev1.TopologySpreadConstraint, w *Workload, c *checks.Cluster, fits map[string]bool) checks.SpreadDomains {
	var sum checks.SpreadDomains
	if all := st.Summary(); i < len(all) {
		sum = all[i]
	}
	out := checks.SpreadDomains{
		Constraint:         i,
		TopologyKey:        spec.TopologyKey,
		WhenUnsatisfiable:  spec.WhenUnsatisfiable,
		MaxSkew:            spec.MaxSkew,
		MinDomains:         sum.MinDomains,
		Selector:           sum.Selector,
		MatchLabelKeys:     spec.MatchLabelKeys,
		NodeAffinityPolicy: sum.NodeAffinityPolicy,
		NodeTaintsPolicy:   sum.NodeTaintsPolicy,
		SelfMatch:          st.SelfMatch(i),
		EligibleDomains:    len(sum.Domains),
		GlobalMinimum:      st.GlobalMinimum(i),
		OpenDomains:        []string{},
	}
	if m, ok := st.MinMatching(i); ok {
		out.MinMatching = &m
	}
	counted := map[string]int32{}
	for _, d := range sum.Domains {
		counted[d.Name] = d.Matching
		out.Skew = max(out.Skew, d.Matching-out.GlobalMinimum)
	}
	self := int32(0)
	if out.SelfMatch {
		self = 1
	}

	byValue := map[string][]*checks.NodeInfo{}
	for _, ni := range c.Nodes {
		if ni == nil || ni.Node == nil {
			continue
		}
		v, ok := ni.Node.Labels[spec.TopologyKey]
		if !ok {
			out.NodesWithoutKey = append(out.NodesWithoutKey, ni.Node.Name)
			continue
		}
		byValue[v] = append(byValue[v], ni)
	}
	replicas := replicasByNode(w.Pods)
	names := make([]string, 0, len(byValue))
	for v := range byValue {
		names = append(names, v)
	}
	sort.Strings(names)
	for _, v := range names {
		matching := counted[v]
		d := checks.DomainCount{Name: v, Matching: matching, Nodes: len(st.DomainNodes(i, v)), NodesWithValue: len(byValue[v])}
		for _, ni := range byValue[v] {
			name := ni.Node.Name
			d.Replicas += replicas[name]
			d.CanPlace = d.CanPlace || fits[name]
			for _, ex := range st.NodeExclusions(name) {
				if ex.Constraint == i {
					d.Excluded = append(d.Excluded, checks.ExcludedNode{Node: name, Reason: ex.Reason, MissingKeys: ex.MissingKeys, Taint: ex.Taint})
				}
			}
		}
		// As the Filter: an uncounted domain reads as 0.
		d.SkewIfPlaced = matching + self - out.GlobalMinimum
		d.Open = d.SkewIfPlaced <= spec.MaxSkew
		if d.Open && d.CanPlace {
			out.OpenDomains = append(out.OpenDomains, v)
		}
		out.Domains = append(out.Domains, d)
	}
	if out.Domains == nil {
		out.Domains = []checks.DomainCount{}
	}
	return out
}

// replicasByNode counts the workload's bound, non-terminating Pods per node.
func replicasByNode(pods []*corev1.Pod) map[string]int {
	out := map[string]int{}
	for _, p := range pods {
		if p.Spec.NodeName != "" && p.DeletionTimestamp == nil {
			out[p.Spec.NodeName]++
		}
	}
	return out
}

// impact counts ready replicas per zone and per node.
func impact(pods []*corev1.Pod, c *checks.Cluster) Impact {
	out := Impact{Zones: []FailureDomain{}, Nodes: []FailureDomain{}}
	zoneOf := map[string]string{}
	zones := map[string]int{}
	for _, ni := range c.Nodes {
		if ni == nil || ni.Node == nil {
			continue
		}
		z := ni.Node.Labels[ZoneKey]
		zoneOf[ni.Node.Name] = z
		zones[z] += 0
	}
	nodes := map[string]int{}
	for _, p := range pods {
		if !isReady(p) {
			continue
		}
		out.ReadyReplicas++
		nodes[p.Spec.NodeName]++
		if z, ok := zoneOf[p.Spec.NodeName]; ok {
			zones[z]++
		}
	}
	share := func(name string, n int) FailureDomain {
		fd := FailureDomain{Name: name, Ready: n}
		if out.ReadyReplicas > 0 {
			fd.Percent = (n*100 + out.ReadyReplicas/2) / out.ReadyReplicas
			fd.MoreThanHalf = 2*n > out.ReadyReplicas
		}
		return fd
	}
	for z, n := range zones {
		out.Zones = append(out.Zones, share(z, n))
	}
	sort.Slice(out.Zones, func(a, b int) bool { return out.Zones[a].Name < out.Zones[b].Name })
	for n, k := range nodes {
		out.Nodes = append(out.Nodes, share(n, k))
	}
	sort.Slice(out.Nodes, func(a, b int) bool {
		if out.Nodes[a].Ready != out.Nodes[b].Ready {
			return out.Nodes[a].Ready > out.Nodes[b].Ready
		}
		return out.Nodes[a].Name < out.Nodes[b].Name
	})
	return out
}

func lower(kind string) string {
	if kind == "" {
		return "workload"
	}
	return strings.ToLower(kind)
}
