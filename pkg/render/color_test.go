package render

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestColorEnabled(t *testing.T) {
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	// A terminal we can name without a pty: the test decides which *os.File counts as one.
	term, err := os.Create(filepath.Join(t.TempDir(), "tty"))
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	saved := isTerminal
	isTerminal = func(f *os.File) bool { return f == term }
	t.Cleanup(func() { isTerminal = saved })

	tests := []struct {
		name    string
		mode    string
		noColor string
		term    string
		w       interface{ Write([]byte) (int, error) }
		want    bool
		wantErr bool
	}{
		{name: "always beats NO_COLOR and a pipe", mode: "always", noColor: "1", w: &bytes.Buffer{}, want: true},
		{name: "never beats a terminal", mode: "never", w: term, want: false},
		{name: "auto on a terminal", mode: "auto", term: "xterm-256color", w: term, want: true},
		{name: "auto, NO_COLOR set", mode: "auto", noColor: "1", w: term, want: false},
		{name: "auto, NO_COLOR empty counts as unset", mode: "auto", noColor: "", w: term, want: true},
		{name: "auto, TERM=dumb", mode: "auto", term: "dumb", w: term, want: false},
		{name: "auto on a regular file", mode: "auto", w: file, want: false},
		{name: "auto on a buffer", mode: "auto", w: &bytes.Buffer{}, want: false},
		{name: "unknown mode", mode: "sometimes", w: term, wantErr: true},
		{name: "empty mode", mode: "", w: term, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("NO_COLOR", tt.noColor)
			t.Setenv("TERM", tt.term)
			got, err := ColorEnabled(tt.mode, tt.w)
			if tt.wantErr {
				if err == nil || err.Error() != "--color must be one of: auto, always, never" {
					t.Fatalf("got error %v, want the --color error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ColorEnabled(%q) = %v, want %v", tt.mode, got, tt.want)
			}
		})
	}
}

func TestPaint(t *testing.T) {
	if got := paint(false).red("x"); got != "x" {
		t.Errorf("colour off: got %q", got)
	}
	if got := paint(true).red("x"); got != "\x1b[31mx\x1b[0m" {
		t.Errorf("colour on: got %q", got)
	}
	if got := paint(true).red(""); got != "" {
		t.Errorf("empty text needs no escape codes, got %q", got)
	}
}
