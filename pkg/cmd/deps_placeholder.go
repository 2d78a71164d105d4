package cmd

// Placeholder until the command tree lands; keeps the module's dependencies in go.mod.
import (
	"io"

	_ "github.com/fatih/color"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/spf13/cobra"
	_ "k8s.io/cli-runtime/pkg/genericclioptions"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/kubernetes/fake"
	_ "k8s.io/component-helpers/resource"
	_ "sigs.k8s.io/yaml"
)

// Main runs the plugin and returns the exit code.
func Main(args []string, in io.Reader, out, errOut io.Writer) int { return 0 }
