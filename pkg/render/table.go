package render

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// writeTable prints a kubectl-style table into b: no borders or rules, left-aligned, headers as
// given, three spaces between columns, no wrapping (a cut name is worse than a long line), trailing
// spaces trimmed. indent starts every line. Cells must already be cleaned.
func writeTable(b *strings.Builder, indent string, header []string, rows [][]string) error {
	gap := tw.CellPadding{Global: tw.Padding{Left: "", Right: "   ", Overwrite: true}}
	cell := func(format tw.State) tw.CellConfig {
		return tw.CellConfig{
			Formatting: tw.CellFormatting{AutoFormat: format, AutoWrap: tw.WrapNone},
			Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
			Padding:    gap,
		}
	}
	var buf bytes.Buffer
	table := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Separators: tw.SeparatorsNone, Lines: tw.LinesNone},
		})),
		tablewriter.WithConfig(tablewriter.Config{Header: cell(tw.Off), Row: cell(tw.Off)}),
	)
	table.Header(header)
	if err := table.Bulk(rows); err != nil {
		return fmt.Errorf("build table: %w", err)
	}
	if err := table.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	for _, line := range strings.Split(strings.TrimRight(buf.String(), "\n"), "\n") {
		b.WriteString(strings.TrimRight(indent+line, " "))
		b.WriteByte('\n')
	}
	return nil
}
