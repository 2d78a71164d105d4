package render

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
)

// The fix sentences, one function per blocker kind (see kindWords). Each turns a Fix's data into
// one sentence with the YAML or kubectl command where there is one.

// fixPhrase words a fix; "" when the fix lacks the data its kind needs.
func fixPhrase(f explain.Fix) string {
	w, ok := kindWords[f.Kind]
	if !ok || w.fix == nil {
		return ""
	}
	return w.fix(f)
}

// targetNames are the names of the fix's targets of one kind.
func targetNames(f explain.Fix, kind string) []string {
	var out []string
	for _, t := range f.Targets {
		if t.Kind == kind {
			out = append(out, t.Name)
		}
	}
	return out
}

// fixNodes are the nodes a fix names and how it writes them: "a b c (and 9 more)".
func fixNodes(f explain.Fix) (names []string, list string) {
	names = targetNames(f, "Node")
	list = strings.Join(names, " ")
	if more := f.Nodes - len(names); more > 0 && len(names) > 0 {
		list = fmt.Sprintf("%s (and %d more)", list, more)
	}
	return names, list
}

func offers(f explain.Fix, a explain.FixAction) bool {
	return f.Action == a || slices.Contains(f.Alternatives, a)
}

func uncordonFix(f explain.Fix) string {
	names, list := fixNodes(f)
	if len(names) == 0 {
		return ""
	}
	return fmt.Sprintf("Uncordon %s if its maintenance is over: kubectl uncordon %s", list, strings.Join(names, " "))
}

func nodeNameFix(f explain.Fix) string {
	if f.Change.NodeName == "" {
		return ""
	}
	return fmt.Sprintf("spec.nodeName pins the Pod to %q; remove it or name an existing node", f.Change.NodeName)
}

func taintFix(f explain.Fix) string {
	c := f.Change
	names, list := fixNodes(f)
	if c.Taint == nil || len(names) == 0 {
		return ""
	}
	taint := *c.Taint
	if f.Action == explain.ActionRepairNode {
		return fmt.Sprintf("Kubernetes set %s:%s on %s because the node is unhealthy or cordoned; fix the node (kubectl describe node %s) rather than tolerating the taint", taint.Key, taint.Effect, list, names[0])
	}
	if c.Toleration == nil {
		return ""
	}
	tol := fmt.Sprintf("{key: %q, operator: %q, value: %q, effect: %q}", c.Toleration.Key, c.Toleration.Operator, c.Toleration.Value, c.Toleration.Effect)
	if c.Toleration.Value == "" {
		tol = fmt.Sprintf("{key: %q, operator: %q, effect: %q}", c.Toleration.Key, c.Toleration.Operator, c.Toleration.Effect)
	}
	lead := "Add the toleration " + tol + " to the Pod"
	if n := c.NearestToleration; n != nil {
		switch c.NearMiss {
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
	if !offers(f, explain.ActionRemoveTaint) {
		return lead
	}
	return fmt.Sprintf("%s; or, if the %s should not be reserved, remove the taint: kubectl taint nodes %s %s:%s-", lead, plural(f.Nodes, "node"), strings.Join(names, " "), taint.Key, taint.Effect)
}

func nodeSelectorFix(f explain.Fix) string {
	c := f.Change
	if c.Label == nil {
		return ""
	}
	key, want := c.Label.Key, c.Label.Value
	seen := "none of them has the label"
	if len(c.Found) > 0 {
		vs := make([]string, 0, len(c.Found))
		for _, v := range c.Found {
			vs = append(vs, fmt.Sprintf("%s=%s on %d", key, v.Value, v.Nodes))
		}
		seen = "nodes have " + strings.Join(vs, ", ")
		if c.NodesWithoutLabel > 0 {
			seen += fmt.Sprintf(", %d lack it", c.NodesWithoutLabel)
		}
	}
	names, _ := fixNodes(f)
	if !offers(f, explain.ActionLabelNode) || len(names) == 0 {
		why := key + " is set by Kubernetes or the cloud provider"
		switch {
		case systemKey(key):
		case c.NodesWithoutLabel == 0 && len(c.Found) > 0:
			why = fmt.Sprintf("each of them carries another value of %s (another pool)", key)
		default:
			why = "the label marks a dedicated pool, or the nodes that carry it are held back by a taint"
		}
		return fmt.Sprintf("nodeSelector %s=%s matches none of these %s (%s); %s, so change the Pod's nodeSelector rather than the nodes", key, want, plural(f.Nodes, "node"), seen, why)
	}
	return fmt.Sprintf("nodeSelector %s=%s matches none of these %s (%s); fix the Pod's nodeSelector or label a node: kubectl label node %s %s=%s", key, want, plural(f.Nodes, "node"), seen, names[0], key, want)
}

func nodeAffinityFix(f explain.Fix) string {
	if len(f.Change.Terms) == 0 {
		return ""
	}
	var parts []string
	for _, t := range f.Change.Terms {
		switch {
		case t.Empty:
			parts = append(parts, fmt.Sprintf("term %d is empty and matches no node", t.Term))
		case t.Invalid != "":
			parts = append(parts, fmt.Sprintf("term %d is invalid (%s)", t.Term, t.Invalid))
		default:
			for _, fm := range t.Failed {
				r := fm.Requirement
				parts = append(parts, fmt.Sprintf("term %d needs %s %s %s", t.Term, r.Key, r.Operator, strings.Join(r.Values, ",")))
			}
		}
	}
	advice := "these labels belong to Kubernetes or the cloud provider, so relax the term"
	if offers(f, explain.ActionLabelNode) {
		advice = "relax the term or label nodes to satisfy it"
	}
	return fmt.Sprintf("Required node affinity matches none of %s: %s; %s", plural(f.Nodes, "node"), strings.Join(parts, "; "), advice)
}

func hostPortFix(f explain.Fix) string {
	h := f.Change.HostPort
	if h == nil {
		return ""
	}
	return fmt.Sprintf("Host port %d/%s is taken on %s (e.g. by %s); drop hostPort and use a Service, or pick a free port", h.Port, h.Protocol, plural(f.Nodes, "node"), h.HeldBy)
}

func tooManyPodsFix(f explain.Fix) string {
	r := f.Change.Resource
	if r == nil {
		return ""
	}
	return fmt.Sprintf("%s %s at the Pod limit (%s Pods); add nodes or raise the kubelet's maxPods", plural(f.Nodes, "node"), verb(f.Nodes, "is", "are"), r.MostAllocatable.String())
}

func resourceFix(f explain.Fix) string {
	r := f.Change.Resource
	if r == nil {
		return ""
	}
	nodes := plural(f.Nodes, "node")
	switch {
	case f.Action == explain.ActionAddNodes:
		return fmt.Sprintf("None of these %s offers %s at all, and the Pod requests %s; add nodes that provide it (device plugin) or remove the request", nodes, r.Resource, r.Requested.String())
	case f.Action == explain.ActionFreeCapacity:
		return fmt.Sprintf("The Pod requests %s %s and none of these %s has any free; free some (lower-priority or finished Pods) or add nodes", r.Requested.String(), r.Resource, nodes)
	case r.LowerTo == nil:
		return fmt.Sprintf("The Pod requests %s %s, more than any of these %s has allocatable (at most %s); lower the request or add bigger nodes", r.Requested.String(), r.Resource, nodes, r.MostAllocatable.String())
	}
	return fmt.Sprintf("The Pod requests %s %s but the most free on %s is %s%s; lower the request to %s or less, free capacity, or add nodes", r.Requested.String(), r.Resource, theseNodes(f.Nodes, "any of "), r.MostFree.String(), heldByPhrase(r), r.LowerTo.String())
}

func spreadMissingLabelFix(f explain.Fix) string {
	if f.Change.Label == nil {
		return ""
	}
	key := f.Change.Label.Key
	lack, them := verb(f.Nodes, "lacks", "lack"), verb(f.Nodes, "it", "them")
	if f.Action == explain.ActionRepairNode {
		return fmt.Sprintf("%s %s the label %q that the spread constraint's topologyKey needs (Kubernetes or the cloud provider sets it; check the node's registration); keep the Pod off %s with node affinity meanwhile", plural(f.Nodes, "node"), lack, key, them)
	}
	return fmt.Sprintf("%s %s the label %q that the spread constraint's topologyKey needs; label %s, or keep the Pod off %s with node affinity", plural(f.Nodes, "node"), lack, key, them, them)
}

func spreadSkewFix(f explain.Fix) string {
	e := f.Change.Spread
	if e == nil {
		return ""
	}
	most := e.GlobalMinimum + e.MaxSkew
	s := fmt.Sprintf("Spread over %s (maxSkew %d) allows at most %d matching %s per domain now", e.TopologyKey, e.MaxSkew, most, verb(int(most), "Pod", "Pods"))
	if e.MinDomains > 0 && e.EligibleDomains < int(e.MinDomains) {
		// The scheduler's global minimum, not any domain's count: minDomains forces it to 0.
		s += fmt.Sprintf(" (the global minimum is 0 because only %s %s eligible, fewer than minDomains %d, whatever each domain holds)", plural(e.EligibleDomains, "domain"), verb(e.EligibleDomains, "is", "are"), e.MinDomains)
	} else {
		s += fmt.Sprintf(" (the global minimum, the fewest matching Pods in an eligible domain, is %d)", e.GlobalMinimum)
	}
	if offers(f, explain.ActionAddDomains) {
		s += "; add domains or lower minDomains"
	}
	if len(e.LeastLoaded) > 0 {
		s += fmt.Sprintf("; the next replica can only go to %s, so unblock the nodes there (tainted nodes still count as domains unless the constraint sets nodeTaintsPolicy: Honor), or raise maxSkew", strings.Join(e.LeastLoaded, ", "))
	}
	return s
}

func podAffinityFix(f explain.Fix) string {
	a := f.Change.PodAffinity
	if a == nil {
		return ""
	}
	if f.Action == explain.ActionLabelNode {
		return fmt.Sprintf("%s %s the label %q that the required pod affinity needs", plural(f.Nodes, "node"), verb(f.Nodes, "lacks", "lack"), a.TopologyKey)
	}
	return fmt.Sprintf("Required pod affinity (%s over %s) finds no matching Pod in the domain of %s; start the Pods it depends on first, or relax the term", selectorText(a.Selector), a.TopologyKey, plural(f.Nodes, "node"))
}

func podAntiAffinityFix(f explain.Fix) string {
	a := f.Change.PodAffinity
	if a == nil {
		return ""
	}
	return fmt.Sprintf("Every %s domain of these %s already runs a Pod matching the required anti-affinity (%s): %s; with more replicas than domains, add nodes, lower replicas, or use preferredDuringScheduling", a.TopologyKey, plural(f.Nodes, "node"), selectorText(a.Selector), podsKeepingOff(f, a.Pod))
}

func existingAntiAffinityFix(f explain.Fix) string {
	a := f.Change.PodAffinity
	if a == nil {
		return ""
	}
	if len(f.Change.Pods) > 1 {
		return fmt.Sprintf("Pods with a required anti-affinity (%s over %s) that matches this Pod keep it off %s: %s; change their term or this Pod's labels", selectorText(a.Selector), a.TopologyKey, plural(f.Nodes, "node"), podsKeepingOff(f, a.Pod))
	}
	return fmt.Sprintf("Pod %s has a required anti-affinity (%s over %s) that matches this Pod and keeps it off %s; change that Pod's term or this Pod's labels", a.Pod, selectorText(a.Selector), a.TopologyKey, plural(f.Nodes, "node"))
}

func volumeNodeConflictFix(f explain.Fix) string {
	v := f.Change.Volume
	if v == nil {
		return ""
	}
	return fmt.Sprintf("PVC %s is bound to PV %s, whose data lives only on nodes matching its node affinity; make room on such a node, or recreate the claim (losing that data) to get a volume elsewhere", v.PVC, v.PV)
}

func rwopFix(f explain.Fix) string {
	v := f.Change.Volume
	if v == nil || v.HeldBy == "" {
		return ""
	}
	return fmt.Sprintf("PVC %s is ReadWriteOncePod and Pod %s (on %s) uses it; that Pod must go first (kubectl delete pod -n %s), or give this Pod a claim of its own", v.PVC, v.HeldBy, v.HeldByNode, strings.Replace(v.HeldBy, "/", " ", 1))
}

func diskConflictFix(f explain.Fix) string {
	v := f.Change.Volume
	if v == nil || v.HeldBy == "" {
		return ""
	}
	s := fmt.Sprintf("Disk %s (volume %s) is in use by Pod %s on %s; run the Pod on another node, or that Pod must go first", v.Disk, v.Volume, v.HeldBy, plural(f.Nodes, "node"))
	if offers(f, explain.ActionMountReadOnly) {
		s += ", or mount the disk readOnly in both Pods"
	}
	return s
}

func volumeMissingPVFix(f explain.Fix) string {
	v := f.Change.Volume
	if v == nil {
		return ""
	}
	return fmt.Sprintf("PVC %s is bound to PV %s, which no longer exists; restore the PV, or delete and recreate the claim", v.PVC, v.PV)
}

func volumeBindConflictFix(f explain.Fix) string {
	v := f.Change.Volume
	if v == nil {
		return ""
	}
	switch f.Action {
	case explain.ActionUseSelectedNode:
		return fmt.Sprintf("PVC %s is already being provisioned for node %s (annotation volume.kubernetes.io/selected-node); let the Pod go there, or remove the annotation if provisioning on that node failed", v.PVC, v.SelectedNode)
	case explain.ActionAvoidNodes:
		return fmt.Sprintf("StorageClass %q's allowedTopologies exclude %s and no free PV matches PVC %s there; keep the Pod on nodes the class serves, or widen allowedTopologies", v.StorageClass, plural(f.Nodes, "node"), v.PVC)
	}
	return fmt.Sprintf("No free PV of StorageClass %q matches PVC %s on %s and the class cannot provision; create a PV there with enough capacity, the access modes and labels the claim asks for, or use a class with a provisioner", v.StorageClass, v.PVC, plural(f.Nodes, "node"))
}

func volumeZoneFix(f explain.Fix) string {
	v := f.Change.Volume
	if v == nil {
		return ""
	}
	return fmt.Sprintf("PVC %s is bound to PV %s, which lives in %s %s; run the Pod on a node there (add capacity in that zone if needed), or move the data to a volume in another zone", v.PVC, v.PV, v.ZoneLabel, strings.Join(v.Zones, " or "))
}

func nodeFeatureFix(f explain.Fix) string {
	e := f.Change.Features
	if e == nil {
		return ""
	}
	_, list := fixNodes(f)
	return fmt.Sprintf("The Pod needs node %s, which %s in status.declaredFeatures (e.g. %s); run it on nodes whose kubelet has the feature enabled (upgrade them, or turn on the feature gate), or change the Pod so it does not need it",
		featureList(e.Missing), nodesThat(f.Nodes, "does not declare", "do not declare"), list)
}

func volumeLimitFix(f explain.Fix) string {
	e := f.Change.VolumeLimit
	if e == nil {
		return ""
	}
	_, list := fixNodes(f)
	return fmt.Sprintf("The Pod attaches %s of CSI driver %s, more than %s can still take (the driver's limit is %d, CSINode allocatable; e.g. %s); run it on nodes with fewer attached volumes (add nodes), or move Pods with %s volumes off them",
		plural(e.New, "new volume"), e.Driver, plural(f.Nodes, "node"), e.Limit, list, e.Driver)
}

func csiDriverFix(f explain.Fix) string {
	e := f.Change.VolumeLimit
	if e == nil {
		return ""
	}
	_, list := fixNodes(f)
	return fmt.Sprintf("CSI driver %s is not installed on %s (e.g. %s); install its node plugin there (check the driver's DaemonSet), or keep the Pod off these nodes", e.Driver, plural(f.Nodes, "node"), list)
}

func volumeStorageFix(f explain.Fix) string {
	v := f.Change.Volume
	if v == nil || v.StorageRequested == nil {
		return ""
	}
	return fmt.Sprintf("StorageClass %q cannot provision %s for PVC %s on %s (the driver's CSIStorageCapacity); free storage in its pools there, lower the claim's request, or use another class",
		v.StorageClass, v.StorageRequested.String(), v.PVC, plural(f.Nodes, "node"))
}

// nodesThat writes a node count with its verb: "1 node is", "3 nodes are".
func nodesThat(n int, one, many string) string {
	if n == 1 {
		return "1 node " + one
	}
	return plural(n, "node") + " " + many
}

func deviceClaimFix(f explain.Fix) string {
	e := f.Change.DeviceClaim
	if e == nil {
		return ""
	}
	var ways []string
	for _, a := range append([]explain.FixAction{f.Action}, f.Alternatives...) {
		switch a {
		case explain.ActionTolerateDeviceTaint:
			ways = append(ways, "tolerate the device taint in the claim's request (spec.devices.requests[].exactly.tolerations)")
		case explain.ActionRelaxDeviceSelector:
			ways = append(ways, "relax the request's CEL selector")
		case explain.ActionFreeDevices:
			ways = append(ways, "free devices the other claims hold (delete the Pods using them, then the claims)")
		case explain.ActionAddDevices:
			ways = append(ways, "add nodes whose driver publishes matching devices")
		}
	}
	_, list := fixNodes(f)
	if list == "" {
		list = "none listed"
	}
	return fmt.Sprintf("ResourceClaim %s finds no devices on %s (e.g. %s); %s", e.Claim, plural(f.Nodes, "node"), list, strings.Join(ways, ", or "))
}

func deviceClaimElsewhereFix(f explain.Fix) string {
	e := f.Change.DeviceClaim
	if e == nil {
		return ""
	}
	return fmt.Sprintf("ResourceClaim %s is already allocated to devices on other nodes; let the Pod run where they are (see the claim's status.allocation.nodeSelector), or, once no Pod uses it, delete and recreate the claim so it is allocated again", e.Claim)
}

// outcomePhrase says what the fix was verified to achieve.
func outcomePhrase(f explain.Fix) string {
	o := f.Outcome
	if o != nil && o.Action != f.Action {
		return "checked by " + checkedAction(f) + ": " + outcomePhrase(explain.Fix{Action: o.Action, Outcome: o})
	}
	switch {
	case o == nil:
		return "not verified"
	case o.Schedulable > 0:
		return "enough on its own: " + schedulesOnPhrase(*o)
	case o.PreFilter != "":
		return "not enough on its own: the changed Pod is then rejected before any node is looked at (" + Clean(o.PreFilter) + ")"
	case o.Cleared > 0 && len(o.Remaining) > 0:
		kinds := make([]string, 0, len(o.Remaining))
		for _, k := range o.Remaining {
			kinds = append(kinds, kindNoun(k))
		}
		return fmt.Sprintf("not enough on its own: it clears %s, where %s still %s", plural(o.Cleared, "node"), listSome(kinds, maxListed), verb(len(kinds), "blocks", "block"))
	}
	return "not enough on its own"
}

// schedulesOnPhrase: "then schedules on a, b and 3 more".
func schedulesOnPhrase(o explain.FixOutcome) string {
	names := make([]string, 0, len(o.SchedulesOn))
	for _, n := range o.SchedulesOn {
		if like, ok := o.NewNodes[n]; ok {
			names = append(names, "a new node like "+Clean(like))
			continue
		}
		names = append(names, Clean(n))
	}
	if more := o.Schedulable - len(names); more > 0 {
		names = append(names, fmt.Sprintf("%d more", more))
	}
	return "then it schedules on " + joinLast(names, " and ")
}

// kindNoun is a blocker kind in a few words, for "where a taint still blocks".
func kindNoun(k checks.BlockerKind) string {
	switch k {
	case checks.KindCordoned:
		return "a cordon"
	case checks.KindUntoleratedTaint:
		return "a taint"
	case checks.KindNodeSelectorMismatch:
		return "the nodeSelector"
	case checks.KindNodeAffinityMismatch:
		return "the node affinity"
	case checks.KindHostPortConflict:
		return "a host port"
	case checks.KindTooManyPods:
		return "the Pod limit"
	case checks.KindInsufficientResource:
		return "a resource shortfall"
	case checks.KindSpreadSkew, checks.KindSpreadMissingLabel:
		return "topology spread"
	case checks.KindPodAffinityUnsatisfied:
		return "pod affinity"
	case checks.KindPodAntiAffinityConflict, checks.KindExistingAntiAffinity:
		return "pod anti-affinity"
	case checks.KindDeviceClaimUnallocatable, checks.KindDeviceClaimElsewhere:
		return "a ResourceClaim's devices"
	}
	return "volumes or features (" + string(k) + ")"
}

// systemKey: a label in the kubernetes.io or k8s.io namespaces, which kubelets and cloud providers own.
func systemKey(key string) bool {
	prefix, _, ok := strings.Cut(key, "/")
	return ok && (prefix == "kubernetes.io" || prefix == "k8s.io" || strings.HasSuffix(prefix, ".kubernetes.io") || strings.HasSuffix(prefix, ".k8s.io"))
}

// theseNodes: "this node" for one, else "these 3 nodes" (after "any of " when given).
func theseNodes(n int, anyOf string) string {
	if n == 1 {
		return "this node"
	}
	return fmt.Sprintf("%sthese %d nodes", anyOf, n)
}

// checkedAction names the change verified when it is an alternative of the fix's first action.
func checkedAction(f explain.Fix) string {
	o := f.Outcome
	switch o.Action {
	case explain.ActionRaiseMaxSkew:
		if s := f.Change.Spread; s != nil && s.RaiseTo > 0 {
			return fmt.Sprintf("raising maxSkew to %d", s.RaiseTo)
		}
		return "raising maxSkew"
	case explain.ActionRemoveTaint:
		return "removing the taint"
	case explain.ActionAddNodes:
		for _, like := range o.NewNodes {
			return "adding a node like " + Clean(like)
		}
		return "adding a node like the closest"
	case explain.ActionChangeRequest:
		return "lowering the request"
	case explain.ActionFreeCapacity:
		names := make([]string, 0, len(o.Evicted))
		for _, p := range o.Evicted {
			names = append(names, Clean(p))
		}
		return "evicting the lower-priority " + listSome(names, maxListed)
	case explain.ActionRelaxPodAffinity:
		return "dropping the term"
	case explain.ActionChangeOtherPod:
		return "dropping that term from the Pods"
	case explain.ActionLabelNode:
		return "labelling the node"
	}
	return Clean(string(o.Action))
}

// podsKeepingOff names the colliding Pods with the nodes each keeps the Pod off: "data/kafka-2 (1
// node), data/kafka-0 (1 node) and 1 more".
func podsKeepingOff(f explain.Fix, example string) string {
	if len(f.Change.Pods) == 0 {
		return "e.g. " + Clean(example)
	}
	names := make([]string, 0, len(f.Change.Pods))
	for _, p := range f.Change.Pods {
		names = append(names, fmt.Sprintf("%s (%s)", Clean(p.Pod), plural(p.Nodes, "node")))
	}
	return listSome(names, maxListed)
}

// heldByPhrase names the Pods holding the resource on the node with the most free: " (db-c-01,
// where data/postgres-0 requests 12)".
func heldByPhrase(r *explain.ResourceChange) string {
	if r.Node == "" || len(r.HeldBy) == 0 {
		return ""
	}
	parts := make([]string, 0, len(r.HeldBy))
	for _, h := range r.HeldBy {
		parts = append(parts, fmt.Sprintf("%s %s", Clean(h.Pod), h.Quantity.String()))
	}
	return fmt.Sprintf(" (on %s, whose largest requests are %s)", Clean(r.Node), joinLast(parts, " and "))
}
