// Package gen makes the synthetic clusters of the scale benchmarks (issue #11): 3 zones; tainted
// GPU, db and infra pools; cordoned nodes; Pods as a real API server returns them (managedFields,
// annotations, status); Pending Pods of a fixed number of workloads, each blocked by a different
// mix of taints, affinity, spread, resources and ports. hack/gencluster writes them as a List;
// test/fidelity's scale benchmark builds its snapshot from them in memory.
package gen

import (
	"fmt"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Config sizes a cluster.
type Config struct {
	Nodes, Pods, Pending, Workloads, Namespaces int
	// Replicas makes the Pending Pods of a workload replicas of one ReplicaSet (one template
	// hash and labels), as a Deployment's are, so why-pending analyses each workload once. By
	// default each Pending Pod is distinct (its own hash and labels): the analysis' worst case.
	Replicas bool
}

// emitter is the callback Generate hands each object to.
type emitter func(obj any)

func (e emitter) item(obj any) { e(obj) }

var (
	epoch = metav1.NewTime(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC))
	zones = []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
)

// nodeShape is what the Pod placement needs to know of a generated Node.
type nodeShape struct {
	name     string
	pool     string
	zone     string
	cordoned bool
	cpuFree  int64 // millicores
	memFree  int64 // MiB
}

// Generate makes the cluster cfg describes and hands emit its objects in List order: Namespaces,
// PriorityClasses, Nodes, running Pods, then the Pending Pods. The objects are a function of cfg
// only (fixed random seed).
func Generate(cfg Config, emit func(obj any)) {
	rng := rand.New(rand.NewPCG(11, 2026))
	l := emitter(emit)

	namespaces := make([]string, cfg.Namespaces)
	for i := range namespaces {
		namespaces[i] = fmt.Sprintf("team-%02d", i)
		l.item(namespace(namespaces[i], i))
	}
	for _, pc := range []struct {
		name  string
		value int32
	}{{"critical", 1000000}, {"high", 10000}, {"batch", -10}} {
		l.item(&schedulingv1.PriorityClass{
			TypeMeta:   metav1.TypeMeta{APIVersion: "scheduling.k8s.io/v1", Kind: "PriorityClass"},
			ObjectMeta: meta(pc.name, "", nil, rng),
			Value:      pc.value,
		})
	}

	nodes := make([]*nodeShape, cfg.Nodes)
	for i := range nodes {
		n := &nodeShape{name: fmt.Sprintf("ip-10-%d-%d-%d.eu-west-1.compute.internal", i/65536, (i/256)%256, i%256), zone: zones[i%3]}
		switch r := i % 100; {
		case r < 5:
			n.pool = "gpu"
		case r < 10:
			n.pool = "db"
		case r < 13:
			n.pool = "infra"
		default:
			n.pool = "general"
		}
		n.cordoned = i%97 == 42
		n.cpuFree, n.memFree = 15800, 60000
		nodes[i] = n
		l.item(node(n, rng))
	}

	running := cfg.Pods - cfg.Pending
	general := []*nodeShape{}
	for _, n := range nodes {
		if n.pool == "general" && !n.cordoned {
			general = append(general, n)
		}
	}
	for i := 0; i < running; i++ {
		ns := namespaces[i%len(namespaces)]
		app := fmt.Sprintf("svc-%03d", (i/7)%400)
		n := nodes[i%len(nodes)]
		if n.cordoned || n.pool != "general" && i%3 != 0 {
			n = general[i%len(general)]
		}
		cpu, mem := int64(100+50*(i%5)), int64(128+64*(i%4))
		if n.cpuFree < cpu || n.memFree < mem {
			cpu, mem = 0, 0 // a BestEffort Pod: the node is full
		}
		n.cpuFree -= cpu
		n.memFree -= mem
		l.item(pod(podSpec{
			namespace: ns, app: app, node: n.name, index: i, cpuMilli: cpu, memMi: mem, phase: corev1.PodRunning,
			pool: n.pool,
		}, rng))
	}
	for i := 0; i < cfg.Pending; i++ {
		wl := i % cfg.Workloads
		spec := pendingSpec(namespaces[wl%len(namespaces)], wl, i)
		if cfg.Replicas {
			spec.template = 7 * (wl + 1) // one hash per workload, tier by workload
		}
		l.item(pod(spec, rng))
	}
}

func namespace(name string, i int) *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name, UID: types.UID(fmt.Sprintf("00000000-0000-4000-8000-%012d", i)), ResourceVersion: fmt.Sprint(100 + i),
			CreationTimestamp: epoch,
			Labels:            map[string]string{"kubernetes.io/metadata.name": name, "team": fmt.Sprintf("t%d", i%7), "env": []string{"prod", "staging"}[i%2]},
		},
		Spec:   corev1.NamespaceSpec{Finalizers: []corev1.FinalizerName{corev1.FinalizerKubernetes}},
		Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive},
	}
}

func uid(rng *rand.Rand) types.UID {
	return types.UID(fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff, rng.Uint32()&0xfff, rng.Uint64()&0xffffffffffff))
}

func meta(name, ns string, labels map[string]string, rng *rand.Rand) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name: name, Namespace: ns, UID: uid(rng), ResourceVersion: fmt.Sprint(1000 + rng.IntN(1<<24)),
		CreationTimestamp: epoch, Labels: labels,
	}
}

// managedFields is what the API server records for an object written by a controller and updated
// by the kubelet: the bulk of a real object's bytes.
func managedFields(manager string, fields string) []metav1.ManagedFieldsEntry {
	return []metav1.ManagedFieldsEntry{
		{Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &epoch, FieldsType: "FieldsV1",
			FieldsV1: &metav1.FieldsV1{Raw: []byte(fields)}},
		{Manager: "kubelet", Operation: metav1.ManagedFieldsOperationUpdate, APIVersion: "v1", Time: &epoch, FieldsType: "FieldsV1", Subresource: "status",
			FieldsV1: &metav1.FieldsV1{Raw: []byte(podStatusFields)}},
	}
}

const podSpecFields = `{"f:metadata":{"f:annotations":{".":{},"f:kubectl.kubernetes.io/restartedAt":{},"f:prometheus.io/port":{},"f:prometheus.io/scrape":{}},"f:generateName":{},"f:labels":{".":{},"f:app":{},"f:pod-template-hash":{},"f:tier":{}},"f:ownerReferences":{".":{},"k:{\"uid\":\"5b0c6f1e-0000-4000-8000-000000000000\"}":{}}},"f:spec":{"f:affinity":{".":{},"f:podAntiAffinity":{".":{},"f:preferredDuringSchedulingIgnoredDuringExecution":{}}},"f:containers":{"k:{\"name\":\"app\"}":{".":{},"f:env":{".":{},"k:{\"name\":\"LOG_LEVEL\"}":{".":{},"f:name":{},"f:value":{}},"k:{\"name\":\"POD_NAME\"}":{".":{},"f:name":{},"f:valueFrom":{".":{},"f:fieldRef":{}}}},"f:image":{},"f:imagePullPolicy":{},"f:livenessProbe":{".":{},"f:failureThreshold":{},"f:httpGet":{".":{},"f:path":{},"f:port":{},"f:scheme":{}},"f:periodSeconds":{},"f:successThreshold":{},"f:timeoutSeconds":{}},"f:name":{},"f:ports":{".":{},"k:{\"containerPort\":8080,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}},"f:readinessProbe":{".":{},"f:failureThreshold":{},"f:httpGet":{".":{},"f:path":{},"f:port":{},"f:scheme":{}},"f:periodSeconds":{},"f:successThreshold":{},"f:timeoutSeconds":{}},"f:resources":{".":{},"f:limits":{".":{},"f:memory":{}},"f:requests":{".":{},"f:cpu":{},"f:memory":{}}},"f:securityContext":{".":{},"f:allowPrivilegeEscalation":{},"f:readOnlyRootFilesystem":{},"f:runAsNonRoot":{}},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{},"f:volumeMounts":{".":{},"k:{\"mountPath\":\"/config\"}":{".":{},"f:mountPath":{},"f:name":{},"f:readOnly":{}}}}},"f:dnsPolicy":{},"f:enableServiceLinks":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{".":{},"f:fsGroup":{}},"f:serviceAccount":{},"f:serviceAccountName":{},"f:terminationGracePeriodSeconds":{},"f:topologySpreadConstraints":{},"f:volumes":{".":{},"k:{\"name\":\"config\"}":{".":{},"f:configMap":{".":{},"f:defaultMode":{},"f:name":{}},"f:name":{}}}}}`

const podStatusFields = `{"f:status":{"f:conditions":{"k:{\"type\":\"ContainersReady\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Initialized\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"PodReadyToStartContainers\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}},"k:{\"type\":\"Ready\"}":{".":{},"f:lastProbeTime":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}},"f:containerStatuses":{},"f:hostIP":{},"f:hostIPs":{},"f:phase":{},"f:podIP":{},"f:podIPs":{".":{},"k:{\"ip\":\"10.1.2.3\"}":{".":{},"f:ip":{}}},"f:startTime":{}}}`

func node(n *nodeShape, rng *rand.Rand) *corev1.Node {
	labels := map[string]string{
		"kubernetes.io/hostname":           n.name,
		"kubernetes.io/arch":               "amd64",
		"kubernetes.io/os":                 "linux",
		"beta.kubernetes.io/arch":          "amd64",
		"beta.kubernetes.io/os":            "linux",
		"node.kubernetes.io/instance-type": "m6i.4xlarge",
		"topology.kubernetes.io/zone":      n.zone,
		"topology.kubernetes.io/region":    "eu-west-1",
		"pool":                             n.pool,
	}
	var taints []corev1.Taint
	switch n.pool {
	case "gpu":
		labels["node.kubernetes.io/instance-type"] = "g5.4xlarge"
		labels["nvidia.com/gpu.present"] = "true"
		taints = append(taints, corev1.Taint{Key: "nvidia.com/gpu", Value: "present", Effect: corev1.TaintEffectNoSchedule})
	case "db":
		labels["dedicated"] = "db"
		taints = append(taints, corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule})
	case "infra":
		labels["node-role.kubernetes.io/infra"] = ""
		taints = append(taints, corev1.Taint{Key: "node-role.kubernetes.io/infra", Effect: corev1.TaintEffectNoSchedule})
	}
	if n.cordoned {
		taints = append(taints, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule, TimeAdded: &epoch})
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("16"), corev1.ResourceMemory: resource.MustParse("64Gi"),
		corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	allocatable := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("15800m"), corev1.ResourceMemory: resource.MustParse("60000Mi"),
		corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceEphemeralStorage: resource.MustParse("92Gi"),
	}
	if n.pool == "gpu" {
		capacity["nvidia.com/gpu"] = resource.MustParse("4")
		allocatable["nvidia.com/gpu"] = resource.MustParse("4")
	}
	m := meta(n.name, "", labels, rng)
	m.Annotations = map[string]string{
		"node.alpha.kubernetes.io/ttl":                           "0",
		"volumes.kubernetes.io/controller-managed-attach-detach": "true",
		"csi.volume.kubernetes.io/nodeid":                        fmt.Sprintf(`{"ebs.csi.aws.com":"i-%017x"}`, rng.Uint64()>>4),
	}
	m.ManagedFields = managedFields("kubelet", `{"f:metadata":{"f:annotations":{".":{},"f:node.alpha.kubernetes.io/ttl":{},"f:volumes.kubernetes.io/controller-managed-attach-detach":{}},"f:labels":{".":{},"f:beta.kubernetes.io/arch":{},"f:beta.kubernetes.io/os":{},"f:kubernetes.io/arch":{},"f:kubernetes.io/hostname":{},"f:kubernetes.io/os":{},"f:node.kubernetes.io/instance-type":{},"f:topology.kubernetes.io/region":{},"f:topology.kubernetes.io/zone":{}}},"f:spec":{"f:providerID":{}}}`)
	var images []corev1.ContainerImage
	for i := 0; i < 25; i++ {
		images = append(images, corev1.ContainerImage{
			Names:     []string{fmt.Sprintf("registry.example.com/team/image-%02d@sha256:%064x", i, rng.Uint64()), fmt.Sprintf("registry.example.com/team/image-%02d:v1.%d.0", i, i)},
			SizeBytes: int64(20_000_000 + rng.IntN(500_000_000)),
		})
	}
	cond := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, LastHeartbeatTime: epoch, LastTransitionTime: epoch, Reason: reason, Message: msg}
	}
	return &corev1.Node{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: m,
		Spec: corev1.NodeSpec{
			ProviderID: fmt.Sprintf("aws:///%s/i-%017x", n.zone, rng.Uint64()>>4), Taints: taints, Unschedulable: n.cordoned,
		},
		Status: corev1.NodeStatus{
			Capacity: capacity, Allocatable: allocatable,
			Conditions: []corev1.NodeCondition{
				cond(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
				cond(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
				cond(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
				cond(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "kubelet is posting ready status"),
			},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("10.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256))},
				{Type: corev1.NodeHostName, Address: n.name}, {Type: corev1.NodeInternalDNS, Address: n.name},
			},
			DaemonEndpoints: corev1.NodeDaemonEndpoints{KubeletEndpoint: corev1.DaemonEndpoint{Port: 10250}},
			NodeInfo: corev1.NodeSystemInfo{
				MachineID: fmt.Sprintf("%032x", rng.Uint64()), SystemUUID: string(uid(rng)), BootID: string(uid(rng)),
				KernelVersion: "6.1.112-124.190.amzn2023.x86_64", OSImage: "Amazon Linux 2023", ContainerRuntimeVersion: "containerd://1.7.22",
				KubeletVersion: "v1.37.2", KubeProxyVersion: "", OperatingSystem: "linux", Architecture: "amd64",
			},
			Images: images,
		},
	}
}

// podSpec is what varies between generated Pods.
type podSpec struct {
	namespace, app, node, pool string
	index                      int
	// template, when positive, stands for index in the template hash and labels: replicas.
	template        int
	cpuMilli, memMi int64
	phase           corev1.PodPhase
	// Pending Pods' scheduling terms.
	nodeSelector map[string]string
	tolerations  []corev1.Toleration
	affinity     *corev1.Affinity
	spread       []corev1.TopologySpreadConstraint
	hostPort     int32
	priority     string
	message      string
}

// pendingSpec gives the Pending Pods of workload wl their blocker: each workload is stuck for its
// own reason, so the report has 20 distinct stories to tell.
func pendingSpec(ns string, wl, i int) podSpec {
	s := podSpec{namespace: ns, app: fmt.Sprintf("pending-%02d", wl), index: i, cpuMilli: 500, memMi: 512, phase: corev1.PodPending}
	gpuToleration := corev1.Toleration{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}
	switch wl % 10 {
	case 0: // wants GPU nodes but does not tolerate their taint
		s.nodeSelector = map[string]string{"nvidia.com/gpu.present": "true"}
	case 1: // tolerates the GPU taint and wants more GPU memory than any node has
		s.tolerations = []corev1.Toleration{gpuToleration}
		s.nodeSelector = map[string]string{"pool": "gpu"}
		s.memMi = 80000
	case 2: // a label no node has
		s.nodeSelector = map[string]string{"disktype": "nvme"}
	case 3: // too big for any node
		s.cpuMilli = 24000
	case 4: // a zone that does not exist
		s.affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
			NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
				{Key: "topology.kubernetes.io/zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"eu-west-1d"}}}}}}}}
	case 5: // db pool without the toleration
		s.nodeSelector = map[string]string{"dedicated": "db"}
	case 6: // anti-affinity to a running service present everywhere
		s.affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpIn, Values: []string{"backend"}}}},
			TopologyKey:   "topology.kubernetes.io/zone", NamespaceSelector: &metav1.LabelSelector{}}}}}
	case 7: // spread by zone over infra nodes it cannot reach, whenUnsatisfiable DoNotSchedule
		s.nodeSelector = map[string]string{"pool": "infra"}
		s.spread = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": s.app}}}}
	case 8: // host port plus more CPU than is free on the nodes that have it
		s.hostPort = 9100
		s.cpuMilli = 15000
	case 9: // affinity to Pods that do not exist
		s.affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "cache-that-is-gone"}},
			TopologyKey:   "kubernetes.io/hostname"}}}}
	}
	if wl >= 10 {
		s.priority = "high"
	}
	s.message = "0/N nodes are available: see the report."
	return s
}

func pod(s podSpec, rng *rand.Rand) *corev1.Pod {
	key := s.index
	if s.template > 0 {
		key = s.template
	}
	hash := fmt.Sprintf("%x", 0x5d6f7c8b9+key/7)[:9]
	name := fmt.Sprintf("%s-%s-%05x", s.app, hash, s.index)
	tier := []string{"frontend", "backend", "worker"}[key%3]
	m := meta(name, s.namespace, map[string]string{"app": s.app, "pod-template-hash": hash, "tier": tier}, rng)
	m.GenerateName = fmt.Sprintf("%s-%s-", s.app, hash)
	m.Annotations = map[string]string{
		"kubectl.kubernetes.io/restartedAt": "2026-10-30T12:00:00Z",
		"prometheus.io/scrape":              "true",
		"prometheus.io/port":                "8080",
		"kubectl.kubernetes.io/last-applied-configuration": fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":%q,"namespace":%q},"spec":{"replicas":3,"selector":{"matchLabels":{"app":%q}},"template":{"metadata":{"labels":{"app":%q}},"spec":{"containers":[{"image":"registry.example.com/team/%s:v1.2.3","name":"app","ports":[{"containerPort":8080}]}]}}}}`,
			s.app, s.namespace, s.app, s.app, s.app),
	}
	ctrl := true
	m.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: s.app + "-" + hash, UID: types.UID("5b0c6f1e-0000-4000-8000-000000000000"), Controller: &ctrl, BlockOwnerDeletion: &ctrl}}
	m.ManagedFields = managedFields("kube-controller-manager", podSpecFields)
	if s.phase == corev1.PodPending {
		m.ManagedFields = m.ManagedFields[:1]
	}

	requests := corev1.ResourceList{}
	limits := corev1.ResourceList{}
	if s.cpuMilli > 0 {
		requests[corev1.ResourceCPU] = *resource.NewMilliQuantity(s.cpuMilli, resource.DecimalSI)
	}
	if s.memMi > 0 {
		requests[corev1.ResourceMemory] = *resource.NewQuantity(s.memMi<<20, resource.BinarySI)
		limits[corev1.ResourceMemory] = *resource.NewQuantity(s.memMi<<21, resource.BinarySI)
	}
	grace := int64(30)
	mode := int32(0o644)
	nonRoot, noEscalation := true, false
	fsGroup := int64(2000)
	probe := &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: intOrString(8080), Scheme: corev1.URISchemeHTTP}},
		TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3}
	ports := []corev1.ContainerPort{{Name: "http", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}
	if s.hostPort != 0 {
		ports = append(ports, corev1.ContainerPort{Name: "metrics", ContainerPort: s.hostPort, HostPort: s.hostPort, Protocol: corev1.ProtocolTCP})
	}
	app := corev1.Container{
		Name: "app", Image: fmt.Sprintf("registry.example.com/team/%s:v1.2.3", s.app), ImagePullPolicy: corev1.PullIfNotPresent,
		Ports: ports,
		Env: []corev1.EnvVar{
			{Name: "LOG_LEVEL", Value: "info"},
			{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
			{Name: "OTEL_EXPORTER_OTLP_ENDPOINT", Value: "http://otel-collector.observability:4317"},
		},
		Resources:                corev1.ResourceRequirements{Requests: requests, Limits: limits},
		VolumeMounts:             []corev1.VolumeMount{{Name: "config", MountPath: "/config", ReadOnly: true}, {Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true}},
		LivenessProbe:            probe,
		ReadinessProbe:           probe,
		TerminationMessagePath:   "/dev/termination-log",
		TerminationMessagePolicy: corev1.TerminationMessageReadFile,
		SecurityContext:          &corev1.SecurityContext{RunAsNonRoot: &nonRoot, AllowPrivilegeEscalation: &noEscalation, ReadOnlyRootFilesystem: &nonRoot},
	}
	tolerations := append([]corev1.Toleration{
		{Key: "node.kubernetes.io/not-ready", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
		{Key: "node.kubernetes.io/unreachable", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr(int64(300))},
	}, s.tolerations...)
	switch s.pool { // a running Pod on a tainted pool tolerates it
	case "gpu":
		tolerations = append(tolerations, corev1.Toleration{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	case "db":
		tolerations = append(tolerations, corev1.Toleration{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule})
	case "infra":
		tolerations = append(tolerations, corev1.Toleration{Key: "node-role.kubernetes.io/infra", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	affinity := s.affinity
	if affinity == nil {
		affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100, PodAffinityTerm: corev1.PodAffinityTerm{LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": s.app}}, TopologyKey: "kubernetes.io/hostname"}}}}}
	}
	spread := s.spread
	if spread == nil && s.index%4 == 0 {
		spread = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "topology.kubernetes.io/zone", WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": s.app}}}}
	}
	p := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: m,
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{app},
			Volumes: []corev1.Volume{
				{Name: "config", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: s.app + "-config"}, DefaultMode: &mode}}},
				{Name: "kube-api-access", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{DefaultMode: &mode, Sources: []corev1.VolumeProjection{
					{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: ptr(int64(3607)), Path: "token"}},
					{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"}, Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
					{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
				}}}},
			},
			RestartPolicy: corev1.RestartPolicyAlways, TerminationGracePeriodSeconds: &grace, DNSPolicy: corev1.DNSClusterFirst,
			ServiceAccountName: "default", DeprecatedServiceAccount: "default", NodeName: s.node, NodeSelector: s.nodeSelector,
			SecurityContext: &corev1.PodSecurityContext{FSGroup: &fsGroup}, SchedulerName: corev1.DefaultSchedulerName,
			Tolerations: tolerations, Affinity: affinity, TopologySpreadConstraints: spread,
			PriorityClassName: s.priority, EnableServiceLinks: ptr(true), PreemptionPolicy: ptr(corev1.PreemptLowerPriority),
		},
		Status: corev1.PodStatus{Phase: s.phase, QOSClass: corev1.PodQOSBurstable},
	}
	switch s.priority {
	case "high":
		p.Spec.Priority = ptr(int32(10000))
	default:
		p.Spec.Priority = ptr(int32(0))
	}
	if s.phase == corev1.PodPending {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, LastTransitionTime: epoch,
			Reason: corev1.PodReasonUnschedulable, Message: s.message}}
		return p
	}
	cond := func(t corev1.PodConditionType) corev1.PodCondition {
		return corev1.PodCondition{Type: t, Status: corev1.ConditionTrue, LastTransitionTime: epoch}
	}
	ip := fmt.Sprintf("10.%d.%d.%d", 100+rng.IntN(100), rng.IntN(256), rng.IntN(256))
	p.Status.Conditions = []corev1.PodCondition{cond("PodReadyToStartContainers"), cond(corev1.PodInitialized), cond(corev1.PodReady), cond(corev1.ContainersReady), cond(corev1.PodScheduled)}
	p.Status.HostIP, p.Status.PodIP = "10.0.0.1", ip
	p.Status.HostIPs, p.Status.PodIPs = []corev1.HostIP{{IP: "10.0.0.1"}}, []corev1.PodIP{{IP: ip}}
	p.Status.StartTime = &epoch
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name: "app", Ready: true, RestartCount: int32(rng.IntN(3)), Started: ptr(true),
		Image: app.Image, ImageID: fmt.Sprintf("registry.example.com/team/%s@sha256:%064x", s.app, rng.Uint64()),
		ContainerID: fmt.Sprintf("containerd://%064x", rng.Uint64()),
		State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: epoch}},
		VolumeMounts: []corev1.VolumeMountStatus{{Name: "config", MountPath: "/config", ReadOnly: true},
			{Name: "kube-api-access", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount", ReadOnly: true, RecursiveReadOnly: ptr(corev1.RecursiveReadOnlyDisabled)}},
		Resources:          &corev1.ResourceRequirements{Requests: requests, Limits: limits},
		AllocatedResources: requests,
	}}
	return p
}

func ptr[T any](v T) *T { return &v }

func intOrString(port int) intstr.IntOrString { return intstr.FromInt32(int32(port)) }
