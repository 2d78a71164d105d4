package render

import (
	"fmt"
	"io"
	"os"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
)

// Colour modes accepted by --color.
const (
	ColorAuto   = "auto"
	ColorAlways = "always"
	ColorNever  = "never"
)

// isTerminal is swapped in tests, which have no terminal to offer.
var isTerminal = func(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// ColorEnabled decides whether to colour output written to w: --color first, then NO_COLOR
// (https://no-color.org), then TERM=dumb, then whether w itself is a terminal. It looks at w, not
// at stdout, because the output may be redirected while stdout is not.
func ColorEnabled(mode string, w io.Writer) (bool, error) {
	switch mode {
	case ColorAlways:
		return true, nil
	case ColorNever:
		return false, nil
	case ColorAuto:
	default:
		return false, fmt.Errorf("--color must be one of: %s, %s, %s", ColorAuto, ColorAlways, ColorNever)
	}
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false, nil
	}
	f, ok := w.(*os.File)
	return ok && isTerminal(f), nil
}

// paint colours text when enabled. Each call forces the decision on its own color.Color, so
// fatih/color's global (which looks at stdout) never gets a say.
type paint bool

func (p paint) apply(s string, attrs ...color.Attribute) string {
	if !p || s == "" {
		return s
	}
	c := color.New(attrs...)
	c.EnableColor()
	return c.Sprint(s)
}

func (p paint) red(s string) string    { return p.apply(s, color.FgRed) }
func (p paint) yellow(s string) string { return p.apply(s, color.FgYellow) }
func (p paint) bold(s string) string   { return p.apply(s, color.Bold) }
