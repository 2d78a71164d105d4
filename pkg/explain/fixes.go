package explain

import (
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// fixCause is one cause (one checks.Identity) as found on every node: what a fix builder sees.
type fixCause struct {
	first checks.Blocker   // the first occurrence, as the example
	all   []checks.Blocker // every occurrence, one or more per node
	// nodes have the cause, closest to fitting first.
	nodes []string
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
			Targets: podRefs(a.Pod), Change: FixChange{PodAffinity: &a}}
	},
	checks.KindExistingAntiAffinity: func(c fixCause, _ []checks.SpreadDomains) Fix {
		a := *c.first.PodAffinity
		return Fix{Action: ActionChangeOtherPod, Alternatives: []FixAction{ActionChangePodLabels},
			Targets: podRefs(a.Pod), Change: FixChange{PodAffinity: &a}}
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

// proposeFixes turns each distinct blocker into one concrete change, most nodes first. A fix is
// Sufficient when some node has no other blocker.
func proposeFixes(nodes []keyedNode, spread []checks.SpreadDomains) []Fix {
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
				a = &acc{fixCause: fixCause{first: b}}
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
		build := fixBuilders[a.first.Kind]
		if build == nil || len(a.nodes) == 0 || !checks.HasEvidence(a.first) {
			continue
		}
		sort.SliceStable(a.nodes, func(i, j int) bool { return blockersOn[a.nodes[i]] < blockersOn[a.nodes[j]] })
		f := build(a.fixCause, spread)
		f.Kind, f.Nodes, f.Sufficient = a.first.Kind, len(a.nodes), a.sufficient
		fixes = append(fixes, f)
	}
	sort.SliceStable(fixes, func(i, j int) bool {
		if fixes[i].Sufficient != fixes[j].Sufficient {
			return fixes[i].Sufficient
		}
		return fixes[i].Nodes > fixes[j].Nodes
	})
	return fixes
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
