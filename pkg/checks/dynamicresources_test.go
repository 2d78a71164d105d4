package checks

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

const gpuDriver = "gpu.example.com"

// gpuSlice publishes the node's GPUs, each with a model attribute.
func gpuSlice(node string, models ...string) *resourcev1.ResourceSlice {
	s := &resourcev1.ResourceSlice{ObjectMeta: metav1.ObjectMeta{Name: node + "-gpus"}, Spec: resourcev1.ResourceSliceSpec{
		Driver: gpuDriver, NodeName: ptr.To(node), Pool: resourcev1.ResourcePool{Name: node, ResourceSliceCount: 1}}}
	for i, m := range models {
		s.Spec.Devices = append(s.Spec.Devices, resourcev1.Device{Name: "gpu-" + string(rune('0'+i)),
			Attributes: map[resourcev1.QualifiedName]resourcev1.DeviceAttribute{"model": {StringValue: ptr.To(m)}}})
	}
	return s
}

func gpuClass() *resourcev1.DeviceClass {
	return &resourcev1.DeviceClass{ObjectMeta: metav1.ObjectMeta{Name: "gpu"}, Spec: resourcev1.DeviceClassSpec{
		Selectors: []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: `device.driver == "` + gpuDriver + `"`}}}}}
}

// gpuClaimOf asks for count GPUs of the class, with an optional CEL selector.
func gpuClaimOf(name string, count int64, selector string) *resourcev1.ResourceClaim {
	req := resourcev1.DeviceRequest{Name: "gpu", Exactly: &resourcev1.ExactDeviceRequest{DeviceClassName: "gpu",
		AllocationMode: resourcev1.DeviceAllocationModeExactCount, Count: count}}
	if selector != "" {
		req.Exactly.Selectors = []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: selector}}}
	}
	return &resourcev1.ResourceClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "ml", Name: name, UID: types.UID("uid-" + name)},
		Spec: resourcev1.ResourceClaimSpec{Devices: resourcev1.DeviceClaim{Requests: []resourcev1.DeviceRequest{req}}}}
}

func withClaim(name string) fixture.PodOption {
	return func(p *corev1.Pod) {
		p.Spec.ResourceClaims = append(p.Spec.ResourceClaims, corev1.PodResourceClaim{Name: name, ResourceClaimName: ptr.To(name)})
	}
}

func TestDynamicResources(t *testing.T) {
	allocatedOn := func(c *resourcev1.ResourceClaim, node, device string) *resourcev1.ResourceClaim {
		c.Status.Allocation = &resourcev1.AllocationResult{
			Devices: resourcev1.DeviceAllocationResult{Results: []resourcev1.DeviceRequestAllocationResult{{Request: "gpu", Driver: gpuDriver, Pool: node, Device: device}}},
			NodeSelector: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchFields: []corev1.NodeSelectorRequirement{
				{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}}}}
		return c
	}
	nodes := []*corev1.Node{fixture.Node("n1"), fixture.Node("n2")}
	slices := []*resourcev1.ResourceSlice{gpuSlice("n1", "t4", "t4"), gpuSlice("n2", "a100")}
	tests := []struct {
		name    string
		pod     *corev1.Pod
		claims  []*resourcev1.ResourceClaim
		profile *Profile
		want    string
	}{
		{name: "claim not found", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v137,
			want: `0/2 nodes are available: could not find ResourceClaim "ml/gpu". preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.`},
		{name: "claim not found, v1.36", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v136,
			want: `0/2 nodes are available: could not find ResourceClaim "ml/gpu". no new claims to deallocate, preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.`},
		{name: "template claim not created", pod: fixture.Pod("ml", "p", func(p *corev1.Pod) {
			p.Spec.ResourceClaims = []corev1.PodResourceClaim{{Name: "gpu", ResourceClaimTemplateName: ptr.To("gpu")}}
		}), profile: v137,
			want: `0/2 nodes are available: pod "ml/p": ResourceClaim not created yet. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.`},
		{name: "missing class", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v137, claims: []*resourcev1.ResourceClaim{func() *resourcev1.ResourceClaim {
			c := gpuClaimOf("gpu", 1, "")
			c.Spec.Devices.Requests[0].Exactly.DeviceClassName = "tpu"
			return c
		}()},
			want: `0/2 nodes are available: request gpu: device class tpu does not exist. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.`},
		{name: "one a100 fits", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v137,
			claims: []*resourcev1.ResourceClaim{gpuClaimOf("gpu", 1, `device.attributes["`+gpuDriver+`"].model == "a100"`)}},
		{name: "three GPUs nowhere", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v137,
			claims: []*resourcev1.ResourceClaim{gpuClaimOf("gpu", 3, "")},
			want:   `0/2 nodes are available: 2 cannot allocate all claims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.`},
		{name: "three GPUs nowhere, v1.36", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v136,
			claims: []*resourcev1.ResourceClaim{gpuClaimOf("gpu", 3, "")},
			want:   `0/2 nodes are available: 2 cannot allocate all claims. still not schedulable, preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.`},
		{name: "the a100 is taken", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v137,
			claims: []*resourcev1.ResourceClaim{gpuClaimOf("gpu", 1, `device.attributes["`+gpuDriver+`"].model == "a100"`), allocatedOn(gpuClaimOf("other", 1, ""), "n2", "gpu-0")},
			want:   `0/2 nodes are available: 2 cannot allocate all claims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.`},
		{name: "firstAvailable falls back to two T4s", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v137,
			claims: []*resourcev1.ResourceClaim{func() *resourcev1.ResourceClaim {
				c := gpuClaimOf("gpu", 1, "")
				c.Spec.Devices.Requests[0] = resourcev1.DeviceRequest{Name: "gpu", FirstAvailable: []resourcev1.DeviceSubRequest{
					{Name: "h100", DeviceClassName: "gpu", AllocationMode: resourcev1.DeviceAllocationModeExactCount, Count: 1,
						Selectors: []resourcev1.DeviceSelector{{CEL: &resourcev1.CELDeviceSelector{Expression: `device.attributes["` + gpuDriver + `"].model == "h100"`}}}},
					{Name: "two", DeviceClassName: "gpu", AllocationMode: resourcev1.DeviceAllocationModeExactCount, Count: 2}}}
				return c
			}()}},
		{name: "CEL runtime error ends the cycle", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v137,
			claims: []*resourcev1.ResourceClaim{gpuClaimOf("gpu", 1, `device.attributes["`+gpuDriver+`"].vendor == "acme"`)},
			want: `running "DynamicResources" filter plugin: claim ml/gpu: selector #0 on device gpu.example.com/n1/gpu-0: CEL runtime error: no such key: vendor. ` +
				`consider using CEL optional chaining (.? followed by orValue()) or guarding the check with has() for optional fields`},
		{name: "CEL runtime error before v1.37: no device, no hint", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v136,
			claims: []*resourcev1.ResourceClaim{gpuClaimOf("gpu", 1, `device.attributes["`+gpuDriver+`"].vendor == "acme"`)},
			want:   `running "DynamicResources" filter plugin: claim ml/gpu: selector #0: CEL runtime error: no such key: vendor`},
		{name: "allocated on n2, n2 cordoned", pod: fixture.Pod("ml", "p", withClaim("gpu")), profile: v137,
			claims: []*resourcev1.ResourceClaim{allocatedOn(gpuClaimOf("gpu", 1, ""), "n2", "gpu-0")},
			want:   `0/2 nodes are available: 1 node(s) were unschedulable, 1 resourceclaim not available on the node. deallocation of ResourceClaim completed, preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ns := append([]*corev1.Node{}, nodes...)
			if tt.name == "allocated on n2, n2 cordoned" {
				ns[1] = fixture.Node("n2", fixture.Cordoned())
			}
			s := &snapshot.Snapshot{Nodes: ns, Pods: []*corev1.Pod{tt.pod}, ResourceClaims: append([]*resourcev1.ResourceClaim{}, tt.claims...),
				DeviceClasses: []*resourcev1.DeviceClass{gpuClass()}, ResourceSlices: slices}
			res := RunCycle(tt.profile, NewCluster(s), tt.pod, CycleOptions{})
			if res.Message != tt.want {
				t.Errorf("message:\n got  %s\n want %s", res.Message, tt.want)
			}
		})
	}
}

// TestDynamicResourcesEvidence: per device, why the request could not use it.
func TestDynamicResourcesEvidence(t *testing.T) {
	taken := gpuClaimOf("other", 1, "")
	taken.Status.Allocation = &resourcev1.AllocationResult{Devices: resourcev1.DeviceAllocationResult{Results: []resourcev1.DeviceRequestAllocationResult{
		{Request: "gpu", Driver: gpuDriver, Pool: "n1", Device: "gpu-1"}}}}
	slice := gpuSlice("n1", "t4", "a100", "a100")
	slice.Spec.Devices[2].Taints = []resourcev1.DeviceTaint{{Key: "broken", Value: "true", Effect: resourcev1.DeviceTaintEffectNoSchedule}}
	pod := fixture.Pod("ml", "p", withClaim("gpu"))
	s := &snapshot.Snapshot{Nodes: []*corev1.Node{fixture.Node("n1")}, Pods: []*corev1.Pod{pod},
		ResourceClaims: []*resourcev1.ResourceClaim{gpuClaimOf("gpu", 1, `device.attributes["`+gpuDriver+`"].model == "a100"`), taken},
		DeviceClasses:  []*resourcev1.DeviceClass{gpuClass()}, ResourceSlices: []*resourcev1.ResourceSlice{slice}}
	res := RunCycle(v137, NewCluster(s), pod, CycleOptions{})
	if len(res.Nodes) != 1 || len(res.Nodes[0].Statuses) != 1 || len(res.Nodes[0].Statuses[0].Blockers) != 1 {
		t.Fatalf("want one DynamicResources blocker, got %+v", res.Nodes)
	}
	ev := res.Nodes[0].Statuses[0].Blockers[0].DeviceClaim
	if ev == nil || ev.Claim != "ml/gpu" || len(ev.Requests) != 1 {
		t.Fatalf("evidence: %+v", ev)
	}
	got := map[string]DeviceRefusalKind{}
	for _, d := range ev.Requests[0].Devices {
		got[d.Device] = d.Refusal
	}
	want := map[string]DeviceRefusalKind{"gpu-0": RefusalRequestSelector, "gpu-1": RefusalAllocated, "gpu-2": RefusalTaint}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: refusal %q, want %q", k, got[k], v)
		}
	}
	if d := ev.Requests[0].Devices[0]; d.Attributes[gpuDriver+"/model"] != "t4" && d.Attributes["model"] != "t4" {
		t.Errorf("gpu-0's attributes: %v", d.Attributes)
	}
	if ev.Requests[0].Free != 0 {
		t.Errorf("free %d, want 0", ev.Requests[0].Free)
	}
}

func TestHeldBeforeQueue(t *testing.T) {
	for reason, want := range map[string]bool{
		`could not find ResourceClaim "ml/gpu"`:                              true,
		`resourceclaim "gpu" is being deleted`:                               true,
		`pod "ml/p": ResourceClaim not created yet`:                          true,
		`ResourceClaim ml/c was not created for Pod ml/p (pod is not owner)`: true,
		`request gpu: device class tpu does not exist`:                       false,
	} {
		if got := HeldBeforeQueue(&PreFilterRejection{Plugin: PluginDynamicResources, Reason: reason}); got != want {
			t.Errorf("%s: %v, want %v", reason, got, want)
		}
	}
	if HeldBeforeQueue(&PreFilterRejection{Plugin: PluginVolumeBinding, Reason: `persistentvolumeclaim "d" is being deleted`}) {
		t.Error("a volume rejection is not DynamicResources'")
	}
}

// TestDynamicResourcesCapacity: a shared device whose memory other claims' shares used up.
func TestDynamicResourcesCapacity(t *testing.T) {
	slice := gpuSlice("n1", "a100")
	slice.Spec.Devices[0].AllowMultipleAllocations = ptr.To(true)
	slice.Spec.Devices[0].Capacity = map[resourcev1.QualifiedName]resourcev1.DeviceCapacity{"vram": {Value: resource.MustParse("80Gi")}}
	other := gpuClaimOf("other", 1, "")
	other.Status.Allocation = &resourcev1.AllocationResult{Devices: resourcev1.DeviceAllocationResult{Results: []resourcev1.DeviceRequestAllocationResult{
		{Request: "gpu", Driver: gpuDriver, Pool: "n1", Device: "gpu-0", ShareID: ptr.To(types.UID("share-1")),
			ConsumedCapacity: map[resourcev1.QualifiedName]resource.Quantity{"vram": resource.MustParse("60Gi")}}}}}
	claim := gpuClaimOf("gpu", 1, "")
	claim.Spec.Devices.Requests[0].Exactly.Capacity = &resourcev1.CapacityRequirements{Requests: map[resourcev1.QualifiedName]resource.Quantity{"vram": resource.MustParse("40Gi")}}
	pod := fixture.Pod("ml", "p", withClaim("gpu"))
	s := &snapshot.Snapshot{Nodes: []*corev1.Node{fixture.Node("n1")}, Pods: []*corev1.Pod{pod},
		ResourceClaims: []*resourcev1.ResourceClaim{claim, other}, DeviceClasses: []*resourcev1.DeviceClass{gpuClass()},
		ResourceSlices: []*resourcev1.ResourceSlice{slice}}
	res := RunCycle(v137, NewCluster(s), pod, CycleOptions{})
	if res.Feasible || len(res.Nodes[0].Statuses) != 1 {
		t.Fatalf("want n1 to fail DynamicResources, got %+v", res.Nodes)
	}
	d := res.Nodes[0].Statuses[0].Blockers[0].DeviceClaim.Requests[0].Devices[0]
	if d.Refusal != RefusalCapacity || d.Capacity == nil || d.Capacity.Left.String() != "20Gi" {
		t.Errorf("refusal %q, capacity %+v; want Capacity with 20Gi left", d.Refusal, d.Capacity)
	}
	// 20Gi fits in what is left.
	claim.Spec.Devices.Requests[0].Exactly.Capacity.Requests["vram"] = resource.MustParse("20Gi")
	if res := RunCycle(v137, NewCluster(s), pod, CycleOptions{}); !res.Feasible {
		t.Errorf("20Gi of 20Gi left should fit: %s", res.Message)
	}
}
