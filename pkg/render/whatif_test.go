package render

import (
	"bytes"
	"testing"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/pkg/whatif"
)

// whatIfReport places testdata/whatif-manifest.yaml on the bundled example cluster.
func whatIfReport(t *testing.T) *whatif.WhatIfReport {
	t.Helper()
	snap, err := snapshot.LoadFiles([]string{"../../examples/cluster.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := whatif.LoadManifests([]string{"../../examples/what-if/shop.yaml"}, nil, "default")
	if err != nil {
		t.Fatal(err)
	}
	r, err := whatif.Place(snap, ws, whatif.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestWhatIfGolden(t *testing.T) {
	r := whatIfReport(t)
	for _, tt := range []struct {
		file string
		opts Options
	}{
		{"whatif.text.golden", Options{Format: FormatText}},
		{"whatif.wide.golden", Options{Format: FormatWide}},
		{"whatif.json.golden", Options{Format: FormatJSON, Color: true}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var out bytes.Buffer
			if err := WhatIf(&out, r, tt.opts); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, tt.file, out.String())
		})
	}
	var out bytes.Buffer
	if err := WhatIf(&out, nil, Options{}); err == nil {
		t.Error("nil report: want an error")
	}
	if err := WhatIf(&out, r, Options{Format: "xml"}); err == nil {
		t.Error("unknown format: want an error")
	}
}
