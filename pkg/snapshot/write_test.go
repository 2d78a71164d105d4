package snapshot_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// verdicts are each explained Pod's status and scheduler line, by namespace/name.
func verdicts(t *testing.T, s *snapshot.Snapshot, rename func(string) string) map[string]string {
	t.Helper()
	r, err := explain.Explain(s, explain.Selection{AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, p := range r.Pods {
		recorded := ""
		if p.Recorded != nil {
			recorded = fmt.Sprint(p.Recorded.Matches, p.Recorded.Difference, p.Recorded.Source)
		}
		out[rename(p.Namespace)+"/"+rename(p.Name)] = string(p.Status) + " | " + p.SchedulerMessage + " | " + recorded +
			" | " + r.SchedulerVersion
	}
	return out
}

func same(s string) string { return s }

// TestSnapshotRoundTrip: a snapshot written and read back, in either format, compressed or not,
// redacted or not, gives every Pending Pod of the example cluster the same verdict.
func TestSnapshotRoundTrip(t *testing.T) {
	load := func() *snapshot.Snapshot {
		s, err := snapshot.LoadFiles([]string{"../../examples/cluster.yaml"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	want := verdicts(t, load(), snapshot.RedactedValue)
	if len(want) == 0 {
		t.Fatal("the example has no Pending Pods")
	}
	wantPlain := verdicts(t, load(), same)
	for _, tc := range []struct {
		name   string
		opts   snapshot.WriteOptions
		redact bool
	}{
		{"yaml", snapshot.WriteOptions{Format: "yaml"}, false},
		{"json gzip", snapshot.WriteOptions{Format: "json", Gzip: true}, false},
		{"yaml redacted", snapshot.WriteOptions{Format: "yaml"}, true},
		{"json redacted", snapshot.WriteOptions{Format: "json"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := load()
			if tc.redact {
				snapshot.Redact(s)
			}
			var buf bytes.Buffer
			if err := snapshot.Write(&buf, s, tc.opts); err != nil {
				t.Fatal(err)
			}
			back, err := snapshot.LoadFiles([]string{snapshot.StdinName}, bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("read back: %v\n%.2000s", err, buf.String())
			}
			if len(back.Nodes) != len(s.Nodes) || len(back.Pods) != len(s.Pods) || len(back.Events) != len(s.Events) {
				t.Errorf("read back %d nodes, %d pods, %d events; wrote %d, %d, %d", len(back.Nodes), len(back.Pods), len(back.Events), len(s.Nodes), len(s.Pods), len(s.Events))
			}
			w := wantPlain
			if tc.redact {
				w = want
			}
			if diff := cmp.Diff(w, verdicts(t, back, same)); diff != "" {
				t.Errorf("verdicts changed (-before +after):\n%s", diff)
			}
		})
	}
}
