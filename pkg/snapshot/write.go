package snapshot

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// The snapshot file: what `kubectl placement snapshot` writes and -f reads back. It is a List as
// `kubectl get -o yaml` prints one, of exactly what the analysis reads (the reduced objects), with
// its own apiVersion and kind and a header the List lacks: where it was read, the server's version
// (the scheduler wording to reproduce) and which kinds were read (an empty kind is not an unread
// one).
const (
	FileAPIVersion = "kubectl-placement.io/v1alpha1"
	FileKind       = "Snapshot"
)

// fileHeader is the snapshot file's own fields besides its items.
type fileHeader struct {
	APIVersion    string   `json:"apiVersion"`
	Kind          string   `json:"kind"`
	Source        string   `json:"source,omitempty"`
	ServerVersion string   `json:"serverVersion,omitempty"`
	Read          []string `json:"read,omitempty"`
}

// isSnapshotFile reports a document that is a snapshot file (a List by another name).
func isSnapshotFile(apiVersion, kind string) bool {
	return kind == FileKind && apiVersion == FileAPIVersion
}

// readHeader applies a snapshot file's header to c.
func (c *collector) readHeader(doc []byte) error {
	var h fileHeader
	if err := json.Unmarshal(doc, &h); err != nil {
		return fmt.Errorf("invalid %s header: %w", FileKind, err)
	}
	if h.ServerVersion != "" {
		c.serverVersion = h.ServerVersion
	}
	for _, r := range h.Read {
		c.read[r] = true
	}
	return nil
}

// WriteOptions say how Write prints a snapshot.
type WriteOptions struct {
	// Format is "yaml" or "json".
	Format string
	// Gzip compresses the output.
	Gzip bool
}

// Write prints s as a snapshot file. Items are written one at a time.
func Write(w io.Writer, s *Snapshot, opts WriteOptions) (err error) {
	if opts.Format != "yaml" && opts.Format != "json" {
		return fmt.Errorf("unknown snapshot format %q: want yaml or json", opts.Format)
	}
	var zw *gzip.Writer
	if opts.Gzip {
		zw = gzip.NewWriter(w)
		w = zw
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	fw := &fileWriter{w: bw, json: opts.Format == "json"}
	fw.header(fileHeader{APIVersion: FileAPIVersion, Kind: FileKind, Source: s.Source, ServerVersion: s.ServerVersion, Read: readKinds(s)})
	for _, obj := range snapshotObjects(s) {
		fw.item(obj)
	}
	fw.end()
	if fw.err != nil {
		return fmt.Errorf("write snapshot: %w", fw.err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
	}
	return nil
}

// readKinds are the resources whose absence means "read, none there" rather than "not read".
func readKinds(s *Snapshot) []string {
	var out []string
	for _, k := range []struct {
		resource string
		read     bool
	}{
		{"persistentvolumeclaims", s.PVCs != nil}, {"persistentvolumes", s.PVs != nil}, {"storageclasses", s.StorageClasses != nil},
		{"csinodes", s.CSINodes != nil}, {"csidrivers", s.CSIDrivers != nil},
		{"csistoragecapacities", s.CSIStorageCapacities != nil}, {"volumeattachments", s.VolumeAttachments != nil},
		{"resourceclaims", s.ResourceClaims != nil}, {"resourceclaimtemplates", s.ResourceClaimTemplates != nil},
		{"deviceclasses", s.DeviceClasses != nil}, {"resourceslices", s.ResourceSlices != nil},
	} {
		if k.read {
			out = append(out, k.resource)
		}
	}
	return out
}

// snapshotObjects lists every object of s, typed for printing, in a stable order.
func snapshotObjects(s *Snapshot) []runtime.Object {
	var out []runtime.Object
	add := func(objs ...runtime.Object) { out = append(out, objs...) }
	for _, o := range s.Namespaces {
		add(o)
	}
	for _, o := range s.PriorityClasses {
		add(o)
	}
	for _, o := range s.Nodes {
		add(o)
	}
	for _, o := range s.Pods {
		add(o)
	}
	for _, o := range s.Finished {
		add(o)
	}
	for _, o := range s.PVCs {
		add(o)
	}
	for _, o := range s.PVs {
		add(o)
	}
	for _, o := range s.StorageClasses {
		add(o)
	}
	for _, o := range s.CSINodes {
		add(o)
	}
	for _, o := range s.CSIDrivers {
		add(o)
	}
	for _, o := range s.CSIStorageCapacities {
		add(o)
	}
	for _, o := range s.VolumeAttachments {
		add(o)
	}
	for _, o := range s.ResourceClaims {
		add(o)
	}
	for _, o := range s.ResourceClaimTemplates {
		add(o)
	}
	for _, o := range s.DeviceClasses {
		add(o)
	}
	for _, o := range s.ResourceSlices {
		add(o)
	}
	for _, o := range s.Workloads.Deployments {
		add(o)
	}
	for _, o := range s.Workloads.StatefulSets {
		add(o)
	}
	for _, o := range s.Workloads.ReplicaSets {
		add(o)
	}
	for _, o := range s.Workloads.DaemonSets {
		add(o)
	}
	for _, o := range s.Workloads.Jobs {
		add(o)
	}
	for i, ev := range s.Events {
		add(eventObject(ev, i))
	}
	return out
}

// eventObject is a normalised Event as the core/v1 Event it is read back from.
func eventObject(ev Event, i int) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Namespace: ev.Namespace, Name: fmt.Sprintf("%s.%d", ev.PodName, i)},
		InvolvedObject:      corev1.ObjectReference{Kind: "Pod", Namespace: ev.Namespace, Name: ev.PodName, UID: types.UID(ev.PodUID)},
		Reason:              ev.Reason,
		Message:             ev.Message,
		ReportingController: ev.Reporter,
		Count:               ev.Count,
		EventTime:           metav1.NewMicroTime(ev.Time.Time),
	}
}

// fileWriter prints the file's header and items as they come.
type fileWriter struct {
	w    io.Writer
	json bool
	n    int
	err  error
}

func (f *fileWriter) write(s string) {
	if f.err == nil {
		_, f.err = io.WriteString(f.w, s)
	}
}

func (f *fileWriter) header(h fileHeader) {
	b, err := json.Marshal(h)
	if err != nil {
		f.err = err
		return
	}
	if f.json {
		f.write(strings.TrimSuffix(string(b), "}") + `,"items":[` + "\n")
		return
	}
	y, err := yaml.JSONToYAML(b)
	if err != nil {
		f.err = err
		return
	}
	f.write(string(y) + "items:\n")
}

// item prints one object with its apiVersion and kind (the typed objects of a snapshot lack them).
func (f *fileWriter) item(obj runtime.Object) {
	if f.err != nil {
		return
	}
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil {
		f.err = err
		return
	}
	obj = obj.DeepCopyObject()
	obj.GetObjectKind().SetGroupVersionKind(gvks[0])
	b, err := json.Marshal(obj)
	if err != nil {
		f.err = err
		return
	}
	if f.json {
		if f.n > 0 {
			f.write(",\n")
		}
		f.write(string(b))
		f.n++
		return
	}
	y, err := yaml.JSONToYAML(b)
	if err != nil {
		f.err = err
		return
	}
	var sb strings.Builder
	for i, line := range strings.Split(strings.TrimSuffix(string(y), "\n"), "\n") {
		if i == 0 {
			sb.WriteString("- ")
		} else {
			sb.WriteString("  ")
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	f.write(sb.String())
	f.n++
}

func (f *fileWriter) end() {
	if f.json {
		f.write("\n]}\n")
		return
	}
}
