package cmd

import (
	"strings"
	"testing"
)

// FuzzSelector: any -l value is accepted or refused with one line, never a panic.
func FuzzSelector(f *testing.F) {
	for _, s := range []string{"app=web", "app in (a,b),!canary", "x notin ()", "a!=b,c", "=", "app=\x1b[31m", strings.Repeat("a,", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sel string) {
		s := newSnapshotSource(newClientset, nil)
		s.Selector = sel
		if err := s.validateSource(); err != nil {
			if line := oneLine(err.Error()); strings.Contains(line, "\n") || terminalSafe(line) != nil {
				t.Fatalf("error for %q is not one safe line: %q", sel, line)
			}
			return
		}
		if s.selector == nil {
			t.Fatalf("%q: no selector", sel)
		}
	})
}
