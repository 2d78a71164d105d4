package snapshot

import (
	"bytes"
	"path/filepath"
	"strings"
)

// Document is one object or list of a manifest or snapshot file, as JSON, with where it starts.
type Document struct {
	Index int // 1-based
	Line  int // 1-based line it starts on
	JSON  []byte
}

// Where names the document for error messages: "FILE: document 2 (line 14)".
func (d Document) Where(file string) string {
	return document{index: d.Index, line: d.Line}.where(file)
}

// SplitDocuments splits a file as kubectl reads it: JSON values one after another, or YAML
// documents at `---` lines, each converted to JSON. Errors name the file, document and line.
func SplitDocuments(file string, data []byte) ([]Document, error) {
	docs, err := splitDocuments(file, data)
	if err != nil {
		return nil, err
	}
	out := make([]Document, len(docs))
	for i, d := range docs {
		out[i] = Document{Index: d.index, Line: d.line, JSON: d.json}
	}
	return out, nil
}

// splitDocuments picks the JSON splitter for JSON (much faster on large `-o json` dumps; JSON is
// YAML too) and the YAML one otherwise.
func splitDocuments(file string, data []byte) ([]document, error) {
	if trimmed := bytes.TrimLeft(data, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '{' || strings.EqualFold(filepath.Ext(file), ".json") {
		return splitJSON(file, data)
	}
	return splitYAML(file, data)
}
