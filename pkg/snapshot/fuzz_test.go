package snapshot

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// FuzzLoadFiles: any bytes given as a snapshot load or fail with an error, never a panic.
func FuzzLoadFiles(f *testing.F) {
	for _, path := range []string{"testdata/list.yaml", "testdata/list.json", "testdata/stream.yaml"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("kind: NodeList\nitems: [{metadata: {name: a}}, 3]\n"))
	f.Add([]byte(`{"kind":"Pod"}{"kind":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := LoadFiles([]string{StdinName}, bytes.NewReader(data))
		if err == nil && s == nil {
			t.Fatal("no snapshot and no error")
		}
	})
}

// FuzzQuantity: a Pod's resource quantities, whatever they say, load or fail cleanly.
func FuzzQuantity(f *testing.F) {
	for _, q := range []string{"100m", "1Gi", "1e3", "-1", "0.5", "9223372036854775807", "1.5Ei", ""} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		doc := fmt.Sprintf(`{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","resources":{"requests":{"cpu":%q,"memory":%q}}}]}}`, q, q)
		s, err := LoadFiles([]string{StdinName}, bytes.NewReader([]byte(doc)))
		if err == nil && len(s.Pods) != 1 {
			t.Fatalf("loaded %d pods", len(s.Pods))
		}
	})
}
