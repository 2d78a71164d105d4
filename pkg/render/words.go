package render

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
)

// Every sentence render prints about a report is built here, so text and wide say the same thing
// the same way. Phrases are returned already cleaned of control characters.

// maxListed is how many names a list shows before "and N more": enough to recognise a pattern
// (gpu-1, gpu-2, gpu-3), few enough that 5,000 nodes still fit on a screen.
const maxListed = 3

// blockerPhrase describes one blocker on one node.
func blockerPhrase(b checks.Blocker) string {
	return phrase([]checks.Blocker{b})
}

// wording is render's entry for one blocker kind: how to say the blocker, and its fix.
type wording struct {
	// blocker describes bs, the same cause (one checks.Identity) as found on one or more nodes:
	// bs[0] is the example, the others bring the amounts and names that differ from node to node
	// (free cpu, spread domains, colliding Pods).
	blocker func(bs []checks.Blocker) string
	// fix words the Fix explain proposes for the kind.
	fix func(f explain.Fix) string
}

// kindWords has one entry per checks.Kinds(); a test fails when a kind lacks one.
var kindWords = map[checks.BlockerKind]wording{
	checks.KindCordoned:                 {cordonPhrase, uncordonFix},
	checks.KindNodeNameMismatch:         {func(bs []checks.Blocker) string { return nodeNamePhrase(bs[0].NodeName) }, nodeNameFix},
	checks.KindUntoleratedTaint:         {func(bs []checks.Blocker) string { return taintPhrase(bs[0].Taint) }, taintFix},
	checks.KindNodeSelectorMismatch:     {nodeSelectorPhrase, nodeSelectorFix},
	checks.KindNodeAffinityMismatch:     {nodeAffinityPhrase, nodeAffinityFix},
	checks.KindHostPortConflict:         {hostPortPhrase, hostPortFix},
	checks.KindTooManyPods:              {tooManyPodsPhrase, tooManyPodsFix},
	checks.KindInsufficientResource:     {resourcePhrase, resourceFix},
	checks.KindReadWriteOncePodInUse:    {func(bs []checks.Blocker) string { return rwopPhrase(bs[0].Volume) }, rwopFix},
	checks.KindDiskConflict:             {func(bs []checks.Blocker) string { return diskConflictPhrase(bs[0].Volume) }, diskConflictFix},
	checks.KindVolumeNodeConflict:       {volumeNodeConflictPhrase, volumeNodeConflictFix},
	checks.KindVolumeBindConflict:       {func(bs []checks.Blocker) string { return volumeBindConflictPhrase(bs[0].Volume) }, volumeBindConflictFix},
	checks.KindVolumeMissingPV:          {func(bs []checks.Blocker) string { return volumeMissingPVPhrase(bs[0].Volume) }, volumeMissingPVFix},
	checks.KindVolumeZoneConflict:       {volumeZonePhrase, volumeZoneFix},
	checks.KindSpreadMissingLabel:       {func(bs []checks.Blocker) string { return spreadMissingLabelPhrase(bs[0].Spread) }, spreadMissingLabelFix},
	checks.KindSpreadSkew:               {spreadSkewPhrase, spreadSkewFix},
	checks.KindPodAffinityUnsatisfied:   {podAffinityPhrase, podAffinityFix},
	checks.KindPodAntiAffinityConflict:  {podAntiAffinityPhrase, podAntiAffinityFix},
	checks.KindExistingAntiAffinity:     {existingAntiAffinityPhrase, existingAntiAffinityFix},
	checks.KindVolumeLimitExceeded:      {func(bs []checks.Blocker) string { return volumeLimitPhrase(bs[0].VolumeLimit) }, volumeLimitFix},
	checks.KindCSIDriverNotInstalled:    {func(bs []checks.Blocker) string { return csiDriverPhrase(bs[0].VolumeLimit) }, csiDriverFix},
	checks.KindVolumeNotEnoughStorage:   {func(bs []checks.Blocker) string { return volumeStoragePhrase(bs[0].Volume) }, volumeStorageFix},
	checks.KindNodeFeatureMissing:       {func(bs []checks.Blocker) string { return nodeFeaturePhrase(bs[0].Features) }, nodeFeatureFix},
	checks.KindDeviceClaimUnallocatable: {func(bs []checks.Blocker) string { return deviceClaimPhrase(bs[0].DeviceClaim) }, deviceClaimFix},
	checks.KindDeviceClaimElsewhere:     {func(bs []checks.Blocker) string { return deviceClaimElsewherePhrase(bs[0].DeviceClaim) }, deviceClaimElsewhereFix},
}

// phrase describes one cause as found on one or more nodes (see kindWords.blocker).
func phrase(bs []checks.Blocker) string {
	if len(bs) == 0 {
		return ""
	}
	b := bs[0]
	if w, ok := kindWords[b.Kind]; ok {
		return Clean(w.blocker(bs))
	}
	// A kind added to checks before render learns it: say what we know rather than nothing.
	s := string(b.Kind)
	if b.Plugin != "" {
		s += " (" + b.Plugin + ")"
	}
	return Clean(s)
}

// volumeNodeConflictPhrase: the bound PV's node affinity, with what the nodes carry instead.
func volumeNodeConflictPhrase(bs []checks.Blocker) string {
	e := bs[0].Volume
	if e == nil {
		return "a bound PersistentVolume's node affinity does not match"
	}
	return termsPhrase(fmt.Sprintf("PVC %s is bound to PV %s, whose node affinity", e.PVC, e.PV), bs,
		func(b checks.Blocker) []checks.TermMismatch {
			if b.Volume == nil {
				return nil
			}
			return b.Volume.NodeAffinity
		})
}

// volumeZonePhrase: the bound PV's zone/region label, with what the nodes carry instead.
func volumeZonePhrase(bs []checks.Blocker) string {
	e := bs[0].Volume
	if e == nil {
		return "a bound PersistentVolume is in a zone or region this node is not in"
	}
	var found []string
	for _, b := range bs {
		if b.Volume == nil {
			continue
		}
		if b.Volume.NodeZone == nil {
			found = append(found, "no "+e.ZoneLabel+" label")
		} else {
			found = append(found, b.Volume.NodeZoneLabel+"="+*b.Volume.NodeZone)
		}
	}
	return fmt.Sprintf("PVC %s is bound to PV %s, labelled %s=%s, found %s", e.PVC, e.PV, e.ZoneLabel,
		strings.Join(e.Zones, " or "), listOr(distinct(found)))
}

func rwopPhrase(e *checks.VolumeEvidence) string {
	if e == nil || e.HeldBy == "" {
		return "a ReadWriteOncePod claim is already in use by another Pod"
	}
	return fmt.Sprintf("ReadWriteOncePod claim %s is in use by Pod %s (on %s)", e.PVC, e.HeldBy, e.HeldByNode)
}

func diskConflictPhrase(e *checks.VolumeEvidence) string {
	if e == nil || e.HeldBy == "" {
		return "a disk the Pod mounts is in use on this node"
	}
	return fmt.Sprintf("disk %s (volume %s) is in use here by Pod %s", e.Disk, e.Volume, e.HeldBy)
}

func volumeMissingPVPhrase(e *checks.VolumeEvidence) string {
	if e == nil {
		return "a claim is bound to a PersistentVolume that does not exist"
	}
	return fmt.Sprintf("PVC %s is bound to PV %s, which does not exist", e.PVC, e.PV)
}

func volumeBindConflictPhrase(e *checks.VolumeEvidence) string {
	if e == nil {
		return "no PersistentVolume to bind or provision"
	}
	switch e.Conflict {
	case checks.BindSelectedNode:
		return fmt.Sprintf("PVC %s is being provisioned for node %s (annotation volume.kubernetes.io/selected-node)", e.PVC, e.SelectedNode)
	case checks.BindAllowedTopologies:
		return fmt.Sprintf("PVC %s has no matching free PV here, and class %s provisions only where %s", e.PVC, e.StorageClass, topologyText(e.AllowedTopologies))
	}
	if e.CandidatePVs == 0 {
		return fmt.Sprintf("PVC %s: no PV of class %q exists, and the class cannot provision (provisioner %q)", e.PVC, e.StorageClass, e.Provisioner)
	}
	return fmt.Sprintf("PVC %s: none of the %d PVs of class %q is free and matches here, and the class cannot provision (provisioner %q)",
		e.PVC, e.CandidatePVs, e.StorageClass, e.Provisioner)
}

// topologyText writes allowedTopologies: terms ORed, expressions ANDed, each an In.
func topologyText(terms []corev1.TopologySelectorTerm) string {
	var out []string
	for _, t := range terms {
		var exprs []string
		for _, e := range t.MatchLabelExpressions {
			exprs = append(exprs, fmt.Sprintf("%s in (%s)", e.Key, strings.Join(e.Values, ", ")))
		}
		if len(exprs) > 0 {
			out = append(out, strings.Join(exprs, " and "))
		}
	}
	if len(out) == 0 {
		return "nowhere"
	}
	return strings.Join(out, ", or ")
}

func nodeNamePhrase(e *checks.NodeNameEvidence) string {
	if e == nil {
		return "not the node named in the Pod's spec.nodeName"
	}
	return fmt.Sprintf("not %s, the node named in the Pod's spec.nodeName", e.Want)
}

func taintPhrase(e *checks.TaintEvidence) string {
	if e == nil {
		return "untolerated taint"
	}
	s := "untolerated taint " + taintText(e.Taint)
	if e.NearestToleration == nil {
		return s
	}
	miss := map[string]string{
		"effect":   "has the wrong effect",
		"value":    "has the wrong value",
		"key":      "has a different key",
		"operator": "has the wrong operator",
	}[e.NearMiss]
	if miss == "" {
		miss = "comes closest"
	}
	return fmt.Sprintf("%s (the Pod's toleration %s %s)", s, tolerationText(*e.NearestToleration), miss)
}

// taintText writes a taint the way kubectl taint takes it: key[=value]:Effect.
func taintText(t corev1.Taint) string {
	s := t.Key
	if t.Value != "" {
		s += "=" + t.Value
	}
	return s + ":" + string(t.Effect)
}

// tolerationText writes a toleration as kubectl describe does: key[=value][:Effect] [op=Exists].
func tolerationText(t corev1.Toleration) string {
	s := t.Key
	if s == "" {
		s = "<any key>"
	}
	if t.Value != "" {
		s += "=" + t.Value
	}
	if t.Effect != "" {
		s += ":" + string(t.Effect)
	}
	if t.Operator != "" && t.Operator != corev1.TolerationOpEqual {
		s += " op=" + string(t.Operator)
	}
	return s
}

func nodeSelectorPhrase(bs []checks.Blocker) string {
	e := bs[0].NodeSelector
	if e == nil {
		return "nodeSelector does not match"
	}
	var found []string
	for _, b := range bs {
		if b.NodeSelector == nil {
			continue
		}
		if b.NodeSelector.Actual == nil {
			found = append(found, "no "+e.Key+" label")
		} else {
			found = append(found, e.Key+"="+*b.NodeSelector.Actual)
		}
	}
	return fmt.Sprintf("nodeSelector wants %s=%s, found %s", e.Key, e.Want, listOr(distinct(found)))
}

func nodeAffinityPhrase(bs []checks.Blocker) string {
	e := bs[0].NodeAffinity
	if e == nil || len(e.Terms) == 0 {
		return "required node affinity does not match"
	}
	return termsPhrase("required node affinity", bs, func(b checks.Blocker) []checks.TermMismatch {
		if b.NodeAffinity == nil {
			return nil
		}
		return b.NodeAffinity.Terms
	})
}

// termsPhrase says why nodeSelectorTerms (the Pod's or a PV's) failed, each expression with what
// the nodes carry instead. termsOf picks the terms out of one node's blocker.
func termsPhrase(subject string, bs []checks.Blocker, termsOf func(checks.Blocker) []checks.TermMismatch) string {
	var wants, notes []string
	for i, t := range termsOf(bs[0]) {
		switch {
		case t.Empty:
			notes = append(notes, fmt.Sprintf("term %d is empty and matches no node", t.Term))
		case t.Invalid != "":
			notes = append(notes, fmt.Sprintf("term %d is invalid (%s)", t.Term, t.Invalid))
		case len(t.Failed) > 0:
			exprs := make([]string, 0, len(t.Failed))
			for j, f := range t.Failed {
				exprs = append(exprs, fmt.Sprintf("%s [found %s]", requirementText(f.Requirement),
					listOr(affinityFound(bs, termsOf, i, j))))
			}
			wants = append(wants, strings.Join(exprs, " and "))
		}
	}
	switch {
	case len(wants) == 0 && len(notes) == 0:
		return subject + " does not match"
	case len(wants) == 0:
		return subject + " " + joinLast(notes, " and ")
	case len(notes) == 0:
		return subject + " wants " + strings.Join(wants, ", or ")
	}
	return subject + " wants " + strings.Join(wants, ", or ") + " (" + joinLast(notes, " and ") + ")"
}

// affinityFound collects what the nodes carry for the j-th failed expression of the i-th term.
func affinityFound(bs []checks.Blocker, termsOf func(checks.Blocker) []checks.TermMismatch, i, j int) []string {
	want := termsOf(bs[0])[i]
	key := want.Failed[j].Requirement.Key
	var found []string
	for _, b := range bs {
		terms := termsOf(b)
		if i >= len(terms) {
			continue
		}
		t := terms[i]
		if t.Term != want.Term || j >= len(t.Failed) || t.Failed[j].Requirement.Key != key {
			continue
		}
		if a := t.Failed[j].Actual; a != nil {
			found = append(found, *a)
		} else {
			found = append(found, "no label")
		}
	}
	return distinct(found)
}

// requirementText writes a node selector requirement in label-selector syntax.
func requirementText(r corev1.NodeSelectorRequirement) string {
	switch r.Operator {
	case corev1.NodeSelectorOpIn:
		return fmt.Sprintf("%s in (%s)", r.Key, strings.Join(r.Values, ", "))
	case corev1.NodeSelectorOpNotIn:
		return fmt.Sprintf("%s notin (%s)", r.Key, strings.Join(r.Values, ", "))
	case corev1.NodeSelectorOpExists:
		return r.Key + " to exist"
	case corev1.NodeSelectorOpDoesNotExist:
		return r.Key + " not to exist"
	case corev1.NodeSelectorOpGt:
		return fmt.Sprintf("%s > %s", r.Key, strings.Join(r.Values, ", "))
	case corev1.NodeSelectorOpLt:
		return fmt.Sprintf("%s < %s", r.Key, strings.Join(r.Values, ", "))
	}
	return fmt.Sprintf("%s %s (%s)", r.Key, r.Operator, strings.Join(r.Values, ", "))
}

func hostPortPhrase(bs []checks.Blocker) string {
	e := bs[0].HostPort
	if e == nil {
		return "a requested host port is in use"
	}
	port := fmt.Sprintf("%d/%s", e.Port, e.Protocol)
	if e.HostIP != "" && e.HostIP != "0.0.0.0" {
		port = e.HostIP + ":" + port
	}
	var holders []string
	for _, b := range bs {
		if b.HostPort != nil && b.HostPort.HeldBy != "" {
			holders = append(holders, b.HostPort.HeldBy)
		}
	}
	if holders = distinct(holders); len(holders) == 0 {
		return "host port " + port + " already in use"
	}
	return fmt.Sprintf("host port %s already in use by %s", port, listSome(holders, 2))
}

func tooManyPodsPhrase(bs []checks.Blocker) string {
	e := bs[0].Resource
	if e == nil {
		return "already runs as many Pods as it allows"
	}
	for _, b := range bs[1:] {
		if b.Resource != nil && b.Resource.Allocatable.Cmp(e.Allocatable) != 0 {
			return "already runs as many Pods as it allows"
		}
	}
	return fmt.Sprintf("already runs as many Pods as it allows (%s of %s)", qty(e.InUse), qty(e.Allocatable))
}

func resourcePhrase(bs []checks.Blocker) string {
	e := bs[0].Resource
	if e == nil {
		return "insufficient resources"
	}
	// The group's nodes may differ: some smaller than the request in all, others merely full.
	// Each fact is said of the nodes it is true of: the largest of the small ones, the one with
	// the most free of the others.
	var small, full []*checks.ResourceEvidence
	for _, b := range bs {
		if r := b.Resource; r != nil {
			if r.ExceedsAllocatable {
				small = append(small, r)
			} else {
				full = append(full, r)
			}
		}
	}
	largest, best := e, e
	for i, r := range small {
		if i == 0 || r.Allocatable.Cmp(largest.Allocatable) > 0 {
			largest = r
		}
	}
	for i, r := range full {
		if i == 0 || r.Free.Cmp(best.Free) > 0 {
			best = r
		}
	}
	s := fmt.Sprintf("insufficient %s: requests %s", e.Resource, qty(e.Requested))
	switch {
	case len(small) > 0 && len(full) == 1:
		return fmt.Sprintf("%s, more than %d of them %s in all (the largest of those has %s); the other node has %s free of %s",
			s, len(small), verb(len(small), "has", "have"), qty(largest.Allocatable), qty(best.Free), qty(best.Allocatable))
	case len(small) > 0 && len(full) > 0:
		return fmt.Sprintf("%s, more than %d of them %s in all (the largest of those has %s); of the other %s, the best has %s free of %s",
			s, len(small), verb(len(small), "has", "have"), qty(largest.Allocatable), plural(len(full), "node"), qty(best.Free), qty(best.Allocatable))
	case len(small) > 1:
		return fmt.Sprintf("%s, more than any of them has in all (the largest has %s)", s, qty(largest.Allocatable))
	case len(small) == 1:
		return fmt.Sprintf("%s, more than the node has in all (%s)", s, qty(largest.Allocatable))
	case len(full) > 1:
		return fmt.Sprintf("%s, the best of them has %s free of %s", s, qty(best.Free), qty(best.Allocatable))
	}
	return fmt.Sprintf("%s, has %s free of %s", s, qty(best.Free), qty(best.Allocatable))
}

func qty(q resource.Quantity) string { return q.String() }

func spreadMissingLabelPhrase(e *checks.SpreadEvidence) string {
	if e == nil {
		return "lacks a label a topology spread constraint needs"
	}
	return fmt.Sprintf("no %s label, which topology spread constraint %d needs", e.TopologyKey, e.Constraint)
}

func spreadSkewPhrase(bs []checks.Blocker) string {
	e := bs[0].Spread
	if e == nil {
		return "placing it would exceed a topology spread constraint's maxSkew"
	}
	// Nodes of one domain share a count; list each domain once, with what it would hold.
	holds := map[string]int32{}
	for _, b := range bs {
		if s := b.Spread; s != nil {
			n := s.MatchingInDomain
			if s.SelfMatch {
				n++
			}
			holds[s.Domain] = n
		}
	}
	// Say the would-be count as such ("placing it in X would make 2 there"): beside a domain table
	// showing today's 1, a bare "X 2" reads as a miscount.
	byCount := map[int32][]string{}
	for d, n := range holds {
		byCount[n] = append(byCount[n], d)
	}
	counts := make([]int32, 0, len(byCount))
	for n := range byCount {
		counts = append(counts, n)
		sort.Strings(byCount[n])
	}
	sort.Slice(counts, func(i, j int) bool { return counts[i] < counts[j] })
	where := func(domains []string) string {
		if len(holds) == 1 {
			return e.TopologyKey + "=" + domains[0]
		}
		return listOr(domains)
	}
	s := fmt.Sprintf("placing it in %s", where(byCount[counts[0]]))
	if len(holds) > 1 {
		s += fmt.Sprintf(" (%s)", e.TopologyKey)
	}
	s += fmt.Sprintf(" would make %s there", plural(int(counts[0]), "matching Pod"))
	for _, n := range counts[1:] {
		s += fmt.Sprintf(", in %s %d", where(byCount[n]), n)
	}
	if len(counts) > 1 {
		s += ","
	}
	s += fmt.Sprintf(" against a global minimum of %d (maxSkew %d allows at most %d)", e.GlobalMinimum, e.MaxSkew, e.GlobalMinimum+e.MaxSkew)
	if e.MinDomains > 0 && int32(e.EligibleDomains) < e.MinDomains {
		s += fmt.Sprintf("; the minimum counts as 0 because only %s are eligible, fewer than minDomains %d",
			plural(e.EligibleDomains, "domain"), e.MinDomains)
	}
	return s
}

// affinityTerm names a required pod (anti-)affinity term by its selector, else by its index.
func affinityTerm(e *checks.PodAffinityEvidence) string {
	s := fmt.Sprintf("term %d", e.Term)
	if e.Selector != nil {
		s = selectorText(e.Selector)
	}
	if e.AllNamespaces {
		s += " (its namespaceSelector has only NotIn/DoesNotExist: the scheduler matches Pods in every namespace here)"
	}
	return s
}

// selectorText writes a label selector in kubectl's syntax: "<none>" for a nil selector (it
// matches nothing), "{}" for an empty one (it matches everything for affinity, and counts no Pods
// for spread).
func selectorText(ls *metav1.LabelSelector) string {
	if ls == nil {
		return "<none>"
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return "<invalid: " + err.Error() + ">"
	}
	if s := sel.String(); s != "" {
		return s
	}
	return "{}"
}

// affinityPlaces lists the domains (and, with pods, which Pod sits in each) across the nodes.
func affinityPlaces(bs []checks.Blocker, withPod bool) (pods, places []string) {
	for _, b := range bs {
		if e := b.PodAffinity; e != nil {
			place := e.TopologyKey + "=" + e.Domain
			if withPod && e.Pod != "" {
				pods = append(pods, e.Pod)
				place = e.Pod + " in " + place
			}
			places = append(places, place)
		}
	}
	return distinct(pods), distinct(places)
}

func podAffinityPhrase(bs []checks.Blocker) string {
	e := bs[0].PodAffinity
	if e == nil {
		return "required pod affinity not satisfied"
	}
	if e.MissingLabel {
		return fmt.Sprintf("no %s label, which pod affinity %s needs", e.TopologyKey, affinityTerm(e))
	}
	_, places := affinityPlaces(bs, false)
	return fmt.Sprintf("no Pod matching pod affinity %s in %s", affinityTerm(e), listOr(places))
}

func podAntiAffinityPhrase(bs []checks.Blocker) string {
	e := bs[0].PodAffinity
	if e == nil {
		return "a Pod there matches the Pod's anti-affinity"
	}
	pods, places := affinityPlaces(bs, true)
	if len(pods) == 1 {
		return fmt.Sprintf("Pod %s matches the Pod's anti-affinity %s in %s=%s", pods[0], affinityTerm(e),
			e.TopologyKey, e.Domain)
	}
	return fmt.Sprintf("Pods match the Pod's anti-affinity %s: %s", affinityTerm(e), listSome(places, maxListed-1))
}

func existingAntiAffinityPhrase(bs []checks.Blocker) string {
	e := bs[0].PodAffinity
	if e == nil {
		return "an existing Pod's anti-affinity rejects the Pod"
	}
	pods, places := affinityPlaces(bs, true)
	if len(pods) == 1 {
		return fmt.Sprintf("Pod %s in %s=%s has anti-affinity %s that matches this Pod", pods[0],
			e.TopologyKey, e.Domain, affinityTerm(e))
	}
	return fmt.Sprintf("existing Pods' anti-affinity %s matches this Pod: %s", affinityTerm(e),
		listSome(places, maxListed-1))
}

// statusPhrase says what a Pod's status means for the person waiting on it.
func statusPhrase(p *explain.PodReport) string {
	switch p.Status {
	case explain.StatusUnschedulable:
		return "no node passes the scheduler's filters"
	case explain.StatusSchedulable:
		return "a node passes every filter now; the scheduler should place it on its next attempt"
	case explain.StatusSchedulingGated:
		return "held back by scheduling gates " + strings.Join(cleanAll(p.SchedulingGates), ", ") +
			"; the scheduler will not try to place it until they are removed"
	case explain.StatusOtherScheduler:
		return fmt.Sprintf("spec.schedulerName is %s; analysed as default-scheduler would see it", Clean(p.SchedulerName))
	case explain.StatusPreemptionPending:
		return "preemption will make room; it waits for the evicted Pods to leave"
	}
	return ""
}

// preemptionPhrase says what DefaultPreemption concluded; "" when there is nothing to say.
func preemptionPhrase(p explain.Preemption) string {
	switch p.Outcome {
	case explain.PreemptionWouldSucceed:
		if len(p.Victims) == 0 {
			return "evicting lower-priority Pods on node " + Clean(p.Node) + " would make room"
		}
		s := fmt.Sprintf("evicting %s on node %s would make room (%s)", plural(len(p.Victims), "lower-priority Pod"),
			Clean(p.Node), listSome(cleanAll(p.Victims), maxListed))
		if p.Candidates > 1 {
			s += fmt.Sprintf("; %d nodes could, and the scheduler picks one", p.Candidates)
		}
		return s
	case explain.PreemptionNoCandidates:
		return "would not help: no node fits even after evicting every lower-priority Pod"
	case explain.PreemptionNotEligible:
		if p.Message != "" {
			// The scheduler's "preemption: not eligible ..." follows our own "Preemption:" label.
			return Clean(strings.TrimPrefix(p.Message, "preemption: "))
		}
		return "not eligible"
	case explain.PreemptionNotAttempted:
		return "not attempted: the PreFilter rejection ended the scheduling cycle first"
	}
	return ""
}

// differencePhrase says why the recorded message differs from the one we compute, as the end of
// "It differs ...".
func differencePhrase(d string) string {
	switch d {
	case "OlderScheduler":
		return "because the cluster's scheduler is older than v1.34 and words its message differently"
	case "Stale":
		return "because the cluster has changed since the scheduler's last attempt; its next attempt writes the Scheduler line"
	case explain.DifferenceNoNodes:
		return "because the snapshot holds no nodes, while the scheduler saw some; add them (kubectl get nodes -o yaml) to compare"
	case "OtherScheduler":
		return "because another scheduler wrote it"
	case "Truncated":
		return "because the event note is cut at 1024 bytes"
	case "", "Unknown":
		return "for a reason this analysis cannot tell"
	}
	return "(" + Clean(d) + ")"
}

// plural writes a count with its noun: "1 node", "12 nodes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// listSome writes at most max items: "a, b, c and 9 more".
func listSome(items []string, max int) string {
	if max < 1 {
		max = 1
	}
	if len(items) > max {
		return strings.Join(items[:max], ", ") + fmt.Sprintf(" and %d more", len(items)-max)
	}
	return joinLast(items, " and ")
}

// listOr writes alternatives: "a", "a or b", "a, b or 4 others".
func listOr(items []string) string {
	if len(items) > maxListed {
		return strings.Join(items[:maxListed], ", ") + fmt.Sprintf(" or %d others", len(items)-maxListed)
	}
	return joinLast(items, " or ")
}

func joinLast(items []string, last string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + last + items[len(items)-1]
}

// distinct drops repeats, keeping the first occurrence's order.
func distinct(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// nodeFeaturePhrase: the node features the Pod needs that the node does not declare.
func nodeFeaturePhrase(e *checks.FeatureEvidence) string {
	if e == nil {
		return "the node does not declare a feature the Pod needs"
	}
	return fmt.Sprintf("the node does not declare %s that the Pod needs (status.declaredFeatures)", featureList(e.Missing))
}

// featureList names node features: "feature A", "features A, B".
func featureList(names []string) string {
	if len(names) == 1 {
		return "feature " + names[0]
	}
	return "features " + strings.Join(names, ", ")
}

// volumeLimitPhrase: the driver's attachable-volume count would go past its limit.
func volumeLimitPhrase(e *checks.VolumeLimitEvidence) string {
	if e == nil {
		return "the node's CSI volume limit is reached"
	}
	return fmt.Sprintf("CSI driver %s volume limit reached: %d attached + %d new > %d (CSINode allocatable)", e.Driver, e.Attached, e.New, e.Limit)
}

// csiDriverPhrase: the Pod's CSI driver is not registered on the node.
func csiDriverPhrase(e *checks.VolumeLimitEvidence) string {
	if e == nil {
		return "a CSI driver the Pod's volumes need is not installed on the node"
	}
	return fmt.Sprintf("CSI driver %s is not installed on the node (not in its CSINode; the CSIDriver sets preventPodSchedulingIfMissing)", e.Driver)
}

// volumeStoragePhrase: no CSIStorageCapacity of the class reaching the node can hold the claim.
func volumeStoragePhrase(e *checks.VolumeEvidence) string {
	if e == nil || e.StorageRequested == nil {
		return "not enough free storage for a claim to be provisioned on the node"
	}
	best := "no CSIStorageCapacity of the class reaches the node"
	if e.BestCapacity != nil {
		best = "the most a CSIStorageCapacity reaching the node offers is " + e.BestCapacity.String()
	}
	return fmt.Sprintf("PVC %s asks StorageClass %q for %s; %s", e.PVC, e.StorageClass, e.StorageRequested.String(), best)
}

// deviceClaimPhrase: the allocator found no devices for the claim on the node; per request, what
// the node's devices lacked.
func deviceClaimPhrase(e *checks.DeviceClaimEvidence) string {
	if e == nil {
		return "a ResourceClaim of the Pod cannot be allocated from the node's devices"
	}
	var reqs []string
	for _, r := range e.Requests {
		reqs = append(reqs, deviceRequestPhrase(r))
	}
	if len(reqs) == 0 {
		return fmt.Sprintf("ResourceClaim %s cannot be allocated from the node's devices", e.Claim)
	}
	return fmt.Sprintf("ResourceClaim %s cannot be allocated from the node's devices: %s", e.Claim, strings.Join(reqs, "; "))
}

// deviceRequestPhrase: "request gpu (class gpu.example.com) wants 2, 1 free of 3: gpu-0 is
// allocated to claim ns/a, gpu-1 has untolerated taint broken=true:NoSchedule".
func deviceRequestPhrase(r checks.DeviceRequestEvidence) string {
	want := fmt.Sprintf("wants %d", r.Count)
	if r.All {
		want = "wants all matching devices"
	}
	if len(r.Devices) == 0 {
		return fmt.Sprintf("request %s (class %s) %s, the node has no device of the class", r.Request, r.DeviceClass, want)
	}
	// Devices refused for the same reason read as one: "gpu-0, gpu-1 are allocated to claim ml/a".
	var why []string
	var order []string
	same := map[string][]string{}
	for _, d := range r.Devices {
		s := deviceRefusalPhrase(d)
		if s == "" {
			continue
		}
		if same[s] == nil {
			order = append(order, s)
		}
		same[s] = append(same[s], d.Device)
	}
	for _, s := range order {
		devs := same[s]
		verb := "is"
		if len(devs) > 1 {
			verb = "are"
		}
		why = append(why, strings.Join(devs, ", ")+" "+strings.ReplaceAll(s, "{is}", verb))
	}
	s := fmt.Sprintf("request %s (class %s) %s, %d free of %d", r.Request, r.DeviceClass, want, r.Free, len(r.Devices))
	if len(why) > 0 {
		s += ": " + strings.Join(why, ", ")
	}
	return s
}

// deviceRefusalPhrase is why a device could not serve the request, without the device's name
// ("" when it is free); "{is}" stands for the verb, singular or plural.
func deviceRefusalPhrase(d checks.DeviceRefusal) string {
	switch d.Refusal {
	case checks.RefusalClassSelector:
		return fmt.Sprintf("{is} refused by the class selector %s%s", d.Selector, attributeList(d.Attributes))
	case checks.RefusalRequestSelector:
		return fmt.Sprintf("{is} refused by the request selector %s%s", d.Selector, attributeList(d.Attributes))
	case checks.RefusalAllocated:
		return fmt.Sprintf("{is} allocated to claim %s", d.Claim)
	case checks.RefusalCapacity:
		if c := d.Capacity; c != nil {
			return fmt.Sprintf("{is} shared and short of %s: requests %s, %s left of %s", c.Name, c.Requested.String(), c.Left.String(), c.Total.String())
		}
		return "{is} shared and short of capacity"
	case checks.RefusalTaint:
		if d.Taint == nil {
			return "{is} tainted, not tolerated"
		}
		return fmt.Sprintf("{is} tainted %s=%s:%s, not tolerated", d.Taint.Key, d.Taint.Value, d.Taint.Effect)
	}
	return ""
}

// attributeList writes the device's attribute values: " (model=a100, memory=40Gi)".
func attributeList(attrs map[string]string) string {
	if len(attrs) == 0 {
		return ""
	}
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + attrs[k]
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// deviceClaimElsewherePhrase: an allocated claim's devices are not reachable from the node.
func deviceClaimElsewherePhrase(e *checks.DeviceClaimEvidence) string {
	if e == nil {
		return "an allocated ResourceClaim's devices are on other nodes"
	}
	return fmt.Sprintf("ResourceClaim %s is allocated to devices the node cannot reach (its allocation's node selector excludes the node)", e.Claim)
}

// cordonPhrase: the cordon, with the taint it brings when the Pod does not tolerate that either
// (explain counts them as one cause).
func cordonPhrase(bs []checks.Blocker) string {
	for _, b := range bs {
		if b.Taint != nil {
			return "cordoned (spec.unschedulable, with its untolerated " + Clean(b.Taint.Taint.Key) + ":" + Clean(string(b.Taint.Taint.Effect)) + " taint)"
		}
	}
	return "cordoned (spec.unschedulable)"
}
