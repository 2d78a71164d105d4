package cmd

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the example output in docs/*.md")

// docsCommandPrefix starts the command line of a console block that TestDocsOutput runs: the
// pages show real output of the bundled example snapshot, and this keeps it real.
const docsCommandPrefix = "$ kubectl placement "

// TestDocsOutput runs every `$ kubectl placement ... -f examples/...` console block of docs/*.md
// and compares the block with what the command prints. go test ./pkg/cmd -run TestDocsOutput
// -update-docs rewrites the blocks.
func TestDocsOutput(t *testing.T) {
	t.Chdir("../..") // the commands name examples/cluster.yaml from the repository root
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, page := range pages {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.SplitAfter(string(data), "\n")
		var out []string
		for i := 0; i < len(lines); i++ {
			out = append(out, lines[i])
			if strings.TrimSpace(lines[i]) != "```console" || i+1 >= len(lines) {
				continue
			}
			command := strings.TrimSuffix(lines[i+1], "\n")
			if !strings.HasPrefix(command, docsCommandPrefix) || !strings.Contains(command, " -f examples/") {
				continue
			}
			end := i + 2
			for end < len(lines) && strings.TrimSpace(lines[end]) != "```" {
				end++
			}
			if end == len(lines) {
				t.Fatalf("%s:%d: console block never ends", page, i+1)
			}
			args := strings.Fields(strings.TrimPrefix(command, docsCommandPrefix))
			r := execute(t, noCluster(t), "", args...)
			if r.code != 0 && !(args[0] == "what-if" && r.code == ExitNotAllPlaced) {
				t.Errorf("%s:%d: %s: exit %d: %s", page, i+2, command, r.code, r.errOut)
			}
			got := r.errOut + r.out
			want := strings.Join(lines[i+2:end], "")
			if *updateDocs {
				out = append(out, command+"\n", got)
			} else if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s:%d: the output of %q changed; run go test ./pkg/cmd -run TestDocsOutput -update-docs (-page +now):\n%s",
					page, i+2, command, diff)
			}
			if *updateDocs {
				i = end - 1
			}
			ran++
		}
		if *updateDocs {
			if err := os.WriteFile(page, []byte(strings.Join(out, "")), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ran == 0 {
		t.Error("no console blocks with example output found in docs/*.md")
	}
}
