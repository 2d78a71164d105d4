//go:build k8s129 || k8s130 || k8s131 || k8s132 || k8s133 || k8s134

package harness

import "time"

// volumeHandlerLag: before v1.35 (client-go v0.34 and older) an informer's WaitForCacheSync does
// not wait for its event handlers, and VolumeBinding's assume caches of PVs and PVCs (and its
// CSIStorageCapacity lister's handlers) are fed by handlers; the harness cannot reach them, so
// it gives them this long after the sync when the case has volume objects.
const volumeHandlerLag = 20 * time.Millisecond
