package e2e

import (
	"fmt"
	"hash/fnv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The spread scenarios of spread-scenarios/README.md, generated here rather than kept as
// manifests: the files under scenarios/ are all loaded into one cluster for the why-pending
// checks, while each spread scenario needs the cluster to itself (every node is a domain).

// spreadNode is one Node of a spread scenario; its kubernetes.io/hostname is its name.
type spreadNode struct {
	name   string
	zone   string // topology.kubernetes.io/zone; none when empty
	labels map[string]string
	taints []corev1.Taint
}

// spreadScenario is one workload on its own nodes, in its own namespace.
type spreadScenario struct {
	name     string // short; the namespace is spread-e2e-<name>
	about    string
	nodes    []spreadNode
	app      string // Deployment name and app label
	replicas int
	spec     corev1.PodSpec
	// expect checks what the README says the report shows, so that a scenario that no longer
	// exercises its case fails instead of passing vacuously. The scheduler agreement is checked
	// separately, for every domain.
	expect func(r *spreadReportJSON) error
}

const templateHash = "6b4f9c8d7"

func (s *spreadScenario) namespace() string { return "spread-e2e-" + s.name }

// podLabels are the replicas' labels: what the constraints select on, plus the ReplicaSet's hash.
func (s *spreadScenario) podLabels() map[string]string {
	return map[string]string{"app": s.app, "pod-template-hash": templateHash}
}

// replica is one Pod of the workload, as the ReplicaSet controller would have made it.
func (s *spreadScenario) replica(suffix string) *corev1.Pod {
	rs := s.app + "-" + templateHash
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: rs + "-" + suffix, Namespace: s.namespace(), Labels: s.podLabels(),
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs,
				UID:        types.UID(fmt.Sprintf("0e2e5bd0-0000-4000-8000-%012x", fnv32(s.name))),
				Controller: ptrTo(true), BlockOwnerDeletion: ptrTo(true),
			}},
		},
		Spec: *s.spec.DeepCopy(),
	}
}

func appContainer(app string) []corev1.Container {
	return []corev1.Container{{
		Name: app, Image: "registry.example.com/" + app + ":1.0",
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi"),
		}},
	}}
}

func selectApp(app string) *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
}

// threeWorkers are PREFIX-worker-1, -2 and -3, the last tainted dedicated=database:NoSchedule
// (local-control-plane.md's cluster).
func threeWorkers(prefix string) []spreadNode {
	taint := corev1.Taint{Key: "dedicated", Value: "database", Effect: corev1.TaintEffectNoSchedule}
	return []spreadNode{{name: prefix + "-worker-1"}, {name: prefix + "-worker-2"}, {name: prefix + "-worker-3", taints: []corev1.Taint{taint}}}
}

// hostnameSpread is a Pod spec with one maxSkew 1 constraint on hostname over the app's Pods.
func hostnameSpread(app string, when corev1.UnsatisfiableConstraintAction, taints *corev1.NodeInclusionPolicy) corev1.PodSpec {
	return corev1.PodSpec{
		Containers: appContainer(app),
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: when,
			LabelSelector: selectApp(app), NodeTaintsPolicy: taints,
		}},
	}
}

func spreadScenarios() []*spreadScenario {
	honor := corev1.NodeInclusionPolicyHonor
	return []*spreadScenario{
		{
			name: "tainted-host", app: "catalog", replicas: 6,
			about: "3 workers, worker-3 tainted, maxSkew 1 on hostname: the tainted worker still counts as a domain with 0 Pods",
			nodes: threeWorkers("th"),
			spec:  hostnameSpread("catalog", corev1.DoNotSchedule, nil),
			expect: func(r *spreadReportJSON) error {
				c := r.constraint(corev1.LabelHostname)
				if c == nil {
					return fmt.Errorf("no constraint on %s", corev1.LabelHostname)
				}
				var errs []string
				for _, name := range []string{"th-worker-1", "th-worker-2"} {
					if d := c.domain(name); d == nil || d.Open {
						errs = append(errs, name+" should be open: false")
					}
				}
				if d := c.domain("th-worker-3"); d == nil || !d.Eligible || d.CanPlace {
					errs = append(errs, "th-worker-3 should be eligible with canPlace: false")
				}
				if len(r.NextReplica.Nodes) != 0 {
					errs = append(errs, "nextReplica.nodes should be empty")
				}
				return joinErrs(errs)
			},
		},
		{
			name: "taints-honor", app: "catalog", replicas: 5,
			about: "the same with nodeTaintsPolicy: Honor: the tainted worker is no domain, the others open in turn",
			nodes: threeWorkers("tp"),
			spec:  hostnameSpread("catalog", corev1.DoNotSchedule, &honor),
			expect: func(r *spreadReportJSON) error {
				c := r.constraint(corev1.LabelHostname)
				if c == nil {
					return fmt.Errorf("no constraint on %s", corev1.LabelHostname)
				}
				var errs []string
				if d := c.domain("tp-worker-3"); d == nil || d.Eligible {
					errs = append(errs, "tp-worker-3 should be eligible: false")
				}
				if open := countDomains(c, func(d domainJSON) bool { return d.Open && d.Eligible }); open != 1 {
					errs = append(errs, fmt.Sprintf("exactly one of tp-worker-1/2 should be open (5 replicas, 3+2), got %d", open))
				}
				return joinErrs(errs)
			},
		},
		{
			name: "min-domains", app: "ledger", replicas: 3,
			about: "minDomains 3 over two zones: the global minimum is 0, a zone holding maxSkew Pods is closed",
			nodes: []spreadNode{{name: "md-a-1", zone: "zone-a"}, {name: "md-a-2", zone: "zone-a"}, {name: "md-b-1", zone: "zone-b"}},
			spec: corev1.PodSpec{
				Containers: appContainer("ledger"),
				TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
					MaxSkew: 2, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
					LabelSelector: selectApp("ledger"), MinDomains: ptrTo(int32(3)),
				}},
			},
			expect: func(r *spreadReportJSON) error {
				c := r.constraint(corev1.LabelTopologyZone)
				if c == nil {
					return fmt.Errorf("no constraint on %s", corev1.LabelTopologyZone)
				}
				var errs []string
				if c.GlobalMinimum != 0 {
					errs = append(errs, fmt.Sprintf("globalMinimum should be 0, got %d", c.GlobalMinimum))
				}
				if n := countDomains(c, func(d domainJSON) bool { return d.Matching == 2 && !d.Open }); n != 1 {
					errs = append(errs, fmt.Sprintf("one zone should hold 2 (maxSkew) and be closed, got %d", n))
				}
				if n := countDomains(c, func(d domainJSON) bool { return d.Matching == 1 && d.Open }); n != 1 {
					errs = append(errs, fmt.Sprintf("one zone should hold 1 and be open, got %d", n))
				}
				return joinErrs(errs)
			},
		},
		{
			name: "node-selector", app: "search", replicas: 3,
			about: "a nodeSelector excluding zone b (nodeAffinityPolicy Honor): zone b is no domain",
			nodes: []spreadNode{
				{name: "ns-a-1", zone: "zone-a", labels: map[string]string{"disk": "ssd"}},
				{name: "ns-a-2", zone: "zone-a", labels: map[string]string{"disk": "ssd"}},
				{name: "ns-b-1", zone: "zone-b", labels: map[string]string{"disk": "hdd"}},
				{name: "ns-c-1", zone: "zone-c", labels: map[string]string{"disk": "ssd"}},
			},
			spec: corev1.PodSpec{
				Containers:   appContainer("search"),
				NodeSelector: map[string]string{"disk": "ssd"},
				TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
					MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
					LabelSelector: selectApp("search"),
				}},
			},
			expect: func(r *spreadReportJSON) error {
				c := r.constraint(corev1.LabelTopologyZone)
				if c == nil {
					return fmt.Errorf("no constraint on %s", corev1.LabelTopologyZone)
				}
				var errs []string
				if d := c.domain("zone-b"); d == nil || d.Eligible || d.CanPlace {
					errs = append(errs, "zone-b should be eligible: false, canPlace: false")
				}
				if n := countDomains(c, func(d domainJSON) bool { return d.Eligible && d.Open }); n != 1 {
					errs = append(errs, fmt.Sprintf("one of zone-a/zone-c should be open (3 replicas, 2+1), got %d", n))
				}
				return joinErrs(errs)
			},
		},
		{
			name: "schedule-anyway", app: "frontend", replicas: 4,
			about: "ScheduleAnyway only: every domain with a fitting node can take a replica, whatever open says",
			nodes: threeWorkers("sa"),
			spec:  hostnameSpread("frontend", corev1.ScheduleAnyway, nil),
			expect: func(r *spreadReportJSON) error {
				c := r.constraint(corev1.LabelHostname)
				if c == nil {
					return fmt.Errorf("no constraint on %s", corev1.LabelHostname)
				}
				var errs []string
				for _, name := range []string{"sa-worker-1", "sa-worker-2"} {
					if d := c.domain(name); d == nil || !d.CanPlace {
						errs = append(errs, name+" should have canPlace: true")
					}
				}
				if n := countDomains(c, func(d domainJSON) bool { return !d.Open && d.CanPlace }); n == 0 {
					errs = append(errs, "some domain should be open: false yet canPlace: true")
				}
				return joinErrs(errs)
			},
		},
		{
			name: "anti-affinity", app: "cache", replicas: 3,
			about: "required pod anti-affinity on hostname with as many replicas as nodes: no domain can take one more",
			nodes: []spreadNode{{name: "aa-host-1", zone: "zone-a"}, {name: "aa-host-2", zone: "zone-a"}, {name: "aa-host-3", zone: "zone-b"}},
			spec: corev1.PodSpec{
				Containers: appContainer("cache"),
				Affinity: &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
					RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
						TopologyKey: corev1.LabelHostname, LabelSelector: selectApp("cache"),
					}},
				}},
			},
			expect: func(r *spreadReportJSON) error {
				var errs []string
				if !r.DefaultConstraints {
					errs = append(errs, "defaultConstraints should be true")
				}
				for _, c := range r.Constraints {
					if n := countDomains(&c, func(d domainJSON) bool { return d.CanPlace }); n != 0 {
						errs = append(errs, fmt.Sprintf("%s: no domain should have canPlace: true, got %d", c.TopologyKey, n))
					}
				}
				if len(r.AntiAffinity) != 1 || !r.AntiAffinity[0].Required || r.AntiAffinity[0].Occupied != 3 {
					errs = append(errs, "one required anti-affinity term occupying 3 domains expected")
				}
				return joinErrs(errs)
			},
		},
	}
}

func countDomains(c *constraintJSON, pred func(domainJSON) bool) int {
	n := 0
	for _, d := range c.Domains {
		if pred(d) {
			n++
		}
	}
	return n
}

func joinErrs(errs []string) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(errs, "; "))
}

func fnv32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
