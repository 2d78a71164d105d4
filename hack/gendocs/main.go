// Command gendocs writes the command reference, docs/commands/*.md, from the cobra tree:
//
//	go run ./hack/gendocs
//
// Run it after changing a command's flags or help; a test fails while the pages are stale.
package main

//go:generate go run . -out ../../docs/commands

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-placement/kubectl-placement/pkg/cmd"
)

// machineDefaults replace flag defaults that depend on the machine generating the pages.
var machineDefaults = map[string]string{"cache-dir": "$HOME/.kube/cache"}

func main() {
	out := flag.String("out", "docs/commands", "directory to write the Markdown pages to")
	flag.Parse()
	if err := generate(*out); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}

// generate replaces the Markdown pages in dir with one page per command.
func generate(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	old, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		return err
	}
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	streams := genericiooptions.IOStreams{In: &bytes.Buffer{}, Out: io.Discard, ErrOut: io.Discard}
	// The pages never run a command, so no client is needed.
	root := cmd.NewCmdRoot(streams, nil)
	prepare(root)
	if err := doc.GenMarkdownTree(root, dir); err != nil {
		return fmt.Errorf("generate command pages in %s: %w", dir, err)
	}
	return nil
}

// prepare makes the pages the same on every machine and day: no "Auto generated on <date>"
// footer, no home directory in a default.
func prepare(c *cobra.Command) {
	c.DisableAutoGenTag = true
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if v, ok := machineDefaults[f.Name]; ok {
			f.DefValue = v
		}
	})
	for _, sub := range c.Commands() {
		prepare(sub)
	}
}
