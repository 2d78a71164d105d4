package explain

import (
	"bytes"
	"os"
	"testing"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// BenchmarkExplainScaleFile explains every Pending Pod of the file named by SCALE_FILE (made by
// hack/gencluster), the read left out; skipped without it. SCALE_NAMESPACE keeps to one namespace
// (a share of the Pods, for a profile of a large cluster in reasonable time).
//
//	SCALE_FILE=cluster.json go test ./pkg/explain -run X -bench ExplainScaleFile -benchtime 1x -cpuprofile cpu.out
func BenchmarkExplainScaleFile(b *testing.B) {
	path := os.Getenv("SCALE_FILE")
	if path == "" {
		b.Skip("SCALE_FILE names a file made by hack/gencluster")
	}
	s, err := snapshot.LoadFiles([]string{path}, bytes.NewReader(nil))
	if err != nil {
		b.Fatal(err)
	}
	sel := Selection{AllNamespaces: true}
	if ns := os.Getenv("SCALE_NAMESPACE"); ns != "" {
		sel = Selection{Namespace: ns}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Explain(s, sel); err != nil {
			b.Fatal(err)
		}
	}
}
