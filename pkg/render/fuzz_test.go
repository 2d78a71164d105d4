package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzClean: the sanitiser's output is valid UTF-8, holds no unsafe rune, is short, and is stable;
// JSON and YAML of the same text hold no unsafe rune either and decode back to it.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"plain", hostile, "bad\xffutf8\x9b", strings.Repeat("é", 3000), "a\u2028b\r\nc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Clean(%q) is not valid UTF-8", s)
		}
		for _, r := range got {
			if Unsafe(r) {
				t.Fatalf("Clean(%q) holds %U", s, r)
			}
		}
		if len(got) > maxValueBytes {
			t.Fatalf("Clean of %d bytes is %d bytes", len(s), len(got))
		}
		if Clean(got) != got {
			t.Fatalf("Clean is not stable on %q", s)
		}
		for _, format := range []string{FormatJSON, FormatYAML} {
			var out bytes.Buffer
			if err := encode(&out, map[string]string{"k": s}, format); err != nil {
				t.Fatalf("%s of %q: %v", format, s, err)
			}
			for _, r := range out.String() {
				if r != '\n' && Unsafe(r) {
					t.Fatalf("%s of %q holds %U", format, s, r)
				}
			}
			if format == FormatJSON && utf8.ValidString(s) {
				var back map[string]string
				if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["k"] != s {
					t.Fatalf("JSON of %q does not round-trip: %v", s, err)
				}
			}
		}
	})
}
