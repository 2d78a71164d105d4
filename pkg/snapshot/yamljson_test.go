package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// sameAsYAMLToJSON converts in with yamlToJSON and reports whether it took it; when it did,
// the JSON must decode to what yaml.YAMLToJSON's does.
func sameAsYAMLToJSON(t testing.TB, in []byte) bool {
	t.Helper()
	got, ok := yamlToJSON(in)
	if !ok {
		return false
	}
	want, err := yaml.YAMLToJSON(in)
	if err != nil {
		t.Fatalf("converted what yaml.YAMLToJSON refuses (%v):\n%s\n=> %s", err, in, got)
	}
	g, gerr := decodeJSONValue(got)
	w, werr := decodeJSONValue(want)
	if gerr != nil || werr != nil || !reflect.DeepEqual(g, w) {
		t.Fatalf("converted differently:\n%s\nfast: %s (%v)\nslow: %s", in, got, gerr, want)
	}
	return true
}

func decodeJSONValue(j []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(j))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, errTrailingJSON
	}
	return v, nil
}

var errTrailingJSON = errors.New("more than one JSON value")

var yamlDocumentSeparator = regexp.MustCompile(`(?m)^---.*$`)

var yamlToJSONCases = []struct {
	in   string
	fast bool // must take the fast path; else either way
}{
	{"a: b\n", true},
	{"a: b", true},
	{"a: 1\nb: -7\nc: 0\nd: 922337203685477580\ne: -922337203685477580\n", true},
	{"a: \"100\"\nb: '0755'\n", true},
	{"uid: 00000000-0000-4000-8000-000000000000\nip: 10.0.0.1\ncpu: 100m\nmem: 1.5Gi\n", true},
	{"a: true\nb: false\nc: yes\nd: Off\ne: y\nf: N\n", true},
	{"a: null\nb: ~\nc:\nd: Null\n", true},
	{"a: {}\nb: []\n", true},
	{"finalizers:\n- kubernetes\n- other\nnext: 1\n", true},
	{"spec:\n  finalizers:\n  - kubernetes\n  phase: Active\n", true},
	{"a:\n  - 1\n  - x\n", true},
	{"items:\n- a: 1\n  b: 2\n- c: 3\n-\n  d: 4\n-\n- e\n", true},
	{"a:\n- b:\n  - c\n  d: 1\n- - x\n", false},
	{"a:\n- b:\n  - c\n  d: 1\n", true},
	{"a:\n-   b: 1\n    c: 2\n", true},
	{"'quoted key': 1\n\"dq key\": 2\n'it''s': 3\n", true},
	{"a: 'it''s'\nb: \"tab\\there \\\"q\\\" \\\\ \\u00e9 \\x41 \\U0001F600 \\0 \\e\\ \"\n", true},
	{"a: \"\\N\"\n", false},
	{"a: \"\\q\"\n", false},
	{"a: \"\\ud800\"\n", false},
	{"message: '0/40 nodes are available: 1 node(s) had untolerated taint, 39 node(s)\n  didn''t match Pod''s node affinity/selector.'\nnext: x\n", true},
	{"message: '0/40 nodes\n\n  are available:   \n     one.  '\n", true},
	{"message: 0/40 nodes are available, 1 node had untolerated taint, 39\n  didn't match Pod's node affinity/selector.\n", true},
	{"a: x\n\n  y\n\n\n  z\nb: 1\n", true},
	{"a: |\n  line one\n    indented\n\n  three\nb: |-\n  stripped\n\n\nc: |+\n  kept\n\n\nd: x\n", true},
	{"a: |\n  # not a comment\n  x\n", true},
	{"a: |\n  x", true},
	{"a: |+\n  x\n\n", true},
	{"- a\n", false},
	{"a: >\n  folded\n", false},
	{"a: |2\n  x\n", false},
	{"a: |\n      \n  x\n", false},
	{"a: &anchor x\nb: *anchor\n", false},
	{"a: !!str 1\n", false},
	{"? a\n: b\n", false},
	{"a: 0755\n", false},
	{"a: 0x1F\n", false},
	{"a: 1_000\n", false},
	{"a: 1.5\n", false},
	{"a: -0\n", false},
	{"a: 1e3\n", false},
	{"a: .inf\n", false},
	{"a: -.inf\n", false},
	{"a: 18446744073709551615\n", false},
	{"a: 0b101\n", false},
	{"a: 2024-01-01\nb: 2024-01-01T10:00:00Z\n", true},
	{"1: a\n", false},
	{"true: a\n", false},
	{"a: 1\na: 2\n", false},
	{"a: b # comment\n", false},
	{"# leading\na: b\n  # indented comment\nc: d\n# trailing\n", true},
	{"a: b\n---\nc: d\n", false},
	{"a: {b: 1}\n", false},
	{"a: [1, 2]\n", false},
	{"a:\tb\n", false},
	{"a: b\r\n", false},
	{"a: \"x\n  y\"\n", false},
	{"a: b: c\n", false},
	{"a: <<\n", false},
	{"<<: {}\n", false},
	{"a: @x\n", false},
	{"a: `x\n", false},
	{"a: %x\n", false},
	{"a: x\u2028y\n", false},
	{"a: \xff\n", false},
	{"a: é ✓ 😀\n", true},
	{"a: '{\"apiVersion\":\"v1\"}'\nb: http://example.com:80/x?y=1&z=2#frag\n", true},
	{"  a: b\n", false},
	{"a:\n  b\n", false},
	{"a: b\n c: d\n", false},
	{"a:\n    b: 1\n  c: 2\n", false},
	{"", false},
	{"a: -x\nb: +x\nc: -\n", false},
	{"a: -x\nb: +x\nc: .x\nd: 1-2\ne: 12:30\n", true},
	{"a: +1\n", false},
	{"a: 123456789012345678901\n", false},
	{"a: [\n", false},
	{"a: '\n", false},
	{"a: \"x\" y\n", false},
}

func TestYAMLToJSONCases(t *testing.T) {
	for _, tc := range yamlToJSONCases {
		if fast := sameAsYAMLToJSON(t, []byte(tc.in)); tc.fast && !fast {
			t.Errorf("not converted on the fast path:\n%s", tc.in)
		}
	}
}

// yamlDocuments returns the documents of a YAML file, its Lists' items and everything again as
// kubectl prints it (re-emitted by sigs.k8s.io/yaml), the stream reader's inputs.
func yamlDocuments(t testing.TB, data []byte) (written, reemitted [][]byte) {
	for _, doc := range yamlDocumentSeparator.Split(string(data), -1) {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		written = append(written, []byte(doc))
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			continue
		}
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		_ = json.Unmarshal(j, &list)
		for _, raw := range append(list.Items, j) {
			y, err := yaml.JSONToYAML(raw)
			if err != nil {
				t.Fatal(err)
			}
			reemitted = append(reemitted, y)
		}
	}
	return written, reemitted
}

func TestYAMLToJSONRepositoryFiles(t *testing.T) {
	_, here, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(here), "..", "..")
	var files []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d YAML files under %s", len(files), root)
	}
	var writtenFast, writtenAll, reemittedFast, reemittedAll int
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		written, reemitted := yamlDocuments(t, data)
		for _, doc := range written {
			writtenAll++
			if sameAsYAMLToJSON(t, doc) {
				writtenFast++
			}
		}
		for _, doc := range reemitted {
			reemittedAll++
			if sameAsYAMLToJSON(t, doc) {
				reemittedFast++
			} else {
				t.Logf("%s: not on the fast path:\n%s", f, doc)
			}
		}
	}
	t.Logf("%d files: fast path for %d of %d documents as written, %d of %d as kubectl prints them",
		len(files), writtenFast, writtenAll, reemittedFast, reemittedAll)
	if reemittedFast*10 < reemittedAll*9 {
		t.Errorf("only %d of %d documents as kubectl prints them took the fast path", reemittedFast, reemittedAll)
	}
}

// TestScaleFileFastYAML loads SCALE_FILE (see BenchmarkLoadScaleFile) with the fast conversion
// and with sigs.k8s.io/yaml only: the snapshots must be the same.
func TestScaleFileFastYAML(t *testing.T) {
	path := os.Getenv("SCALE_FILE")
	if path == "" {
		t.Skip("SCALE_FILE names a file made by hack/gencluster")
	}
	load := func(off bool) [32]byte {
		fastYAMLOff = off
		defer func() { fastYAMLOff = false }()
		s, err := LoadFiles([]string{path}, bytes.NewReader(nil))
		if err != nil {
			t.Fatal(err)
		}
		j, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("fallback only %v: %d pods, %d bytes of JSON", off, len(s.Pods), len(j))
		return sha256.Sum256(j)
	}
	if fast, slow := load(false), load(true); fast != slow {
		t.Fatalf("snapshots differ: %x (fast) vs %x (fallback only)", fast, slow)
	}
}

func FuzzYAMLToJSON(f *testing.F) {
	for _, tc := range yamlToJSONCases {
		f.Add([]byte(tc.in))
	}
	for _, name := range []string{"list.yaml", "stream.yaml"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			_, reemitted := yamlDocuments(f, data)
			for _, doc := range reemitted {
				f.Add(doc)
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		sameAsYAMLToJSON(t, in)
	})
}
