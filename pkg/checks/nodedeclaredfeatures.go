package checks

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/version"
	ndf "k8s.io/component-helpers/nodedeclaredfeatures"
	ndffeatures "k8s.io/component-helpers/nodedeclaredfeatures/features"
	ndftypes "k8s.io/component-helpers/nodedeclaredfeatures/types"
)

// PluginNodeDeclaredFeatures and its reason, verbatim from kube-scheduler v1.36.3.
const (
	PluginNodeDeclaredFeatures = "NodeDeclaredFeatures"
	ReasonNodeDeclaredFeatures = "node(s) didn't match Pod's required features"
)

// NodeDeclaredFeatures is the NodeDeclaredFeatures plugin: the features a Pod's spec needs from
// the node (k8s.io/component-helpers/nodedeclaredfeatures, the scheduler's own library) must all
// be in the node's status.declaredFeatures. In 1.36 a Pod needs RestartAllContainersOnContainerExits
// for a restartPolicyRules action RestartAllContainers, and UserNamespacesHostNetworkSupport for
// hostNetwork with hostUsers: false.
type NodeDeclaredFeatures struct {
	// Version is the scheduler version the features are inferred for (a feature past its
	// MaxVersion is no longer required).
	Version string
	// Features are the names of the features the version's registry holds; nil: the library's.
	Features []string
}

// featureState is the plugin's PreFilter state: the framework and the Pod's required features.
type featureState struct {
	framework *ndf.Framework
	required  ndf.FeatureSet
}

func (NodeDeclaredFeatures) Name() string { return PluginNodeDeclaredFeatures }

// framework builds the scheduler's feature framework over the version's registry.
func (p NodeDeclaredFeatures) framework() *ndf.Framework {
	var registry []ndftypes.Feature
	for _, f := range ndffeatures.AllFeatures {
		if p.Features == nil || slices.Contains(p.Features, f.Name()) {
			registry = append(registry, f)
		}
	}
	return ndf.New(registry) // New sorts its argument: a fresh slice
}

func (p NodeDeclaredFeatures) PreFilter(cs *CycleState, pod *corev1.Pod, _ *Cluster) (sets.Set[string], *PreFilterRejection) {
	v, err := version.Parse(p.Version)
	if err != nil {
		return nil, nil // no version to infer for: not judged
	}
	fw := p.framework()
	required, err := fw.InferForPodScheduling(&ndftypes.PodInfo{Spec: &pod.Spec}, v)
	if err != nil || required.IsEmpty() {
		return nil, nil // Skip: no feature needed
	}
	cs.Write(PluginNodeDeclaredFeatures, &featureState{framework: fw, required: required})
	return nil, nil
}

func (NodeDeclaredFeatures) Filter(cs *CycleState, ni *NodeInfo) *Status {
	return CheckNodeDeclaredFeatures(stateOf[*featureState](cs, PluginNodeDeclaredFeatures), ni)
}

// CheckNodeDeclaredFeatures mirrors the plugin's Filter: the node's declared features, mapped as
// the scheduler's NodeInfo maps them (TryMap: unknown names ignored), must hold every required one.
func CheckNodeDeclaredFeatures(s *featureState, ni *NodeInfo) *Status {
	if s == nil || ni == nil || ni.Node == nil {
		return nil
	}
	declared := s.framework.TryMap(ni.Node.Status.DeclaredFeatures)
	match, err := s.framework.MatchNodeFeatureSet(s.required, declared)
	if err != nil || match.IsMatch {
		return nil
	}
	required, _ := s.framework.Unmap(s.required)
	return &Status{
		Plugin: PluginNodeDeclaredFeatures, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonNodeDeclaredFeatures},
		Blockers: []Blocker{{Plugin: PluginNodeDeclaredFeatures, Kind: KindNodeFeatureMissing, Features: &FeatureEvidence{
			Required: required, Missing: match.UnsatisfiedRequirements, Declared: ni.Node.Status.DeclaredFeatures}}},
	}
}
