package snapshot

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/equality"
)

// loadWhole reads data with the whole-file reader only.
func loadWhole(data []byte) (*Snapshot, error) {
	c := newCollector(nil)
	if err := loadDocuments(c, "<stdin>", data); err != nil {
		return nil, err
	}
	return c.snapshot("file <stdin>"), nil
}

// TestStreamedEqualsWhole: the streaming reader and the whole-file reader build the same
// snapshot (or both refuse), for every test file and the fuzz seeds.
func TestStreamedEqualsWhole(t *testing.T) {
	inputs := map[string][]byte{
		"typed list":                []byte("apiVersion: v1\nkind: PodList\nitems:\n- metadata:\n    name: a\n    namespace: x\n  spec:\n    nodeName: n\n- metadata: {name: b}\n"),
		"indented items":            []byte("kind: List\napiVersion: v1\nitems:\n  - apiVersion: v1\n    kind: Node\n    metadata:\n      name: n1\n      managedFields:\n      - manager: x\n        fieldsV1: {}\n      labels:\n        a: b\n  # a comment\n  - {apiVersion: v1, kind: Node, metadata: {name: n2}}\nmetadata: {}\n"),
		"compact json":              []byte(`{"kind":"List","apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"managedFields":"x"}}},{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"},"spec":{"priority":7}}]}{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns"}}`),
		"typed json list":           []byte(`{"apiVersion":"v1","items":[{"metadata":{"name":"n1"}},{"metadata":{"name":"n2"}}],"kind":"NodeList","metadata":{}}`),
		"escaped json":              []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p\u0041","annotations":{"a":"x\"}]{["}}}`),
		"wrong version":             []byte(`{"apiVersion":"v1","items":[{"apiVersion":"apps/v2","kind":"Deployment","metadata":{"name":"d"}}],"kind":"List"}`),
		"ignored kinds":             []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: Node\nmetadata:\n  name: n\n"),
		"bad item":                  []byte(`{"apiVersion":"v1","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"priority":"x"}}],"kind":"List"}`),
		"managedFields last":        []byte(`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n","managedFields":[{"manager":"m","fieldsV1":{"f:a":{}}}]},"spec":{"unschedulable":true}}`),
		"managedFields in a string": []byte(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","annotations":{"x":"\"managedFields\": 1"}},"spec":{"nodeSelector":{"managedFields":"y"}}}`),
		"case sensitivity":          []byte(`{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"},"spec":{"Unschedulable":true}}`),
	}
	for _, dir := range []string{"testdata", "testdata/fuzz/FuzzLoadFiles", "../../examples"} {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if dir == "testdata/fuzz/FuzzLoadFiles" {
				// go test fuzz v1 corpus: one []byte("...") line.
				continue
			}
			inputs[filepath.Join(dir, e.Name())] = data
		}
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			whole, wholeErr := loadWhole(data)
			c := newCollector(nil)
			objects, ignored, streamErr := streamDocuments(c, bytes.NewReader(data))
			if streamErr != nil {
				if wholeErr == nil {
					t.Logf("streaming gave up (%v); the whole-file reader reads it", streamErr)
				}
				return // LoadFiles reads it whole
			}
			if err := finishFile(c, "<stdin>", objects, ignored); err != nil {
				if wholeErr == nil {
					t.Fatalf("streamed: %v; whole: no error", err)
				}
				return
			}
			if wholeErr != nil {
				t.Fatalf("streamed without error, whole: %v", wholeErr)
			}
			streamed := c.snapshot("file <stdin>")
			if !equality.Semantic.DeepEqual(whole, streamed) {
				t.Errorf("streamed differs from whole (-whole +streamed):\n%s", cmp.Diff(whole, streamed))
			}
		})
	}
}

func TestLoadGzip(t *testing.T) {
	data, err := os.ReadFile("testdata/list.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	zw.Close()
	path := filepath.Join(t.TempDir(), "cluster.yaml.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	want, err := LoadFiles([]string{"testdata/list.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct {
		path  string
		stdin []byte
	}{{path, nil}, {StdinName, buf.Bytes()}} {
		got, err := LoadFiles([]string{src.path}, bytes.NewReader(src.stdin))
		if err != nil {
			t.Fatal(err)
		}
		got.Source, want.Source = "", ""
		if !equality.Semantic.DeepEqual(want, got) {
			t.Errorf("%s: gzip differs (-plain +gzip):\n%s", src.path, cmp.Diff(want, got))
		}
	}
}

// TestYAMLTypeMeta: only plain top-level apiVersion and kind lines send a YAML item to a worker
// unconverted; anything unusual takes the conversion first.
func TestYAMLTypeMeta(t *testing.T) {
	tests := []struct {
		item          string
		apiVersion, k string
		ok            bool
	}{
		{"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n", "v1", "Pod", true},
		{"kind: \"Node\"\napiVersion: 'v1'\n", "v1", "Node", true},
		{"apiVersion: apps/v1\nkind: Deployment\n", "apps/v1", "Deployment", true},
		{"apiVersion: v1\nmetadata:\n  kind: Pod\n", "", "", false}, // nested: not the item's
		{"apiVersion: v1\nkind: Pod # a comment\n", "", "", false},  // left to the converter
		{"apiVersion: v1\nkind: !!str Pod\n", "", "", false},        // a tag
		{"apiVersion: v1\nkind: Pod\nkind: Node\n", "", "", false},  // twice
		{"apiVersion: v1\nkind: &k Pod\n", "", "", false},           // an anchor
		{"apiVersion: v1\n", "", "", false},                         // no kind
	}
	for _, tt := range tests {
		av, k, ok := yamlTypeMeta([]byte(tt.item))
		if av != tt.apiVersion || k != tt.k || ok != tt.ok {
			t.Errorf("%q: got %q %q %v, want %q %q %v", tt.item, av, k, ok, tt.apiVersion, tt.k, tt.ok)
		}
	}
}
