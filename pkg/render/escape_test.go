package render

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// hostile holds every kind of character that must not reach a terminal raw.
const hostile = "a\x1b[31m\u009b2J\u202egnp.exe\u2066x\u2069\u2028y\u200bz\ufeff\x7f\U000e0041end"

func TestCleanUnicodeControls(t *testing.T) {
	if got, want := Clean(hostile), "a[31m2Jgnp.exexyzend"; got != want {
		t.Errorf("Clean = %q, want %q", got, want)
	}
	long := strings.Repeat("v", 1<<20)
	got := Clean(long)
	if len(got) > maxValueBytes || !strings.HasSuffix(got, "… (1048576 bytes)") {
		t.Errorf("a 1 MB value printed as %d bytes ending %q", len(got), got[len(got)-30:])
	}
}

func TestEncodeEscapesUnsafeRunes(t *testing.T) {
	v := map[string]any{"message": hostile, hostile: []string{"plain", "multi\nline"}, "n": 3}
	for _, format := range []string{FormatJSON, FormatYAML} {
		var out bytes.Buffer
		if err := encode(&out, v, format); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		for _, r := range out.String() {
			if r != '\n' && Unsafe(r) {
				t.Errorf("%s output holds %U raw:\n%s", format, r, out.String())
			}
		}
		// The escapes decode back to the original text.
		var back map[string]any
		var err error
		if format == FormatJSON {
			err = json.Unmarshal(out.Bytes(), &back)
		} else {
			err = yaml.Unmarshal(out.Bytes(), &back)
		}
		if err != nil || back["message"] != hostile || back[hostile] == nil {
			t.Errorf("%s does not round-trip (%v):\n%s", format, err, out.String())
		}
	}
}
