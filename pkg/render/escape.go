package render

import (
	"strings"
	"unicode/utf8"
)

// Clean makes a cluster-sourced string safe for one line of a terminal: it drops every C0 control
// (tab and newline included), DEL and every C1 control, so names, labels and messages cannot move
// the cursor, recolour the screen or fake extra lines. Invalid UTF-8 becomes U+FFFD, because a
// stray 0x9B byte is a C1 CSI to some terminals. It is the one escaping rule: reports here,
// error and warning lines in pkg/cmd.
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
	for _, r := range s {
		if r == utf8.RuneError || isControl(r) && !(keepNewline && r == '\n') {
			return false
		}
	}
	return true
}

func strip(s string, keepNewline bool) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError:
			b.WriteRune(utf8.RuneError)
		case keepNewline && r == '\n':
			b.WriteByte('\n')
		case isControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f)
}

// cleanAll cleans every string of a list.
func cleanAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Clean(s)
	}
	return out
}
