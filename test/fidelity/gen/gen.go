// Package gen generates random, API-valid clusters with one Pending Pod from a seed. The
// vocabularies (label keys and values, taint keys, resource sizes) are deliberately small so that
// matches, mismatches and near misses all happen often.
package gen

import (
	"fmt"
	"math/rand"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Label keys the nodes carry and the pod's selectors ask for.
const (
	LabelZone     = "topology.kubernetes.io/zone"
	LabelHostname = "kubernetes.io/hostname"
	LabelDisk     = "disk"
	LabelGen      = "gen"
	ResourceGPU   = corev1.ResourceName("example.com/gpu")
	// PendingName is the name of the Pod under test.
	PendingName = "pending"
)

// Case is one generated cluster and the Pod to schedule.
type Case struct {
	Seed int64
	// Focus names the knob set the case was drawn with (mixed, spread, affinity, resources).
	Focus           string
	Nodes           []*corev1.Node // sorted by name
	Pods            []*corev1.Pod  // bound Pods, then the Pending one
	Namespaces      []*corev1.Namespace
	PriorityClasses []*schedulingv1.PriorityClass
	Pending         *corev1.Pod
	// Volumes is set for the cases drawn with the volume overlay (see genVolumes); the objects
	// below are then what the Pending Pod's volumes refer to.
	Volumes        bool
	PVs            []*corev1.PersistentVolume
	PVCs           []*corev1.PersistentVolumeClaim
	StorageClasses []*storagev1.StorageClass
	CSI            // the node-features and CSI overlay's objects (csi.go)
}

type g struct {
	r          *rand.Rand
	c          *Case
	k          knobs
	namespaces []string
	uid        int
	// The pending Pod's namespace and labels are chosen first so bound Pods can share them
	// (spread and affinity need matching Pods to have anything to count).
	pendingNS     string
	pendingLabels map[string]string
	// big: this case's cluster has 50 to 200 nodes.
	big bool
}

// knobs are the probabilities of one focus. Uniformly random clusters reject most nodes at the
// first filters (taints, affinity, resources), so later filters would rarely decide; each focus
// keeps the early filters mostly out of the way for the plugins it is about.
type knobs struct {
	focus                                      string
	taint, cordon, nodeSelector, nodeAffinity  float64
	podAffinity, podAntiAffinity, spread, tols float64
	hostPort, existingAnti, terminating        float64
	sameNamespace, sameLabels                  float64
	bigNodes                                   bool
	maxPodsPerNode                             int
	pendingCPU                                 []string
}

var focuses = []knobs{
	{focus: "mixed", taint: 0.5, cordon: 0.15, nodeSelector: 0.25, nodeAffinity: 0.35, podAffinity: 0.2, podAntiAffinity: 0.2,
		spread: 0.35, tols: 0.5, hostPort: 0.2, existingAnti: 0.15, terminating: 0.15, sameNamespace: 0.3, sameLabels: 0.2,
		maxPodsPerNode: 3, pendingCPU: []string{"0", "100m", "250m", "500m", "1", "1500m", "2"}},
	{focus: "spread", taint: 0.2, cordon: 0.05, nodeSelector: 0.15, nodeAffinity: 0.2, podAffinity: 0.05, podAntiAffinity: 0.05,
		spread: 1, tols: 0.4, hostPort: 0.05, existingAnti: 0.05, terminating: 0.25, sameNamespace: 0.75, sameLabels: 0.6,
		bigNodes: true, maxPodsPerNode: 4, pendingCPU: []string{"0", "100m", "250m"}},
	{focus: "affinity", taint: 0.2, cordon: 0.05, nodeSelector: 0.1, nodeAffinity: 0.15, podAffinity: 0.6, podAntiAffinity: 0.6,
		spread: 0.2, tols: 0.4, hostPort: 0.05, existingAnti: 0.35, terminating: 0.2, sameNamespace: 0.6, sameLabels: 0.5,
		bigNodes: true, maxPodsPerNode: 3, pendingCPU: []string{"0", "100m", "250m"}},
	{focus: "resources", taint: 0.2, cordon: 0.05, nodeSelector: 0.1, nodeAffinity: 0.1, podAffinity: 0.05, podAntiAffinity: 0.05,
		spread: 0.1, tols: 0.3, hostPort: 0.4, existingAnti: 0.1, terminating: 0.2, sameNamespace: 0.5, sameLabels: 0.3,
		maxPodsPerNode: 4, pendingCPU: []string{"100m", "250m", "500m", "1", "1500m"}},
}

func (g *g) chance(p float64) bool { return g.r.Float64() < p }

// bigClusterFraction is the share of cases with 50 to 200 nodes.
const bigClusterFraction = 0.02

func pick[T any](g *g, xs ...T) T { return xs[g.r.Intn(len(xs))] }

func (g *g) nextUID() types.UID {
	g.uid++
	return types.UID(fmt.Sprintf("00000000-0000-0000-0000-%012d", g.uid))
}

// Generate builds the case for seed; the same seed always gives the same case.
func Generate(seed int64) *Case {
	g := &g{r: rand.New(rand.NewSource(seed)), c: &Case{Seed: seed}}
	g.k = focuses[g.r.Intn(len(focuses))]
	g.c.Focus = g.k.focus
	g.genNamespaces()
	g.pendingNS = pick(g, g.namespaces...)
	g.pendingLabels = g.podLabels()
	g.genPriorityClasses()
	// A few clusters are large (50 to 200 nodes), drawn on a stream of their own so the small
	// cases stay as they were.
	g.big = rand.New(rand.NewSource(seed*104729+11)).Float64() < bigClusterFraction
	g.genNodes()
	g.genBoundPods()
	g.genPending()
	// The volume overlay draws from its own stream, so every case without it is the same as
	// before volumes were generated.
	vr := rand.New(rand.NewSource(seed*7919 + 17))
	if vr.Float64() < volumeFraction {
		(&g2{g: g, r: vr}).genVolumes()
	}
	// So do the nominated-pods overlay and the pod-level resources one.
	nr := rand.New(rand.NewSource(seed*15485863 + 7))
	if nr.Float64() < nominatedFraction {
		g.genNominated(nr)
	}
	pr := rand.New(rand.NewSource(seed*104729 + 31))
	if pr.Float64() < podLevelFraction {
		(&g3{c: g.c, r: pr}).genPodLevel()
	}
	// VolumeRestrictions and namespaceSelectors (volrestrict.go), each on a stream of its own.
	if rr := rand.New(rand.NewSource(seed*2654435761 + 97)); rr.Float64() < volRestrictFraction {
		genVolumeRestrictions(g, rr)
	}
	if sr := rand.New(rand.NewSource(seed*40503 + 13)); sr.Float64() < nsSelectorFraction {
		genNamespaceSelectors(g, sr)
	}
	if cr := rand.New(rand.NewSource(seed*2654435761 + 3)); cr.Float64() < csiFraction {
		(&g4{c: g.c, r: cr}).genCSI()
	}
	return g.c
}

var nsLabels = map[string]map[string]string{
	"default": {},
	"team-a":  {"team": "a", "env": "prod"},
	"team-b":  {"team": "b", "env": "dev"},
}

func (g *g) genNamespaces() {
	names := []string{"default", "team-a"}
	if g.chance(0.5) {
		names = append(names, "team-b")
	}
	g.namespaces = names
	for _, n := range names {
		labels := map[string]string{"kubernetes.io/metadata.name": n}
		for k, v := range nsLabels[n] {
			labels[k] = v
		}
		g.c.Namespaces = append(g.c.Namespaces, &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: n, UID: g.nextUID(), Labels: labels},
			Status:     corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
		})
	}
}

// priorityClass describes the classes the pods may use; "" is no class (priority 0).
type priorityClass struct {
	name   string
	value  int32
	policy corev1.PreemptionPolicy
}

var priorityClasses = []priorityClass{
	{"low", 100, corev1.PreemptLowerPriority},
	{"high", 1000, corev1.PreemptLowerPriority},
	{"high-never", 1000, corev1.PreemptNever},
}

func (g *g) genPriorityClasses() {
	for _, pc := range priorityClasses {
		policy := pc.policy
		g.c.PriorityClasses = append(g.c.PriorityClasses, &schedulingv1.PriorityClass{
			TypeMeta:         metav1.TypeMeta{APIVersion: "scheduling.k8s.io/v1", Kind: "PriorityClass"},
			ObjectMeta:       metav1.ObjectMeta{Name: pc.name, UID: g.nextUID()},
			Value:            pc.value,
			PreemptionPolicy: &policy,
		})
	}
}

// setPriority fills what the Priority admission plugin would: spec.priority and preemptionPolicy
// from the class, 0 and PreemptLowerPriority without one.
func (g *g) setPriority(p *corev1.Pod, allowNever bool) {
	classes := []string{"", "", "low", "high"}
	if allowNever {
		classes = append(classes, "high-never")
	}
	name := pick(g, classes...)
	prio, policy := int32(0), corev1.PreemptLowerPriority
	for _, pc := range priorityClasses {
		if pc.name == name {
			prio, policy = pc.value, pc.policy
		}
	}
	p.Spec.PriorityClassName = name
	p.Spec.Priority = &prio
	p.Spec.PreemptionPolicy = &policy
}

var (
	taintKeys   = []string{"dedicated", "spot", "gpu", "node.kubernetes.io/unreachable"}
	taintValues = []string{"", "db", "web", "true"}
	effects     = []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute}
	zones       = []string{"a", "b", "c"}
	gens        = []string{"1", "2", "3", "4", "5", "abc"}
	apps        = []string{"web", "db", "cache"}
)

func (g *g) genNodes() {
	n := 1 + g.r.Intn(8)
	if g.big {
		n = 50 + g.r.Intn(151)
	}
	if g.chance(0.01) {
		n = 0 // "no nodes available to schedule pods"
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("n%d", i)
		labels := map[string]string{LabelHostname: name}
		if g.chance(0.85) {
			labels[LabelZone] = pick(g, zones...)
		}
		if g.chance(0.7) {
			labels[LabelDisk] = pick(g, "ssd", "hdd")
		}
		if g.chance(0.6) {
			labels[LabelGen] = pick(g, gens...)
		}
		var taints []corev1.Taint
		seen := map[string]bool{}
		nTaints := 0
		if g.chance(g.k.taint) {
			nTaints = 1 + g.r.Intn(2)
		}
		for t := nTaints; t > 0; t-- {
			taint := corev1.Taint{Key: pick(g, taintKeys...), Value: pick(g, taintValues...), Effect: pick(g, effects...)}
			// API validation rejects two taints with the same key and effect.
			if id := taint.Key + ":" + string(taint.Effect); !seen[id] {
				seen[id] = true
				taints = append(taints, taint)
			}
		}
		alloc := corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(pick(g, "500m", "1", "2", "4")),
			corev1.ResourceMemory: resource.MustParse(pick(g, "1Gi", "2Gi", "4Gi")),
			corev1.ResourcePods:   resource.MustParse(pick(g, "1", "2", "3", "4", "110", "110")),
		}
		if g.k.bigNodes && g.chance(0.8) {
			alloc[corev1.ResourceCPU], alloc[corev1.ResourceMemory], alloc[corev1.ResourcePods] =
				resource.MustParse("8"), resource.MustParse("16Gi"), resource.MustParse("110")
		}
		if g.chance(0.5) {
			alloc[corev1.ResourceEphemeralStorage] = resource.MustParse("10Gi")
		}
		if g.chance(0.4) {
			alloc[ResourceGPU] = resource.MustParse(pick(g, "0", "1", "2"))
		}
		g.c.Nodes = append(g.c.Nodes, &corev1.Node{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
			ObjectMeta: metav1.ObjectMeta{Name: name, UID: g.nextUID(), Labels: labels},
			Spec:       corev1.NodeSpec{Unschedulable: g.chance(g.k.cordon), Taints: taints},
			Status: corev1.NodeStatus{
				Capacity:    alloc.DeepCopy(),
				Allocatable: alloc,
				Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
			},
		})
	}
	sort.Slice(g.c.Nodes, func(i, j int) bool { return g.c.Nodes[i].Name < g.c.Nodes[j].Name })
}

func (g *g) podLabels() map[string]string {
	l := map[string]string{}
	if g.chance(0.75) {
		l["app"] = pick(g, apps...)
	}
	if g.chance(0.5) {
		l["tier"] = pick(g, "fe", "be")
	}
	if g.chance(0.3) {
		l["version"] = pick(g, "v1", "v2")
	}
	return l
}

func (g *g) requests(cpus, mems []string, gpu float64) corev1.ResourceRequirements {
	req := corev1.ResourceList{}
	if c := pick(g, cpus...); c != "0" {
		req[corev1.ResourceCPU] = resource.MustParse(c)
	}
	if m := pick(g, mems...); m != "0" {
		req[corev1.ResourceMemory] = resource.MustParse(m)
	}
	if g.chance(0.05) {
		// Nodes without ephemeral-storage allocatable cannot take any of it.
		req[corev1.ResourceEphemeralStorage] = resource.MustParse(pick(g, "1Gi", "20Gi"))
	}
	var lim corev1.ResourceList
	if g.chance(gpu) {
		// Extended resources are set as limits; defaulting copies them into requests.
		q := resource.MustParse(pick(g, "1", "1", "2"))
		lim = corev1.ResourceList{ResourceGPU: q}
		req[ResourceGPU] = q
	}
	if len(req) == 0 {
		req = nil
	}
	return corev1.ResourceRequirements{Requests: req, Limits: lim}
}

func (g *g) hostPorts() []corev1.ContainerPort {
	p := corev1.ContainerPort{
		ContainerPort: 80,
		HostPort:      pick(g, int32(8080), int32(9090)),
		Protocol:      pick(g, corev1.ProtocolTCP, corev1.ProtocolTCP, corev1.ProtocolUDP),
	}
	if g.chance(0.3) {
		p.HostIP = pick(g, "10.0.0.1", "10.0.0.2", "0.0.0.0")
	}
	return []corev1.ContainerPort{p}
}

func (g *g) basePod(name, ns string) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: g.nextUID(), Labels: g.podLabels()},
		Spec: corev1.PodSpec{
			SchedulerName: corev1.DefaultSchedulerName,
			// The DefaultTolerationSeconds admission plugin adds these to every Pod.
			Tolerations: []corev1.Toleration{
				{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
				{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
			},
		},
	}
}

func ptr[T any](v T) *T { return &v }

func (g *g) genBoundPods() {
	created := metav1.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	i := 0
	for _, n := range g.c.Nodes {
		for k := g.r.Intn(g.k.maxPodsPerNode + 1); k > 0; k-- {
			i++
			ns := pick(g, g.namespaces...)
			if g.chance(g.k.sameNamespace) {
				ns = g.pendingNS
			}
			p := g.basePod(fmt.Sprintf("p%d", i), ns)
			if g.chance(g.k.sameLabels) {
				p.Labels = map[string]string{}
				for k, v := range g.pendingLabels {
					p.Labels[k] = v
				}
				if g.chance(0.3) {
					p.Labels["version"] = pick(g, "v1", "v2")
				}
			}
			p.CreationTimestamp = created
			p.Spec.NodeName = n.Name
			c := corev1.Container{Name: "app", Image: "registry.example/app:1",
				Resources: g.requests([]string{"0", "100m", "250m", "500m", "1"}, []string{"0", "128Mi", "512Mi", "1Gi"}, 0.15)}
			if g.chance(g.k.hostPort * 0.75) {
				c.Ports = g.hostPorts()
			}
			p.Spec.Containers = []corev1.Container{c}
			if g.chance(g.k.existingAnti) {
				p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{g.podAffinityTerm(p)},
				}}
			}
			g.setPriority(p, false)
			if g.chance(g.k.terminating) {
				// Terminating: still in the scheduler's cache, still holding resources.
				p.DeletionTimestamp = ptr(metav1.NewTime(created.Add(time.Hour)))
				p.DeletionGracePeriodSeconds = ptr(int64(30))
				p.Finalizers = []string{"example.com/hold"}
			}
			p.Status.Phase = corev1.PodRunning
			// Running pods have a startTime (preemption prefers the node whose victims started
			// last); bound pods still Pending have none yet.
			p.Status.StartTime = ptr(metav1.NewTime(created.Add(time.Duration(i) * time.Second)))
			if g.chance(0.2) {
				p.Status.Phase = corev1.PodPending
				p.Status.StartTime = nil
			}
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}}
			g.c.Pods = append(g.c.Pods, p)
		}
	}
}

// labelSelector returns nil, {} or a selector over the pod label vocabulary.
func (g *g) labelSelector(nilP, emptyP float64) *metav1.LabelSelector {
	switch x := g.r.Float64(); {
	case x < nilP:
		return nil
	case x < nilP+emptyP:
		return &metav1.LabelSelector{}
	}
	s := &metav1.LabelSelector{}
	if g.chance(0.7) {
		s.MatchLabels = map[string]string{"app": pick(g, apps...)}
	} else {
		switch pick(g, 0, 1, 2) {
		case 0:
			s.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{pick(g, apps...), pick(g, apps...)}}}
		case 1:
			s.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpExists}}
		case 2:
			s.MatchExpressions = []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{pick(g, apps...)}}}
		}
	}
	return dedupeIn(s)
}

// dedupeIn removes duplicate values in In/NotIn lists (validation allows them, but they read badly).
func dedupeIn(s *metav1.LabelSelector) *metav1.LabelSelector {
	for i, e := range s.MatchExpressions {
		if len(e.Values) == 2 && e.Values[0] == e.Values[1] {
			s.MatchExpressions[i].Values = e.Values[:1]
		}
	}
	return s
}

// podAffinityTerm builds a required (anti-)affinity term owned by p, applying matchLabelKeys and
// mismatchLabelKeys as kube-apiserver does at creation.
func (g *g) podAffinityTerm(p *corev1.Pod) corev1.PodAffinityTerm {
	t := corev1.PodAffinityTerm{
		LabelSelector: g.labelSelector(0.05, 0.1),
		TopologyKey:   pick(g, LabelZone, LabelHostname, LabelHostname, LabelDisk),
	}
	switch x := g.r.Float64(); {
	case x < 0.15:
		t.Namespaces = []string{pick(g, g.namespaces...)}
	case x < 0.25:
		t.NamespaceSelector = &metav1.LabelSelector{}
	case x < 0.35:
		t.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": pick(g, "a", "b")}}
		if g.chance(0.5) {
			t.Namespaces = []string{"default"}
		}
	}
	if t.LabelSelector != nil && g.chance(0.15) {
		key := pick(g, "version", "tier")
		if !selectorHasKey(t.LabelSelector, key) {
			if g.chance(0.5) {
				t.MatchLabelKeys = []string{key}
			} else {
				t.MismatchLabelKeys = []string{key}
			}
			applyLabelKeys(t.LabelSelector, t.MatchLabelKeys, metav1.LabelSelectorOpIn, p.Labels)
			applyLabelKeys(t.LabelSelector, t.MismatchLabelKeys, metav1.LabelSelectorOpNotIn, p.Labels)
		}
	}
	return t
}

func selectorHasKey(s *metav1.LabelSelector, key string) bool {
	if _, ok := s.MatchLabels[key]; ok {
		return true
	}
	for _, e := range s.MatchExpressions {
		if e.Key == key {
			return true
		}
	}
	return false
}

// applyLabelKeys is kube-apiserver's applyLabelKeysToLabelSelector (pkg/registry/core/pod).
func applyLabelKeys(s *metav1.LabelSelector, keys []string, op metav1.LabelSelectorOperator, podLabels map[string]string) {
	for _, k := range keys {
		if v, ok := podLabels[k]; ok {
			s.MatchExpressions = append(s.MatchExpressions, metav1.LabelSelectorRequirement{Key: k, Operator: op, Values: []string{v}})
		}
	}
}

func (g *g) genPending() {
	p := g.basePod(PendingName, g.pendingNS)
	p.Labels = g.pendingLabels
	p.CreationTimestamp = metav1.NewTime(time.Date(2026, 1, 2, 4, 0, 0, 0, time.UTC))
	cpus := g.k.pendingCPU
	mems := []string{"0", "128Mi", "512Mi", "1Gi", "2Gi"}
	p.Spec.Containers = []corev1.Container{{Name: "app", Image: "registry.example/app:1", Resources: g.requests(cpus, mems, 0.2)}}
	if g.chance(g.k.hostPort) {
		p.Spec.Containers[0].Ports = g.hostPorts()
	}
	if g.chance(0.25) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "helper", Image: "registry.example/helper:1",
			Resources: g.requests([]string{"0", "100m", "500m"}, []string{"0", "128Mi"}, 0.05)})
	}
	if g.chance(0.3) {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "init", Image: "registry.example/init:1",
			Resources: g.requests([]string{"0", "500m", "1", "2", "3"}, []string{"0", "1Gi", "3Gi"}, 0.1)})
	}
	if g.chance(0.25) {
		sc := corev1.Container{Name: "sidecar", Image: "registry.example/proxy:1", RestartPolicy: ptr(corev1.ContainerRestartPolicyAlways),
			Resources: g.requests([]string{"0", "100m", "500m"}, []string{"0", "64Mi", "512Mi"}, 0.05)}
		if g.chance(0.3) {
			sc.Ports = g.hostPorts()
		}
		// Sidecars may come before or after a regular init container; the order changes the peak.
		if g.chance(0.5) {
			p.Spec.InitContainers = append([]corev1.Container{sc}, p.Spec.InitContainers...)
		} else {
			p.Spec.InitContainers = append(p.Spec.InitContainers, sc)
		}
	}
	if g.chance(0.1) {
		p.Spec.RuntimeClassName = ptr("kata")
		p.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}
	}
	if g.chance(g.k.nodeSelector) {
		p.Spec.NodeSelector = map[string]string{}
		for k := 1 + g.r.Intn(2); k > 0; k-- {
			key := pick(g, LabelZone, LabelDisk, LabelGen, LabelHostname)
			p.Spec.NodeSelector[key] = g.labelValue(key)
		}
	}
	aff := &corev1.Affinity{}
	if g.chance(g.k.nodeAffinity) {
		aff.NodeAffinity = &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: g.nodeSelector()}
	}
	if g.chance(g.k.podAffinity) {
		aff.PodAffinity = &corev1.PodAffinity{}
		for k := 1 + g.r.Intn(2); k > 0; k-- {
			aff.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(aff.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution, g.podAffinityTerm(p))
		}
	}
	if g.chance(g.k.podAntiAffinity) {
		aff.PodAntiAffinity = &corev1.PodAntiAffinity{}
		for k := 1 + g.r.Intn(2); k > 0; k-- {
			aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, g.podAffinityTerm(p))
		}
	}
	if aff.NodeAffinity != nil || aff.PodAffinity != nil || aff.PodAntiAffinity != nil {
		p.Spec.Affinity = aff
	}
	if g.chance(g.k.tols) {
		for k := 1 + g.r.Intn(3); k > 0; k-- {
			p.Spec.Tolerations = append(p.Spec.Tolerations, g.toleration())
		}
	}
	if g.chance(g.k.spread) {
		for k := 1 + g.r.Intn(2); k > 0; k-- {
			p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, g.spreadConstraint(p))
		}
	}
	g.setPriority(p, true)
	p.Status.Phase = corev1.PodPending
	g.c.Pods = append(g.c.Pods, p)
	g.c.Pending = p
}

func (g *g) labelValue(key string) string {
	switch key {
	case LabelZone:
		return pick(g, zones...)
	case LabelDisk:
		return pick(g, "ssd", "hdd")
	case LabelGen:
		return pick(g, gens...)
	default:
		return fmt.Sprintf("n%d", 1+g.r.Intn(9))
	}
}

func (g *g) nodeSelector() *corev1.NodeSelector {
	ns := &corev1.NodeSelector{}
	for t := 1 + g.r.Intn(2); t > 0; t-- {
		var term corev1.NodeSelectorTerm
		if !g.chance(0.03) { // an empty term matches no node
			for e := g.r.Intn(3); e >= 0; e-- {
				term.MatchExpressions = append(term.MatchExpressions, g.nodeSelectorRequirement())
			}
		}
		if g.chance(0.15) {
			// One value per matchFields requirement, as validation demands; n9 never exists.
			term.MatchFields = []corev1.NodeSelectorRequirement{{Key: "metadata.name",
				Operator: pick(g, corev1.NodeSelectorOpIn, corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn),
				Values:   []string{fmt.Sprintf("n%d", 1+g.r.Intn(9))}}}
			if g.chance(0.3) {
				term.MatchExpressions = nil
			}
		}
		ns.NodeSelectorTerms = append(ns.NodeSelectorTerms, term)
	}
	return ns
}

func (g *g) nodeSelectorRequirement() corev1.NodeSelectorRequirement {
	key := pick(g, LabelZone, LabelDisk, LabelGen, LabelGen, LabelHostname)
	switch op := pick(g, corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn, corev1.NodeSelectorOpExists,
		corev1.NodeSelectorOpDoesNotExist, corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt); op {
	case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
		vals := []string{g.labelValue(key)}
		if g.chance(0.4) {
			if v := g.labelValue(key); v != vals[0] {
				vals = append(vals, v)
			}
		}
		return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: vals}
	case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
		// Gt/Lt are meant for the numeric gen label; on other keys they never match.
		if g.chance(0.8) {
			key = LabelGen
		}
		return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: []string{pick(g, "1", "2", "3", "4")}}
	default:
		return corev1.NodeSelectorRequirement{Key: key, Operator: op}
	}
}

func (g *g) toleration() corev1.Toleration {
	t := corev1.Toleration{}
	switch x := g.r.Float64(); {
	case x < 0.1:
		t.Operator = corev1.TolerationOpExists // empty key: every taint (of the effect)
	case x < 0.2:
		t.Key, t.Operator = "node.kubernetes.io/unschedulable", corev1.TolerationOpExists
	default:
		t.Key = pick(g, taintKeys...)
		if g.chance(0.4) {
			t.Operator = corev1.TolerationOpExists
		} else {
			t.Operator = pick(g, corev1.TolerationOpEqual, "")
			t.Value = pick(g, taintValues...)
		}
	}
	if g.chance(0.6) {
		t.Effect = pick(g, effects...)
	}
	return t
}

func (g *g) spreadConstraint(p *corev1.Pod) corev1.TopologySpreadConstraint {
	c := corev1.TopologySpreadConstraint{
		MaxSkew:           int32(1 + g.r.Intn(2)),
		TopologyKey:       pick(g, LabelZone, LabelZone, LabelHostname, LabelDisk),
		WhenUnsatisfiable: pick(g, corev1.DoNotSchedule, corev1.DoNotSchedule, corev1.DoNotSchedule, corev1.ScheduleAnyway),
		LabelSelector:     g.labelSelector(0.1, 0.1),
	}
	if c.LabelSelector != nil && g.chance(0.7) && len(p.Labels) > 0 {
		// Usually select the pod's own kind, as a workload's constraint does.
		c.LabelSelector = &metav1.LabelSelector{MatchLabels: map[string]string{}}
		for k, v := range p.Labels {
			if k != "version" {
				c.LabelSelector.MatchLabels[k] = v
			}
		}
	}
	if c.WhenUnsatisfiable == corev1.DoNotSchedule && g.chance(0.25) {
		c.MinDomains = ptr(int32(1 + g.r.Intn(4)))
	}
	if g.chance(0.3) {
		c.NodeAffinityPolicy = ptr(pick(g, corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore))
	}
	if g.chance(0.3) {
		c.NodeTaintsPolicy = ptr(pick(g, corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore))
	}
	if c.LabelSelector != nil && g.chance(0.25) {
		// matchLabelKeys, sometimes naming a key the pod lacks; merged as kube-apiserver does.
		key := pick(g, "version", "tier", "pod-template-hash")
		if !selectorHasKey(c.LabelSelector, key) {
			c.MatchLabelKeys = []string{key}
			applyLabelKeys(c.LabelSelector, c.MatchLabelKeys, metav1.LabelSelectorOpIn, p.Labels)
		}
	}
	return c
}
