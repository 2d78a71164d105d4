package render

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fx "github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// shopSnapshot is a small cluster where one Deployment's Pod meets most blockers: GPU nodes whose
// taint its toleration nearly matches, nodes without disktype=ssd, a zone spread it would skew,
// full nodes, a cordoned node, a node running a Pod its anti-affinity excludes and one holding its
// host port. Beside it: a StatefulSet Pod whose claim is missing, one whose volume lives in another
// zone, a gated Job Pod and a running Pod named on the command line.
func shopSnapshot() *snapshot.Snapshot {
	const ns = "shop"
	var nodes []*corev1.Node
	for i, name := range []string{"gpu-1", "gpu-2", "gpu-3", "gpu-4"} {
		nodes = append(nodes, fx.Node(name, fx.Zone([]string{"us-east-1a", "us-east-1b"}[i%2]), fx.Labels("disktype", "ssd"),
			fx.Taint("nvidia.com/gpu", "present", corev1.TaintEffectNoSchedule)))
	}
	nodes = append(nodes,
		fx.Node("cpu-1", fx.Zone("us-east-1a"), fx.Labels("disktype", "hdd")),
		fx.Node("cpu-2", fx.Zone("us-east-1a"), fx.Labels("disktype", "hdd")),
		fx.Node("cpu-3", fx.Zone("us-east-1b")),
		fx.Node("cpu-5", fx.Zone("us-east-1c"), fx.Labels("disktype", "ssd")),
		fx.Node("cpu-6", fx.Zone("us-east-1c"), fx.Labels("disktype", "ssd")),
		fx.Node("zone-c-1", fx.Zone("us-east-1c"), fx.Labels("disktype", "ssd"), fx.Cordoned()),
		fx.Node("web-1", fx.Zone("us-east-1c"), fx.Labels("disktype", "ssd")),
		fx.Node("edge-1", fx.Zone("us-east-1c"), fx.Labels("disktype", "ssd")),
	)
	web := func(name string, opts ...fx.PodOption) *corev1.Pod {
		base := []fx.PodOption{fx.OwnedBy("ReplicaSet", "web-7d9f8"), fx.PodLabels("app", "web", "pod-template-hash", "7d9f8")}
		return fx.Pod(ns, name, append(base, opts...)...)
	}
	pending := func(name string) *corev1.Pod {
		return web(name, fx.Requests("cpu", "2"), fx.NodeSelector("disktype", "ssd"), fx.HostPort(8080), fx.Priority(1000),
			fx.Tolerate("nvidia.com/gpu", corev1.TolerationOpExists, "", corev1.TaintEffectNoExecute),
			fx.AntiAffinity("kubernetes.io/hostname", map[string]string{"app": "web"}),
			fx.Spread("topology.kubernetes.io/zone", 1, map[string]string{"app": "web"}),
			func(p *corev1.Pod) { p.Spec.PriorityClassName = "shop-high" })
	}
	recorded := metav1.NewTime(time.Date(2025, 5, 1, 3, 4, 5, 0, time.UTC))
	first := pending("web-7d9f8-abcde")
	first.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
		Reason: corev1.PodReasonUnschedulable, LastTransitionTime: recorded,
		Message: "0/11 nodes are available: 4 node(s) had untolerated taint(s), 7 node(s) didn't match Pod's node affinity/selector. " +
			"no new claims to deallocate, preemption: 0/11 nodes are available: 11 Preemption is not helpful for scheduling."}}
	pods := []*corev1.Pod{
		first, pending("web-7d9f8-fghij"), pending("web-7d9f8-klmno"),
		web("web-7d9f8-a1", fx.On("gpu-1")), web("web-7d9f8-a2", fx.On("gpu-2")),
		web("web-7d9f8-a3", fx.On("gpu-3")), web("web-7d9f8-b1", fx.On("cpu-3")), web("web-7d9f8-x2x4q", fx.On("web-1")),
		fx.Pod(ns, "batch-1", fx.On("cpu-5"), fx.Requests("cpu", "2500m"), fx.Priority(2000)),
		fx.Pod(ns, "batch-2", fx.On("cpu-6"), fx.Requests("cpu", "3500m"), fx.Priority(2000)),
		fx.Pod("ingress", "proxy-5kq2w", fx.On("edge-1"), fx.HostPort(8080)),
		fx.Pod(ns, "postgres-0", fx.OwnedBy("StatefulSet", "postgres"), fx.ClaimVolume("data", "data-postgres-0")),
		fx.Pod(ns, "cache-0", fx.OwnedBy("StatefulSet", "cache"), fx.ClaimVolume("data", "data-cache-0")),
		fx.Pod(ns, "train-x7k2p", fx.OwnedBy("Job", "train"), fx.NodeSelector("disktype", "ssd"),
			func(p *corev1.Pod) { p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/quota"}} }),
	}
	zonal := fx.StorageClass("zonal", storagev1.VolumeBindingWaitForFirstConsumer)
	cachePV := fx.PV("pv-cache", "zonal", "10Gi", fx.PVClaimedBy(ns, "data-cache-0"))
	cachePV.Labels = map[string]string{"topology.kubernetes.io/zone": "us-west-2a"}
	return &snapshot.Snapshot{
		Source: "file examples/cluster.yaml", Nodes: nodes, Pods: pods,
		Namespaces:     []*corev1.Namespace{fx.Namespace(ns), fx.Namespace("ingress")},
		StorageClasses: []*storagev1.StorageClass{zonal},
		PVCs:           []*corev1.PersistentVolumeClaim{fx.PVC(ns, "data-cache-0", fx.ClaimClass("zonal"), fx.BoundTo("pv-cache"))},
		PVs:            []*corev1.PersistentVolume{cachePV},
		Events: []snapshot.Event{{Namespace: ns, PodName: "postgres-0", Reason: "FailedScheduling", Reporter: "default-scheduler",
			Time: recorded, Count: 1, Message: `0/12 nodes are available: persistentvolumeclaim "data-postgres-0" not found. not found`}},
		Warnings: []string{"events could not be read in namespace kube-system; recorded messages there come from Pod conditions only"},
	}
}

// shopReport is what explain says about shopSnapshot's named Pods.
func shopReport(t *testing.T) *explain.WhyPendingReport {
	t.Helper()
	r, err := explain.Explain(shopSnapshot(), explain.Selection{Namespace: "shop",
		Names: []string{"web-7d9f8-x2x4q", "web-7d9f8-abcde", "web-7d9f8-fghij", "web-7d9f8-klmno", "postgres-0", "cache-0", "train-x7k2p"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}
