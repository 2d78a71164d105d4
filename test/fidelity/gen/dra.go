package gen

import (
	"fmt"
	"math/rand"

	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// GPUDriver is the fake DRA driver whose ResourceSlices the DRA cases publish.
const GPUDriver = "gpu.example.com"

// DRACase is a generated case with Dynamic Resource Allocation: a fake GPU driver's
// ResourceSlices (models, memory, device taints), DeviceClasses with CEL selectors, and claims
// (counts, selectors, firstAvailable lists, tolerations), some already allocated (shared by the
// Pending Pod, or holding devices).
type DRACase struct {
	*Case
	ResourceClaims []*resourcev1.ResourceClaim
	DeviceClasses  []*resourcev1.DeviceClass
	ResourceSlices []*resourcev1.ResourceSlice
}

var (
	gpuModels   = []string{"t4", "a100", "h100"}
	gpuMemories = []int64{16, 40, 80}
)

// GenerateDRA draws the case of Generate(seed) and gives its Pending Pod one or two claims over a
// fake GPU driver's devices, from a random stream of its own.
func GenerateDRA(seed int64) *DRACase {
	c := &DRACase{Case: Generate(seed)}
	r := rand.New(rand.NewSource(seed*6700417 + 3))
	d := &draGen{c: c, r: r}
	if r.Float64() < 0.75 {
		d.clearOtherConstraints()
	}
	d.classes()
	d.slices()
	d.allocateOthers()
	d.pendingClaims()
	return c
}

type draGen struct {
	c   *DRACase
	r   *rand.Rand
	uid int
}

func (d *draGen) nextUID() types.UID {
	d.uid++
	return types.UID(fmt.Sprintf("00000000-0000-0000-dddd-%012d", d.uid))
}

func (d *draGen) classes() {
	sel := func(expr string) []resourcev1.DeviceSelector {
		return []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: expr}}}
	}
	d.c.DeviceClasses = []*resourcev1.DeviceClass{
		{ObjectMeta: metav1.ObjectMeta{Name: "big-gpu"}, Spec: resourcev1.DeviceClassSpec{
			Selectors: sel(`device.driver == "` + GPUDriver + `" && device.attributes["` + GPUDriver + `"].memory >= 40`)}},
		{ObjectMeta: metav1.ObjectMeta{Name: "gpu"}, Spec: resourcev1.DeviceClassSpec{Selectors: sel(`device.driver == "` + GPUDriver + `"`)}},
	}
}

// slices publishes zero to four GPUs on most nodes, one slice per node and pool.
func (d *draGen) slices() {
	for _, n := range d.c.Nodes {
		if d.r.Float64() < 0.25 {
			continue
		}
		s := &resourcev1.ResourceSlice{ObjectMeta: metav1.ObjectMeta{Name: n.Name + "-gpus", UID: d.nextUID()}, Spec: resourcev1.ResourceSliceSpec{
			Driver: GPUDriver, NodeName: ptr(n.Name), Pool: resourcev1.ResourcePool{Name: n.Name, ResourceSliceCount: 1}}}
		for i := range d.r.Intn(5) {
			m := d.r.Intn(len(gpuModels))
			dev := resourcev1.Device{Name: fmt.Sprintf("gpu-%d", i), Attributes: map[resourcev1.QualifiedName]resourcev1.DeviceAttribute{
				"model":  {StringValue: ptr(gpuModels[m])},
				"memory": {IntValue: ptr(gpuMemories[d.r.Intn(len(gpuMemories))])},
			}}
			if d.r.Float64() < 0.15 {
				dev.Taints = []resourcev1.DeviceTaint{{Key: "broken", Value: "true", Effect: resourcev1.DeviceTaintEffectNoSchedule}}
			}
			if d.r.Float64() < 0.2 {
				// Consumable capacity: a device several claims share, each taking some of its memory.
				dev.AllowMultipleAllocations = ptr(true)
				dev.Capacity = map[resourcev1.QualifiedName]resourcev1.DeviceCapacity{"vram": {Value: resource.MustParse("80Gi")}}
			}
			s.Spec.Devices = append(s.Spec.Devices, dev)
		}
		d.c.ResourceSlices = append(d.c.ResourceSlices, s)
	}
}

// allocateOthers gives some devices to claims of other Pods (allocated to that node).
func (d *draGen) allocateOthers() {
	for _, s := range d.c.ResourceSlices {
		for _, dev := range s.Spec.Devices {
			if d.r.Float64() >= 0.3 {
				continue
			}
			name := fmt.Sprintf("held-%s-%s", *s.Spec.NodeName, dev.Name)
			claim := d.claim(name, []resourcev1.DeviceRequest{exactly("gpu", "gpu", 1, "", false)})
			d.allocate(claim, *s.Spec.NodeName, dev.Name)
			if dev.AllowMultipleAllocations != nil {
				// A share of the device, with the memory it takes.
				vram := resource.MustParse(fmt.Sprintf("%dGi", 20*(1+d.r.Intn(3))))
				claim.Spec.Devices.Requests[0].Exactly.Capacity = &resourcev1.CapacityRequirements{Requests: map[resourcev1.QualifiedName]resource.Quantity{"vram": vram}}
				r := &claim.Status.Allocation.Devices.Results[0]
				r.ShareID = ptr(d.nextUID())
				r.ConsumedCapacity = map[resourcev1.QualifiedName]resource.Quantity{"vram": vram}
			}
			claim.Status.ReservedFor = []resourcev1.ResourceClaimConsumerReference{{Resource: "pods", Name: "holder", UID: d.nextUID()}}
			d.c.ResourceClaims = append(d.c.ResourceClaims, claim)
		}
	}
}

func (d *draGen) allocate(claim *resourcev1.ResourceClaim, node, device string) {
	claim.Status.Allocation = &resourcev1.AllocationResult{
		Devices: resourcev1.DeviceAllocationResult{Results: []resourcev1.DeviceRequestAllocationResult{
			{Request: claim.Spec.Devices.Requests[0].Name, Driver: GPUDriver, Pool: node, Device: device}}},
		NodeSelector: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{
			{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}}},
	}
}

func (d *draGen) claim(name string, reqs []resourcev1.DeviceRequest) *resourcev1.ResourceClaim {
	return &resourcev1.ResourceClaim{ObjectMeta: metav1.ObjectMeta{Namespace: d.c.Pending.Namespace, Name: name, UID: d.nextUID()},
		Spec: resourcev1.ResourceClaimSpec{Devices: resourcev1.DeviceClaim{Requests: reqs}}}
}

func exactly(name, class string, count int64, selector string, tolerate bool) resourcev1.DeviceRequest {
	req := resourcev1.DeviceRequest{Name: name, Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: class,
		AllocationMode: resourcev1.DeviceAllocationModeExactCount, Count: count}}
	if selector != "" {
		req.Exactly.Selectors = []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: selector}}}
	}
	if tolerate {
		req.Exactly.Tolerations = []resourcev1.DeviceToleration{{Key: "broken", Operator: resourcev1.DeviceTolerationOpExists}}
	}
	return req
}

func (d *draGen) selector() string {
	switch d.r.Intn(4) {
	case 0:
		return `device.attributes["` + GPUDriver + `"].model == "` + gpuModels[d.r.Intn(len(gpuModels))] + `"`
	case 1:
		return `device.attributes["` + GPUDriver + `"].memory >= 80`
	}
	return ""
}

// pendingClaims gives the Pending Pod one or two claims: new ones (counts, selectors,
// firstAvailable, tolerations), or a shared one already allocated.
func (d *draGen) pendingClaims() {
	p := d.c.Pending
	for i := range 1 + d.r.Intn(2) {
		name := fmt.Sprintf("%s-claim-%d", p.Name, i)
		var claim *resourcev1.ResourceClaim
		switch x := d.r.Float64(); {
		case x < 0.15 && len(d.withDevices()) > 0:
			// A shared claim, already allocated on some node's device, reserved for another Pod or none.
			slices := d.withDevices()
			s := slices[d.r.Intn(len(slices))]
			claim = d.claim(name, []resourcev1.DeviceRequest{exactly("gpu", "gpu", 1, "", true)})
			d.allocate(claim, *s.Spec.NodeName, s.Spec.Devices[d.r.Intn(len(s.Spec.Devices))].Name)
			if d.r.Float64() < 0.5 {
				claim.Status.ReservedFor = []resourcev1.ResourceClaimConsumerReference{{Resource: "pods", Name: "sharer", UID: d.nextUID()}}
			}
		case x < 0.35:
			// firstAvailable: the first subrequest that fits wins.
			subs := []resourcev1.DeviceSubRequest{
				{Name: "big", DeviceClassName: "big-gpu", AllocationMode: resourcev1.DeviceAllocationModeExactCount, Count: 1 + d.r.Int63n(3)},
				{Name: "small", DeviceClassName: "gpu", AllocationMode: resourcev1.DeviceAllocationModeExactCount, Count: 1 + d.r.Int63n(2)},
			}
			if sel := d.selector(); sel != "" {
				subs[1].Selectors = []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: sel}}}
			}
			claim = d.claim(name, []resourcev1.DeviceRequest{{Name: "gpu", FirstAvailable: subs}})
		default:
			class := "gpu"
			if d.r.Float64() < 0.3 {
				class = "big-gpu"
			}
			reqs := []resourcev1.DeviceRequest{exactly("gpu", class, 1+d.r.Int63n(3), d.selector(), d.r.Float64() < 0.3)}
			if d.r.Float64() < 0.25 {
				// Ask for part of a shared device's memory.
				reqs[0].Exactly.Count = 1
				reqs[0].Exactly.Capacity = &resourcev1.CapacityRequirements{Requests: map[resourcev1.QualifiedName]resource.Quantity{
					"vram": resource.MustParse(fmt.Sprintf("%dGi", 20*(1+d.r.Intn(4))))}}
			}
			if d.r.Float64() < 0.2 {
				reqs = append(reqs, exactly("extra", "gpu", 1, "", false))
			}
			claim = d.claim(name, reqs)
		}
		switch x := d.r.Float64(); {
		case x < 0.03:
			// A class that does not exist.
			if claim.Status.Allocation == nil && claim.Spec.Devices.Requests[0].Exactly != nil {
				claim.Spec.Devices.Requests[0].Exactly.DeviceClassName = "tpu"
			}
		case x < 0.06:
			// A selector on an attribute no device has: a CEL runtime error.
			if claim.Status.Allocation == nil && claim.Spec.Devices.Requests[0].Exactly != nil {
				claim.Spec.Devices.Requests[0].Exactly.Selectors = []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{
					Expression: `device.attributes["` + GPUDriver + `"].vendor == "acme"`}}}
			}
		}
		d.c.ResourceClaims = append(d.c.ResourceClaims, claim)
		podClaim := corev1.PodResourceClaim{Name: fmt.Sprintf("c%d", i), ResourceClaimName: ptr(claim.Name)}
		if claim.Status.Allocation == nil && d.r.Float64() < 0.15 {
			// From a template: the claim the controller created for this Pod, named in its status.
			yes := true
			podClaim.ResourceClaimName, podClaim.ResourceClaimTemplateName = nil, ptr(name+"-template")
			claim.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: p.Name, UID: p.UID, Controller: &yes}}
			p.Status.ResourceClaimStatuses = append(p.Status.ResourceClaimStatuses, corev1.PodResourceClaimStatus{Name: podClaim.Name, ResourceClaimName: ptr(claim.Name)})
		}
		p.Spec.ResourceClaims = append(p.Spec.ResourceClaims, podClaim)
	}
}

// withDevices are the slices that publish at least one device.
func (d *draGen) withDevices() []*resourcev1.ResourceSlice {
	var out []*resourcev1.ResourceSlice
	for _, s := range d.c.ResourceSlices {
		if len(s.Spec.Devices) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// clearOtherConstraints keeps most of the base case's other filters out of the way, so that
// DynamicResources decides: the Pending Pod tolerates every taint and drops its node selector,
// affinity, spread constraints and host ports.
func (d *draGen) clearOtherConstraints() {
	p := d.c.Pending
	p.Spec.NodeSelector, p.Spec.Affinity, p.Spec.TopologySpreadConstraints = nil, nil, nil
	p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
	for i := range p.Spec.Containers {
		p.Spec.Containers[i].Ports = nil
	}
	if d.r.Float64() < 0.6 {
		// Nor volumes or sizeable requests.
		p.Spec.Volumes, p.Spec.InitContainers = nil, nil
		p.Spec.Overhead, p.Spec.Resources = nil, nil
		for i := range p.Spec.Containers {
			c := &p.Spec.Containers[i]
			c.VolumeMounts = nil
			c.Resources = corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")}}
		}
	}
}
