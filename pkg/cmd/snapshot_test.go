package cmd

import (
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSnapshotCommand: a snapshot of a file (live, the same collector), written compressed and as
// YAML, reads back with the same report; with --redact no name of the original is left.
func TestSnapshotCommand(t *testing.T) {
	want := execute(t, noCluster(t), "", "why-pending", "-A", "-f", "../../examples/cluster.yaml", "-o", "json")
	if want.code != 0 {
		t.Fatalf("why-pending: %d %s", want.code, want.errOut)
	}
	wantNames := pendingNames(report(t, want))
	for _, name := range []string{"cluster.json.gz", "cluster.yaml"} {
		path := filepath.Join(t.TempDir(), name)
		if r := execute(t, noCluster(t), "", "snapshot", "-f", "../../examples/cluster.yaml", "--output-file", path); r.code != 0 || r.out != "" {
			t.Fatalf("snapshot %s: exit %d, stdout %q, stderr %s", name, r.code, r.out, r.errOut)
		}
		got := execute(t, noCluster(t), "", "why-pending", "-A", "-f", path, "-o", "json")
		if got.code != 0 {
			t.Fatalf("why-pending -f %s: %d %s", name, got.code, got.errOut)
		}
		if diff := cmp.Diff(wantNames, pendingNames(report(t, got))); diff != "" {
			t.Errorf("%s: Pending Pods differ (-file +snapshot):\n%s", name, diff)
		}
	}
	redacted := execute(t, noCluster(t), "", "snapshot", "--redact", "-f", "../../examples/cluster.yaml")
	if redacted.code != 0 {
		t.Fatalf("snapshot --redact: %d %s", redacted.code, redacted.errOut)
	}
	for _, name := range wantNames {
		if ns, pod, _ := strings.Cut(name, "/"); strings.Contains(redacted.out, `"`+pod+`"`) || strings.Contains(redacted.out, `"namespace":"`+ns+`"`) {
			t.Errorf("the redacted snapshot still names %s", name)
		}
	}
}

func TestWhyPendingSummaryFlag(t *testing.T) {
	r := execute(t, noCluster(t), "", "why-pending", "-A", "-f", "../../examples/cluster.yaml", "--summary")
	if r.code != 0 || !strings.HasPrefix(r.out, "Summary: ") || strings.Contains(r.out, "\nPod ") {
		t.Errorf("--summary: exit %d, stdout:\n%s", r.code, r.out)
	}
	wantError(t, execute(t, noCluster(t), "", "why-pending", "-A", "-f", "../../examples/cluster.yaml", "--summary", "-o", "json"),
		"--summary prints text")
}

// TestSnapshotRedactKeepsVerdicts: a redacted snapshot of each example (the DRA one included:
// claims, templates and slices name hashed namespaces and nodes) yields the same scheduler lines.
func TestSnapshotRedactKeepsVerdicts(t *testing.T) {
	for _, example := range []string{"../../examples/cluster.yaml", "../../examples/dra-cluster.yaml"} {
		want := execute(t, noCluster(t), "", "why-pending", "-A", "-f", example, "-o", "json")
		path := filepath.Join(t.TempDir(), "redacted.json")
		if r := execute(t, noCluster(t), "", "snapshot", "--redact", "-f", example, "--output-file", path); r.code != 0 {
			t.Fatalf("snapshot --redact %s: %d %s", example, r.code, r.errOut)
		}
		got := execute(t, noCluster(t), "", "why-pending", "-A", "-f", path, "-o", "json")
		if diff := cmp.Diff(schedulerLines(t, want.out), schedulerLines(t, got.out)); diff != "" {
			t.Errorf("%s: scheduler lines differ once redacted (-original +redacted):\n%s", example, diff)
		}
	}
}

// schedulerLines are a why-pending JSON report's scheduler messages, sorted (redacted names sort
// differently).
func schedulerLines(t *testing.T, out string) []string {
	t.Helper()
	var lines []string
	for _, m := range regexp.MustCompile(`"schedulerMessage":\s*"((?:[^"\\]|\\.)*)"`).FindAllStringSubmatch(out, -1) {
		lines = append(lines, m[1])
	}
	if len(lines) == 0 {
		t.Fatalf("no scheduler lines in %.200s", out)
	}
	sort.Strings(lines)
	return lines
}
