package checks

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// legacyPodRequests is a placed Pod's requests as kube-scheduler v1.33 to v1.36 count them
// (k8s.io/component-helpers v0.33 to v0.36's PodRequests with UseStatusResources): each
// container's requests are its status's effective ones when its status reports resources, else
// its spec's (v0.37 aggregates spec, actuated and allocated across containers first, so a
// container without status adds nothing when a resize is infeasible); pod-level requests
// override the aggregate, with their status's effective values when podLevelInPlace
// (InPlacePodLevelResourcesVerticalScaling, v1.36). This module links only v0.37, so the older
// formula is written out here.
func legacyPodRequests(pod *corev1.Pod, podLevelInPlace bool) corev1.ResourceList {
	statuses := map[string]*corev1.ContainerStatus{}
	for i := range pod.Status.ContainerStatuses {
		statuses[pod.Status.ContainerStatuses[i].Name] = &pod.Status.ContainerStatuses[i]
	}
	for i := range pod.Status.InitContainerStatuses {
		statuses[pod.Status.InitContainerStatuses[i].Name] = &pod.Status.InitContainerStatuses[i]
	}
	infeasible := resourcehelper.IsPodResizeInfeasible(pod)
	effective := func(spec, actuated, allocated corev1.ResourceList) corev1.ResourceList {
		if infeasible {
			return maxResources(actuated, allocated)
		}
		return maxResources(spec, actuated, allocated)
	}
	container := func(c corev1.Container) corev1.ResourceList {
		if cs := statuses[c.Name]; cs != nil && cs.Resources != nil {
			return effective(c.Resources.Requests, cs.Resources.Requests, cs.AllocatedResources)
		}
		return c.Resources.Requests
	}

	reqs := corev1.ResourceList{}
	for _, c := range pod.Spec.Containers {
		addResources(reqs, container(c))
	}
	restartable, initReqs := corev1.ResourceList{}, corev1.ResourceList{}
	for _, c := range pod.Spec.InitContainers {
		var r corev1.ResourceList
		if isSidecar(c) {
			r = container(c)
			addResources(reqs, r)
			addResources(restartable, r)
			r = restartable
		} else {
			r = corev1.ResourceList{}
			addResources(r, c.Resources.Requests)
			addResources(r, restartable)
		}
		r = maxResources(initReqs, r)
		initReqs = r
	}
	reqs = maxResources(reqs, initReqs)

	if pod.Spec.Resources != nil && len(pod.Spec.Resources.Requests) > 0 {
		var eff corev1.ResourceList
		if podLevelInPlace && pod.Status.Resources != nil {
			eff = effective(pod.Spec.Resources.Requests, pod.Status.Resources.Requests, pod.Status.AllocatedResources)
		}
		for name, q := range pod.Spec.Resources.Requests {
			if name == corev1.ResourceCPU || name == corev1.ResourceMemory || strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
				reqs[name] = q
				if eff != nil {
					reqs[name] = eff[name]
				}
			}
		}
	}
	addResources(reqs, pod.Spec.Overhead)
	return reqs
}

func addResources(into, add corev1.ResourceList) {
	for name, q := range add {
		v := into[name]
		v.Add(q)
		into[name] = v
	}
}

// maxResources is each named resource's largest quantity across the lists.
func maxResources(lists ...corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, l := range lists {
		for name, q := range l {
			if v, ok := out[name]; !ok || q.Cmp(v) > 0 {
				out[name] = q.DeepCopy()
			}
		}
	}
	return out
}
