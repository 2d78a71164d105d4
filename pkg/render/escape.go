package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// maxValueBytes is the longest cluster-sourced value printed in full on a terminal: longer ones
// (a 1 MB label) are shortened, ellipsis and length included, to at most this. It is well above what the
// scheduler's messages reach (events keep 1024 bytes).
const maxValueBytes = 2048

// Clean makes a cluster-sourced string safe for one line of a terminal: it drops every C0 control
// (tab and newline included), DEL, every C1 control, the bidi embeddings, overrides, isolates and
// marks, the line and paragraph separators and every other invisible format character, so names,
// labels and messages cannot move the cursor, recolour the screen, reorder what is shown or fake
// extra lines. Invalid UTF-8 becomes U+FFFD, because a stray 0x9B byte is a C1 CSI to some
// terminals. A value longer than maxValueBytes is shortened. It is the one escaping rule: reports
// here, error and warning lines in pkg/cmd.
func Clean(s string) string {
	if isClean(s, false) {
		return s
	}
	return strip(s, false)
}

// cleanLines is Clean for multi-line text we show as a block (fix actions with YAML): newlines stay.
func cleanLines(s string) string {
	if isClean(s, true) {
		return s
	}
	return strip(s, true)
}

func isClean(s string, keepNewline bool) bool {
	if len(s) > maxValueBytes || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if Unsafe(r) && !(keepNewline && r == '\n') {
			return false
		}
	}
	return true
}

func strip(s string, keepNewline bool) string {
	var b strings.Builder
	b.Grow(min(len(s), maxValueBytes+32))
	for i := 0; i < len(s); {
		if len(s) > maxValueBytes && b.Len() >= maxValueBytes-32 {
			fmt.Fprintf(&b, "… (%d bytes)", len(s))
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError:
			b.WriteRune(utf8.RuneError)
		case keepNewline && r == '\n':
			b.WriteByte('\n')
		case Unsafe(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Unsafe reports a rune that must never reach a terminal or a machine-readable report raw: C0
// controls, DEL, C1 controls, the line and paragraph separators, and the format characters
// (Unicode category Cf: bidi controls U+202A–U+202E and U+2066–U+2069, marks U+200E/U+200F/U+061C,
// zero-width characters, U+FEFF, tag characters...).
func Unsafe(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return true
	case r < 0xad:
		return false
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return unicode.Is(unicode.Cf, r)
}

// cleanAll cleans every string of a list.
func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Clean(s)
	}
	return out
}

// escapeJSON rewrites the unsafe runes encoding/json leaves raw (DEL, C1, format characters) as
// \uXXXX escapes. They can only occur inside JSON strings, so the document's meaning is unchanged.
func escapeJSON(j []byte) []byte {
	if !hasUnsafe(j) {
		return j
	}
	var b strings.Builder
	b.Grow(len(j) + 64)
	for i := 0; i < len(j); {
		r, size := utf8.DecodeRune(j[i:])
		if r != '\n' && Unsafe(r) {
			writeUEscape(&b, r, true)
		} else {
			b.Write(j[i : i+size])
		}
		i += size
	}
	return []byte(b.String())
}

func hasUnsafe(j []byte) bool {
	for i := 0; i < len(j); {
		r, size := utf8.DecodeRune(j[i:])
		// JSON's own structure is ASCII, and its C0 controls are already escaped.
		if r != '\n' && Unsafe(r) {
			return true
		}
		i += size
	}
	return false
}

// writeUEscape writes r as \uXXXX; beyond the BMP as a UTF-16 surrogate pair (JSON) or \UXXXXXXXX
// (YAML).
func writeUEscape(b *strings.Builder, r rune, json bool) {
	switch {
	case r <= 0xffff:
		fmt.Fprintf(b, `\u%04x`, r)
	case json:
		r -= 0x10000
		fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
	default:
		fmt.Fprintf(b, `\U%08x`, r)
	}
}

// yamlQuoted is s as a YAML double-quoted scalar with every unsafe rune escaped.
func yamlQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case Unsafe(r):
			writeUEscape(&b, r, false)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// yamlSafe converts JSON to YAML that holds no unsafe rune raw and never fails on content: the
// strings holding one are emitted as double-quoted scalars with escapes, everything else exactly
// as sigs.k8s.io/yaml would.
func yamlSafe(j []byte) ([]byte, error) {
	// encoding/json writes U+2028 and U+2029 as \u2028 and \u2029, which the YAML emitter would
	// write back raw: such text takes the careful path too (found by FuzzClean).
	if !hasUnsafe(j) && !bytes.Contains(j, []byte(`\u2028`)) && !bytes.Contains(j, []byte(`\u2029`)) {
		return yaml.JSONToYAML(j)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	// Each unsafe string is swapped for a plain-scalar placeholder, replaced after emitting.
	prefix := "kpunsafe"
	for bytes.Contains(j, []byte(prefix)) {
		prefix += "q"
	}
	var quoted []string
	placeholder := func(s string) string {
		quoted = append(quoted, yamlQuoted(s))
		return fmt.Sprintf("%s%dz", prefix, len(quoted)-1)
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			if hasUnsafe([]byte(v)) {
				return placeholder(v)
			}
		case []any:
			for i := range v {
				v[i] = walk(v[i])
			}
		case map[string]any:
			out := make(map[string]any, len(v))
			for k, x := range v {
				if hasUnsafe([]byte(k)) {
					k = placeholder(k)
				}
				out[k] = walk(x)
			}
			return out
		}
		return v
	}
	safe, err := json.Marshal(walk(tree))
	if err != nil {
		return nil, err
	}
	y, err := yaml.JSONToYAML(safe)
	if err != nil {
		return nil, err
	}
	out := string(y)
	for i := len(quoted) - 1; i >= 0; i-- {
		out = strings.ReplaceAll(out, fmt.Sprintf("%s%dz", prefix, i), quoted[i])
	}
	return []byte(out), nil
}
