//go:build k8s135

package harness

import (
	"context"
	"time"

	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler"
	"k8s.io/kubernetes/pkg/scheduler/framework"
)

// Version is the minor of the kube-scheduler this build of the harness runs.
const Version = "1.35"

func wrapFailureHandler(next scheduler.FailureHandlerFn, onFailure func(*fwk.Status)) scheduler.FailureHandlerFn {
	return func(ctx context.Context, f framework.Framework, pi *framework.QueuedPodInfo, status *fwk.Status, ni *fwk.NominatingInfo, start time.Time) {
		onFailure(status)
		next(ctx, f, pi, status, ni, start)
	}
}
