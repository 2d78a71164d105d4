package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	goruntime "runtime"
	"strings"

	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	sigsjson "sigs.k8s.io/json"
)

// The streaming reader decodes a file item by item, so neither the file nor its whole objects
// are ever held: a `kubectl get -A -o json` List is split into its items by a byte scanner, a
// `-o yaml` List into its items by their lines (managedFields dropped before parsing), and each
// item is decoded straight into its type and reduced by the collector. Anything it does not
// expect ends it with errNotStreamable, and the file is read again whole by loadDocuments,
// whose errors name the document and line.

// errNotStreamable sends a file to the whole-file reader.
var errNotStreamable = errors.New("not streamable")

// gzipMagic starts every gzip stream.
var gzipMagic = []byte{0x1f, 0x8b}

// maybeGunzip returns a reader of r's content, decompressed when it is gzip.
func maybeGunzip(br *bufio.Reader) (io.Reader, error) {
	if head, _ := br.Peek(2); bytes.Equal(head, gzipMagic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("invalid gzip: %w", err)
		}
		return bufio.NewReaderSize(zr, 1<<20), nil
	}
	return br, nil
}

// streamDocuments decodes every object of one file's content into c and returns how many it
// held and the kinds it ignored.
func streamDocuments(c *collector, r io.Reader) (int, map[string]int, error) {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 1<<20)
	}
	s := &streamState{c: c, ignored: map[string]int{}}
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return s.objects, s.ignored, nil // empty: loadDocuments names the problem
		}
		if err != nil {
			return 0, nil, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.ReadByte()
			continue
		case '{':
			s.startDecoders()
			err = s.json(&jsonScanner{r: br})
		default:
			s.startDecoders()
			err = s.yaml(br)
		}
		if derr := s.stopDecoders(); err == nil {
			err = derr
		}
		for _, h := range s.headers {
			if err == nil {
				err = s.c.readHeader(h)
			}
		}
		return s.objects, s.ignored, err
	}
}

type streamState struct {
	c       *collector
	ignored map[string]int
	objects int

	// With decoders started, items are decoded on every core and added to c in file order by
	// one goroutine (the collector is not safe for concurrent use).
	queue     chan chan decoded
	workers   chan struct{}
	added     chan struct{}
	decodeErr error
	headers   [][]byte // snapshot file headers, applied when the decoders are done
}

// decoded is one item decoded off the reading goroutine.
type decoded struct {
	obj runtime.Object
	gvk schema.GroupVersionKind
	err error
}

func (s *streamState) startDecoders() {
	n := max(goruntime.GOMAXPROCS(0), 1)
	s.queue, s.workers, s.added = make(chan chan decoded, 4*n), make(chan struct{}, n), make(chan struct{})
	go func() {
		defer close(s.added)
		for next := range s.queue {
			d := <-next
			if s.decodeErr != nil {
				continue
			}
			if s.decodeErr = d.err; d.err == nil {
				s.decodeErr = addObject(s.c, d.obj, d.gvk)
			}
		}
	}()
}

// stopDecoders waits for every item to be added and returns the first failure.
func (s *streamState) stopDecoders() error {
	close(s.queue)
	<-s.added
	s.queue = nil
	if s.decodeErr != nil {
		return errNotStreamable
	}
	return nil
}

// decodeItem decodes an object of a snapshot kind and reduces it.
func decodeItem(raw []byte, gvk schema.GroupVersionKind) decoded {
	obj, err := scheme.Scheme.New(gvk)
	if err != nil {
		return decoded{err: err}
	}
	// Case-sensitive like the API server and the client-go codec.
	if err := sigsjson.UnmarshalCaseSensitivePreserveInts(withoutManagedFields(raw), obj); err != nil {
		return decoded{err: err}
	}
	switch o := obj.(type) { // here, on this core; the collector's add finds little left to do
	case *corev1.Pod:
		trimPod(o)
	case *corev1.Node:
		trimNode(o)
	}
	return decoded{obj: obj, gvk: gvk}
}

// item decodes one object whose apiVersion and kind may be empty (an item of a typed List: they
// are the list's, known only at its end): it then returns false and is kept for later.
func (s *streamState) item(raw []byte, fallback schema.GroupVersionKind) (bool, error) {
	apiVersion, kind, ok := topLevelTypeMeta(raw)
	if !ok {
		return false, errNotStreamable
	}
	gvk := schema.FromAPIVersionAndKind(apiVersion, kind)
	if kind == "" {
		if fallback.Kind == "" {
			return false, nil
		}
		gvk = fallback
	}
	s.objects++
	if v1 := resourcev1.SchemeGroupVersion.WithKind(gvk.Kind); s.queue != nil && gvk.Group == v1.Group && gvk.Version == "v1beta2" && snapshotKinds[v1] {
		// v1beta2 has v1's schema (decodeObject): converted here, it is decoded and added as v1
		// is, by the decoders, not on this goroutine while they add.
		if data, err := withAPIVersion(raw, v1.GroupVersion().String()); err == nil {
			raw, gvk = data, v1
		}
	}
	if !snapshotKinds[gvk] {
		return true, decodeObject(s.c, raw, gvk, s.ignored) // counts it, or names the wrong version
	}
	if s.queue != nil {
		s.decodeOnWorker(bytes.Clone(raw), gvk, false) // raw is the scanner's buffer
		return true, nil
	}
	d := decodeItem(raw, gvk)
	if d.err != nil || addObject(s.c, d.obj, d.gvk) != nil {
		return false, errNotStreamable
	}
	return true, nil
}

// decodeOnWorker decodes data (JSON, or YAML to convert first) on a worker; the adding goroutine
// takes the results in order.
func (s *streamState) decodeOnWorker(data []byte, gvk schema.GroupVersionKind, isYAML bool) {
	next := make(chan decoded, 1)
	s.workers <- struct{}{}
	s.queue <- next // waits while the adding goroutine is behind: a bounded number in flight
	go func() {
		defer func() { <-s.workers }()
		if isYAML {
			j, err := convertYAML(data)
			if err != nil {
				next <- decoded{err: errNotStreamable}
				return
			}
			data = j
		}
		next <- decodeItem(data, gvk)
	}()
}

// yamlTypeMeta reads an item's top-level `apiVersion:` and `kind:` lines when both are plain
// (or simply quoted) scalars; false for anything else, which then goes the whole way through
// the YAML-to-JSON conversion first.
func yamlTypeMeta(item []byte) (apiVersion, kind string, ok bool) {
	for len(item) > 0 {
		line := item
		if i := bytes.IndexByte(item, '\n'); i >= 0 {
			line, item = item[:i], item[i+1:]
		} else {
			item = nil
		}
		var dst *string
		switch {
		case bytes.HasPrefix(line, []byte("apiVersion:")):
			dst, line = &apiVersion, line[len("apiVersion:"):]
		case bytes.HasPrefix(line, []byte("kind:")):
			dst, line = &kind, line[len("kind:"):]
		default:
			continue
		}
		v := bytes.TrimSpace(line)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		if len(v) == 0 || *dst != "" || bytes.ContainsAny(v, " #:!&*'\"\\{}[],|>%@`") {
			return "", "", false
		}
		*dst = string(v)
	}
	if apiVersion == "" || kind == "" {
		return "", "", false
	}
	return apiVersion, kind, true
}

// jsonScanner reads JSON values from a stream without decoding them: it tracks only strings and
// nesting, so it runs at memory speed.
type jsonScanner struct {
	r   io.Reader
	buf []byte
	pos int
	eof bool
}

// more reads more input, keeping buf[keep:] (moved to the front); false at the end.
func (j *jsonScanner) more(keep int) (int, bool) {
	if j.eof {
		return keep, false
	}
	if keep > 0 {
		n := copy(j.buf, j.buf[keep:])
		j.buf = j.buf[:n]
		j.pos -= keep
		keep = 0
	}
	if cap(j.buf)-len(j.buf) < 1<<20 {
		grown := make([]byte, len(j.buf), 2*cap(j.buf)+4<<20)
		copy(grown, j.buf)
		j.buf = grown
	}
	n, err := j.r.Read(j.buf[len(j.buf):cap(j.buf)])
	j.buf = j.buf[:len(j.buf)+n]
	if err != nil {
		j.eof = true
	}
	return keep, n > 0 || !j.eof
}

// peek skips white space and returns the next byte without consuming it; 0 at the end.
func (j *jsonScanner) peek() byte {
	for {
		for j.pos < len(j.buf) {
			switch b := j.buf[j.pos]; b {
			case ' ', '\t', '\r', '\n':
				j.pos++
			default:
				return b
			}
		}
		if _, ok := j.more(j.pos); !ok {
			return 0
		}
	}
}

// value returns the next JSON value's bytes, valid until the next call.
func (j *jsonScanner) value() ([]byte, error) {
	if j.peek() == 0 {
		return nil, errNotStreamable
	}
	start := j.pos
	depth, inString := 0, false
	i := j.pos
	if b := j.buf[i]; b != '{' && b != '[' && b != '"' {
		return j.scalar()
	}
	for {
		for i < len(j.buf) {
			if inString {
				// Jump to the next quote or backslash.
				k := bytes.IndexAny(j.buf[i:], "\"\\")
				if k < 0 {
					i = len(j.buf)
					break
				}
				i += k
				if j.buf[i] == '\\' {
					i += 2 // the escaped byte, whatever it is
					continue
				}
				inString = false
				i++
				if depth == 0 {
					j.pos = i
					return j.buf[start:i], nil
				}
				continue
			}
			k := bytes.IndexAny(j.buf[i:], "\"{}[]")
			if k < 0 {
				i = len(j.buf)
				break
			}
			i += k
			switch j.buf[i] {
			case '"':
				inString = true
			case '{', '[':
				depth++
			default:
				if depth--; depth <= 0 {
					if depth < 0 {
						return nil, errNotStreamable
					}
					j.pos = i + 1
					return j.buf[start:j.pos], nil
				}
			}
			i++
		}
		if i > len(j.buf) { // an escape at the very end: read on
			i = len(j.buf) - 1
			inString = true
		}
		offset := i - start
		kept, ok := j.more(start)
		start, i = kept, kept+offset
		if !ok {
			return nil, errNotStreamable
		}
	}
}

// scalar returns the number, true, false or null at pos.
func (j *jsonScanner) scalar() ([]byte, error) {
	start, i := j.pos, j.pos
	for {
		for ; i < len(j.buf); i++ {
			switch j.buf[i] {
			case ',', '}', ']', ':', ' ', '\n', '\r', '\t', '"', '{', '[':
				j.pos = i
				return j.buf[start:i], nil
			}
		}
		offset := i - start
		kept, ok := j.more(start)
		start, i = kept, kept+offset
		if !ok {
			j.pos = i
			return j.buf[start:i], nil
		}
	}
}

// expect consumes the byte b, after white space.
func (j *jsonScanner) expect(b byte) error {
	if j.peek() != b {
		return errNotStreamable
	}
	j.pos++
	return nil
}

// json decodes a stream of JSON objects and Lists, items as they come.
func (s *streamState) json(j *jsonScanner) error {
	for j.peek() != 0 {
		if err := s.jsonDocument(j); err != nil {
			return err
		}
	}
	return nil
}

// jsonDocument decodes one top-level object: a List's items one by one, any other object whole.
func (s *streamState) jsonDocument(j *jsonScanner) error {
	if err := j.expect('{'); err != nil {
		return err
	}
	var whole bytes.Buffer // the object's members, items aside
	var apiVersion, kind string
	var kindless [][]byte
	hasItems := false
	whole.WriteByte('{')
	for first := true; ; first = false {
		if j.peek() == '}' {
			j.pos++
			break
		}
		if !first {
			if err := j.expect(','); err != nil {
				return err
			}
		}
		rawKey, err := j.value()
		if err != nil || len(rawKey) == 0 || rawKey[0] != '"' {
			return errNotStreamable
		}
		var key string
		if err := json.Unmarshal(rawKey, &key); err != nil {
			return errNotStreamable
		}
		if err := j.expect(':'); err != nil {
			return err
		}
		if key == "items" && j.peek() == '[' {
			hasItems = true
			j.pos++
			for n := 0; ; n++ {
				if j.peek() == ']' {
					j.pos++
					break
				}
				if n > 0 {
					if err := j.expect(','); err != nil {
						return err
					}
				}
				raw, err := j.value()
				if err != nil {
					return err
				}
				done, err := s.item(raw, schema.GroupVersionKind{})
				if err != nil {
					return err
				}
				if !done {
					kindless = append(kindless, bytes.Clone(raw))
				}
			}
			continue
		}
		raw, err := j.value()
		if err != nil {
			return err
		}
		switch key {
		case "apiVersion":
			if json.Unmarshal(raw, &apiVersion) != nil {
				return errNotStreamable
			}
		case "kind":
			if json.Unmarshal(raw, &kind) != nil {
				return errNotStreamable
			}
		}
		if whole.Len() > 1 {
			whole.WriteByte(',')
		}
		whole.Write(rawKey)
		whole.WriteByte(':')
		whole.Write(raw)
	}
	whole.WriteByte('}')
	if isSnapshotFile(apiVersion, kind) {
		s.headers = append(s.headers, bytes.Clone(whole.Bytes()))
		return nil
	}
	if !strings.HasSuffix(kind, "List") {
		if hasItems || kind == "" {
			return errNotStreamable
		}
		_, err := s.item(whole.Bytes(), schema.GroupVersionKind{})
		return err
	}
	listItem := schema.FromAPIVersionAndKind(apiVersion, strings.TrimSuffix(kind, "List"))
	for _, raw := range kindless {
		if _, err := s.item(raw, listItem); err != nil {
			return err
		}
	}
	return nil
}

// topLevelTypeMeta finds an object's apiVersion and kind without decoding the rest: kubectl
// prints them first, so this usually reads a few dozen bytes. ok is false for what it cannot
// read simply (escapes in a key or those values, or not an object).
func topLevelTypeMeta(raw []byte) (apiVersion, kind string, ok bool) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return "", "", false
	}
	i++
	found := 0
	for {
		i = skipSpace(raw, i)
		if i >= len(raw) {
			return "", "", false
		}
		switch raw[i] {
		case '}':
			return apiVersion, kind, true
		case ',':
			i++
			continue
		}
		key, next, ok := plainString(raw, i)
		if !ok {
			return "", "", false
		}
		i = skipSpace(raw, next)
		if i >= len(raw) || raw[i] != ':' {
			return "", "", false
		}
		i = skipSpace(raw, i+1)
		if key == "apiVersion" || key == "kind" {
			v, next, ok := plainString(raw, i)
			if !ok {
				return "", "", false
			}
			if key == "kind" {
				kind = v
			} else {
				apiVersion = v
			}
			if found++; found == 2 {
				return apiVersion, kind, true
			}
			i = next
			continue
		}
		if i = skipValue(raw, i); i < 0 {
			return "", "", false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// plainString reads a JSON string without escapes at b[i].
func plainString(b []byte, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", 0, false
	}
	end := bytes.IndexAny(b[i+1:], "\"\\")
	if end < 0 || b[i+1+end] != '"' {
		return "", 0, false
	}
	return string(b[i+1 : i+1+end]), i + end + 2, true
}

// skipValue returns the index after the JSON value at b[i], or -1.
func skipValue(b []byte, i int) int {
	depth, inString, escaped := 0, false, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 0 {
					return i + 1
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case depth == 0 && (c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t'):
			return i
		}
	}
	return -1
}

// yaml decodes a YAML stream: documents at `---` lines; in a document with a top-level `items:`
// sequence (a List as kubectl prints it), each item on its own, without its managedFields.
func (s *streamState) yaml(br *bufio.Reader) error {
	var doc, head bytes.Buffer // the document outside its items; the item being read
	var kindless [][]byte
	inItems, itemIndent := false, -1
	flushItem := func() error {
		if isBlankYAML(head.Bytes()) {
			head.Reset()
			return nil
		}
		// A snapshot kind's item is converted and decoded on a worker, on every core.
		if av, k, ok := yamlTypeMeta(head.Bytes()); ok && s.queue != nil {
			if gvk := schema.FromAPIVersionAndKind(av, k); snapshotKinds[gvk] {
				s.objects++
				s.decodeOnWorker(bytes.Clone(head.Bytes()), gvk, true)
				head.Reset()
				return nil
			}
		}
		j, err := convertYAML(head.Bytes())
		head.Reset()
		if err != nil {
			return errNotStreamable
		}
		done, err := s.item(j, schema.GroupVersionKind{})
		if err == nil && !done {
			kindless = append(kindless, j)
		}
		return err
	}
	flushDoc := func() error {
		if err := flushItem(); err != nil {
			return err
		}
		inItems, itemIndent = false, -1
		if isBlankYAML(doc.Bytes()) {
			doc.Reset()
			kindless = nil
			return nil
		}
		j, err := convertYAML(doc.Bytes())
		doc.Reset()
		if err != nil {
			return errNotStreamable
		}
		var h typeHeader
		if json.Unmarshal(j, &h) != nil || h.Kind == "" {
			return errNotStreamable
		}
		if isSnapshotFile(h.APIVersion, h.Kind) {
			s.headers = append(s.headers, j) // read once the decoders are done with the collector
			h.Kind = "List"
		}
		if !strings.HasSuffix(h.Kind, "List") {
			if len(kindless) > 0 {
				return errNotStreamable
			}
			_, err := s.item(j, schema.GroupVersionKind{})
			return err
		}
		if len(h.Items) > 0 { // items were not split off (a flow sequence): take them here
			for _, raw := range h.Items {
				done, err := s.item(raw, schema.GroupVersionKind{})
				if err != nil {
					return err
				}
				if !done {
					kindless = append(kindless, raw)
				}
			}
		}
		listItem := schema.FromAPIVersionAndKind(h.APIVersion, strings.TrimSuffix(h.Kind, "List"))
		for _, raw := range kindless {
			if _, err := s.item(raw, listItem); err != nil {
				return err
			}
		}
		kindless = nil
		return nil
	}
	skipIndent := -1 // inside a dropped managedFields block: its key's indentation
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return errNotStreamable // a line over 1 MB: the whole-file reader copes
		}
		if len(line) > 0 {
			if isDocumentSeparator(bytes.TrimRight(line, "\r\n")) {
				if ferr := flushDoc(); ferr != nil {
					return ferr
				}
			} else {
				indent, blank := lineIndent(line)
				switch {
				case inItems && itemIndent < 0 && !blank:
					// The first line after `items:` sets the sequence's indentation.
					if line[indent] != '-' {
						inItems = false
						doc.Write(line)
						break
					}
					itemIndent = indent
					body := line[min(indent+2, len(line)):]
					head.Write(body)
				case inItems && (blank || indent > itemIndent || indent == itemIndent && line[indent] == '-'):
					if !blank && indent == itemIndent {
						if ferr := flushItem(); ferr != nil {
							return ferr
						}
						skipIndent = -1
					}
					body := line
					if !blank {
						// The item's lines without the sequence's indentation and dash.
						body = line[min(itemIndent+2, len(line)):]
						if indent == itemIndent {
							if len(line) < itemIndent+2 || line[itemIndent+1] != ' ' && line[itemIndent+1] != '\n' {
								return errNotStreamable
							}
						} else if indent < itemIndent+2 {
							return errNotStreamable
						}
					}
					if skipIndent >= 0 {
						bi, bb := lineIndent(body)
						if bb || bi > skipIndent || bi == skipIndent && body[bi] == '-' {
							break
						}
						skipIndent = -1
					}
					if bi, bb := lineIndent(body); !bb && bytes.HasPrefix(body[bi:], []byte("managedFields:")) &&
						len(bytes.TrimSpace(body[bi+len("managedFields:"):])) == 0 {
						skipIndent = bi
						break
					}
					head.Write(body)
				default:
					if inItems && !blank && line[indent] != '#' {
						if ferr := flushItem(); ferr != nil {
							return ferr
						}
						inItems = false
					}
					if !inItems && bytes.Equal(bytes.TrimRight(line, " \r\n"), []byte("items:")) {
						inItems, itemIndent = true, -1
					}
					doc.Write(line)
				}
			}
		}
		if err == io.EOF {
			return flushDoc()
		}
		if err != nil {
			return err
		}
	}
}

// lineIndent is the count of leading spaces; blank for an empty or comment-only line.
func lineIndent(line []byte) (int, bool) {
	i := 0
	for i < len(line) && line[i] == ' ' {
		i++
	}
	if i == len(line) || line[i] == '\n' || line[i] == '\r' || line[i] == '#' {
		return i, true
	}
	return i, false
}

var managedFieldsKey = []byte(`"managedFields"`)

// withoutManagedFields cuts metadata.managedFields out of an object's JSON before it is decoded:
// often half the bytes, and dropped by the collector anyway. Only a key at depth 2 (metadata's;
// no other object field at that depth is a map) is cut.
func withoutManagedFields(raw []byte) []byte {
	at := bytes.Index(raw, managedFieldsKey)
	if at < 0 || depthAt(raw, at) != 2 {
		return raw
	}
	colon := skipSpace(raw, at+len(managedFieldsKey))
	if colon >= len(raw) || raw[colon] != ':' {
		return raw
	}
	end := skipValue(raw, skipSpace(raw, colon+1))
	if end < 0 {
		return raw
	}
	start := at
	if next := skipSpace(raw, end); next < len(raw) && raw[next] == ',' {
		end = next + 1
	} else if prev := bytes.LastIndexByte(raw[:at], ','); prev >= 0 && len(bytes.TrimSpace(raw[prev+1:at])) == 0 {
		start = prev
	} else {
		return raw
	}
	out := make([]byte, 0, len(raw)-(end-start))
	return append(append(out, raw[:start]...), raw[end:]...)
}

// depthAt is the nesting depth at raw[at], or -1 inside a string.
func depthAt(raw []byte, at int) int {
	depth, inString := 0, false
	for i := 0; i < at; i++ {
		switch c := raw[i]; {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
	}
	if inString {
		return -1
	}
	return depth
}
