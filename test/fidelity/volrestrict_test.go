package fidelity

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// Hand-made cases for issue 14's disagreements 1 (ReadWriteOncePod), 2 (D2, grouping replicas with
// generic ephemeral volumes) and 4 (D4, namespaceSelector of only NotIn/DoesNotExist), and the
// in-tree disk conflict: each must still provoke the scheduler's line, and we must agree with it.

func vrNode(name string) *corev1.Node {
	alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi"), corev1.ResourcePods: resource.MustParse("110")}
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name), Labels: map[string]string{gen.LabelHostname: name}},
		Status: corev1.NodeStatus{Allocatable: alloc, Capacity: alloc}}
}

func vrPod(ns, name, node string, edit func(*corev1.Pod)) *corev1.Pod {
	prio := int32(0)
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(ns + "-" + name), Labels: map[string]string{}},
		Spec: corev1.PodSpec{NodeName: node, Priority: &prio, SchedulerName: corev1.DefaultSchedulerName,
			Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m")}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending}}
	if node != "" {
		p.Status.Phase = corev1.PodRunning
	}
	if edit != nil {
		edit(p)
	}
	return p
}

func vrNamespace(name string, kv ...string) *corev1.Namespace {
	l := map[string]string{corev1.LabelMetadataName: name}
	for i := 0; i+1 < len(kv); i += 2 {
		l[kv[i]] = kv[i+1]
	}
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("ns-" + name), Labels: l}}
}

func withVolume(v corev1.Volume) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.Volumes = append(p.Spec.Volumes, v) }
}

func claimVol(claim string) corev1.Volume {
	return corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}
}

// boundPair is a claim in modes bound to a hostPath PV that fits every node.
func boundPair(ns, name string, modes ...corev1.PersistentVolumeAccessMode) (*corev1.PersistentVolumeClaim, *corev1.PersistentVolume) {
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-" + name, UID: types.UID("pv-" + name)},
		Spec: corev1.PersistentVolumeSpec{Capacity: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}, AccessModes: modes,
			PersistentVolumeSource: corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/mnt/" + name}},
			ClaimRef:               &corev1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: ns, Name: name, UID: types.UID("pvc-" + name)}},
		Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound}}
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID("pvc-" + name),
		Annotations: map[string]string{"pv.kubernetes.io/bind-completed": "yes"}},
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: modes, VolumeName: pv.Name, StorageClassName: ptrTo(""),
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}}
	return pvc, pv
}

func ptrTo[T any](v T) *T { return &v }

// referenceIs136 reports whether the real scheduler this build of the harness runs is v1.36: it
// loses the namespaceSelector reset (D4) and writes DynamicResources' "no new claims to
// deallocate, " before "preemption:".
func referenceIs136(*testing.T) bool { return harness.Version == "1.36" }

func TestVolumeRestrictionsAndNamespaceSelectorRegressions(t *testing.T) {
	ctx := context.Background()
	def := vrNamespace("default", "team", "red")
	other := vrNamespace("other", "team", "blue")
	rwop, rwopPV := boundPair("default", "data", corev1.ReadWriteOncePod)
	mk := func(name string, objs ...any) *gen.Case {
		c := &gen.Case{Focus: name, Nodes: []*corev1.Node{vrNode("n1"), vrNode("n2")}, Namespaces: []*corev1.Namespace{def, other}}
		for _, o := range objs {
			switch o := o.(type) {
			case *corev1.Pod:
				c.Pods = append(c.Pods, o)
			case *corev1.PersistentVolumeClaim:
				c.PVCs = append(c.PVCs, o)
			case *corev1.PersistentVolume:
				c.PVs = append(c.PVs, o)
			}
		}
		c.Pending = c.Pods[len(c.Pods)-1]
		return c
	}
	gce := func(readOnly bool) corev1.Volume {
		return corev1.Volume{Name: "disk", VolumeSource: corev1.VolumeSource{GCEPersistentDisk: &corev1.GCEPersistentDiskVolumeSource{PDName: "pd-1", ReadOnly: readOnly}}}
	}
	nsTerm := func(op metav1.LabelSelectorOperator, values ...string) corev1.PodAffinityTerm {
		return corev1.PodAffinityTerm{TopologyKey: gen.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: op, Values: values}}}}
	}
	web := func(node string) *corev1.Pod {
		return vrPod("other", "web-"+node, node, func(p *corev1.Pod) { p.Labels["app"] = "web" })
	}
	anti := func(term corev1.PodAffinityTerm) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term}}}
		}
	}
	affinity := func(term corev1.PodAffinityTerm) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{term}}}
		}
	}
	v136 := referenceIs136(t)
	line := func(msg string) string {
		if !v136 {
			return strings.Replace(msg, "no new claims to deallocate, ", "", 1)
		}
		return msg
	}
	antiNotInWant, affinityNotInWant := line("0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. no new claims to deallocate, "+
		"preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod."), ""
	if !v136 { // the selector as written: team NotIn blue excludes namespace other
		antiNotInWant, affinityNotInWant = "", line("0/2 nodes are available: 2 node(s) didn't match pod affinity rules. no new claims to deallocate, "+
			"preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")
	}
	preempted := "0/2 nodes are available: 2 node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod."
	if !v136 {
		preempted += " preemption: found a potential placement for pod on node n2, preempting 1 victims"
	}
	cases := []struct {
		c    *gen.Case
		want string
	}{
		// Issue 14 item 1, as the issue quotes it.
		{mk("RWOP claim in use by a Pod on n2", rwop, rwopPV, vrPod("default", "holder", "n2", withVolume(claimVol("data"))),
			vrPod("default", gen.PendingName, "", withVolume(claimVol("data")))),
			line("0/2 nodes are available: 2 node(s) unavailable due to PersistentVolumeClaim with ReadWriteOncePod access mode already in-use by another pod. " +
				"no new claims to deallocate, preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")},
		{mk("RWOP holder of lower priority: preemption takes it", rwop, rwopPV, vrPod("default", "holder", "n2", withVolume(claimVol("data"))),
			vrPod("default", gen.PendingName, "", func(p *corev1.Pod) { withVolume(claimVol("data"))(p); *p.Spec.Priority = 100 })),
			preempted},
		{mk("GCE PD in use on n1", vrPod("default", "holder", "n1", withVolume(gce(false))), vrPod("default", gen.PendingName, "", withVolume(gce(true)))), ""},
		{mk("GCE PD in use on both nodes", vrPod("default", "h1", "n1", withVolume(gce(false))), vrPod("default", "h2", "n2", withVolume(gce(true))),
			vrPod("default", gen.PendingName, "", withVolume(gce(false)))),
			line("0/2 nodes are available: 2 node(s) had no available disk. no new claims to deallocate, preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")},
		// D4: a web Pod in namespace other (team=blue) on each node; the term says team NotIn blue.
		{mk("D4 anti-affinity NotIn blocks", web("n1"), web("n2"), vrPod("default", gen.PendingName, "", anti(nsTerm(metav1.LabelSelectorOpNotIn, "blue")))), antiNotInWant},
		{mk("D4 anti-affinity DoesNotExist blocks", web("n1"), web("n2"), vrPod("default", gen.PendingName, "", anti(nsTerm(metav1.LabelSelectorOpDoesNotExist)))), antiNotInWant},
		{mk("D4 affinity NotIn places", web("n1"), vrPod("default", gen.PendingName, "", affinity(nsTerm(metav1.LabelSelectorOpNotIn, "blue")))), affinityNotInWant},
		{mk("D4 affinity In as written", web("n1"), vrPod("default", gen.PendingName, "", affinity(nsTerm(metav1.LabelSelectorOpIn, "red")))),
			line("0/2 nodes are available: 2 node(s) didn't match pod affinity rules. no new claims to deallocate, preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")},
	}
	for _, r := range cases {
		v, err := judge(ctx, r.c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if v.truth.Message != r.want {
			t.Errorf("%s: scheduler says %q, want %q", r.c.Focus, v.truth.Message, r.want)
		}
		if len(v.diffs) > 0 {
			t.Errorf("%s: %s\n  %s", r.c.Focus, v.class, strings.Join(v.diffs, "\n  "))
		}
	}
}

// D2: two replicas of one ReplicaSet with a generic ephemeral volume; web-a's claim exists and
// n1 is short of cpu for it, web-b's claim does not exist yet. Explained together, each replica
// gets its own line, the scheduler's.
func TestEphemeralReplicasRegression(t *testing.T) {
	ctx := context.Background()
	rs := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f", UID: "rs-web", Controller: ptrTo(true)}
	class := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: "standard", UID: "sc"}, Provisioner: "example.com/csi",
		VolumeBindingMode: ptrTo(storagev1.VolumeBindingWaitForFirstConsumer)}
	replica := func(name string) *corev1.Pod {
		return vrPod("default", name, "", func(p *corev1.Pod) {
			p.OwnerReferences = []metav1.OwnerReference{rs}
			p.Labels["app"] = "web"
			p.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("2")
			p.Spec.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{Ephemeral: &corev1.EphemeralVolumeSource{
				VolumeClaimTemplate: &corev1.PersistentVolumeClaimTemplate{Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}, StorageClassName: ptrTo("standard"),
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}}}}}}}}
		})
	}
	webA, webB := replica("web-a"), replica("web-b")
	claimA := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-a-scratch", UID: "pvc-a",
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Pod", Name: "web-a", UID: webA.UID, Controller: ptrTo(true)}}},
		Spec: webA.Spec.Volumes[0].Ephemeral.VolumeClaimTemplate.Spec, Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}
	c := &gen.Case{Focus: "D2", Nodes: []*corev1.Node{vrNode("n1")}, Pods: []*corev1.Pod{webA, webB},
		Namespaces: []*corev1.Namespace{vrNamespace("default")}, PVCs: []*corev1.PersistentVolumeClaim{claimA},
		StorageClasses: []*storagev1.StorageClass{class}}
	rep, err := explain.Explain(snapshotOf(c), explain.Selection{AllNamespaces: true, SchedulerVersion: harness.Version})
	if err != nil {
		t.Fatal(err)
	}
	dra := "no new claims to deallocate, "
	if !referenceIs136(t) {
		dra = ""
	}
	want := map[string]string{
		"web-a": "0/1 nodes are available: 1 Insufficient cpu. " + dra + "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
		"web-b": `0/1 nodes are available: waiting for ephemeral volume controller to create the persistentvolumeclaim "web-b-scratch". not found`,
	}
	if len(rep.Pods) != 2 {
		t.Fatalf("%d Pods in the report", len(rep.Pods))
	}
	for _, pr := range rep.Pods {
		truth, err := harness.Run(ctx, objectsOf(c),
			"default", pr.Name)
		if err != nil {
			t.Fatal(err)
		}
		if truth.Message != want[pr.Name] {
			t.Errorf("%s: scheduler says %q, want %q", pr.Name, truth.Message, want[pr.Name])
		}
		if pr.SchedulerMessage != truth.Message {
			t.Errorf("%s: ours %q, scheduler %q", pr.Name, pr.SchedulerMessage, truth.Message)
		}
	}
}
