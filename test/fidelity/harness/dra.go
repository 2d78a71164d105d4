//go:build !(k8s129 || k8s130 || k8s131 || k8s132 || k8s133)

package harness

import (
	"slices"

	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/kubernetes/pkg/scheduler"
)

// The DRA kinds of Objects: resource.k8s.io/v1, served from v1.34 on.
type (
	ResourceClaim = resourcev1.ResourceClaim
	DeviceClass   = resourcev1.DeviceClass
	ResourceSlice = resourcev1.ResourceSlice
)

// supported reports whether this build's scheduler can be given objs: every kind is known here.
func supported(Objects) error { return nil }

func (objs Objects) draObjects() []runtime.Object {
	var out []runtime.Object
	for _, o := range objs.ResourceClaims {
		out = append(out, o.DeepCopy())
	}
	for _, o := range objs.DeviceClasses {
		out = append(out, o.DeepCopy())
	}
	for _, o := range objs.ResourceSlices {
		out = append(out, o.DeepCopy())
	}
	return out
}

// draSynced reports whether the default profile's DRA manager holds every ResourceClaim (and
// every allocated device), DeviceClass and ResourceSlice: its assume cache, allocated-devices
// tracker and slice tracker are fed by event handlers
// after the informers sync, and DynamicResources' PreEnqueue holds a Pod back while a claim is
// missing there.
func draSynced(sched *scheduler.Scheduler, objs Objects) bool {
	if len(objs.ResourceClaims)+len(objs.DeviceClasses)+len(objs.ResourceSlices) == 0 {
		return true
	}
	for _, fw := range sched.Profiles {
		m := fw.SharedDRAManager()
		if m == nil {
			return false
		}
		claims, err := m.ResourceClaims().List()
		if err != nil || len(claims) != len(objs.ResourceClaims) {
			return false
		}
		// The allocated-devices tracker is another handler of the same informer.
		allocated, err := m.ResourceClaims().GatherAllocatedState()
		if err != nil || allocated == nil || !slices.Contains(allocatedDevices(objs), allocated.AllocatedDevices.Len()+allocated.AllocatedSharedDeviceIDs.Len()) {
			return false
		}
		classes, err := m.DeviceClasses().List()
		if err != nil || len(classes) != len(objs.DeviceClasses) {
			return false
		}
		slices, err := m.ResourceSlices().ListWithDeviceTaintRules()
		if err != nil || len(slices) != len(objs.ResourceSlices) {
			return false
		}
	}
	return true
}

// allocatedDevices are the counts the tracker may hold once synced: the distinct devices (and
// shares of shared ones) the claims' allocations hold, and, for a minor without consumable
// capacity (v1.35 and older, the gate off), the distinct devices alone. The generated claims use
// no admin access, which the tracker leaves out.
func allocatedDevices(objs Objects) []int {
	ids, devices := sets.New[string](), sets.New[string]()
	for _, c := range objs.ResourceClaims {
		if c.Status.Allocation == nil {
			continue
		}
		for _, r := range c.Status.Allocation.Devices.Results {
			id := r.Driver + "/" + r.Pool + "/" + r.Device
			devices.Insert(id)
			if r.ShareID != nil {
				id += "/" + string(*r.ShareID)
			}
			ids.Insert(id)
		}
	}
	return []int{ids.Len(), devices.Len()}
}
