package explain

import (
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// fixCause is one cause (one checks.Identity) as found on every node: what a fix builder sees.
type fixCause struct {
	first checks.Blocker   // the first occurrence, as the example
	all   []checks.Blocker // every occurrence, one or more per node
	// nodes have the cause, closest to fitting first.
	nodes []string
	// onNode is the cause's blockers on each of its nodes.
	onNode map[string][]checks.Blocker
}

// fixBuilders holds, for every blocker kind, how explain turns a cause into a Fix. A builder
// sets Action, Alternatives, Targets and Change; proposeFixes sets the rest.
var fixBuilders = map[checks.BlockerKind]func(c fixCause, spread []checks.SpreadDomains) Fix{
	checks.KindCordoned: func(c fixCause, _ []checks.SpreadDomains) Fix {
		return Fix{Action: ActionUncordon, Targets: nodeRefs(c.nodes)}
	},
	checks.KindNodeNameMismatch: func(c fixCause, _ []checks.SpreadDomains) Fix {
		return Fix{Action: ActionChangeNodeName, Change: FixChange{NodeName: c.first.NodeName.Want}}
	},
	checks.KindUntoleratedTaint:     taintFix,
	checks.KindNodeSelectorMismatch: nodeSelectorFix,
	checks.KindNodeAffinityMismatch: nodeAffinityFix,
	checks.KindHostPortConflict: func(c fixCause, _ []checks.SpreadDomains) Fix {
		h := *c.first.HostPort
		return Fix{Action: ActionDropHostPort, Alternatives: []FixAction{ActionChangeHostPort}, Change: FixChange{HostPort: &h}}
	},
	checks.KindTooManyPods: func(c fixCause, _ []checks.SpreadDomains) Fix {
		return Fix{Action: ActionAddNodes, Alternatives: []FixAction{ActionRaiseMaxPods}, Targets: nodeRefs(c.nodes),
			Change: FixChange{Resource: offered(c)}}
	},
	checks.KindInsufficientResource: resourceFix,
	checks.KindSpreadMissingLabel: func(c fixCause, _ []checks.SpreadDomains) Fix {
		key := c.first.Spread.TopologyKey
		f := Fix{Action: ActionLabelNode, Alternatives: []FixAction{ActionAvoidNodes}, Targets: nodeRefs(c.nodes),
			Change: FixChange{Label: &Label{Key: key}}}
		if systemLabel(key) {
			f.Action = ActionRepairNode
		}
		return f
	},
	checks.KindSpreadSkew: spreadSkewFix,
	checks.KindPodAffinityUnsatisfied: func(c fixCause, _ []checks.SpreadDomains) Fix {
		a := *c.first.PodAffinity
		if a.MissingLabel {
			return Fix{Action: ActionLabelNode, Targets: nodeRefs(c.nodes), Change: FixChange{Label: &Label{Key: a.TopologyKey}, PodAffinity: &a}}
		}
		return Fix{Action: ActionStartPods, Alternatives: []FixAction{ActionRelaxPodAffinity}, Change: FixChange{PodAffinity: &a}}
	},
	checks.KindPodAntiAffinityConflict: func(c fixCause, _ []checks.SpreadDomains) Fix {
		a := *c.first.PodAffinity
		return Fix{Action: ActionAddNodes, Alternatives: []FixAction{ActionLowerReplicas, ActionRelaxPodAffinity},
			Targets: podRefs(a.Pod), Change: FixChange{PodAffinity: &a, Pods: collidingPods(c)}}
	},
	checks.KindExistingAntiAffinity: func(c fixCause, _ []checks.SpreadDomains) Fix {
		a := *c.first.PodAffinity
		return Fix{Action: ActionChangeOtherPod, Alternatives: []FixAction{ActionChangePodLabels},
			Targets: podRefs(a.Pod), Change: FixChange{PodAffinity: &a, Pods: collidingPods(c)}}
	},
	checks.KindReadWriteOncePodInUse: func(c fixCause, _ []checks.SpreadDomains) Fix {
		v := *c.first.Volume
		return Fix{Action: ActionStopOtherPod, Alternatives: []FixAction{ActionUseOtherClaim},
			Targets: append(podRefs(v.HeldBy), ObjectRef{Kind: "PersistentVolumeClaim", Name: v.PVC}), Change: FixChange{Volume: &v}}
	},
	checks.KindDiskConflict: func(c fixCause, _ []checks.SpreadDomains) Fix {
		v := *c.first.Volume
		f := Fix{Action: ActionStopOtherPod, Targets: podRefs(v.HeldBy), Change: FixChange{Volume: &v}}
		if !strings.HasPrefix(v.Disk, "awsElasticBlockStore ") { // EBS conflicts even read-only
			f.Alternatives = []FixAction{ActionMountReadOnly}
		}
		return f
	},
	checks.KindVolumeNodeConflict: func(c fixCause, _ []checks.SpreadDomains) Fix {
		v := *c.first.Volume
		return Fix{Action: ActionFreeCapacity, Alternatives: []FixAction{ActionRecreateClaim}, Targets: volumeRefs(v),
			Change: FixChange{Volume: &v}}
	},
	checks.KindVolumeBindConflict: volumeBindFix,
	checks.KindVolumeMissingPV: func(c fixCause, _ []checks.SpreadDomains) Fix {
		v := *c.first.Volume
		return Fix{Action: ActionRestoreVolume, Alternatives: []FixAction{ActionRecreateClaim}, Targets: volumeRefs(v),
			Change: FixChange{Volume: &v}}
	},
	checks.KindVolumeZoneConflict: func(c fixCause, _ []checks.SpreadDomains) Fix {
		v := *c.first.Volume
		return Fix{Action: ActionAddNodes, Alternatives: []FixAction{ActionMoveData}, Targets: volumeRefs(v),
			Change: FixChange{Volume: &v}}
	},
	checks.KindVolumeLimitExceeded: func(c fixCause, _ []checks.SpreadDomains) Fix {
		e := *c.first.VolumeLimit
		return Fix{Action: ActionAddNodes, Alternatives: []FixAction{ActionFreeCapacity}, Targets: nodeRefs(c.nodes), Change: FixChange{VolumeLimit: &e}}
	},
	checks.KindCSIDriverNotInstalled: func(c fixCause, _ []checks.SpreadDomains) Fix {
		e := *c.first.VolumeLimit
		return Fix{Action: ActionInstallDriver, Alternatives: []FixAction{ActionAvoidNodes}, Targets: nodeRefs(c.nodes), Change: FixChange{VolumeLimit: &e}}
	},
	checks.KindVolumeNotEnoughStorage: func(c fixCause, _ []checks.SpreadDomains) Fix {
		v := *c.first.Volume
		return Fix{Action: ActionFreeCapacity, Alternatives: []FixAction{ActionChangeRequest, ActionChangeStorageClass}, Targets: volumeRefs(v),
			Change: FixChange{Volume: &v}}
	},
	checks.KindNodeFeatureMissing: func(c fixCause, _ []checks.SpreadDomains) Fix {
		e := *c.first.Features
		return Fix{Action: ActionEnableNodeFeature, Alternatives: []FixAction{ActionDropPodFeature}, Targets: nodeRefs(c.nodes),
			Change: FixChange{Features: &e}}
	},
	checks.KindDeviceClaimUnallocatable: deviceClaimFix,
	checks.KindDeviceClaimElsewhere: func(c fixCause, _ []checks.SpreadDomains) Fix {
		e := *c.first.DeviceClaim
		return Fix{Action: ActionUseClaimNode, Alternatives: []FixAction{ActionRecreateClaim},
			Targets: []ObjectRef{{Kind: "ResourceClaim", Name: e.Claim}}, Change: FixChange{DeviceClaim: &e}}
	},
}

// deviceClaimFix proposes, for a claim no node's devices could satisfy, the change that the
// devices' refusals point to first: a device taint to tolerate, a selector to relax, devices
// other claims hold; adding devices always helps.
func deviceClaimFix(c fixCause, _ []checks.SpreadDomains) Fix {
	e := *c.first.DeviceClaim
	seen := map[checks.DeviceRefusalKind]bool{}
	for _, r := range e.Requests {
		for _, d := range r.Devices {
			seen[d.Refusal] = true
		}
	}
	var actions []FixAction
	for _, ra := range []struct {
		refusal checks.DeviceRefusalKind
		action  FixAction
	}{{checks.RefusalTaint, ActionTolerateDeviceTaint}, {checks.RefusalRequestSelector, ActionRelaxDeviceSelector}, {checks.RefusalAllocated, ActionFreeDevices},
		{checks.RefusalCapacity, ActionFreeDevices}} {
		if seen[ra.refusal] && !slices.Contains(actions, ra.action) {
			actions = append(actions, ra.action)
		}
	}
	actions = append(actions, ActionAddDevices)
	return Fix{Action: actions[0], Alternatives: actions[1:],
		Targets: append([]ObjectRef{{Kind: "ResourceClaim", Name: e.Claim}}, nodeRefs(c.nodes)...), Change: FixChange{DeviceClaim: &e}}
}

// fixMeta is what explain keeps about a fix while verifying and ranking it, aligned with the fixes.
type fixMeta struct {
	key        string   // the cause's checks.Identity
	causeNodes []string // every node the cause is on, closest to fitting first
	edit       *edit    // the change as applied to a copy; nil when unverified
	intent     int      // intentRank
	// onNodeSelector is, for a nodeSelector cause, each node's value of the key (nil: none).
	onNodeSelector map[string]*string
	// shortfall is, for a resource cause, how much each node lacks.
	shortfall map[string]resource.Quantity
}

// proposeFixes turns each distinct blocker into one concrete change, most nodes first. A fix is
// Sufficient when some node has no other blocker (verifyFixes then checks it on a copy).
func proposeFixes(nodes []keyedNode, spread []checks.SpreadDomains) []Fix {
	fixes, _ := proposeFixMetas(nodes, spread)
	return fixes
}

func proposeFixMetas(nodes []keyedNode, spread []checks.SpreadDomains) ([]Fix, []fixMeta) {
	type acc struct {
		fixCause
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
				a = &acc{fixCause: fixCause{first: b, onNode: map[string][]checks.Blocker{}}}
				byKey[k] = a
				order = append(order, k)
			}
			a.all = append(a.all, b)
			a.onNode[n.Name] = append(a.onNode[n.Name], b)
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
	var metas []fixMeta
	for _, k := range order {
		a := byKey[k]
		// A cordon also brings the node.kubernetes.io/unschedulable taint: one cause, one fix.
		if cordoned && a.first.Taint != nil && a.first.Taint.Taint.Key == corev1.TaintNodeUnschedulable {
			continue
		}
		build := fixBuilders[a.first.Kind]
		if build == nil || len(a.nodes) == 0 || !checks.HasEvidence(a.first) {
			continue
		}
		sort.SliceStable(a.nodes, func(i, j int) bool { return blockersOn[a.nodes[i]] < blockersOn[a.nodes[j]] })
		f := build(a.fixCause, spread)
		f.Kind, f.Nodes, f.Sufficient = a.first.Kind, len(a.nodes), a.sufficient
		m := fixMeta{key: k, causeNodes: a.nodes}
		if f.Kind == checks.KindNodeSelectorMismatch {
			m.onNodeSelector = map[string]*string{}
			for n, bs := range a.onNode {
				if bs[0].NodeSelector != nil {
					m.onNodeSelector[n] = bs[0].NodeSelector.Actual
				}
			}
		}
		if f.Kind == checks.KindInsufficientResource {
			m.shortfall = map[string]resource.Quantity{}
			for n, bs := range a.onNode {
				if r := bs[0].Resource; r != nil && !r.ExceedsAllocatable {
					m.shortfall[n] = r.Shortfall
				}
			}
		}
		fixes, metas = append(fixes, f), append(metas, m)
	}
	keepLabelingToFreeNodes(fixes, metas, nodes)
	sortFixes(fixes, metas, func(a, b *Fix, _, _ *fixMeta) bool {
		if a.Sufficient != b.Sufficient {
			return a.Sufficient
		}
		return a.Nodes > b.Nodes
	})
	return fixes, metas
}

// sortFixes sorts fixes and their metas together, stably.
func sortFixes(fixes []Fix, metas []fixMeta, less func(a, b *Fix, ma, mb *fixMeta) bool) {
	idx := make([]int, len(fixes))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return less(&fixes[idx[i]], &fixes[idx[j]], &metas[idx[i]], &metas[idx[j]]) })
	fs, ms := make([]Fix, len(fixes)), make([]fixMeta, len(metas))
	for i, k := range idx {
		fs[i], ms[i] = fixes[k], metas[k]
	}
	copy(fixes, fs)
	copy(metas, ms)
}

// maxTargetNodes is how many nodes a fix names: enough for a command to act on.
const maxTargetNodes = 3

func nodeRefs(nodes []string) []ObjectRef {
	out := make([]ObjectRef, 0, maxTargetNodes)
	for i := 0; i < len(nodes) && i < maxTargetNodes; i++ {
		out = append(out, ObjectRef{Kind: "Node", Name: nodes[i]})
	}
	return out
}

func podRefs(pod string) []ObjectRef {
	if pod == "" {
		return nil
	}
	return []ObjectRef{{Kind: "Pod", Name: pod}}
}

func volumeRefs(v checks.VolumeEvidence) []ObjectRef {
	out := []ObjectRef{{Kind: "PersistentVolumeClaim", Name: v.PVC}}
	if v.PV != "" {
		out = append(out, ObjectRef{Kind: "PersistentVolume", Name: v.PV})
	}
	if v.StorageClass != "" {
		out = append(out, ObjectRef{Kind: "StorageClass", Name: v.StorageClass})
	}
	return out
}

// healthTaints are set by the node lifecycle controller; tolerating them hides a sick node.
var healthTaints = map[string]bool{
	"node.kubernetes.io/not-ready": true, "node.kubernetes.io/unreachable": true,
	"node.kubernetes.io/memory-pressure": true, "node.kubernetes.io/disk-pressure": true,
	"node.kubernetes.io/pid-pressure": true, "node.kubernetes.io/network-unavailable": true,
	"node.kubernetes.io/unschedulable": true, "node.cloudprovider.kubernetes.io/uninitialized": true,
}

func taintFix(c fixCause, _ []checks.SpreadDomains) Fix {
	t := c.first.Taint
	taint := t.Taint
	if healthTaints[taint.Key] {
		return Fix{Action: ActionRepairNode, Targets: nodeRefs(c.nodes), Change: FixChange{Taint: &taint}}
	}
	tol := corev1.Toleration{Key: taint.Key, Operator: corev1.TolerationOpEqual, Value: taint.Value, Effect: taint.Effect}
	if taint.Value == "" {
		tol = corev1.Toleration{Key: taint.Key, Operator: corev1.TolerationOpExists, Effect: taint.Effect}
	}
	return Fix{Action: ActionAddToleration, Alternatives: []FixAction{ActionRemoveTaint}, Targets: nodeRefs(c.nodes),
		Change: FixChange{Toleration: &tol, Taint: &taint, NearestToleration: t.NearestToleration, NearMiss: t.NearMiss}}
}

// keepLabelingToFreeNodes keeps "label a node" only where it relabels no pool: the nodes named
// must lack the key (a node with another value belongs to another pool), the key must not mark a
// dedicated pool, and no node the Pod's selection already picks may be held back by a taint (the
// cluster then says the Pod lacks the toleration, not that a node lacks the label).
func keepLabelingToFreeNodes(fixes []Fix, metas []fixMeta, nodes []keyedNode) {
	intended, selects := podSelection(nodes)
	taintedPool := false
	for i, f := range fixes {
		if f.Kind != checks.KindUntoleratedTaint && f.Kind != checks.KindCordoned {
			continue
		}
		for _, n := range metas[i].causeNodes {
			taintedPool = taintedPool || (selects && intended[n])
		}
	}
	for i := range fixes {
		f, m := &fixes[i], &metas[i]
		if f.Kind != checks.KindNodeSelectorMismatch || f.Change.Label == nil {
			continue
		}
		var free []string
		for _, n := range m.causeNodes {
			if b, ok := m.onNodeSelector[n]; ok && b == nil {
				free = append(free, n)
			}
		}
		if len(free) == 0 || taintedPool || dedicatedLabel(f.Change.Label.Key) {
			f.Alternatives = slices.DeleteFunc(f.Alternatives, func(a FixAction) bool { return a == ActionLabelNode })
		}
		if slices.Contains(f.Alternatives, ActionLabelNode) {
			f.Targets = nodeRefs(free)
		}
	}
}

// podSelection is the nodes the Pod's own nodeSelector and required node affinity pick, and
// whether the Pod selects nodes at all.
func podSelection(nodes []keyedNode) (intended map[string]bool, selects bool) {
	intended = map[string]bool{}
	for _, n := range nodes {
		picked := true
		for _, b := range n.Blockers {
			if b.Kind == checks.KindNodeSelectorMismatch || b.Kind == checks.KindNodeAffinityMismatch || b.Kind == checks.KindNodeNameMismatch {
				picked, selects = false, true
			}
		}
		if picked {
			intended[n.Name] = true
		}
	}
	return intended, selects
}

func nodeSelectorFix(c fixCause, _ []checks.SpreadDomains) Fix {
	e := c.first.NodeSelector
	values := map[string]int{}
	missing := 0
	for _, b := range c.all {
		if b.NodeSelector == nil {
			continue
		}
		if b.NodeSelector.Actual == nil {
			missing++
		} else {
			values[*b.NodeSelector.Actual]++
		}
	}
	var found []LabelCount
	for v, n := range values {
		found = append(found, LabelCount{Value: v, Nodes: n})
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Value < found[j].Value })
	f := Fix{Action: ActionChangeNodeSelector, Targets: nodeRefs(c.nodes),
		Change: FixChange{Label: &Label{Key: e.Key, Value: e.Want}, Found: found, NodesWithoutLabel: missing}}
	if !systemLabel(e.Key) {
		f.Alternatives = []FixAction{ActionLabelNode}
	}
	return f
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

func nodeAffinityFix(c fixCause, _ []checks.SpreadDomains) Fix {
	terms := c.first.NodeAffinity.Terms
	// Labelling nodes cannot help when every failed requirement is a field or a system label.
	onlySystem := true
	for _, t := range terms {
		for _, f := range t.Failed {
			onlySystem = onlySystem && (f.Field || systemLabel(f.Requirement.Key))
		}
	}
	f := Fix{Action: ActionRelaxNodeAffinity, Change: FixChange{Terms: terms}}
	if !onlySystem {
		f.Alternatives = []FixAction{ActionLabelNode}
	}
	return f
}

func resourceFix(c fixCause, _ []checks.SpreadDomains) Fix {
	r := c.first.Resource
	ch := offered(c)
	f := Fix{Change: FixChange{Resource: ch}}
	switch {
	case ch.MostAllocatable.IsZero(): // no node offers the resource at all
		f.Action, f.Alternatives = ActionAddNodes, []FixAction{ActionChangeRequest}
	case r.Requested.Cmp(ch.MostAllocatable) > 0: // larger than any node
		f.Action, f.Alternatives = ActionChangeRequest, []FixAction{ActionAddNodes}
	case ch.MostFree.IsZero():
		f.Action, f.Alternatives = ActionFreeCapacity, []FixAction{ActionAddNodes}
	default:
		lower := ch.MostFree.DeepCopy()
		ch.LowerTo = &lower
		f.Action, f.Alternatives = ActionChangeRequest, []FixAction{ActionFreeCapacity, ActionAddNodes}
	}
	return f
}

// offered is the request of the cause's resource against the most the nodes have free and allocatable.
func offered(c fixCause) *ResourceChange {
	r := c.first.Resource
	ch := &ResourceChange{Resource: r.Resource, Requested: r.Requested}
	for _, b := range c.all {
		if b.Resource == nil {
			continue
		}
		if b.Resource.Free.Cmp(ch.MostFree) > 0 {
			ch.MostFree = b.Resource.Free
		}
		if b.Resource.Allocatable.Cmp(ch.MostAllocatable) > 0 {
			ch.MostAllocatable = b.Resource.Allocatable
		}
	}
	return ch
}

// maxLeastLoaded is how many least-loaded domains a spread fix names.
const maxLeastLoaded = 5

func spreadSkewFix(c fixCause, spread []checks.SpreadDomains) Fix {
	e := c.first.Spread
	ch := &SpreadChange{Constraint: e.Constraint, TopologyKey: e.TopologyKey, MaxSkew: e.MaxSkew, MinDomains: e.MinDomains,
		EligibleDomains: e.EligibleDomains, GlobalMinimum: e.GlobalMinimum}
	for _, d := range spread {
		if d.Constraint != e.Constraint {
			continue
		}
		for _, dom := range d.Domains {
			if dom.Matching == e.GlobalMinimum && len(ch.LeastLoaded) < maxLeastLoaded {
				ch.LeastLoaded = append(ch.LeastLoaded, dom.Name)
			}
		}
	}
	for _, b := range c.all {
		if s := b.Spread; s != nil && s.Skew > s.MaxSkew && (ch.RaiseTo == 0 || s.Skew < ch.RaiseTo) {
			ch.RaiseTo = s.Skew
		}
	}
	f := Fix{Action: ActionUnblockDomains, Alternatives: []FixAction{ActionRaiseMaxSkew}, Change: FixChange{Spread: ch}}
	if e.MinDomains > 0 && e.EligibleDomains < int(e.MinDomains) {
		f.Alternatives = append([]FixAction{ActionAddDomains}, f.Alternatives...)
	}
	return f
}

// volumeBindFix: what gives an unbound WaitForFirstConsumer claim a volume.
func volumeBindFix(c fixCause, _ []checks.SpreadDomains) Fix {
	v := *c.first.Volume
	f := Fix{Targets: volumeRefs(v), Change: FixChange{Volume: &v}}
	switch v.Conflict {
	case checks.BindSelectedNode:
		f.Action, f.Alternatives = ActionUseSelectedNode, []FixAction{ActionRemoveSelectedNode}
	case checks.BindAllowedTopologies:
		f.Action, f.Alternatives = ActionAvoidNodes, []FixAction{ActionWidenTopologies}
	default:
		f.Action, f.Alternatives = ActionCreateVolume, []FixAction{ActionChangeStorageClass}
	}
	return f
}

// collidingPods counts, per colliding Pod, the nodes it keeps the Pod off (each node once per Pod).
func collidingPods(c fixCause) []PodCount {
	var out []PodCount
	index := map[string]int{}
	for _, n := range c.nodes {
		seen := map[string]bool{}
		for _, b := range c.onNode[n] {
			if b.PodAffinity == nil || b.PodAffinity.Pod == "" || seen[b.PodAffinity.Pod] {
				continue
			}
			seen[b.PodAffinity.Pod] = true
			if i, ok := index[b.PodAffinity.Pod]; ok {
				out[i].Nodes++
				continue
			}
			index[b.PodAffinity.Pod] = len(out)
			out = append(out, PodCount{Pod: b.PodAffinity.Pod, Nodes: 1})
		}
	}
	return out
}
