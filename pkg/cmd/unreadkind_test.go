package cmd

import (
	"slices"
	"strings"
	"testing"
)

// TestWhyPendingWarnsAboutUnreadKinds: a Pod with a claim in a snapshot without PersistentVolumes
// gets the analysis' warning on stderr, once, and the report keeps it.
func TestWhyPendingWarnsAboutUnreadKinds(t *testing.T) {
	const snap = `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Node, metadata: {name: n1}, status: {allocatable: {cpu: "4", memory: 8Gi, pods: "110"}}}
- {apiVersion: v1, kind: Namespace, metadata: {name: shop}}
- {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: data-a, namespace: shop, annotations: {pv.kubernetes.io/bind-completed: "yes"}}, spec: {volumeName: pv-a}, status: {phase: Bound}}
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: shop}
  spec:
    containers: [{name: app, image: app}]
    volumes: [{name: data, persistentVolumeClaim: {claimName: data-a}}]
- apiVersion: v1
  kind: Pod
  metadata: {name: b, namespace: shop}
  spec:
    containers: [{name: app, image: app}]
    volumes: [{name: data, persistentVolumeClaim: {claimName: data-a}}]
`
	const warning = "Warning: the snapshot has no PersistentVolumes: volume blockers cannot be checked; add `persistentvolumes` to the kubectl get command\n"
	r := execute(t, noCluster(t), snap, "why-pending", "-A", "-f", "-")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if n := strings.Count(r.errOut, warning); n != 1 {
		t.Errorf("stderr has the warning %d times, want once:\n%s", n, r.errOut)
	}
	if strings.Contains(r.out, "Warning") {
		t.Errorf("the warning reached stdout:\n%s", r.out)
	}
	r = execute(t, noCluster(t), snap, "why-pending", "-A", "-f", "-", "-o", "json")
	if rep := report(t, r); !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(warning, w) }) {
		t.Errorf("report warnings %q, want the PersistentVolumes one", rep.Warnings)
	}
}
