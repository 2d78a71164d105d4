package checks

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/dynamic-resource-allocation/cel"
	"k8s.io/dynamic-resource-allocation/resourceclaim"
	"k8s.io/dynamic-resource-allocation/structured"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// PluginDynamicResources is the DRA plugin's name in the default profile.
const PluginDynamicResources = "DynamicResources"

// DynamicResources' texts, verbatim from kube-scheduler v1.37.2 (and v1.36.3).
const (
	ReasonDRACannotAllocate       = "cannot allocate all claims"
	ReasonDRAClaimNotAvailable    = "resourceclaim not available on the node"
	ReasonDRAClaimNotFoundFmt     = "could not find ResourceClaim %q"   // the assume cache's NotFoundError, key namespace/name
	ReasonDRAClaimBeingDeletedFmt = "resourceclaim %q is being deleted" // claim name
	ReasonDRAClassMissingFmt      = "request %s: device class %s does not exist"
	ReasonDRADeallocated          = "deallocation of ResourceClaim completed" // PostFilter, an allocated claim unavailable on some node
)

// DRAFeatures137 are the allocator features kube-scheduler v1.37.2 enables by default
// (AllocatorFeatures of its feature gates at their 1.37 defaults): v1.36's and
// FractionalCapacityRange, set by name because the v1.36 fidelity build compiles this package
// against k8s.io/dynamic-resource-allocation v0.36, which lacks the field.
var DRAFeatures137 = withFeature(DRAFeatures136, "FractionalCapacityRange")

func withFeature(f structured.Features, name string) structured.Features {
	if field := reflect.ValueOf(&f).Elem().FieldByName(name); field.IsValid() && field.Kind() == reflect.Bool {
		field.SetBool(true)
	}
	return f
}

// DRAFeatures136 are v1.36.3's (FractionalCapacityRange does not exist there).
var DRAFeatures136 = structured.Features{
	AdminAccess: true, PrioritizedList: true, PartitionableDevices: true, DeviceTaints: true,
	DeviceBindingAndStatus: true, ConsumableCapacity: true,
}

// DRAFeatures135 are v1.35.4's: AdminAccess and PrioritizedList (beta, on); partitionable
// devices, device taints, binding conditions and consumable capacity are alpha (off).
var DRAFeatures135 = structured.Features{AdminAccess: true, PrioritizedList: true}

// DynamicResources allocates a Pod's ResourceClaims with the scheduler's own structured allocator
// (k8s.io/dynamic-resource-allocation) over the snapshot's ResourceSlices and DeviceClasses.
type DynamicResources struct {
	// Features are the allocator features the scheduler version enables.
	Features structured.Features
	// CELErrorsWithoutDevice: before v1.37 the allocator's CEL runtime error names no device
	// ("selector #0: CEL runtime error: ...") and gives no hint about optional chaining.
	CELErrorsWithoutDevice bool
}

var (
	celErrorDevice = regexp.MustCompile(`(selector #\d+) on device [^:]*(: CEL runtime error: )`)
	celErrorHint   = ". consider using CEL optional chaining (.? followed by orValue()) or guarding the check with has() for optional fields"
)

// celErrorWithoutDevice is a v0.37 allocator's CEL runtime error as v0.34 to v0.36 write it.
func celErrorWithoutDevice(msg string) string {
	return strings.ReplaceAll(celErrorDevice.ReplaceAllString(msg, "$1$2"), celErrorHint, "")
}

func (DynamicResources) Name() string { return PluginDynamicResources }

// draCluster is the DRA part of a Cluster; nil when the snapshot lacks ResourceClaims,
// DeviceClasses or ResourceSlices (a Pod with claims is then not modelled).
type draCluster struct {
	claims  map[string]*resourcev1.ResourceClaim // namespace/name
	classes map[string]*resourcev1.DeviceClass
	slices  []*resourcev1.ResourceSlice
	// celCache compiles each selector once (the scheduler keeps an LRU of 10).
	celCache *cel.Cache
	// holders are the claims each allocated device belongs to, and consumed the capacity
	// shares of shared devices take, for the evidence.
	holders  map[structured.DeviceID]string
	consumed map[structured.DeviceID]map[resourcev1.QualifiedName]resource.Quantity
}

// indexDRA indexes the resource.k8s.io objects DynamicResources reads.
func (c *Cluster) indexDRA(s *snapshot.Snapshot) {
	if s.ResourceClaims == nil || s.DeviceClasses == nil || s.ResourceSlices == nil {
		return
	}
	d := &draCluster{claims: map[string]*resourcev1.ResourceClaim{}, classes: map[string]*resourcev1.DeviceClass{},
		slices: s.ResourceSlices, holders: map[structured.DeviceID]string{},
		consumed: map[structured.DeviceID]map[resourcev1.QualifiedName]resource.Quantity{},
		celCache: cel.NewCache(10, cel.Features{EnableConsumableCapacity: true})}
	for _, rc := range s.ResourceClaims {
		k := rc.Namespace + "/" + rc.Name
		d.claims[k] = rc
		if rc.Status.Allocation == nil {
			continue
		}
		for _, r := range rc.Status.Allocation.Devices.Results {
			id := structured.MakeDeviceID(r.Driver, r.Pool, r.Device)
			d.holders[id] = k
			for name, q := range r.ConsumedCapacity {
				if d.consumed[id] == nil {
					d.consumed[id] = map[resourcev1.QualifiedName]resource.Quantity{}
				}
				sum := d.consumed[id][name]
				sum.Add(q)
				d.consumed[id][name] = sum
			}
		}
	}
	for _, dc := range s.DeviceClasses {
		d.classes[dc.Name] = dc
	}
	c.dra = d
}

// DRAModelled reports whether the snapshot holds what DynamicResources reads.
func (c *Cluster) DRAModelled() bool { return c.dra != nil }

// List and Get make draCluster the allocator's DeviceClassLister.
func (d *draCluster) List() ([]*resourcev1.DeviceClass, error) {
	out := make([]*resourcev1.DeviceClass, 0, len(d.classes))
	for _, dc := range d.classes {
		out = append(out, dc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (d *draCluster) Get(name string) (*resourcev1.DeviceClass, error) {
	if dc := d.classes[name]; dc != nil {
		return dc, nil
	}
	return nil, apierrors.NewNotFound(resourcev1.Resource("deviceclasses"), name)
}

// allocatedState is what the scheduler's claim tracker gathers with DRAConsumableCapacity on:
// every device of every allocated claim (admin access ones excepted), shared ones by share ID
// with their consumed capacity.
func (d *draCluster) allocatedState(consumable bool) structured.AllocatedState {
	st := structured.AllocatedState{
		AllocatedDevices:         sets.New[structured.DeviceID](),
		AllocatedSharedDeviceIDs: sets.New[structured.SharedDeviceID](),
		AggregatedCapacity:       structured.NewConsumedCapacityCollection(),
	}
	for _, rc := range d.claims {
		if rc.Status.Allocation == nil {
			continue
		}
		for _, r := range rc.Status.Allocation.Devices.Results {
			if r.AdminAccess != nil && *r.AdminAccess {
				continue
			}
			id := structured.MakeDeviceID(r.Driver, r.Pool, r.Device)
			if r.ShareID != nil {
				if consumable {
					st.AllocatedSharedDeviceIDs.Insert(structured.MakeSharedDeviceID(id, r.ShareID))
					if r.ConsumedCapacity != nil {
						st.AggregatedCapacity.Insert(structured.NewDeviceConsumedCapacity(id, r.ConsumedCapacity))
					}
					continue
				}
			}
			st.AllocatedDevices.Insert(id)
		}
	}
	return st
}

// draState is DynamicResources' PreFilter state: the Pod's claims (nil: the plugin skips the Pod).
type draState struct {
	claims []*resourcev1.ResourceClaim
	// availableOn is an allocated claim's node selector (nil: unallocated, or any node).
	availableOn []*nodeaffinity.NodeSelector
	toAllocate  []*resourcev1.ResourceClaim
	allocator   structured.Allocator
	cluster     *draCluster

	mu sync.Mutex
	// verdicts caches the allocator's answer per node: it does not depend on the node's Pods.
	verdicts map[string]*Status
}

// PreFilter finds the Pod's claims as foreachPodResourceClaim does and validates the device
// classes of the claims to allocate; the first problem rejects the Pod.
func (pl DynamicResources) PreFilter(cs *CycleState, pod *corev1.Pod, c *Cluster) (sets.Set[string], *PreFilterRejection) {
	if len(pod.Spec.ResourceClaims) == 0 || c.dra == nil {
		return nil, nil
	}
	// The state exists from here on, even when this PreFilter rejects the Pod: the PostFilter
	// then runs (and finds no claims).
	st := &draState{cluster: c.dra, verdicts: map[string]*Status{}}
	cs.Write(PluginDynamicResources, st)
	reject := func(code Code, reason, claim string) (sets.Set[string], *PreFilterRejection) {
		return nil, &PreFilterRejection{Plugin: PluginDynamicResources, Code: code, Reason: reason, PVC: claim}
	}
	var claims []*resourcev1.ResourceClaim
	for i := range pod.Spec.ResourceClaims {
		prc := &pod.Spec.ResourceClaims[i]
		name, mustCheckOwner, err := resourceclaim.Name(pod, prc)
		if err != nil {
			return reject(UnschedulableAndUnresolvable, err.Error(), "")
		}
		if name == nil {
			continue
		}
		key := pod.Namespace + "/" + *name
		claim := c.dra.claims[key]
		if claim == nil {
			return reject(UnschedulableAndUnresolvable, fmt.Sprintf(ReasonDRAClaimNotFoundFmt, key), key)
		}
		if claim.DeletionTimestamp != nil {
			return reject(UnschedulableAndUnresolvable, fmt.Sprintf(ReasonDRAClaimBeingDeletedFmt, claim.Name), key)
		}
		if mustCheckOwner {
			if err := resourceclaim.IsForPod(pod, claim, false); err != nil {
				return reject(UnschedulableAndUnresolvable, err.Error(), key)
			}
		}
		claims = append(claims, claim)
	}
	if len(claims) == 0 {
		return nil, nil
	}
	st.availableOn = make([]*nodeaffinity.NodeSelector, len(claims))
	for i, claim := range claims {
		key := claim.Namespace + "/" + claim.Name
		if claim.Status.Allocation != nil {
			if ns := claim.Status.Allocation.NodeSelector; ns != nil {
				sel, err := nodeaffinity.NewNodeSelector(ns)
				if err != nil {
					return reject(Error, err.Error(), key)
				}
				st.availableOn[i] = sel
			}
			continue
		}
		st.toAllocate = append(st.toAllocate, claim)
		for _, req := range claim.Spec.Devices.Requests {
			switch {
			case req.Exactly != nil:
				if r := validateDeviceClass(c.dra, req.Exactly.DeviceClassName, req.Name, key); r != nil {
					return nil, r
				}
			case len(req.FirstAvailable) > 0:
				for _, sub := range req.FirstAvailable {
					if r := validateDeviceClass(c.dra, sub.DeviceClassName, req.Name+"/"+sub.Name, key); r != nil {
						return nil, r
					}
				}
			default:
				return reject(UnschedulableAndUnresolvable, fmt.Sprintf("resource claim %s, request %s: unknown request type", key, req.Name), key)
			}
		}
	}
	if len(st.toAllocate) > 0 {
		a, err := structured.NewAllocator(context.Background(), pl.Features, c.dra.allocatedState(pl.Features.ConsumableCapacity),
			c.dra, c.dra.slices, c.dra.celCache)
		if err != nil {
			return reject(Error, err.Error(), "")
		}
		st.allocator = a
	}
	st.claims = claims
	return nil, nil
}

func validateDeviceClass(d *draCluster, class, request, claim string) *PreFilterRejection {
	if class == "" {
		return &PreFilterRejection{Plugin: PluginDynamicResources, Code: Error, Reason: fmt.Sprintf("request %s: unsupported request type", request), PVC: claim}
	}
	if d.classes[class] == nil {
		return &PreFilterRejection{Plugin: PluginDynamicResources, Code: UnschedulableAndUnresolvable,
			Reason: fmt.Sprintf(ReasonDRAClassMissingFmt, request, class), PVC: claim}
	}
	return nil
}

// Filter checks the allocated claims' node selectors, then asks the allocator for the others.
// (An allocation whose devices skip node operations also needs the node to declare
// DRAOptionalNodeOperations; that alpha field is not read: the v1.36 API lacks it.)
func (pl DynamicResources) Filter(cs *CycleState, ni *NodeInfo) *Status {
	st := stateOf[*draState](cs, PluginDynamicResources)
	if st == nil || len(st.claims) == 0 {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if v, ok := st.verdicts[ni.Node.Name]; ok {
		return v
	}
	v := pl.filter(st, ni.Node)
	st.verdicts[ni.Node.Name] = v
	return v
}

func (pl DynamicResources) filter(st *draState, node *corev1.Node) *Status {
	var unavailable []*resourcev1.ResourceClaim
	for i, claim := range st.claims {
		if sel := st.availableOn[i]; sel != nil && !sel.Match(node) {
			unavailable = append(unavailable, claim)
			continue
		}
	}
	if st.allocator != nil {
		results, err := st.allocator.Allocate(context.Background(), node, st.toAllocate)
		switch {
		case errors.Is(err, structured.ErrFailedAllocationOnNode):
			return &Status{Plugin: PluginDynamicResources, Code: UnschedulableAndUnresolvable, Reasons: []string{err.Error()},
				Blockers: st.cluster.unallocatable(node, st.toAllocate)}
		case err != nil:
			msg := err.Error()
			if pl.CELErrorsWithoutDevice {
				msg = celErrorWithoutDevice(msg)
			}
			return &Status{Plugin: PluginDynamicResources, Code: Error, Reasons: []string{msg}}
		case len(results) != len(st.toAllocate):
			return &Status{Plugin: PluginDynamicResources, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonDRACannotAllocate},
				Blockers: st.cluster.unallocatable(node, st.toAllocate)}
		}
	}
	if len(unavailable) > 0 {
		s := &Status{Plugin: PluginDynamicResources, Code: UnschedulableAndUnresolvable, Reasons: []string{ReasonDRAClaimNotAvailable}}
		for _, claim := range unavailable {
			s.Blockers = append(s.Blockers, Blocker{Plugin: PluginDynamicResources, Kind: KindDeviceClaimElsewhere,
				DeviceClaim: &DeviceClaimEvidence{Claim: claim.Namespace + "/" + claim.Name, Allocated: true,
					ReservedFor: reservedFor(claim)}})
		}
		return s
	}
	return nil
}

func reservedFor(claim *resourcev1.ResourceClaim) []string {
	var out []string
	for _, r := range claim.Status.ReservedFor {
		out = append(out, r.Resource+"/"+r.Name)
	}
	return out
}

// DRAPostFilter is DynamicResources' PostFilter text: "" for a Pod whose PreFilter found no
// claims (the profile's DRAPostFilterReason applies then), the deallocation when an allocated
// claim reserved for no other Pod was unavailable on a node the Filter reached, else the
// profile's text for a Pod with claims. verdicts are the cycle's, aligned with c.Nodes.
func (p *Profile) draPostFilter(cs *CycleState, c *Cluster, statuses [][]Status) (text string, hasClaims bool) {
	st := stateOf[*draState](cs, PluginDynamicResources)
	if st == nil || len(st.claims) == 0 {
		return p.DRAPostFilterReason, false
	}
	for _, sts := range statuses {
		// The scheduler's Filter reached DynamicResources on a node only when every plugin
		// before it passed: its status is then the first.
		if len(sts) == 0 || sts[0].Plugin != PluginDynamicResources || !slices.Contains(sts[0].Reasons, ReasonDRAClaimNotAvailable) {
			continue
		}
		for _, b := range sts[0].Blockers {
			if b.DeviceClaim == nil {
				continue
			}
			claim := c.dra.claims[b.DeviceClaim.Claim]
			if claim == nil {
				continue
			}
			if len(claim.Status.ReservedFor) == 0 || len(claim.Status.ReservedFor) == 1 && claim.Status.ReservedFor[0].UID == cs.Pod.UID {
				return ReasonDRADeallocated, true
			}
		}
	}
	return p.DRAPostFilterClaimsReason, true
}

// unallocatable is the evidence for claims the allocator could not satisfy on the node: per
// request, the node's devices of the request's class and why each was refused.
func (d *draCluster) unallocatable(node *corev1.Node, claims []*resourcev1.ResourceClaim) []Blocker {
	devices := d.nodeDevices(node)
	var out []Blocker
	for _, claim := range claims {
		ev := &DeviceClaimEvidence{Claim: claim.Namespace + "/" + claim.Name}
		for _, req := range claim.Spec.Devices.Requests {
			if req.Exactly != nil {
				ev.Requests = append(ev.Requests, d.requestEvidence(req.Name, req.Exactly.DeviceClassName, req.Exactly.Selectors,
					req.Exactly.AllocationMode, req.Exactly.Count, req.Exactly.Tolerations, req.Exactly.Capacity, devices))
				continue
			}
			for _, sub := range req.FirstAvailable {
				ev.Requests = append(ev.Requests, d.requestEvidence(req.Name+"/"+sub.Name, sub.DeviceClassName, sub.Selectors,
					sub.AllocationMode, sub.Count, sub.Tolerations, sub.Capacity, devices))
			}
		}
		out = append(out, Blocker{Plugin: PluginDynamicResources, Kind: KindDeviceClaimUnallocatable, DeviceClaim: ev})
	}
	return out
}

// nodeDevice is one device a ResourceSlice offers on a node.
type nodeDevice struct {
	driver, pool string
	device       *resourcev1.Device
}

// nodeDevices are the devices of the slices local to the node (nodeName), selecting it
// (nodeSelector) or for all nodes, in slice order.
func (d *draCluster) nodeDevices(node *corev1.Node) []nodeDevice {
	var out []nodeDevice
	for _, s := range d.slices {
		switch {
		case s.Spec.NodeName != nil && *s.Spec.NodeName != "":
			if *s.Spec.NodeName != node.Name {
				continue
			}
		case s.Spec.NodeSelector != nil:
			sel, err := nodeaffinity.NewNodeSelector(s.Spec.NodeSelector)
			if err != nil || !sel.Match(node) {
				continue
			}
		case s.Spec.AllNodes == nil || !*s.Spec.AllNodes:
			continue
		}
		for i := range s.Spec.Devices {
			out = append(out, nodeDevice{driver: s.Spec.Driver, pool: s.Spec.Pool.Name, device: &s.Spec.Devices[i]})
		}
	}
	return out
}

// requestEvidence judges every device of the node against one request, first refusal first:
// class selector, request selector, allocated, untolerated taint.
func (d *draCluster) requestEvidence(name, class string, selectors []resourcev1.DeviceSelector, mode resourcev1.DeviceAllocationMode,
	count int64, tolerations []resourcev1.DeviceToleration, capacity *resourcev1.CapacityRequirements, devices []nodeDevice) DeviceRequestEvidence {
	ev := DeviceRequestEvidence{Request: name, DeviceClass: class, Count: count, All: mode == resourcev1.DeviceAllocationModeAll}
	if !ev.All && ev.Count == 0 {
		ev.Count = 1
	}
	dc := d.classes[class]
	for _, nd := range devices {
		ref := DeviceRefusal{Driver: nd.driver, Pool: nd.pool, Device: nd.device.Name}
		if dc != nil {
			if expr, val, ok := d.firstFalse(dc.Spec.Selectors, nd); !ok {
				if !strings.Contains(expr, nd.driver) {
					// Another driver's device: the class is not about it, not worth listing.
					continue
				}
				ref.Refusal, ref.Selector, ref.Attributes = RefusalClassSelector, expr, val
				ev.Devices = append(ev.Devices, ref)
				continue
			}
		}
		id := structured.MakeDeviceID(nd.driver, nd.pool, nd.device.Name)
		shared := nd.device.AllowMultipleAllocations != nil && *nd.device.AllowMultipleAllocations
		if expr, val, ok := d.firstFalse(selectors, nd); !ok {
			ref.Refusal, ref.Selector, ref.Attributes = RefusalRequestSelector, expr, val
		} else if holder := d.holders[id]; holder != "" && !shared {
			ref.Refusal, ref.Claim = RefusalAllocated, holder
		} else if short := d.capacityShortfall(id, nd.device, capacity); shared && short != nil {
			ref.Refusal, ref.Capacity = RefusalCapacity, short
		} else if t := untoleratedDeviceTaint(nd.device.Taints, tolerations); t != nil {
			ref.Refusal, ref.Taint = RefusalTaint, t
		} else {
			ev.Free++
		}
		ev.Devices = append(ev.Devices, ref)
	}
	return ev
}

// firstFalse evaluates the selectors on the device with the library's CEL and returns the first
// false (or failing) one and the device attributes it names; ok when every selector is true.
func (d *draCluster) firstFalse(selectors []resourcev1.DeviceSelector, nd nodeDevice) (expr string, attrs map[string]string, ok bool) {
	for _, s := range selectors {
		if s.CEL == nil {
			continue
		}
		res := d.celCache.GetOrCompile(s.CEL.Expression)
		if res.Error != nil {
			return s.CEL.Expression, nil, false
		}
		match, _, err := res.DeviceMatches(context.Background(), cel.Device{Driver: nd.driver, AllowMultipleAllocations: nd.device.AllowMultipleAllocations,
			Attributes: nd.device.Attributes, Capacity: nd.device.Capacity})
		if err == nil && match {
			continue
		}
		return s.CEL.Expression, namedAttributes(s.CEL.Expression, nd), false
	}
	return "", nil, true
}

// namedAttributes are the device's attributes whose names the expression mentions, as text.
func namedAttributes(expr string, nd nodeDevice) map[string]string {
	out := map[string]string{}
	for qn, a := range nd.device.Attributes {
		short := string(qn)
		if i := strings.LastIndex(short, "/"); i >= 0 {
			short = short[i+1:]
		}
		if !strings.Contains(expr, short) {
			continue
		}
		switch {
		case a.StringValue != nil:
			out[string(qn)] = *a.StringValue
		case a.IntValue != nil:
			out[string(qn)] = fmt.Sprint(*a.IntValue)
		case a.BoolValue != nil:
			out[string(qn)] = fmt.Sprint(*a.BoolValue)
		case a.VersionValue != nil:
			out[string(qn)] = *a.VersionValue
		}
	}
	for qn, q := range nd.device.Capacity {
		if strings.Contains(expr, string(qn)) {
			out["capacity "+string(qn)] = q.Value.String()
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// untoleratedDeviceTaint is the first NoSchedule or NoExecute device taint no toleration tolerates.
func untoleratedDeviceTaint(taints []resourcev1.DeviceTaint, tolerations []resourcev1.DeviceToleration) *resourcev1.DeviceTaint {
	for i := range taints {
		t := &taints[i]
		if t.Effect != resourcev1.DeviceTaintEffectNoSchedule && t.Effect != resourcev1.DeviceTaintEffectNoExecute {
			continue
		}
		tolerated := false
		for _, tol := range tolerations {
			if deviceToleratesTaint(tol, t) {
				tolerated = true
				break
			}
		}
		if !tolerated {
			return t
		}
	}
	return nil
}

func deviceToleratesTaint(tol resourcev1.DeviceToleration, t *resourcev1.DeviceTaint) bool {
	if tol.Effect != "" && tol.Effect != t.Effect {
		return false
	}
	if tol.Key != "" && tol.Key != t.Key {
		return false
	}
	switch tol.Operator {
	case resourcev1.DeviceTolerationOpExists:
		return true
	case "", resourcev1.DeviceTolerationOpEqual:
		return tol.Value == t.Value
	}
	return false
}

// deviceClaimIdentity is the claim with what its requests found on the node (free devices and
// refusals by kind), so that nodes whose devices tell different stories are not grouped.
func deviceClaimIdentity(b Blocker) string {
	var sb strings.Builder
	sb.WriteString(b.DeviceClaim.Claim)
	for _, r := range b.DeviceClaim.Requests {
		counts := map[DeviceRefusalKind]int{}
		for _, d := range r.Devices {
			counts[d.Refusal]++
		}
		fmt.Fprintf(&sb, "|%s:%d free", r.Request, r.Free)
		for _, k := range []DeviceRefusalKind{RefusalClassSelector, RefusalRequestSelector, RefusalAllocated, RefusalCapacity, RefusalTaint} {
			if counts[k] > 0 {
				fmt.Fprintf(&sb, ",%d %s", counts[k], k)
			}
		}
	}
	return sb.String()
}

// HeldBeforeQueue reports a DynamicResources PreFilter rejection that its PreEnqueue makes first
// (a claim missing, being deleted, not yet created from its template, or not the Pod's): the
// scheduler then keeps the Pod out of the queue and writes no message; the PreFilter sees it
// only when the claim changes in between.
func HeldBeforeQueue(r *PreFilterRejection) bool {
	if r == nil || r.Plugin != PluginDynamicResources {
		return false
	}
	for _, s := range []string{"could not find ResourceClaim ", "\" is being deleted", resourceclaim.ErrClaimNotFound.Error(), " was not created for Pod "} {
		if strings.Contains(r.Reason, s) {
			return true
		}
	}
	return false
}

// capacityShortfall is the first capacity of a shared device the request wants more of than the
// other claims' shares left; nil when all fit (the allocator's request policies may still round
// the request up: the verdict is the allocator's).
func (d *draCluster) capacityShortfall(id structured.DeviceID, dev *resourcev1.Device, want *resourcev1.CapacityRequirements) *DeviceCapacityShortfall {
	if want == nil {
		return nil
	}
	names := make([]string, 0, len(want.Requests))
	for n := range want.Requests {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, n := range names {
		name := resourcev1.QualifiedName(n)
		total, ok := dev.Capacity[name]
		if !ok {
			continue
		}
		left := total.Value.DeepCopy()
		used := d.consumed[id][name]
		left.Sub(used)
		if req := want.Requests[name]; req.Cmp(left) > 0 {
			return &DeviceCapacityShortfall{Name: n, Requested: req, Left: left, Total: total.Value}
		}
	}
	return nil
}
