package explain

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// proposeFixes turns each distinct blocker into one concrete change, most nodes first. A fix is
// Sufficient when some node has no other blocker.
func proposeFixes(pod *corev1.Pod, nodes []keyedNode, spread []checks.SpreadDomains) []Fix {
	type acc struct {
		first      checks.Blocker
		all        []checks.Blocker
		nodes      []string
		sufficient bool
	}
	byKey := map[string]*acc{}
	var order []string
	// Name the nodes closest to fitting first, so a suggested command targets a useful node.
	blockersOn := map[string]int{}
	cordoned := false
	for _, n := range nodes {
		blockersOn[n.Name] = len(n.distinct)
		seen := map[string]bool{}
		for j, b := range n.Blockers {
			cordoned = cordoned || b.Kind == checks.KindCordoned
			k := n.keys[j]
			a, ok := byKey[k]
			if !ok {
				a = &acc{first: b}
				byKey[k] = a
				order = append(order, k)
			}
			a.all = append(a.all, b)
			if !seen[k] {
				seen[k] = true
				a.nodes = append(a.nodes, n.Name)
				if len(n.distinct) == 1 {
					a.sufficient = true
				}
			}
		}
	}
	var fixes []Fix
	for _, k := range order {
		a := byKey[k]
		// A cordon also brings the node.kubernetes.io/unschedulable taint: one cause, one fix.
		if cordoned && a.first.Taint != nil && a.first.Taint.Taint.Key == corev1.TaintNodeUnschedulable {
			continue
		}
		sort.SliceStable(a.nodes, func(i, j int) bool { return blockersOn[a.nodes[i]] < blockersOn[a.nodes[j]] })
		fixes = append(fixes, Fix{Kind: a.first.Kind, Action: fixAction(pod, a.first, a.all, a.nodes, spread), Nodes: len(a.nodes), Sufficient: a.sufficient})
	}
	sort.SliceStable(fixes, func(i, j int) bool {
		if fixes[i].Sufficient != fixes[j].Sufficient {
			return fixes[i].Sufficient
		}
		return fixes[i].Nodes > fixes[j].Nodes
	})
	return fixes
}

// nodes is "1 node" or "N nodes".
func nodesN(n int) string {
	if n == 1 {
		return "1 node"
	}
	return fmt.Sprintf("%d nodes", n)
}

// verb picks the singular or plural form for a count of nodes.
func verb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// nodeList names up to three nodes, then how many more.
func nodeList(nodes []string) string {
	if len(nodes) <= 3 {
		return strings.Join(nodes, " ")
	}
	return fmt.Sprintf("%s (and %d more)", strings.Join(nodes[:3], " "), len(nodes)-3)
}

// healthTaints are set by the node lifecycle controller; tolerating them hides a sick node.
var healthTaints = map[string]bool{
	"node.kubernetes.io/not-ready": true, "node.kubernetes.io/unreachable": true,
	"node.kubernetes.io/memory-pressure": true, "node.kubernetes.io/disk-pressure": true,
	"node.kubernetes.io/pid-pressure": true, "node.kubernetes.io/network-unavailable": true,
	"node.kubernetes.io/unschedulable": true, "node.cloudprovider.kubernetes.io/uninitialized": true,
}

func fixAction(pod *corev1.Pod, b checks.Blocker, all []checks.Blocker, nodes []string, spread []checks.SpreadDomains) string {
	if len(nodes) == 0 || !hasEvidence(b) {
		return ""
	}
	switch b.Kind {
	case checks.KindCordoned:
		return fmt.Sprintf("Uncordon %s if its maintenance is over: kubectl uncordon %s", nodeList(nodes), strings.Join(first(nodes, 3), " "))
	case checks.KindNodeNameMismatch:
		return fmt.Sprintf("spec.nodeName pins the Pod to %q; remove it or name an existing node", b.NodeName.Want)
	case checks.KindUntoleratedTaint:
		return taintFix(b.Taint, nodes)
	case checks.KindNodeSelectorMismatch:
		return selectorFix(b.NodeSelector, all, nodes)
	case checks.KindNodeAffinityMismatch:
		return affinityFix(b.NodeAffinity, all)
	case checks.KindHostPortConflict:
		h := b.HostPort
		return fmt.Sprintf("Host port %d/%s is taken on %s (e.g. by %s); drop hostPort and use a Service, or pick a free port", h.Port, h.Protocol, nodesN(len(nodes)), h.HeldBy)
	case checks.KindTooManyPods:
		return fmt.Sprintf("%s %s at the Pod limit (%s Pods); add nodes or raise the kubelet's maxPods", nodesN(len(nodes)), verb(len(nodes), "is", "are"), b.Resource.Allocatable.String())
	case checks.KindInsufficientResource:
		return resourceFix(b.Resource, all)
	case checks.KindSpreadMissingLabel:
		them := verb(len(nodes), "it", "them")
		if systemLabel(b.Spread.TopologyKey) {
			return fmt.Sprintf("%s %s the label %q that the spread constraint's topologyKey needs (Kubernetes or the cloud provider sets it; check the node's registration); keep the Pod off %s with node affinity meanwhile", nodesN(len(nodes)), verb(len(nodes), "lacks", "lack"), b.Spread.TopologyKey, them)
		}
		return fmt.Sprintf("%s %s the label %q that the spread constraint's topologyKey needs; label %s, or keep the Pod off %s with node affinity", nodesN(len(nodes)), verb(len(nodes), "lacks", "lack"), b.Spread.TopologyKey, them, them)
	case checks.KindSpreadSkew:
		return spreadFix(b.Spread, spread)
	case checks.KindPodAntiAffinityConflict:
		a := b.PodAffinity
		return fmt.Sprintf("Every %s domain of these %s already runs a Pod matching the required anti-affinity (%s), e.g. %s; with more replicas than domains, add nodes, lower replicas, or use preferredDuringScheduling", a.TopologyKey, nodesN(len(nodes)), a.Selector, a.Pod)
	case checks.KindExistingAntiAffinity:
		a := b.PodAffinity
		return fmt.Sprintf("Pod %s has a required anti-affinity (%s over %s) that matches this Pod and keeps it off %s; change that Pod's term or this Pod's labels", a.Pod, a.Selector, a.TopologyKey, nodesN(len(nodes)))
	case checks.KindPodAffinityUnsatisfied:
		a := b.PodAffinity
		if a.MissingLabel {
			return fmt.Sprintf("%s %s the label %q that the required pod affinity needs", nodesN(len(nodes)), verb(len(nodes), "lacks", "lack"), a.TopologyKey)
		}
		return fmt.Sprintf("Required pod affinity (%s over %s) finds no matching Pod in the domain of %s; start the Pods it depends on first, or relax the term", a.Selector, a.TopologyKey, nodesN(len(nodes)))
	case checks.KindVolumeNodeConflict:
		v := b.Volume
		return fmt.Sprintf("PVC %s is bound to PV %s, whose data lives only on nodes matching its node affinity; make room on such a node, or recreate the claim (losing that data) to get a volume elsewhere", v.PVC, v.PV)
	case checks.KindVolumeMissingPV:
		v := b.Volume
		return fmt.Sprintf("PVC %s is bound to PV %s, which no longer exists; restore the PV, or delete and recreate the claim", v.PVC, v.PV)
	case checks.KindVolumeBindConflict:
		return volumeBindFix(b.Volume, nodes)
	case checks.KindVolumeZoneConflict:
		v := b.Volume
		return fmt.Sprintf("PVC %s is bound to PV %s, which lives in %s %s; run the Pod on a node there (add capacity in that zone if needed), or move the data to a volume in another zone", v.PVC, v.PV, v.ZoneLabel, strings.Join(v.Zones, " or "))
	}
	return ""
}

// volumeBindFix: what gives an unbound WaitForFirstConsumer claim a volume.
func volumeBindFix(v *checks.VolumeEvidence, nodes []string) string {
	switch v.Conflict {
	case checks.BindSelectedNode:
		return fmt.Sprintf("PVC %s is already being provisioned for node %s (annotation volume.kubernetes.io/selected-node); let the Pod go there, or remove the annotation if provisioning on that node failed", v.PVC, v.SelectedNode)
	case checks.BindAllowedTopologies:
		return fmt.Sprintf("StorageClass %q's allowedTopologies exclude %s and no free PV matches PVC %s there; keep the Pod on nodes the class serves, or widen allowedTopologies", v.StorageClass, nodesN(len(nodes)), v.PVC)
	}
	return fmt.Sprintf("No free PV of StorageClass %q matches PVC %s on %s and the class cannot provision; create a PV there with enough capacity, the access modes and labels the claim asks for, or use a class with a provisioner", v.StorageClass, v.PVC, nodesN(len(nodes)))
}

// hasEvidence guards against a blocker whose evidence the kind needs is missing.
func hasEvidence(b checks.Blocker) bool {
	switch b.Kind {
	case checks.KindNodeNameMismatch:
		return b.NodeName != nil
	case checks.KindUntoleratedTaint:
		return b.Taint != nil
	case checks.KindNodeSelectorMismatch:
		return b.NodeSelector != nil
	case checks.KindNodeAffinityMismatch:
		return b.NodeAffinity != nil
	case checks.KindHostPortConflict:
		return b.HostPort != nil
	case checks.KindTooManyPods, checks.KindInsufficientResource:
		return b.Resource != nil
	case checks.KindSpreadMissingLabel, checks.KindSpreadSkew:
		return b.Spread != nil
	case checks.KindPodAntiAffinityConflict, checks.KindExistingAntiAffinity, checks.KindPodAffinityUnsatisfied:
		return b.PodAffinity != nil
	case checks.KindVolumeNodeConflict, checks.KindVolumeMissingPV, checks.KindVolumeBindConflict:
		return b.Volume != nil
	case checks.KindVolumeZoneConflict:
		return b.Volume != nil && b.Volume.ZoneLabel != ""
	}
	return true
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func taintFix(t *checks.TaintEvidence, nodes []string) string {
	taint := t.Taint
	if healthTaints[taint.Key] {
		return fmt.Sprintf("Kubernetes set %s:%s on %s because the node is unhealthy or cordoned; fix the node (kubectl describe node %s) rather than tolerating the taint", taint.Key, taint.Effect, nodeList(nodes), nodes[0])
	}
	tol := fmt.Sprintf("{key: %q, operator: \"Equal\", value: %q, effect: %q}", taint.Key, taint.Value, taint.Effect)
	if taint.Value == "" {
		tol = fmt.Sprintf("{key: %q, operator: \"Exists\", effect: %q}", taint.Key, taint.Effect)
	}
	lead := "Add the toleration " + tol + " to the Pod"
	if n := t.NearestToleration; n != nil {
		switch t.NearMiss {
		case "effect":
			lead = fmt.Sprintf("The Pod's toleration for %q has effect %q but the taint's is %q; set effect %q (or leave effect empty to tolerate all effects)", taint.Key, n.Effect, taint.Effect, taint.Effect)
		case "value":
			lead = fmt.Sprintf("The Pod's toleration for %q expects value %q but the taint's value is %q; use %s", taint.Key, n.Value, taint.Value, tol)
		case "key":
			lead = fmt.Sprintf("The Pod tolerates key %q, which is not the taint's key %q (a typo?); use %s", n.Key, taint.Key, tol)
		case "operator":
			lead = fmt.Sprintf("The Pod's toleration for %q does not match with operator %q; use %s", taint.Key, n.Operator, tol)
		}
	}
	return fmt.Sprintf("%s; or, if the %s should not be reserved, remove the taint: kubectl taint nodes %s %s:%s-", lead, nodesN(len(nodes)), strings.Join(first(nodes, 3), " "), taint.Key, taint.Effect)
}

func selectorFix(e *checks.NodeSelectorEvidence, all []checks.Blocker, nodes []string) string {
	values := map[string]int{}
	missing := 0
	for _, b := range all {
		if b.NodeSelector == nil {
			continue
		}
		if b.NodeSelector.Actual == nil {
			missing++
		} else {
			values[*b.NodeSelector.Actual]++
		}
	}
	seen := "no node has the label"
	if len(values) > 0 {
		var vs []string
		for v, n := range values {
			vs = append(vs, fmt.Sprintf("%s=%s on %d", e.Key, v, n))
		}
		sort.Strings(vs)
		seen = "nodes have " + strings.Join(vs, ", ")
		if missing > 0 {
			seen += fmt.Sprintf(", %d lack it", missing)
		}
	}
	if systemLabel(e.Key) {
		return fmt.Sprintf("nodeSelector %s=%s matches none of these %s (%s); %s is set by Kubernetes or the cloud provider, so change the Pod's nodeSelector rather than the nodes", e.Key, e.Want, nodesN(len(nodes)), seen, e.Key)
	}
	return fmt.Sprintf("nodeSelector %s=%s matches none of these %s (%s); fix the Pod's nodeSelector or label a node: kubectl label node %s %s=%s", e.Key, e.Want, nodesN(len(nodes)), seen, nodes[0], e.Key, e.Want)
}

// systemLabel: a label in the kubernetes.io or k8s.io namespaces (zone, region, hostname,
// instance type, os, arch). Kubelets and cloud providers own them and the NodeRestriction admission
// plugin guards them; relabelling a node by hand would mislead every zone-aware component.
func systemLabel(key string) bool {
	prefix, _, ok := strings.Cut(key, "/")
	if !ok {
		return false
	}
	for _, domain := range []string{"kubernetes.io", "k8s.io"} {
		if prefix == domain || strings.HasSuffix(prefix, "."+domain) {
			return true
		}
	}
	return false
}

func affinityFix(e *checks.NodeAffinityEvidence, all []checks.Blocker) string {
	var parts []string
	// Labelling nodes cannot help when every failed requirement is a field or a system label.
	onlySystem := true
	for _, t := range e.Terms {
		switch {
		case t.Empty:
			parts = append(parts, fmt.Sprintf("term %d is empty and matches no node", t.Term))
		case t.Invalid != "":
			parts = append(parts, fmt.Sprintf("term %d is invalid (%s)", t.Term, t.Invalid))
		default:
			for _, f := range t.Failed {
				r := f.Requirement
				onlySystem = onlySystem && (f.Field || systemLabel(r.Key))
				parts = append(parts, fmt.Sprintf("term %d needs %s %s %s", t.Term, r.Key, r.Operator, strings.Join(r.Values, ",")))
			}
		}
	}
	advice := "relax the term or label nodes to satisfy it"
	if onlySystem {
		advice = "these labels belong to Kubernetes or the cloud provider, so relax the term"
	}
	return fmt.Sprintf("Required node affinity matches none of %s: %s; %s", nodesN(len(all)), strings.Join(parts, "; "), advice)
}

func resourceFix(r *checks.ResourceEvidence, all []checks.Blocker) string {
	var best resource.Quantity
	var bestAlloc resource.Quantity
	for _, b := range all {
		if b.Resource == nil {
			continue
		}
		if b.Resource.Free.Cmp(best) > 0 {
			best = b.Resource.Free
		}
		if b.Resource.Allocatable.Cmp(bestAlloc) > 0 {
			bestAlloc = b.Resource.Allocatable
		}
	}
	if bestAlloc.IsZero() {
		return fmt.Sprintf("None of these %s offers %s at all, and the Pod requests %s; add nodes that provide it (device plugin) or remove the request", nodesN(len(all)), r.Resource, r.Requested.String())
	}
	if r.Requested.Cmp(bestAlloc) > 0 {
		return fmt.Sprintf("The Pod requests %s %s, more than any of these %s has allocatable (at most %s); lower the request or add bigger nodes", r.Requested.String(), r.Resource, nodesN(len(all)), bestAlloc.String())
	}
	if best.IsZero() {
		return fmt.Sprintf("The Pod requests %s %s and none of these %s has any free; free some (lower-priority or finished Pods) or add nodes", r.Requested.String(), r.Resource, nodesN(len(all)))
	}
	return fmt.Sprintf("The Pod requests %s %s but the most free on any of these %s is %s; lower the request to %s or less, free capacity, or add nodes", r.Requested.String(), r.Resource, nodesN(len(all)), best.String(), best.String())
}

func spreadFix(e *checks.SpreadEvidence, spread []checks.SpreadDomains) string {
	var low []string
	for _, d := range spread {
		if d.Constraint != e.Constraint {
			continue
		}
		for _, dom := range d.Domains {
			if dom.Matching == e.GlobalMinimum {
				low = append(low, dom.Name)
			}
		}
	}
	most := e.GlobalMinimum + e.MaxSkew
	s := fmt.Sprintf("Spread over %s (maxSkew %d) allows at most %d matching %s per domain now (the least-loaded domain has %d)", e.TopologyKey, e.MaxSkew, most, verb(int(most), "Pod", "Pods"), e.GlobalMinimum)
	if e.MinDomains > 0 && e.EligibleDomains < int(e.MinDomains) {
		s += fmt.Sprintf("; only %d domain(s) are eligible against minDomains %d, which forces the minimum to 0: add domains or lower minDomains", e.EligibleDomains, e.MinDomains)
	}
	if len(low) > 0 {
		s += fmt.Sprintf("; the next replica can only go to %s, so unblock the nodes there (tainted nodes still count as domains unless the constraint sets nodeTaintsPolicy: Honor), or raise maxSkew", strings.Join(first(low, 5), ", "))
	}
	return s
}
