package snapshot

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

func podNames(s *Snapshot) []string {
	var out []string
	for _, p := range s.Pods {
		out = append(out, p.Namespace+"/"+p.Name)
	}
	return out
}

func nodeNames(s *Snapshot) []string {
	var out []string
	for _, n := range s.Nodes {
		out = append(out, n.Name)
	}
	return out
}

func TestLoadFilesList(t *testing.T) {
	s, err := LoadFiles([]string{"testdata/list.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "file testdata/list.yaml" {
		t.Errorf("Source = %q", s.Source)
	}
	if diff := cmp.Diff([]string{"node-a", "node-b"}, nodeNames(s)); diff != "" {
		t.Errorf("nodes sorted by name (-want +got):\n%s", diff)
	}
	// The Succeeded migrate Pod is dropped; bound and Pending ones stay.
	if diff := cmp.Diff([]string{"shop/db-0", "shop/web-0"}, podNames(s)); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	if len(s.Namespaces) != 1 || s.Namespaces[0].Labels["team"] != "retail" {
		t.Errorf("namespaces = %v", s.Namespaces)
	}
	if len(s.PriorityClasses) != 1 || s.PriorityClasses[0].Value != 1000 {
		t.Errorf("priority classes = %v", s.PriorityClasses)
	}
	if s.PVCs != nil || s.StorageClasses != nil || s.PVs != nil {
		t.Errorf("PVCs, PVs and StorageClasses should be nil (unknown) when the file has none")
	}

	web := s.Pods[1]
	if web.Annotations != nil || web.Spec.Containers[0].Env != nil {
		t.Errorf("web-0 not trimmed: annotations %v, env %v", web.Annotations, web.Spec.Containers[0].Env)
	}
	if got := web.Spec.Containers[0].Resources.Requests.Cpu().String(); got != "2" {
		t.Errorf("web-0 cpu request = %s", got)
	}
	if c := web.Status.Conditions; len(c) != 1 || c[0].Type != corev1.PodScheduled || !strings.HasPrefix(c[0].Message, "0/2 nodes") {
		t.Errorf("web-0 PodScheduled condition lost: %v", c)
	}
	nodeB := s.Nodes[1]
	if nodeB.ManagedFields != nil || nodeB.Status.Images != nil {
		t.Errorf("node-b not trimmed")
	}
	if len(nodeB.Spec.Taints) != 1 || nodeB.Spec.Taints[0].Key != "dedicated" {
		t.Errorf("node-b taints = %v", nodeB.Spec.Taints)
	}

	// Only the FailedScheduling event is kept, normalised from core/v1.
	want := []Event{{
		Namespace: "shop", PodName: "web-0", PodUID: "0b9f2f1a-7c55-4d8e-8d3f-000000000010",
		Reason: "FailedScheduling", Reporter: "default-scheduler", Count: 7,
		Message: "0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
	}}
	if len(s.Events) == 1 {
		if got := s.Events[0].Time.UTC().Format("15:04"); got != "10:05" {
			t.Errorf("event time = %s, want the last timestamp 10:05", got)
		}
		s.Events[0].Time = want[0].Time
	}
	if diff := cmp.Diff(want, s.Events); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if len(s.Warnings) != 0 {
		t.Errorf("warnings = %q, want none: the Deployment is kept for spread", s.Warnings)
	}
	if d := s.Workloads.Deployments; len(d) != 1 || d[0].Namespace != "shop" || d[0].Name != "web" || d[0].Spec.Template.Labels["app"] != "web" {
		t.Errorf("deployments = %v", d)
	}
	if len(s.Finished) != 0 {
		t.Errorf("finished = %v, want none: no Pod was named", s.Finished)
	}
}

func TestLoadFilesNamedFinishedPod(t *testing.T) {
	named := []types.NamespacedName{{Namespace: "shop", Name: "migrate-x7k2p"}, {Namespace: "shop", Name: "web-0"}}
	s, err := LoadFiles([]string{"testdata/list.yaml"}, nil, named...)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Finished) != 1 || s.Finished[0].Name != "migrate-x7k2p" || s.Finished[0].Spec.NodeName != "node-b" {
		t.Errorf("finished = %v, want shop/migrate-x7k2p", s.Finished)
	}
	// A finished Pod is never one the scheduler counts.
	if diff := cmp.Diff([]string{"shop/db-0", "shop/web-0"}, podNames(s)); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
}

func TestLoadFilesJSONAndStream(t *testing.T) {
	s, err := LoadFiles([]string{"testdata/list.json", "testdata/stream.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "file testdata/list.json, testdata/stream.yaml" {
		t.Errorf("Source = %q", s.Source)
	}
	if diff := cmp.Diff([]string{"node-c", "node-j"}, nodeNames(s)); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	// batch-1 has no namespace in its file: it is in "default"; report-9 Failed and is dropped.
	if diff := cmp.Diff([]string{"default/batch-1", "prod/api-0"}, podNames(s)); diff != "" {
		t.Errorf("pods (-want +got):\n%s", diff)
	}
	if got := s.Pods[1].Spec.Containers[0].Ports[0].HostPort; got != 80 {
		t.Errorf("api-0 hostPort = %d", got)
	}
	if len(s.PVCs) != 1 || len(s.StorageClasses) != 1 || len(s.PVs) != 1 {
		t.Fatalf("PVCs %d, StorageClasses %d, PVs %d; want 1 each", len(s.PVCs), len(s.StorageClasses), len(s.PVs))
	}
	// VolumeBinding reads bind-completed; other annotations are dropped.
	if diff := cmp.Diff(map[string]string{"pv.kubernetes.io/bind-completed": "yes"}, s.PVCs[0].Annotations); diff != "" {
		t.Errorf("PVC annotations (-want +got):\n%s", diff)
	}
	if na := s.PVs[0].Spec.NodeAffinity; na == nil || na.Required == nil || len(na.Required.NodeSelectorTerms) != 1 {
		t.Errorf("PV node affinity lost: %+v", na)
	}
	if len(s.Events) != 1 {
		t.Fatalf("events = %v", s.Events)
	}
	ev := s.Events[0]
	if ev.PodName != "batch-1" || ev.Count != 4 || ev.Reporter != "default-scheduler" || !strings.Contains(ev.Message, "Insufficient cpu") {
		t.Errorf("events.k8s.io/v1 event normalised wrongly: %+v", ev)
	}
	if got := ev.Time.UTC().Format("15:04"); got != "11:04" {
		t.Errorf("event time = %s, want the series' last observed 11:04", got)
	}
	// Files without Namespaces warn that namespaceSelector has nothing to match.
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "no Namespaces") {
		t.Errorf("warnings = %q", s.Warnings)
	}
}

func TestLoadFilesStdinAndTypedList(t *testing.T) {
	// A typed list (as the API returns it) whose items carry no apiVersion/kind.
	in := `{"apiVersion":"v1","kind":"PodList","items":[{"metadata":{"name":"a","namespace":"x"},"spec":{"containers":[{"name":"c","image":"i"}]}}]}
{"apiVersion":"v1","kind":"NodeList","items":[{"metadata":{"name":"n1"}}]}`
	s, err := LoadFiles([]string{"-"}, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "file <stdin>" || len(s.Pods) != 1 || len(s.Nodes) != 1 {
		t.Errorf("got source %q, %d pods, %d nodes", s.Source, len(s.Pods), len(s.Nodes))
	}
}

func TestLoadFilesDuplicateEventsAcrossAPIs(t *testing.T) {
	// The same Event read through core/v1 and events.k8s.io/v1 is one event.
	in := `apiVersion: v1
kind: Event
metadata: {name: p.1, namespace: ns}
involvedObject: {kind: Pod, name: p, namespace: ns}
reason: FailedScheduling
message: m
reportingComponent: default-scheduler
---
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: p.1, namespace: ns}
regarding: {kind: Pod, name: p, namespace: ns}
reason: FailedScheduling
note: m
reportingController: default-scheduler
eventTime: "2026-03-01T11:00:00.000000Z"
`
	s, err := LoadFiles([]string{"-"}, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Events) != 1 || s.Events[0].Count != 1 {
		t.Errorf("events = %+v", s.Events)
	}
}

func TestLoadFilesErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name  string
		paths []string
		stdin string
		want  []string // substrings of the error
	}{
		{"malformed YAML names file, document and line", []string{"testdata/bad.yaml"}, "", []string{"testdata/bad.yaml: document 2 (line 6): invalid YAML at line 10: mapping values are not allowed"}},
		{"missing file", []string{filepath.Join(dir, "nope.yaml")}, "", []string{"cannot read snapshot file", "nope.yaml"}},
		{"empty stdin", []string{"-"}, "", []string{"<stdin>: no Kubernetes objects found"}},
		{"not an object", []string{write("scalar.yaml", "just text\n")}, "", []string{"scalar.yaml: document 1 (line 1): not a Kubernetes object"}},
		{"no kind", []string{write("nokind.yaml", "apiVersion: v1\nmetadata: {name: x}\n")}, "", []string{"nokind.yaml: document 1 (line 1): not a Kubernetes object: no kind"}},
		{"bad field type names item", []string{write("badlist.json", `{"kind":"List","apiVersion":"v1","items":[{"kind":"Node","apiVersion":"v1","metadata":{"name":"ok"}},{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"},"spec":{"containers":"nope"}}]}`)}, "", []string{"badlist.json: document 1 (line 1): item 2: invalid Pod"}},
		{"truncated JSON", []string{write("trunc.json", "{\n  \"kind\": \"List\",\n  \"items\": [\n")}, "", []string{"trunc.json: document 1", "invalid JSON"}},
		{"list item of the wrong shape", []string{write("items.yaml", "kind: List\napiVersion: v1\nitems: [3]\n")}, "", []string{"item 1: not a Kubernetes object: a number instead of a mapping"}},
		{"kind of the wrong type", []string{write("kind.yaml", "kind: [Node]\n")}, "", []string{"not a Kubernetes object: kind is an array"}},
		{"malformed JSON file", []string{write("bad.json", "kind: Node\n")}, "", []string{"bad.json: document 1 (line 1): invalid JSON"}},
		{"Node without apiVersion", []string{write("node.yaml", "kind: Node\nmetadata: {name: a}\n")}, "", []string{`Node with apiVersion "": want "v1"`}},
		{"directory without snapshots", []string{t.TempDir()}, "", []string{"has no .yaml, .yml or .json files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFiles(tt.paths, strings.NewReader(tt.stdin))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error spans lines: %q", err)
			}
		})
	}
}

func TestLoadFilesDirectory(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{"a.yaml": "testdata/list.yaml", "b.json": "testdata/list.json", "notes.txt": "testdata/bad.yaml"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s, err := LoadFiles([]string{dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"node-a", "node-b", "node-j"}, nodeNames(s)); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
}

func TestLoadFilesCSIKinds(t *testing.T) {
	in := `apiVersion: v1
kind: List
items:
- apiVersion: storage.k8s.io/v1
  kind: CSINode
  metadata:
    name: node-a
    annotations: {storage.alpha.kubernetes.io/migrated-plugins: kubernetes.io/aws-ebs}
  spec:
    drivers:
    - {name: ebs.csi.aws.com, nodeID: i-1, allocatable: {count: 25}}
- apiVersion: storage.k8s.io/v1
  kind: CSIDriver
  metadata: {name: ebs.csi.aws.com}
  spec: {storageCapacity: true}
- apiVersion: storage.k8s.io/v1
  kind: CSIStorageCapacity
  metadata: {name: cap-1}
  storageClassName: fast
  capacity: 10Gi
- apiVersion: storage.k8s.io/v1
  kind: VolumeAttachment
  metadata: {name: va-1}
  spec: {attacher: ebs.csi.aws.com, nodeName: node-a, source: {persistentVolumeName: pv-1}}
`
	s, err := LoadFiles([]string{"-"}, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.CSINodes) != 1 || *s.CSINodes[0].Spec.Drivers[0].Allocatable.Count != 25 ||
		s.CSINodes[0].Annotations["storage.alpha.kubernetes.io/migrated-plugins"] == "" {
		t.Errorf("CSINodes = %v", s.CSINodes)
	}
	if len(s.CSIDrivers) != 1 || !*s.CSIDrivers[0].Spec.StorageCapacity {
		t.Errorf("CSIDrivers = %v", s.CSIDrivers)
	}
	if len(s.CSIStorageCapacities) != 1 || s.CSIStorageCapacities[0].Namespace != "default" {
		t.Errorf("CSIStorageCapacities = %v", s.CSIStorageCapacities)
	}
	if len(s.VolumeAttachments) != 1 {
		t.Errorf("VolumeAttachments = %v", s.VolumeAttachments)
	}
	// Kinds the files do not hold stay nil: not read, so their checks stay silent.
	if s.PVCs != nil || s.PVs != nil || s.StorageClasses != nil {
		t.Errorf("unread kinds are not nil: %v %v %v", s.PVCs, s.PVs, s.StorageClasses)
	}
}

// TestLoadFilesDRAKinds: the DRA kinds are read (v1beta2 as v1), and a Pod keeps what
// DynamicResources reads: its claims and the claim statuses.
func TestLoadFilesDRAKinds(t *testing.T) {
	in := `apiVersion: v1
kind: List
items:
- apiVersion: resource.k8s.io/v1
  kind: ResourceClaim
  metadata: {name: gpu, namespace: ml, annotations: {kubectl.kubernetes.io/last-applied-configuration: "{}"}}
  spec:
    devices:
      requests:
      - name: gpu
        exactly: {deviceClassName: gpu.example.com, allocationMode: ExactCount, count: 2}
- apiVersion: resource.k8s.io/v1beta2
  kind: ResourceClaimTemplate
  metadata: {name: gpu-template, namespace: ml}
  spec:
    spec:
      devices:
        requests:
        - name: gpu
          exactly: {deviceClassName: gpu.example.com}
- apiVersion: resource.k8s.io/v1
  kind: DeviceClass
  metadata: {name: gpu.example.com}
  spec:
    selectors:
    - cel: {expression: 'device.driver == "gpu.example.com"'}
- apiVersion: resource.k8s.io/v1
  kind: ResourceSlice
  metadata: {name: node-a-gpus}
  spec:
    driver: gpu.example.com
    nodeName: node-a
    pool: {name: node-a, resourceSliceCount: 1}
    devices:
    - name: gpu-0
      attributes:
        model: {string: a100}
- apiVersion: v1
  kind: Pod
  metadata: {name: train-0, namespace: ml}
  spec:
    containers:
    - name: c
      image: i
      resources:
        claims: [{name: gpu}]
    resourceClaims:
    - {name: gpu, resourceClaimName: gpu}
    - {name: scratch, resourceClaimTemplateName: gpu-template}
  status:
    phase: Pending
    resourceClaimStatuses:
    - {name: scratch, resourceClaimName: train-0-scratch-x7k2p}
    extendedResourceClaimStatus:
      resourceClaimName: train-0-extended-resources-abcde
      requestMappings:
      - {containerName: c, resourceName: example.com/gpu, requestName: container-0-request-0}
`
	s, err := LoadFiles([]string{"-"}, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.ResourceClaims) != 1 || s.ResourceClaims[0].Spec.Devices.Requests[0].Exactly.Count != 2 || s.ResourceClaims[0].Annotations != nil {
		t.Errorf("ResourceClaims = %+v", s.ResourceClaims)
	}
	if len(s.ResourceClaimTemplates) != 1 || s.ResourceClaimTemplates[0].Spec.Spec.Devices.Requests[0].Exactly.DeviceClassName != "gpu.example.com" {
		t.Errorf("ResourceClaimTemplates = %+v", s.ResourceClaimTemplates)
	}
	if len(s.DeviceClasses) != 1 || len(s.ResourceSlices) != 1 || *s.ResourceSlices[0].Spec.Devices[0].Attributes["model"].StringValue != "a100" {
		t.Errorf("DeviceClasses = %+v, ResourceSlices = %+v", s.DeviceClasses, s.ResourceSlices)
	}
	p := s.Pods[0]
	if len(p.Spec.ResourceClaims) != 2 || len(p.Status.ResourceClaimStatuses) != 1 || p.Status.ExtendedResourceClaimStatus == nil ||
		len(p.Spec.Containers[0].Resources.Claims) != 1 {
		t.Errorf("the Pod lost its claims: %+v %+v", p.Spec, p.Status)
	}
}
