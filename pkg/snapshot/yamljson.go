package snapshot

import (
	"bytes"
	"sync"
	"unicode/utf8"

	"sigs.k8s.io/yaml"
)

// A YAML List item goes through sigs.k8s.io/yaml (go.yaml.in/yaml/v2 into interface{}, then
// encoding/json) in most of a `-o yaml` file's read time. yamlToJSON converts the block-style
// subset that kubectl's emitter writes straight to JSON bytes; whatever it is not sure of it
// leaves to sigs.k8s.io/yaml, so the JSON always decodes to what that one's would.

// fastYAMLOff makes convertYAML use sigs.k8s.io/yaml only (tests compare the two).
var fastYAMLOff bool

// convertYAML converts one YAML document to JSON.
func convertYAML(data []byte) ([]byte, error) {
	if !fastYAMLOff {
		if j, ok := yamlToJSON(data); ok {
			return j, nil
		}
	}
	return yaml.YAMLToJSON(data)
}

// yamlToJSON converts a document holding a block mapping at indentation 0 to JSON that decodes
// to what yaml.YAMLToJSON's does; false when it is not sure (anything outside the subset it
// reads: flow collections other than {} and [], anchors, tags, folded scalars, numbers other
// than plain decimal ints, duplicate keys, comments after values...).
func yamlToJSON(data []byte) ([]byte, bool) {
	c := yamlConverters.Get().(*yamlConverter)
	defer c.release()
	c.data = data
	if !c.splitLines() {
		return nil, false
	}
	first := c.skipBlank(0)
	if first == len(c.lines) || c.lines[first].indent != 0 {
		return nil, false
	}
	c.out = make([]byte, 0, len(data)+len(data)/4+16)
	c.i = first
	if !c.mapping(0) || c.skipBlank(c.i) != len(c.lines) {
		return nil, false
	}
	return c.out, true
}

var yamlConverters = sync.Pool{New: func() any { return new(yamlConverter) }}

// yamlSourceLine is data[start:end], one line without its line break.
type yamlSourceLine struct {
	start, end int
	// indent is the count of leading spaces; on a sequence entry's line that opens a mapping
	// (`- key: value`), the column of that key, the mapping's indentation.
	indent  int
	blank   bool // spaces only
	comment bool // a comment line: its first non-space is '#'
	nl      bool // ends with a line break
}

type yamlKey struct{ start, end int } // in yamlConverter.keyBuf

type yamlConverter struct {
	data   []byte
	lines  []yamlSourceLine
	i      int    // the next line to read
	out    []byte // the JSON
	str    []byte // a scalar being assembled
	keys   []yamlKey
	keyBuf []byte // the keys of the mappings being read, outermost first (duplicates are refused)
}

func (c *yamlConverter) release() {
	c.data, c.out = nil, nil
	c.lines, c.str, c.keys, c.keyBuf = c.lines[:0], c.str[:0], c.keys[:0], c.keyBuf[:0]
	yamlConverters.Put(c)
}

// splitLines fills c.lines; false for a character the fast path does not take: tabs, CR,
// control characters, invalid UTF-8, YAML's other line breaks and BOM, and document markers.
func (c *yamlConverter) splitLines() bool {
	data := c.data
	for start := 0; start < len(data); {
		end, indent := start, -1
		for end < len(data) {
			b := data[end]
			if b == '\n' {
				break
			}
			if b < utf8.RuneSelf {
				if b < 0x20 || b == 0x7f {
					return false
				}
				if indent < 0 && b != ' ' {
					indent = end - start
				}
				end++
				continue
			}
			r, size := utf8.DecodeRune(data[end:])
			if !yamlPrintable(r) || r == utf8.RuneError && size == 1 {
				return false
			}
			if indent < 0 {
				indent = end - start
			}
			end += size
		}
		line := yamlSourceLine{start: start, end: end, indent: indent, nl: end < len(data)}
		if indent < 0 {
			line.indent, line.blank = end-start, true
		} else {
			line.comment = data[start+indent] == '#'
		}
		if end-start >= 3 && (bytes.HasPrefix(data[start:], []byte("---")) || bytes.HasPrefix(data[start:], []byte("..."))) {
			return false
		}
		c.lines = append(c.lines, line)
		start = end + 1
	}
	return true
}

// yamlPrintable: the non-ASCII characters yaml.v2 reads as ordinary content (not NEL, LS, PS,
// BOM, which it treats specially, nor what it refuses).
func yamlPrintable(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0xD7FF:
		return r != 0x2028 && r != 0x2029
	case r >= 0xE000 && r <= 0xFFFD:
		return r != 0xFEFF
	}
	return r >= 0x10000 && r <= 0x10FFFF
}

// skipBlank returns the first line from i on that is neither blank nor a comment.
func (c *yamlConverter) skipBlank(i int) int {
	for i < len(c.lines) && (c.lines[i].blank || c.lines[i].comment) {
		i++
	}
	return i
}

// isBlockEntry: data[from:end] starts with a sequence entry's dash.
func (c *yamlConverter) isBlockEntry(from, end int) bool {
	return c.data[from] == '-' && (from+1 == end || c.data[from+1] == ' ')
}

// node reads the block collection starting at line i.
func (c *yamlConverter) node(i int) bool {
	c.i = i
	ln := c.lines[i]
	if c.isBlockEntry(ln.start+ln.indent, ln.end) {
		return c.sequence(ln.indent)
	}
	return c.mapping(ln.indent)
}

// mapping reads the block mapping whose keys are at indent, starting at line c.i.
func (c *yamlConverter) mapping(indent int) bool {
	c.out = append(c.out, '{')
	keysFrom, bufFrom := len(c.keys), len(c.keyBuf)
	for n := 0; ; n++ {
		i := c.skipBlank(c.i)
		if i == len(c.lines) || c.lines[i].indent < indent {
			break
		}
		ln := c.lines[i]
		if ln.indent > indent {
			return false
		}
		if n > 0 {
			c.out = append(c.out, ',')
		}
		colon, ok := c.key(ln.start+ln.indent, ln.end, keysFrom)
		if !ok {
			return false
		}
		c.out = append(c.out, ':')
		if !c.value(i, colon+1, indent, false) {
			return false
		}
	}
	c.out = append(c.out, '}')
	c.keys, c.keyBuf = c.keys[:keysFrom], c.keyBuf[:bufFrom]
	return true
}

// sequence reads the block sequence whose dashes are at indent, starting at line c.i.
func (c *yamlConverter) sequence(indent int) bool {
	c.out = append(c.out, '[')
	for n := 0; ; n++ {
		i := c.skipBlank(c.i)
		if i == len(c.lines) || c.lines[i].indent < indent {
			break
		}
		ln := &c.lines[i]
		if ln.indent > indent {
			return false
		}
		dash := ln.start + ln.indent
		if !c.isBlockEntry(dash, ln.end) {
			break // the next key of a mapping at the same indentation (`key:\n- entry`)
		}
		if n > 0 {
			c.out = append(c.out, ',')
		}
		at := dash + 1
		for at < ln.end && c.data[at] == ' ' {
			at++
		}
		if at < ln.end && c.keyColon(at, ln.end) >= 0 {
			// `- key: value`: a mapping at its first key's column, that line included.
			ln.indent = at - ln.start
			c.i = i
			if !c.mapping(ln.indent) {
				return false
			}
			continue
		}
		if !c.value(i, dash+1, indent, true) {
			return false
		}
	}
	c.out = append(c.out, ']')
	return true
}

// keyColon returns the offset of the ':' ending the key that data[from:end] starts with, or -1
// when it does not start with one (single-line keys only).
func (c *yamlConverter) keyColon(from, end int) int {
	data := c.data
	at := from
	switch data[from] {
	case '\'', '"':
		c.str = c.str[:0]
		var closed, ok bool
		if at, closed, ok = c.quotedLine(data[from], from+1, end); !ok || !closed {
			return -1
		}
	default:
		for ; at < end; at++ {
			if data[at] == ':' && (at+1 == end || data[at+1] == ' ') {
				return at
			}
		}
		return -1
	}
	if at < end && data[at] == ':' && (at+1 == end || data[at+1] == ' ') {
		return at
	}
	return -1
}

// key reads the mapping key data[from:end] starts with, writes it to c.out and returns the
// offset of its ':'. The key must be a string, and new in its mapping (keys from keysFrom on).
func (c *yamlConverter) key(from, end, keysFrom int) (int, bool) {
	colon := c.keyColon(from, end)
	if colon < 0 || colon-from > 1000 { // yaml.v2 refuses simple keys over 1024 characters
		return 0, false
	}
	key := c.str // a quoted key, decoded by keyColon
	if q := c.data[from]; q != '\'' && q != '"' {
		key = c.data[from:colon]
		if !c.plainLine(from, colon) || key[len(key)-1] == ' ' || resolvePlain(key) != resolvedString {
			return 0, false
		}
	}
	for _, k := range c.keys[keysFrom:] {
		if bytes.Equal(c.keyBuf[k.start:k.end], key) {
			return 0, false // yaml.v2 keeps the last; a JSON decoder into structs merges
		}
	}
	start := len(c.keyBuf)
	c.keyBuf = append(c.keyBuf, key...)
	c.keys = append(c.keys, yamlKey{start, len(c.keyBuf)})
	c.out = appendJSONString(c.out, key)
	return colon, true
}

// value reads the value after a key's ':' or an entry's dash (from on line i) and leaves c.i at
// the line after it. owner is the indentation of the key or dash: continuation lines and
// nested blocks are more indented.
func (c *yamlConverter) value(i, from, owner int, inSequence bool) bool {
	ln := c.lines[i]
	for from < ln.end && c.data[from] == ' ' {
		from++
	}
	if from == ln.end {
		j := c.skipBlank(i + 1)
		c.i = j
		if j < len(c.lines) {
			next := c.lines[j]
			if next.indent > owner {
				return c.node(j)
			}
			// kubectl writes a mapping's sequence at the key's own indentation.
			if !inSequence && next.indent == owner && c.isBlockEntry(next.start+next.indent, next.end) {
				return c.sequence(owner)
			}
		}
		c.out = append(c.out, "null"...)
		return true
	}
	c.i = i + 1
	switch c.data[from] {
	case '{', '[':
		if from+2 > ln.end || c.data[from+1] != c.data[from]+2 || !c.spacesOnly(from+2, ln.end) {
			return false // only the empty {} and [] ('}' and ']' are '{' and '[' plus 2)
		}
		c.out = append(c.out, c.data[from:from+2]...)
		return true
	case '|':
		return c.literal(i, from, owner)
	case '\'', '"':
		return c.quoted(i, from, owner)
	}
	return c.plain(i, from, owner)
}

func (c *yamlConverter) spacesOnly(from, end int) bool {
	for ; from < end; from++ {
		if c.data[from] != ' ' {
			return false
		}
	}
	return true
}

// plainLine: data[from:end] is the first line of a plain scalar this reads (no indicator
// first, no comment, no `: `).
func (c *yamlConverter) plainLine(from, end int) bool {
	data := c.data
	switch data[from] {
	case '-':
		if from+1 == end || data[from+1] == ' ' {
			return false
		}
	case '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return false
	}
	return c.plainContinuation(from, end)
}

// plainContinuation: data[from:end] is a line of a plain scalar this reads, or its rest.
// Indicators mean nothing on a continuation line but a comment's '#'.
func (c *yamlConverter) plainContinuation(from, end int) bool {
	data := c.data
	if data[from] == '#' {
		return false
	}
	for at := from; at < end; at++ {
		switch data[at] {
		case ':':
			if at+1 == end || data[at+1] == ' ' {
				return false
			}
		case '#':
			if at > from && data[at-1] == ' ' {
				return false
			}
		}
	}
	return true
}

// plain reads a plain scalar starting at from on line i, with its continuation lines.
func (c *yamlConverter) plain(i, from, owner int) bool {
	ln := c.lines[i]
	if !c.plainLine(from, ln.end) {
		return false
	}
	value := c.data[from:trimSpacesRight(c.data, from, ln.end)]
	folded := false // value is in c.str
	j, breaks := i+1, 0
	for ; j < len(c.lines); j++ {
		next := c.lines[j]
		if next.blank {
			breaks++
			continue
		}
		if next.indent <= owner || next.comment { // a comment ends it too
			break
		}
		at := next.start + next.indent
		if !c.plainContinuation(at, next.end) {
			return false
		}
		if !folded {
			c.str, folded = append(c.str[:0], value...), true
		}
		c.str = appendFolded(c.str, breaks)
		c.str = append(c.str, c.data[at:trimSpacesRight(c.data, at, next.end)]...)
		value, breaks = c.str, 0
		c.i = j + 1
	}
	return c.plainScalar(value)
}

func trimSpacesRight(data []byte, from, end int) int {
	for end > from && data[end-1] == ' ' {
		end--
	}
	return end
}

// appendFolded joins two lines of a flow scalar: a single line break reads as a space, each
// blank line between them as a line break.
func appendFolded(s []byte, blankLines int) []byte {
	if blankLines == 0 {
		return append(s, ' ')
	}
	for ; blankLines > 0; blankLines-- {
		s = append(s, '\n')
	}
	return s
}

// quoted reads a quoted scalar starting at from on line i: single-quoted ones may continue on
// lines more indented than owner, double-quoted ones end on their line.
func (c *yamlConverter) quoted(i, from, owner int) bool {
	c.str = c.str[:0]
	ln := c.lines[i]
	quote := c.data[from]
	at, closed, ok := c.quotedLine(quote, from+1, ln.end)
	for ok && !closed && c.data[from] == '\'' {
		c.str = c.str[:trimSpacesRight(c.str, 0, len(c.str))]
		breaks := 0
		for i++; i < len(c.lines) && c.lines[i].blank; i++ {
			breaks++
		}
		if i == len(c.lines) || c.lines[i].indent <= owner {
			return false
		}
		c.str = appendFolded(c.str, breaks)
		ln = c.lines[i]
		at, closed, ok = c.quotedLine(quote, ln.start+ln.indent, ln.end)
	}
	if !ok || !closed || !c.spacesOnly(at, ln.end) {
		return false
	}
	c.i = i + 1
	c.out = appendJSONString(c.out, c.str)
	return true
}

// quotedLine appends to c.str a line of a scalar quoted with quote, from at up to its closing
// quote or the line's end, and returns the offset after the closing quote. ok is false for an
// escape it does not take.
func (c *yamlConverter) quotedLine(quote byte, at, end int) (after int, closed, ok bool) {
	data := c.data
	for at < end {
		b := data[at]
		switch {
		case b == '\'' && quote == '\'':
			if at+1 < end && data[at+1] == '\'' {
				c.str = append(c.str, '\'')
				at += 2
				continue
			}
			return at + 1, true, true
		case b == '"' && quote == '"':
			return at + 1, true, true
		case b == '\\' && quote == '"':
			n, ok := c.escape(at+1, end)
			if !ok {
				return 0, false, false
			}
			at = n
			continue
		}
		c.str = append(c.str, b)
		at++
	}
	return end, false, quote == '\''
}

// escape appends the character of the double-quoted escape whose letter is at data[at] and
// returns the offset after it.
func (c *yamlConverter) escape(at, end int) (int, bool) {
	if at == end {
		return 0, false // an escaped line break
	}
	var b byte
	size := 0
	switch c.data[at] {
	case '0':
		b = 0
	case 'a':
		b = '\a'
	case 'b':
		b = '\b'
	case 't':
		b = '\t'
	case 'n':
		b = '\n'
	case 'v':
		b = '\v'
	case 'f':
		b = '\f'
	case 'r':
		b = '\r'
	case 'e':
		b = 0x1b
	case ' ', '"', '\\':
		b = c.data[at]
	case 'x':
		size = 2
	case 'u':
		size = 4
	case 'U':
		size = 8
	default:
		return 0, false
	}
	if size == 0 {
		c.str = append(c.str, b)
		return at + 1, true
	}
	if at+1+size > end {
		return 0, false
	}
	r := rune(0)
	for _, h := range c.data[at+1 : at+1+size] {
		var d byte
		switch {
		case h >= '0' && h <= '9':
			d = h - '0'
		case h >= 'a' && h <= 'f':
			d = h - 'a' + 10
		case h >= 'A' && h <= 'F':
			d = h - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	if r >= 0xD800 && r <= 0xDFFF || r > 0x10FFFF {
		return 0, false
	}
	c.str = utf8.AppendRune(c.str, r)
	return at + 1 + size, true
}

// literal reads a literal block scalar (`|`, `|-`, `|+`) whose header is at from on line i.
func (c *yamlConverter) literal(i, from, owner int) bool {
	ln := c.lines[i]
	at := from + 1
	chomp := byte(0)
	if at < ln.end && (c.data[at] == '-' || c.data[at] == '+') {
		chomp = c.data[at]
		at++
	}
	if !c.spacesOnly(at, ln.end) {
		return false // an indentation indicator or a comment
	}
	first := i + 1
	for first < len(c.lines) && c.lines[first].blank {
		first++
	}
	if first == len(c.lines) || c.lines[first].indent <= owner {
		return false // empty
	}
	indent := c.lines[first].indent
	c.str = c.str[:0]
	breaks, lastHasBreak := 0, false // blank lines since the last content line
	j := i + 1
	for ; j < len(c.lines); j++ {
		l := c.lines[j]
		if l.blank {
			if l.indent > indent {
				return false // spaces beyond the indentation are content
			}
			if l.nl {
				breaks++
			}
			continue
		}
		if l.indent < indent {
			break
		}
		if j > first {
			c.str = append(c.str, '\n') // the previous content line's break
		}
		for ; breaks > 0; breaks-- {
			c.str = append(c.str, '\n')
		}
		c.str = append(c.str, c.data[l.start+indent:l.end]...)
		lastHasBreak = l.nl
	}
	if chomp != '-' && lastHasBreak {
		c.str = append(c.str, '\n')
	}
	if chomp == '+' {
		for ; breaks > 0; breaks-- {
			c.str = append(c.str, '\n')
		}
	}
	c.i = j
	c.out = appendJSONString(c.out, c.str)
	return true
}

type resolvedKind int

const (
	resolvedUnsure resolvedKind = iota // a number other than a decimal int, or a merge key
	resolvedString
	resolvedNull
	resolvedTrue
	resolvedFalse
	resolvedInt // -?(0|[1-9][0-9]*) within int64
)

// plainScalar writes a plain scalar as yaml.v2 resolves it (into interface{}).
func (c *yamlConverter) plainScalar(s []byte) bool {
	switch resolvePlain(s) {
	case resolvedString:
		c.out = appendJSONString(c.out, s)
	case resolvedNull:
		c.out = append(c.out, "null"...)
	case resolvedTrue:
		c.out = append(c.out, "true"...)
	case resolvedFalse:
		c.out = append(c.out, "false"...)
	case resolvedInt:
		c.out = append(c.out, s...)
	default:
		return false
	}
	return true
}

// resolvePlain mirrors go.yaml.in/yaml/v2's resolve for an untagged plain scalar, as far as
// a string, null, bool or decimal int; any other number is resolvedUnsure. (Timestamps decode
// into interface{} as their text, strings.)
func resolvePlain(s []byte) resolvedKind {
	if len(s) == 0 {
		return resolvedNull
	}
	switch s[0] {
	case 'y', 'Y', 'n', 'N', 't', 'T', 'f', 'F', 'o', 'O', '~':
		switch string(s) {
		case "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON":
			return resolvedTrue
		case "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF":
			return resolvedFalse
		case "~", "null", "Null", "NULL":
			return resolvedNull
		}
	case '.':
		// .inf, .nan and whatever strconv.ParseFloat takes: all start with '.' and a
		// digit or a letter of inf/nan (case-insensitive).
		if len(s) > 1 && (s[1] >= '0' && s[1] <= '9' || bytes.IndexByte([]byte("iInN"), s[1]) >= 0) {
			return resolvedUnsure
		}
	case '<':
		if string(s) == "<<" {
			return resolvedUnsure
		}
	case '+', '-':
		if len(s) > 1 && s[1] == '.' {
			return resolvedUnsure // +.inf, -.inf and the like, or a float
		}
		fallthrough
	case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if decimalInt(s) {
			return resolvedInt
		}
		if maybeNumber(s) {
			return resolvedUnsure
		}
	}
	return resolvedString
}

// decimalInt: s is -?(0|[1-9][0-9]*) and surely within int64 (and not -0, which yaml.v2 reads
// as 0).
func decimalInt(s []byte) bool {
	digits := s
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || digits[0] == '0' && len(digits) > 1 || string(s) == "-0" {
		return false
	}
	for _, d := range digits {
		if d < '0' || d > '9' {
			return false
		}
	}
	return true
}

// maybeNumber: yaml.v2 might resolve s (starting with a sign or digit) to a number: what
// strconv.ParseInt/ParseUint (base 0) or its float pattern could take once '_' are dropped
// (a superset: any base prefix). A timestamp (4 digits and '-') never is one.
func maybeNumber(s []byte) bool {
	plain := s
	if bytes.IndexByte(s, '_') >= 0 {
		plain = bytes.ReplaceAll(s, []byte("_"), nil)
	}
	unsigned := plain
	if len(unsigned) > 0 && (unsigned[0] == '+' || unsigned[0] == '-') {
		unsigned = unsigned[1:]
	}
	if len(unsigned) >= 2 && unsigned[0] == '0' && bytes.IndexByte([]byte("xXoObB"), unsigned[1]) >= 0 {
		// 0x, 0o, 0b and yaml.v2's own 0b (whose digits may be signed), taken together:
		// a uid like 0b8b9b6e-744c-... is not one.
		digits := unsigned[2:]
		if len(digits) > 0 && (digits[0] == '+' || digits[0] == '-') {
			digits = digits[1:]
		}
		for _, d := range digits {
			if !(d >= '0' && d <= '9' || d >= 'a' && d <= 'f' || d >= 'A' && d <= 'F') {
				return false
			}
		}
		return len(digits) > 0
	}
	return yamlStyleFloat(plain)
}

// yamlStyleFloat matches yaml.v2's ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$.
func yamlStyleFloat(s []byte) bool {
	digits := func(at int) int {
		for at < len(s) && s[at] >= '0' && s[at] <= '9' {
			at++
		}
		return at
	}
	at := 0
	if at < len(s) && (s[at] == '+' || s[at] == '-') {
		at++
	}
	if at < len(s) && s[at] == '.' {
		end := digits(at + 1)
		if end == at+1 {
			return false
		}
		at = end
	} else {
		end := digits(at)
		if end == at {
			return false
		}
		at = end
		if at < len(s) && s[at] == '.' {
			at = digits(at + 1)
		}
	}
	if at < len(s) && (s[at] == 'e' || s[at] == 'E') {
		at++
		if at < len(s) && (s[at] == '+' || s[at] == '-') {
			at++
		}
		end := digits(at)
		if end == at {
			return false
		}
		at = end
	}
	return at == len(s)
}

// appendJSONString appends s (valid UTF-8) as a JSON string.
func appendJSONString(out, s []byte) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	start := 0
	for i, b := range s {
		if b >= 0x20 && b != '"' && b != '\\' {
			continue
		}
		out = append(out, s[start:i]...)
		switch b {
		case '"', '\\':
			out = append(out, '\\', b)
		case '\n':
			out = append(out, '\\', 'n')
		case '\t':
			out = append(out, '\\', 't')
		case '\r':
			out = append(out, '\\', 'r')
		default:
			out = append(out, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xf])
		}
		start = i + 1
	}
	out = append(out, s[start:]...)
	return append(out, '"')
}
