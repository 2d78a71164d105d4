package snapshot

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkLoadScaleFile loads the file named by SCALE_FILE (made by hack/gencluster; see
// hack/bench-scale.sh) and reports MB/s of file read; skipped without it.
func BenchmarkLoadScaleFile(b *testing.B) {
	path := os.Getenv("SCALE_FILE")
	if path == "" {
		b.Skip("SCALE_FILE names a file made by hack/gencluster")
	}
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s, err := LoadFiles([]string{path}, bytes.NewReader(nil))
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(s.Pods)), "pods")
	}
}
