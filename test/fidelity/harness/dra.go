package harness

import (
	"k8s.io/kubernetes/pkg/scheduler"
)

// draSynced reports whether the default profile's DRA manager holds every ResourceClaim,
// DeviceClass and ResourceSlice: its assume cache and slice tracker are fed by event handlers
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
