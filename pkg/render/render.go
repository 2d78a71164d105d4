// Package render turns reports into text, wide tables, JSON or YAML. It is the only package that
// knows tablewriter and color, and it escapes every cluster-sourced string it prints.
package render

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
)

// Output formats accepted by -o.
const (
	FormatText = "text"
	FormatWide = "wide"
	FormatJSON = "json"
	FormatYAML = "yaml"
)

// Formats lists the -o values in the order help shows them.
var Formats = []string{FormatText, FormatWide, FormatJSON, FormatYAML}

// Options say how to print.
type Options struct {
	Format string
	// Color enables ANSI colour (text and wide only; never json/yaml).
	Color bool
	// Rendered holds Pods already printed as text or wide blocks while they were analysed
	// (explain.Selection.Analysed); their reports may be compacted.
	Rendered *Rendered
}

// WhyPending prints a why-pending report.
func WhyPending(w io.Writer, r *explain.WhyPendingReport, o Options) error {
	if r == nil {
		return errors.New("render: no report to print")
	}
	if o.Rendered != nil && o.Rendered.err != nil {
		return o.Rendered.err
	}
	switch o.Format {
	case FormatText, "":
		return writeHuman(w, r, paint(o.Color), false, o.Rendered)
	case FormatWide:
		return writeHuman(w, r, paint(o.Color), true, o.Rendered)
	case FormatJSON, FormatYAML:
		return encode(w, r, o.Format)
	}
	return fmt.Errorf("--output must be one of: %s", strings.Join(Formats, ", "))
}

// encode writes v as indented JSON or as YAML: the report structs are the contract, uncoloured.
// Cluster-sourced text is escaped (\uXXXX) rather than written raw: no control, bidi or other
// format character reaches a terminal that shows the output, and YAML never fails on content.
func encode(w io.Writer, v any, format string) error {
	var out []byte
	var err error
	if format == FormatJSON {
		if out, err = json.MarshalIndent(v, "", "  "); err == nil {
			out = append(escapeJSON(out), '\n')
		}
	} else if out, err = json.Marshal(v); err == nil {
		out, err = yamlSafe(out)
	}
	if err != nil {
		return fmt.Errorf("encode report as %s: %w", format, err)
	}
	_, err = w.Write(out)
	return err
}
