// Package render turns reports into text, wide tables, JSON or YAML. It is the only package that
// knows tablewriter and color, and it escapes every cluster-sourced string it prints.
package render

import (
	"io"

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
}

// WhyPending prints a why-pending report.
func WhyPending(w io.Writer, r *explain.WhyPendingReport, o Options) error { return nil }
