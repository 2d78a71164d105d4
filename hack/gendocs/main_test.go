package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// committed is the command reference in the repository.
const committed = "../../docs/commands"

func TestCommandDocsAreCurrent(t *testing.T) {
	t.Setenv("HOME", "/nonexistent/home") // a machine-dependent default would show up as a diff
	fresh := t.TempDir()
	if err := generate(fresh); err != nil {
		t.Fatal(err)
	}
	want, got := pages(t, fresh), pages(t, committed)
	if !slices.Equal(names(want), names(got)) {
		t.Fatalf("docs/commands holds %v, the commands make %v: run `go run ./hack/gendocs`", names(got), names(want))
	}
	for name, text := range want {
		if diff := cmp.Diff(text, got[name]); diff != "" {
			t.Errorf("docs/commands/%s is stale: run `go run ./hack/gendocs` (-want +got):\n%s", name, diff)
		}
	}
	if _, ok := want["kubectl_placement_why-pending.md"]; !ok {
		t.Errorf("no page for why-pending among %v: is the display name still `kubectl placement`?", names(want))
	}
}

func pages(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = string(b)
	}
	return out
}

func names(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
