package snapshot

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ReasonFailedScheduling is the event reason the scheduler records when no node fits.
const ReasonFailedScheduling = "FailedScheduling"

// keptAnnotations are the only annotations kept: no filter reads annotations, and some
// (last-applied-configuration) are as large as the object itself.
var keptAnnotations = map[string]bool{
	"kubernetes.io/config.mirror": true,
	"kubernetes.io/config.source": true,
	// Claims and volumes: VolumeBinding reads these (bound vs pre-bound, the node chosen for
	// provisioning, the legacy class annotation that wins over spec.storageClassName).
	"pv.kubernetes.io/bind-completed":    true,
	"volume.kubernetes.io/selected-node": true,
	corev1.BetaStorageClassAnnotation:    true,
}

// collector builds a Snapshot from objects of either source: it drops what the analysis never
// reads, removes duplicates (the same object in two files, or an Event read through both APIs)
// and sorts, so both loaders produce the same model.
type collector struct {
	nodes           map[string]*corev1.Node
	pods            map[string]*corev1.Pod
	namespaces      map[string]*corev1.Namespace
	priorityClasses map[string]*schedulingv1.PriorityClass
	pvcs            map[string]*corev1.PersistentVolumeClaim
	pvs             map[string]*corev1.PersistentVolume
	storageClasses  map[string]*storagev1.StorageClass
	// The CSI kinds NodeVolumeLimits and VolumeBinding's capacity check read.
	csiNodes             map[string]*storagev1.CSINode
	csiDrivers           map[string]*storagev1.CSIDriver
	csiStorageCapacities map[string]*storagev1.CSIStorageCapacity
	volumeAttachments    map[string]*storagev1.VolumeAttachment
	// The DRA kinds DynamicResources reads.
	resourceClaims         map[string]*resourcev1.ResourceClaim
	resourceClaimTemplates map[string]*resourcev1.ResourceClaimTemplate
	deviceClasses          map[string]*resourcev1.DeviceClass
	resourceSlices         map[string]*resourcev1.ResourceSlice
	events                 map[string]Event
	deployments            map[string]*appsv1.Deployment
	statefulSets           map[string]*appsv1.StatefulSet
	replicaSets            map[string]*appsv1.ReplicaSet
	daemonSets             map[string]*appsv1.DaemonSet
	jobs                   map[string]*batchv1.Job
	// named are the Pods given on the command line; finished holds those that have Succeeded or
	// Failed, which are otherwise dropped.
	named    map[string]bool
	finished map[string]*corev1.Pod
	// read holds the resources read (as RBAC names them), to tell an empty list from one that
	// could not be read.
	read map[string]bool

	// serverVersion is a snapshot file's record of the cluster's version.
	serverVersion string
	// shared makes equal values of many objects one.
	shared *sharer

	warnings []string
	missing  []Permission
}

func newCollector(named []types.NamespacedName) *collector {
	c := &collector{
		nodes:           map[string]*corev1.Node{},
		pods:            map[string]*corev1.Pod{},
		namespaces:      map[string]*corev1.Namespace{},
		priorityClasses: map[string]*schedulingv1.PriorityClass{},
		pvcs:            map[string]*corev1.PersistentVolumeClaim{},
		pvs:             map[string]*corev1.PersistentVolume{},
		storageClasses:  map[string]*storagev1.StorageClass{},
		events:          map[string]Event{},
		deployments:     map[string]*appsv1.Deployment{},
		statefulSets:    map[string]*appsv1.StatefulSet{},
		replicaSets:     map[string]*appsv1.ReplicaSet{},
		daemonSets:      map[string]*appsv1.DaemonSet{},
		jobs:            map[string]*batchv1.Job{},
		named:           map[string]bool{},
		finished:        map[string]*corev1.Pod{},
		read:            map[string]bool{},
		shared:          newSharer(),
	}
	for _, n := range named {
		c.named[key(n.Namespace, n.Name)] = true
	}
	return c
}

func (c *collector) warnf(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

func key(namespace, name string) string { return namespace + "/" + name }

func (c *collector) addNode(n *corev1.Node) {
	trimNode(n)
	c.shared.node(n)
	c.nodes[n.Name] = n
}

// trimNode drops what no check reads of a Node. It may run twice (as a page arrives, then as
// the collector adds the Node).
func trimNode(n *corev1.Node) {
	trimMeta(&n.ObjectMeta)
	// Image lists are for scoring (ImageLocality), not filtering, and are the bulk of a Node.
	n.Status.Images = nil
	n.Status.NodeInfo = corev1.NodeSystemInfo{}
	n.Status.Addresses = nil
	for i := range n.Status.Conditions {
		n.Status.Conditions[i].Message = ""
	}
}

// trimPod reduces a Pod to what the checks and the report read, as soon as it is decoded (a
// page of a LIST, an item of a file), so the whole objects become garbage at once. Pending Pods
// (no node) keep their spec as the report and the grouping of identical Pods need it; a bound
// Pod keeps what it contributes to others' checks (labels, owner, requests, ports, volumes,
// affinity and spread terms, tolerations) and what spread needs of a workload's newest replica.
// It may run twice.
func trimPod(p *corev1.Pod) {
	trimMeta(&p.ObjectMeta)
	trimContainers(p.Spec.InitContainers)
	trimContainers(p.Spec.Containers)
	p.Spec.EphemeralContainers = nil // never counted by the scheduler
	st := &p.Status
	st.HostIP, st.HostIPs, st.PodIP, st.PodIPs = "", nil, "", nil
	st.EphemeralContainerStatuses = nil
	// resource.PodRequests reads a container status's name, resources and allocated resources.
	trimContainerStatuses(st.InitContainerStatuses)
	trimContainerStatuses(st.ContainerStatuses)
	if p.Spec.NodeName == "" {
		return
	}
	// Preferred terms are for scoring; a placed Pod's required terms and spread constraints
	// (filters of others, and spread's view of its workload) stay.
	if a := p.Spec.Affinity; a != nil {
		if a.NodeAffinity != nil {
			a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution = nil
		}
		if a.PodAffinity != nil {
			a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution = nil
		}
		if a.PodAntiAffinity != nil {
			a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = nil
		}
	}
	p.Spec.SecurityContext, p.Spec.DNSConfig, p.Spec.ImagePullSecrets, p.Spec.HostAliases, p.Spec.ReadinessGates = nil, nil, nil, nil, nil
	// No filter reads a placed Pod's configuration and scratch volumes (a new replica spread
	// makes of it gets its own).
	// The kept entries are copied out: what is dropped (a service account token's projection in
	// every Pod) would otherwise stay reachable through the old array for as long as the Pod.
	var vols []corev1.Volume
	for _, v := range p.Spec.Volumes {
		if vs := v.VolumeSource; vs.Projected == nil && vs.ConfigMap == nil && vs.Secret == nil && vs.DownwardAPI == nil && vs.EmptyDir == nil {
			vols = append(vols, v)
		}
	}
	p.Spec.Volumes = compacted(vols)
	// Of a placed Pod's conditions a pending resize changes its requests (resource.PodRequests)
	// and spread counts the Ready ones; the recorded scheduling message is read for Pending Pods.
	resizing := false
	st.Conditions = slices.DeleteFunc(st.Conditions, func(c corev1.PodCondition) bool {
		resize := c.Type == corev1.PodResizePending || c.Type == corev1.PodResizeInProgress
		resizing = resizing || resize
		return !resize && c.Type != corev1.PodReady
	})
	for i := range st.Conditions {
		st.Conditions[i].Message = ""
	}
	st.Conditions = compacted(st.Conditions)
	if !resizing {
		st.InitContainerStatuses = dropSpecStatuses(p.Spec.InitContainers, st.InitContainerStatuses)
		st.ContainerStatuses = dropSpecStatuses(p.Spec.Containers, st.ContainerStatuses)
	}
}

// dropSpecStatuses drops the container statuses whose resources are the spec's: without a
// pending resize resource.PodRequests then reads the same requests from the spec.
func dropSpecStatuses(cs []corev1.Container, statuses []corev1.ContainerStatus) []corev1.ContainerStatus {
	out := statuses[:0]
	for _, s := range statuses {
		i := slices.IndexFunc(cs, func(c corev1.Container) bool { return c.Name == s.Name })
		if i >= 0 && (s.AllocatedResources == nil || equality.Semantic.DeepEqual(s.AllocatedResources, cs[i].Resources.Requests)) &&
			(s.Resources == nil || s.Resources.Requests == nil || equality.Semantic.DeepEqual(s.Resources.Requests, cs[i].Resources.Requests)) {
			continue
		}
		out = append(out, s)
	}
	return compacted(out)
}

// compacted is s in an array of its own length, nil when empty: a slice filtered in place keeps
// its whole original array, and a reduced object is kept for the whole run.
func compacted[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	if len(s) == cap(s) {
		return s
	}
	return slices.Clone(s)
}

func trimContainerStatuses(cs []corev1.ContainerStatus) {
	for i, s := range cs {
		cs[i] = corev1.ContainerStatus{Name: s.Name, Resources: s.Resources, AllocatedResources: s.AllocatedResources}
	}
}

func (c *collector) addPod(p *corev1.Pod) {
	if p.Namespace == "" {
		p.Namespace = metav1.NamespaceDefault
	}
	k := key(p.Namespace, p.Name)
	if Finished(p) && !c.named[k] {
		return
	}
	trimPod(p)
	c.shared.pod(p)
	if Finished(p) {
		c.finished[k] = p
		return
	}
	c.pods[k] = p
}

// Finished reports a Pod that has Succeeded or Failed: the scheduler no longer counts it.
func Finished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// missingNamed lists the Pods named on the command line that neither list returned.
func (c *collector) missingNamed() []types.NamespacedName {
	var out []types.NamespacedName
	for k := range c.named {
		if c.pods[k] == nil && c.finished[k] == nil {
			ns, name, _ := strings.Cut(k, "/")
			out = append(out, types.NamespacedName{Namespace: ns, Name: name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// addWorkload keeps an apps/v1 or batch/v1 controller for spread; its Pod template is trimmed
// like a Pod.
func (c *collector) addWorkload(obj metav1.Object, template *corev1.PodTemplateSpec) {
	if obj.GetNamespace() == "" {
		obj.SetNamespace(metav1.NamespaceDefault)
	}
	obj.SetManagedFields(nil)
	obj.SetAnnotations(nil) // no filter reads a controller's annotations
	trimContainers(template.Spec.InitContainers)
	trimContainers(template.Spec.Containers)
	k := key(obj.GetNamespace(), obj.GetName())
	switch o := obj.(type) {
	case *appsv1.Deployment:
		c.deployments[k] = o
	case *appsv1.StatefulSet:
		c.statefulSets[k] = o
	case *appsv1.ReplicaSet:
		c.replicaSets[k] = o
	case *appsv1.DaemonSet:
		c.daemonSets[k] = o
	case *batchv1.Job:
		c.jobs[k] = o
	}
}

func (c *collector) addNamespace(ns *corev1.Namespace) {
	trimMeta(&ns.ObjectMeta)
	c.namespaces[ns.Name] = ns
}

func (c *collector) addPriorityClass(pc *schedulingv1.PriorityClass) {
	trimMeta(&pc.ObjectMeta)
	c.priorityClasses[pc.Name] = pc
}

func (c *collector) addPVC(pvc *corev1.PersistentVolumeClaim) {
	if pvc.Namespace == "" {
		pvc.Namespace = metav1.NamespaceDefault
	}
	trimMeta(&pvc.ObjectMeta)
	c.read["persistentvolumeclaims"] = true
	c.pvcs[key(pvc.Namespace, pvc.Name)] = pvc
}

func (c *collector) addPV(pv *corev1.PersistentVolume) {
	trimMeta(&pv.ObjectMeta)
	c.read["persistentvolumes"] = true
	c.pvs[pv.Name] = pv
}

func (c *collector) addStorageClass(sc *storagev1.StorageClass) {
	trimMeta(&sc.ObjectMeta)
	c.read["storageclasses"] = true
	c.storageClasses[sc.Name] = sc
}

// addCSINode keeps the annotations: the migrated-plugins one says which in-tree volumes the node
// treats as CSI.
func (c *collector) addCSINode(o *storagev1.CSINode) {
	o.ManagedFields = nil
	c.read["csinodes"] = true
	addTo(&c.csiNodes, o.Name, o)
}

func (c *collector) addCSIDriver(o *storagev1.CSIDriver) {
	trimMeta(&o.ObjectMeta)
	c.read["csidrivers"] = true
	addTo(&c.csiDrivers, o.Name, o)
}

func (c *collector) addCSIStorageCapacity(o *storagev1.CSIStorageCapacity) {
	if o.Namespace == "" {
		o.Namespace = metav1.NamespaceDefault
	}
	trimMeta(&o.ObjectMeta)
	c.read["csistoragecapacities"] = true
	addTo(&c.csiStorageCapacities, key(o.Namespace, o.Name), o)
}

func (c *collector) addVolumeAttachment(o *storagev1.VolumeAttachment) {
	trimMeta(&o.ObjectMeta)
	c.read["volumeattachments"] = true
	addTo(&c.volumeAttachments, o.Name, o)
}

func (c *collector) addResourceClaim(o *resourcev1.ResourceClaim) {
	if o.Namespace == "" {
		o.Namespace = metav1.NamespaceDefault
	}
	trimMeta(&o.ObjectMeta)
	c.read["resourceclaims"] = true
	addTo(&c.resourceClaims, key(o.Namespace, o.Name), o)
}

func (c *collector) addResourceClaimTemplate(o *resourcev1.ResourceClaimTemplate) {
	if o.Namespace == "" {
		o.Namespace = metav1.NamespaceDefault
	}
	trimMeta(&o.ObjectMeta)
	c.read["resourceclaimtemplates"] = true
	addTo(&c.resourceClaimTemplates, key(o.Namespace, o.Name), o)
}

func (c *collector) addDeviceClass(o *resourcev1.DeviceClass) {
	trimMeta(&o.ObjectMeta)
	c.read["deviceclasses"] = true
	addTo(&c.deviceClasses, o.Name, o)
}

func (c *collector) addResourceSlice(o *resourcev1.ResourceSlice) {
	trimMeta(&o.ObjectMeta)
	c.read["resourceslices"] = true
	addTo(&c.resourceSlices, o.Name, o)
}

// addTo stores obj under k in *m, making the map on first use.
func addTo[T any](m *map[string]*T, k string, obj *T) {
	if *m == nil {
		*m = map[string]*T{}
	}
	(*m)[k] = obj
}

// addCoreEvent keeps FailedScheduling events about Pods, read through core/v1.
func (c *collector) addCoreEvent(e *corev1.Event) {
	if e.Reason != ReasonFailedScheduling || e.InvolvedObject.Kind != "Pod" {
		return
	}
	ev := Event{
		Namespace: e.InvolvedObject.Namespace,
		PodName:   e.InvolvedObject.Name,
		PodUID:    string(e.InvolvedObject.UID),
		Reason:    e.Reason,
		Message:   e.Message,
		Reporter:  firstNonEmpty(e.ReportingController, e.Source.Component),
		Count:     e.Count,
	}
	ev.Time = latest(e.LastTimestamp, metav1.Time(e.EventTime), e.FirstTimestamp)
	if e.Series != nil {
		ev.seenAgain(e.Series.LastObservedTime, e.Series.Count)
	}
	c.addEvent(key(e.Namespace, e.Name), ev)
}

// addEventsV1Event keeps FailedScheduling events about Pods, read through events.k8s.io/v1.
func (c *collector) addEventsV1Event(e *eventsv1.Event) {
	if e.Reason != ReasonFailedScheduling || e.Regarding.Kind != "Pod" {
		return
	}
	ev := Event{
		Namespace: e.Regarding.Namespace,
		PodName:   e.Regarding.Name,
		PodUID:    string(e.Regarding.UID),
		Reason:    e.Reason,
		Message:   e.Note,
		Reporter:  firstNonEmpty(e.ReportingController, e.DeprecatedSource.Component),
		Count:     e.DeprecatedCount,
	}
	ev.Time = latest(metav1.Time(e.EventTime), e.DeprecatedLastTimestamp, e.DeprecatedFirstTimestamp)
	if e.Series != nil {
		ev.seenAgain(e.Series.LastObservedTime, e.Series.Count)
	}
	c.addEvent(key(e.Namespace, e.Name), ev)
}

// seenAgain folds in an event series: the scheduler records repeats there, not in count.
func (ev *Event) seenAgain(last metav1.MicroTime, count int32) {
	ev.Time = latest(ev.Time, metav1.Time(last))
	ev.Count = max(ev.Count, count)
}

// addEvent stores an event under its object key: the same Event read through both APIs is one.
func (c *collector) addEvent(objectKey string, ev Event) {
	if ev.Namespace == "" {
		ev.Namespace = metav1.NamespaceDefault
	}
	ev.Count = max(ev.Count, 1)
	c.events[objectKey] = ev
}

// snapshot sorts what was collected into a Snapshot.
func (c *collector) snapshot(source string) *Snapshot {
	s := &Snapshot{
		Source:          source,
		ServerVersion:   c.serverVersion,
		Nodes:           sortedValues(c.nodes),
		Pods:            sortedValues(c.pods),
		Namespaces:      sortedValues(c.namespaces),
		PriorityClasses: sortedValues(c.priorityClasses),
		Finished:        sortedValues(c.finished),
		Workloads: Workloads{
			Deployments:  sortedValues(c.deployments),
			StatefulSets: sortedValues(c.statefulSets),
			ReplicaSets:  sortedValues(c.replicaSets),
			DaemonSets:   sortedValues(c.daemonSets),
			Jobs:         sortedValues(c.jobs),
		},
		Warnings: c.warnings,
		Missing:  c.missing,
	}
	if c.read["persistentvolumeclaims"] {
		s.PVCs = sortedValues(c.pvcs)
	}
	if c.read["persistentvolumes"] {
		s.PVs = sortedValues(c.pvs)
	}
	if c.read["storageclasses"] {
		s.StorageClasses = sortedValues(c.storageClasses)
	}
	// A kind not read stays nil (its checks stay silent); read but empty is an empty list.
	if c.read["csinodes"] {
		s.CSINodes = append([]*storagev1.CSINode{}, sortedValues(c.csiNodes)...)
	}
	if c.read["csidrivers"] {
		s.CSIDrivers = append([]*storagev1.CSIDriver{}, sortedValues(c.csiDrivers)...)
	}
	if c.read["csistoragecapacities"] {
		s.CSIStorageCapacities = append([]*storagev1.CSIStorageCapacity{}, sortedValues(c.csiStorageCapacities)...)
	}
	if c.read["volumeattachments"] {
		s.VolumeAttachments = append([]*storagev1.VolumeAttachment{}, sortedValues(c.volumeAttachments)...)
	}
	if c.read["resourceclaims"] {
		s.ResourceClaims = append([]*resourcev1.ResourceClaim{}, sortedValues(c.resourceClaims)...)
	}
	if c.read["resourceclaimtemplates"] {
		s.ResourceClaimTemplates = append([]*resourcev1.ResourceClaimTemplate{}, sortedValues(c.resourceClaimTemplates)...)
	}
	if c.read["deviceclasses"] {
		s.DeviceClasses = append([]*resourcev1.DeviceClass{}, sortedValues(c.deviceClasses)...)
	}
	if c.read["resourceslices"] {
		s.ResourceSlices = append([]*resourcev1.ResourceSlice{}, sortedValues(c.resourceSlices)...)
	}
	for _, ev := range c.events {
		s.Events = append(s.Events, ev)
	}
	sort.Slice(s.Events, func(i, j int) bool {
		a, b := s.Events[i], s.Events[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.PodName != b.PodName {
			return a.PodName < b.PodName
		}
		if !a.Time.Equal(&b.Time) {
			return a.Time.Before(&b.Time)
		}
		return a.Message < b.Message
	})
	return s
}

// sortedValues returns the map's values ordered by key (namespace/name or name).
func sortedValues[T any](m map[string]*T) []*T {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

func trimMeta(m *metav1.ObjectMeta) {
	m.ManagedFields = nil
	kept := 0
	for k := range m.Annotations {
		if keptAnnotations[k] {
			kept++
		}
	}
	switch {
	case kept == len(m.Annotations):
	case kept == 0:
		m.Annotations = nil
	default:
		// A new map: deleting from the old one would keep its whole table.
		out := make(map[string]string, kept)
		for k, v := range m.Annotations {
			if keptAnnotations[k] {
				out[k] = v
			}
		}
		m.Annotations = out
	}
}

// trimContainers drops what no scheduler filter reads: environment, commands, probes, devices.
// Resources, ports, restartPolicy (sidecars), resize policy and volume mounts stay.
func trimContainers(cs []corev1.Container) {
	for i := range cs {
		c := &cs[i]
		c.Env, c.EnvFrom = nil, nil
		c.Command, c.Args = nil, nil
		c.LivenessProbe, c.ReadinessProbe, c.StartupProbe = nil, nil, nil
		c.Lifecycle = nil
		c.Image, c.ImagePullPolicy, c.WorkingDir = "", "", ""
		c.TerminationMessagePath, c.TerminationMessagePolicy = "", ""
		c.SecurityContext = nil
		// VolumeMounts stay: v1.37's NodeDeclaredFeatures reads their bindMountOptions.
		c.VolumeDevices = nil
	}
}

func latest(times ...metav1.Time) metav1.Time {
	var t metav1.Time
	for _, x := range times {
		if x.After(t.Time) {
			t = x
		}
	}
	return t
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if strings.TrimSpace(x) != "" {
			return x
		}
	}
	return ""
}
