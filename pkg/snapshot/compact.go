package snapshot

import (
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// sharer makes the many equal strings, label sets and resource lists of a large cluster's Pods
// one each: replicas of a workload carry the same labels and requests, every Pod the same
// namespace and label keys. Shared values are read-only, as the whole snapshot is (checks are
// pure; what changes a Pod works on a DeepCopy).
type sharer struct {
	strings   map[string]string
	labelSets map[string]map[string]string
	resources map[string]corev1.ResourceList
	buf       strings.Builder
}

func newSharer() *sharer {
	return &sharer{strings: map[string]string{}, labelSets: map[string]map[string]string{}, resources: map[string]corev1.ResourceList{}}
}

func (s *sharer) str(v string) string {
	if v == "" {
		return ""
	}
	if shared, ok := s.strings[v]; ok {
		return shared
	}
	s.strings[v] = v
	return v
}

// labels returns the one shared map equal to m.
func (s *sharer) labels(m map[string]string) map[string]string {
	if len(m) == 0 {
		return m
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s.buf.Reset()
	for _, k := range keys {
		s.buf.WriteString(k)
		s.buf.WriteByte(0)
		s.buf.WriteString(m[k])
		s.buf.WriteByte(0)
	}
	if shared, ok := s.labelSets[s.buf.String()]; ok {
		return shared
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[s.str(k)] = s.str(v)
	}
	s.labelSets[s.buf.String()] = out
	return out
}

// resourceList returns the one shared list equal to l (same names and quantities as written).
func (s *sharer) resourceList(l corev1.ResourceList) corev1.ResourceList {
	if len(l) == 0 {
		return l
	}
	names := make([]string, 0, len(l))
	for n := range l {
		names = append(names, string(n))
	}
	sort.Strings(names)
	s.buf.Reset()
	for _, n := range names {
		q := l[corev1.ResourceName(n)]
		s.buf.WriteString(n)
		s.buf.WriteByte(0)
		s.buf.WriteString(q.String())
		s.buf.WriteByte(0)
	}
	if shared, ok := s.resources[s.buf.String()]; ok {
		return shared
	}
	s.resources[s.buf.String()] = l
	return l
}

func (s *sharer) requirements(r *corev1.ResourceRequirements) {
	r.Requests = s.resourceList(r.Requests)
	r.Limits = s.resourceList(r.Limits)
}

// pod shares a reduced Pod's repeated values.
func (s *sharer) pod(p *corev1.Pod) {
	p.Namespace = s.str(p.Namespace)
	p.Labels = s.labels(p.Labels)
	p.GenerateName = s.str(p.GenerateName)
	for i := range p.OwnerReferences {
		r := &p.OwnerReferences[i]
		r.APIVersion, r.Kind, r.Name = s.str(r.APIVersion), s.str(r.Kind), s.str(r.Name)
	}
	p.Spec.NodeName = s.str(p.Spec.NodeName)
	p.Spec.SchedulerName = s.str(p.Spec.SchedulerName)
	p.Spec.ServiceAccountName, p.Spec.DeprecatedServiceAccount = s.str(p.Spec.ServiceAccountName), s.str(p.Spec.DeprecatedServiceAccount)
	p.Spec.NodeSelector = s.labels(p.Spec.NodeSelector)
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range cs {
			c := &cs[i]
			c.Name = s.str(c.Name)
			s.requirements(&c.Resources)
			for j := range c.VolumeMounts {
				m := &c.VolumeMounts[j]
				m.Name, m.MountPath = s.str(m.Name), s.str(m.MountPath)
			}
		}
	}
	for _, st := range [][]corev1.ContainerStatus{p.Status.InitContainerStatuses, p.Status.ContainerStatuses} {
		for i := range st {
			st[i].Name = s.str(st[i].Name)
			st[i].AllocatedResources = s.resourceList(st[i].AllocatedResources)
			if st[i].Resources != nil {
				s.requirements(st[i].Resources)
			}
		}
	}
	for i := range p.Spec.Tolerations {
		t := &p.Spec.Tolerations[i]
		t.Key, t.Value = s.str(t.Key), s.str(t.Value)
	}
	for i := range p.Spec.Volumes {
		p.Spec.Volumes[i].Name = s.str(p.Spec.Volumes[i].Name)
	}
}

// node shares a reduced Node's repeated values.
func (s *sharer) node(n *corev1.Node) {
	for k, v := range n.Labels {
		if k != corev1.LabelHostname {
			n.Labels[k] = s.str(v)
		}
	}
	n.Status.Allocatable = s.resourceList(n.Status.Allocatable)
	n.Status.Capacity = s.resourceList(n.Status.Capacity)
}

// heapLimit is the soft limit boundHeap sets: the garbage collector then runs more often near it
// instead of letting garbage double the heap of a large snapshot. Live data above it only costs
// time (the runtime caps the collector at half the CPU). At 150,000 Pods (about 440 MB of reduced
// objects live once read) 800 MiB keeps the process under 0.9 GB.
const heapLimit = 800 << 20

var boundHeapOnce sync.Once

// boundHeap sets heapLimit, once, unless the user set GOMEMLIMIT.
func boundHeap() {
	boundHeapOnce.Do(func() {
		if os.Getenv("GOMEMLIMIT") == "" {
			debug.SetMemoryLimit(heapLimit)
		}
	})
}
