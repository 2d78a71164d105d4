package snapshot

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"sigs.k8s.io/yaml"

	fx "github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

// writeBenchFile writes a `kubectl get -o yaml`-style List of n nodes with 10 Pods each.
func writeBenchFile(b *testing.B, n int) string {
	b.Helper()
	var items []any
	for i := 0; i < n; i++ {
		node := fx.Node(fmt.Sprintf("node-%05d", i), fx.Zone(fmt.Sprintf("zone-%d", i%3)))
		items = append(items, node)
		for j := 0; j < 10; j++ {
			items = append(items, fx.Pod("shop", fmt.Sprintf("p-%05d-%d", i, j), fx.On(node.Name),
				fx.Requests("cpu", "100m", "memory", "128Mi"), fx.PodLabels("app", fmt.Sprintf("a%d", j))))
		}
	}
	items = append(items, fx.Namespace("shop"))
	out, err := yaml.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "cluster.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoadFiles reads snapshot files of 500 and 5,000 nodes (10 Pods each); compare the two
// from one run: time and bytes should grow about tenfold.
func BenchmarkLoadFiles(b *testing.B) {
	for _, n := range []int{500, 5000} {
		path := writeBenchFile(b, n)
		st, _ := os.Stat(path)
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(st.Size())
			for i := 0; i < b.N; i++ {
				s, err := LoadFiles([]string{path}, bytes.NewReader(nil))
				if err != nil {
					b.Fatal(err)
				}
				if len(s.Nodes) != n || len(s.Pods) != 10*n {
					b.Fatalf("loaded %d nodes, %d pods", len(s.Nodes), len(s.Pods))
				}
			}
		})
	}
}
