//go:build k8s129 || k8s130 || k8s131 || k8s132 || k8s133

package harness

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/kubernetes/pkg/scheduler"
)

// Before v1.34 there is no resource.k8s.io/v1, and DynamicResourceAllocation is off by default:
// the DRA kinds of Objects are only named, and a case that has any is refused.
type draObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
}

type (
	ResourceClaim = draObject
	DeviceClass   = draObject
	ResourceSlice = draObject
)

func supported(objs Objects) error {
	if n := len(objs.ResourceClaims) + len(objs.DeviceClasses) + len(objs.ResourceSlices); n > 0 {
		return fmt.Errorf("%d DRA objects: the v%s scheduler has no resource.k8s.io/v1 (DRA is GA from v1.34)", n, Version)
	}
	return nil
}

func (Objects) draObjects() []runtime.Object { return nil }

func draSynced(*scheduler.Scheduler, Objects) bool { return true }
