package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	resourcev1 "k8s.io/api/resource/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

// StdinName is the -f value that reads the snapshot from standard input.
const StdinName = "-"

// LoadFiles reads a snapshot from YAML or JSON files as `kubectl get ... -o yaml|json` prints them:
// a List, a multi-document stream, or single objects. "-" reads stdin; a directory reads its
// .yaml, .yml and .json files. Kinds the analysis does not use are skipped with a warning. Of the
// finished (Succeeded or Failed) Pods, only the named ones are kept, in Finished.
func LoadFiles(paths []string, stdin io.Reader, named ...types.NamespacedName) (*Snapshot, error) {
	if len(paths) == 0 {
		return nil, errors.New("no snapshot files given")
	}
	boundHeap()
	c := newCollector(named)
	var names []string
	for _, p := range paths {
		files, err := expandPath(p)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			name := displayName(f)
			if err := loadFile(c, f, name, stdin); err != nil {
				return nil, err
			}
			names = append(names, name)
		}
	}
	if len(c.nodes) == 0 {
		c.warnf("the snapshot has no Nodes: add them with `kubectl get nodes -o yaml`")
	}
	if len(c.namespaces) == 0 && len(c.pods) > 0 {
		c.warnf("the snapshot has no Namespaces: namespaceSelector terms see no namespace labels")
	}
	return c.snapshot("file " + strings.Join(names, ", ")), nil
}

// loadFile reads one file (or stdin) into c: streamed item by item when it can be, else whole
// (the whole-file reader's errors name the document and line). A gzip file is decompressed.
func loadFile(c *collector, f, name string, stdin io.Reader) error {
	var data []byte
	if f == StdinName {
		if stdin == nil {
			return errors.New("cannot read snapshot from stdin: no input")
		}
		var err error
		if data, err = io.ReadAll(stdin); err != nil {
			return fmt.Errorf("cannot read snapshot file: %w", err)
		}
	}
	objects, ignored, err := streamFile(c, f, data)
	if err != nil {
		if data, err = readWhole(f, data); err != nil {
			return err
		}
		return loadDocuments(c, name, data)
	}
	return finishFile(c, name, objects, ignored)
}

// streamFile streams the file f, or data when it was read already (stdin).
func streamFile(c *collector, f string, data []byte) (int, map[string]int, error) {
	var r io.Reader = bytes.NewReader(data)
	if data == nil {
		file, err := os.Open(f)
		if err != nil {
			return 0, nil, err
		}
		defer file.Close()
		r = file
	}
	content, err := maybeGunzip(bufio.NewReaderSize(r, 1<<20))
	if err != nil {
		return 0, nil, err
	}
	return streamDocuments(c, content)
}

// readWhole returns the file's content, decompressed.
func readWhole(f string, data []byte) ([]byte, error) {
	if data == nil {
		var err error
		if data, err = os.ReadFile(f); err != nil {
			return nil, fmt.Errorf("cannot read snapshot file: %w", err)
		}
	}
	if !bytes.HasPrefix(data, gzipMagic) {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err == nil {
		data, err = io.ReadAll(zr)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read snapshot file %s: invalid gzip: %w", displayName(f), err)
	}
	return data, nil
}

func displayName(path string) string {
	if path == StdinName {
		return "<stdin>"
	}
	return path
}

// expandPath turns a directory into its snapshot files, in name order.
func expandPath(p string) ([]string, error) {
	if p == StdinName {
		return []string{p}, nil
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read snapshot file: %w", err)
	}
	if !fi.IsDir() {
		return []string{p}, nil
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("cannot read snapshot directory: %w", err)
	}
	var files []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".yaml", ".yml", ".json", ".gz":
			if !e.IsDir() {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("snapshot directory %s has no .yaml, .yml or .json files", p)
	}
	sort.Strings(files)
	return files, nil
}

// document is one object or list in a file, as JSON, with where it starts for error messages.
type document struct {
	index int // 1-based
	line  int // 1-based line it starts on
	json  []byte
}

func (d document) where(file string) string {
	return fmt.Sprintf("%s: document %d (line %d)", file, d.index, d.line)
}

// loadDocuments decodes every document of one file into c.
func loadDocuments(c *collector, file string, data []byte) error {
	docs, err := splitDocuments(file, data)
	if err != nil {
		return err
	}
	ignored := map[string]int{}
	objects := 0
	for _, d := range docs {
		n, err := decodeDocument(c, d, ignored)
		if err != nil {
			return fmt.Errorf("%s: %w", d.where(file), err)
		}
		objects += n
	}
	return finishFile(c, file, objects, ignored)
}

// finishFile rejects a file without objects and warns of the kinds it ignored.
func finishFile(c *collector, file string, objects int, ignored map[string]int) error {
	if objects == 0 && len(ignored) == 0 {
		return fmt.Errorf("%s: no Kubernetes objects found", file)
	}
	if len(ignored) > 0 {
		kinds := make([]string, 0, len(ignored))
		for k, n := range ignored {
			kinds = append(kinds, fmt.Sprintf("%d %s", n, k))
		}
		sort.Strings(kinds)
		c.warnf("%s: ignored %s (not used by the analysis)", file, strings.Join(kinds, ", "))
	}
	return nil
}

// splitJSON splits a stream of JSON values.
func splitJSON(file string, data []byte) ([]document, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var docs []document
	for {
		start := dec.InputOffset()
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if err == io.EOF {
			return docs, nil
		}
		if err != nil {
			offset := start
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				offset = syn.Offset
			}
			return nil, fmt.Errorf("%s: document %d (line %d): invalid JSON: %w", file, len(docs)+1, lineAt(data, offset), err)
		}
		docs = append(docs, document{index: len(docs) + 1, line: lineAt(data, start+leadingSpace(data[start:])), json: raw})
	}
}

func leadingSpace(b []byte) int64 { return int64(len(b) - len(bytes.TrimLeft(b, " \t\r\n"))) }

func lineAt(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// splitYAML splits a multi-document YAML stream at `---` lines (as kubectl does) and converts each
// non-empty document to JSON.
func splitYAML(file string, data []byte) ([]document, error) {
	var docs []document
	var buf bytes.Buffer
	index, startLine, line := 1, 1, 0
	flush := func() error {
		if isBlankYAML(buf.Bytes()) {
			buf.Reset()
			return nil
		}
		j, err := yaml.YAMLToJSON(buf.Bytes())
		buf.Reset()
		d := document{index: index, line: startLine}
		if err != nil {
			return fmt.Errorf("%s: invalid YAML%s", d.where(file), yamlErrorAt(err, startLine))
		}
		d.json = j
		docs = append(docs, d)
		index++
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	for sc.Scan() {
		line++
		text := sc.Bytes()
		if isDocumentSeparator(text) {
			if err := flush(); err != nil {
				return nil, err
			}
			startLine = line + 1
			continue
		}
		if trimmed := bytes.TrimSpace(text); buf.Len() == 0 && (len(trimmed) == 0 || trimmed[0] == '#') {
			// Leading blank and comment lines are not the document's first line.
			startLine = line + 1
			continue
		}
		buf.Write(text)
		buf.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return docs, nil
}

// yamlLine finds the document-relative line in a go-yaml error ("yaml: line 5: ...").
var yamlLine = regexp.MustCompile(`^(?:error converting YAML to JSON: )?yaml: line (\d+): (.*)$`)

// yamlErrorAt rewrites a YAML error's line to count from the start of the file.
func yamlErrorAt(err error, docStart int) string {
	m := yamlLine.FindStringSubmatch(err.Error())
	if m == nil {
		return ": " + err.Error()
	}
	n, _ := strconv.Atoi(m[1])
	return fmt.Sprintf(" at line %d: %s", docStart+n-1, m[2])
}

// isDocumentSeparator accepts `---` optionally followed by spaces or a comment.
func isDocumentSeparator(line []byte) bool {
	if !bytes.HasPrefix(line, []byte("---")) {
		return false
	}
	rest := bytes.TrimSpace(line[3:])
	return len(rest) == 0 || rest[0] == '#'
}

// isBlankYAML reports a document of only blank lines and comments.
func isBlankYAML(b []byte) bool {
	for _, l := range bytes.Split(b, []byte("\n")) {
		l = bytes.TrimSpace(l)
		if len(l) > 0 && l[0] != '#' {
			return false
		}
	}
	return true
}

// typeHeader is what is read of a document before choosing a type for it.
type typeHeader struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Items      []json.RawMessage `json:"items"`
}

// decodeDocument adds one document (an object or a list of them) and returns how many objects it held.
func decodeDocument(c *collector, d document, ignored map[string]int) (int, error) {
	if bytes.Equal(bytes.TrimSpace(d.json), []byte("null")) {
		return 0, nil
	}
	var h typeHeader
	if err := json.Unmarshal(d.json, &h); err != nil {
		return 0, notAnObject(err)
	}
	if h.Kind == "" {
		return 0, errors.New("not a Kubernetes object: no kind")
	}
	if isSnapshotFile(h.APIVersion, h.Kind) {
		if err := c.readHeader(d.json); err != nil {
			return 0, err
		}
	} else if !strings.HasSuffix(h.Kind, "List") {
		return 1, decodeObject(c, d.json, schema.FromAPIVersionAndKind(h.APIVersion, h.Kind), ignored)
	}
	// Items of a typed list (PodList) may omit apiVersion and kind: they default to the list's.
	itemGVK := schema.FromAPIVersionAndKind(h.APIVersion, strings.TrimSuffix(h.Kind, "List"))
	for i, item := range h.Items {
		gvk := itemGVK
		var ih typeHeader
		if err := json.Unmarshal(item, &ih); err != nil {
			return 0, fmt.Errorf("item %d: %w", i+1, notAnObject(err))
		}
		if ih.Kind != "" {
			gvk = schema.FromAPIVersionAndKind(ih.APIVersion, ih.Kind)
		}
		if gvk.Kind == "" {
			return 0, fmt.Errorf("item %d: not a Kubernetes object: no kind", i+1)
		}
		if err := decodeObject(c, item, gvk, ignored); err != nil {
			return 0, fmt.Errorf("item %d: %w", i+1, err)
		}
	}
	return len(h.Items), nil
}

// notAnObject explains a document whose apiVersion, kind or items are not what an object or a
// list holds, without the decoder's Go type names.
func notAnObject(err error) error {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		what := "a " + typeErr.Value
		if typeErr.Value == "array" || typeErr.Value == "object" {
			what = "an " + typeErr.Value
		}
		if typeErr.Field == "" {
			return fmt.Errorf("not a Kubernetes object: %s instead of a mapping", what)
		}
		return fmt.Errorf("not a Kubernetes object: %s is %s", typeErr.Field, what)
	}
	return errors.New("not a Kubernetes object")
}

// snapshotKinds are the kinds a snapshot is made of.
var snapshotKinds = map[schema.GroupVersionKind]bool{
	corev1.SchemeGroupVersion.WithKind("Node"):                      true,
	corev1.SchemeGroupVersion.WithKind("Pod"):                       true,
	corev1.SchemeGroupVersion.WithKind("Namespace"):                 true,
	corev1.SchemeGroupVersion.WithKind("PersistentVolumeClaim"):     true,
	corev1.SchemeGroupVersion.WithKind("PersistentVolume"):          true,
	corev1.SchemeGroupVersion.WithKind("Event"):                     true,
	eventsv1.SchemeGroupVersion.WithKind("Event"):                   true,
	schedulingv1.SchemeGroupVersion.WithKind("PriorityClass"):       true,
	storagev1.SchemeGroupVersion.WithKind("StorageClass"):           true,
	storagev1.SchemeGroupVersion.WithKind("CSINode"):                true,
	storagev1.SchemeGroupVersion.WithKind("CSIDriver"):              true,
	storagev1.SchemeGroupVersion.WithKind("CSIStorageCapacity"):     true,
	storagev1.SchemeGroupVersion.WithKind("VolumeAttachment"):       true,
	appsv1.SchemeGroupVersion.WithKind("Deployment"):                true,
	appsv1.SchemeGroupVersion.WithKind("StatefulSet"):               true,
	appsv1.SchemeGroupVersion.WithKind("ReplicaSet"):                true,
	appsv1.SchemeGroupVersion.WithKind("DaemonSet"):                 true,
	batchv1.SchemeGroupVersion.WithKind("Job"):                      true,
	resourcev1.SchemeGroupVersion.WithKind("ResourceClaim"):         true,
	resourcev1.SchemeGroupVersion.WithKind("ResourceClaimTemplate"): true,
	resourcev1.SchemeGroupVersion.WithKind("DeviceClass"):           true,
	resourcev1.SchemeGroupVersion.WithKind("ResourceSlice"):         true,
}

// decodeObject decodes one object of a snapshot kind into c, and counts any other kind as ignored.
func decodeObject(c *collector, data []byte, gvk schema.GroupVersionKind, ignored map[string]int) error {
	if v1 := resourcev1.SchemeGroupVersion.WithKind(gvk.Kind); gvk.Group == v1.Group && gvk.Version == "v1beta2" && snapshotKinds[v1] {
		// resource.k8s.io/v1beta2 has v1's schema: what an older cluster prints reads as v1.
		var err error
		if data, err = withAPIVersion(data, v1.GroupVersion().String()); err != nil {
			return fmt.Errorf("invalid %s: %w", gvk.Kind, err)
		}
		gvk = v1
	}
	if !snapshotKinds[gvk] {
		// A kind the snapshot is made of, at another apiVersion, is a mistake worth naming:
		// silently ignoring a Node would explain Pods against no nodes.
		for known := range snapshotKinds {
			if known.Kind == gvk.Kind && known.Group == gvk.Group {
				return fmt.Errorf("%s with apiVersion %q: want %q", gvk.Kind, gvk.GroupVersion().String(), known.GroupVersion().String())
			}
		}
		ignored[kindName(gvk)]++
		return nil
	}
	// The client-go codec is case-sensitive like the API server, unlike encoding/json.
	obj, _, err := scheme.Codecs.UniversalDeserializer().Decode(data, &gvk, nil)
	if err != nil {
		return fmt.Errorf("invalid %s: %w", gvk.Kind, trimDecodeError(err))
	}
	return addObject(c, obj, gvk)
}

// addObject adds one decoded object of a snapshot kind to c.
func addObject(c *collector, obj runtime.Object, gvk schema.GroupVersionKind) error {
	switch o := obj.(type) {
	case *corev1.Node:
		c.addNode(o)
	case *corev1.Pod:
		c.addPod(o)
	case *corev1.Namespace:
		c.addNamespace(o)
	case *corev1.PersistentVolumeClaim:
		c.addPVC(o)
	case *corev1.PersistentVolume:
		c.addPV(o)
	case *corev1.Event:
		c.addCoreEvent(o)
	case *eventsv1.Event:
		c.addEventsV1Event(o)
	case *schedulingv1.PriorityClass:
		c.addPriorityClass(o)
	case *storagev1.StorageClass:
		c.addStorageClass(o)
	case *storagev1.CSINode:
		c.addCSINode(o)
	case *storagev1.CSIDriver:
		c.addCSIDriver(o)
	case *storagev1.CSIStorageCapacity:
		c.addCSIStorageCapacity(o)
	case *storagev1.VolumeAttachment:
		c.addVolumeAttachment(o)
	case *appsv1.Deployment:
		c.addWorkload(o, &o.Spec.Template)
	case *appsv1.StatefulSet:
		c.addWorkload(o, &o.Spec.Template)
	case *appsv1.ReplicaSet:
		c.addWorkload(o, &o.Spec.Template)
	case *appsv1.DaemonSet:
		c.addWorkload(o, &o.Spec.Template)
	case *batchv1.Job:
		c.addWorkload(o, &o.Spec.Template)
	case *resourcev1.ResourceClaim:
		c.addResourceClaim(o)
	case *resourcev1.ResourceClaimTemplate:
		c.addResourceClaimTemplate(o)
	case *resourcev1.DeviceClass:
		c.addDeviceClass(o)
	case *resourcev1.ResourceSlice:
		c.addResourceSlice(o)
	default:
		return fmt.Errorf("unexpected %T for %s", obj, kindName(gvk))
	}
	return nil
}

func kindName(gvk schema.GroupVersionKind) string {
	if gvk.Group == "" {
		return gvk.Kind
	}
	return gvk.Kind + "." + gvk.Group
}

// trimDecodeError drops the codec's repetition of the whole input from its message.
func trimDecodeError(err error) error {
	if runtime.IsStrictDecodingError(err) {
		return err
	}
	msg := err.Error()
	if i := strings.Index(msg, ", error found in #"); i >= 0 {
		msg = msg[:i]
	}
	return errors.New(msg)
}

// withAPIVersion is the object's JSON with its apiVersion replaced.
func withAPIVersion(data []byte, apiVersion string) ([]byte, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	v, err := json.Marshal(apiVersion)
	if err != nil {
		return nil, err
	}
	obj["apiVersion"] = v
	return json.Marshal(obj)
}
