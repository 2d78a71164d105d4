// Package cmd holds the cobra commands of `kubectl placement`: flags, options and the path from
// them to a snapshot, an analysis and a printed report. Nothing below this package knows cobra.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"

	"github.com/kubectl-placement/kubectl-placement/pkg/render"
)

// displayName is how kubectl users type the plugin.
const displayName = "kubectl placement"

// clientFactory builds the API client from a REST config; tests return a fake clientset.
type clientFactory func(*rest.Config) (kubernetes.Interface, error)

func newClientset(c *rest.Config) (kubernetes.Interface, error) { return kubernetes.NewForConfig(c) }

// subcommands are the commands under `kubectl placement`, in help order.
var subcommands = []func(genericiooptions.IOStreams, clientFactory) *cobra.Command{
	newCmdWhyPending,
	newCmdSpread,
	newCmdWhatIf,
	newCmdSnapshot,
	newCmdVersion,
}

// Main runs the plugin with args (without the program name) and returns the exit code: 0 when the
// command did its job (also when Pods are Pending, or none are), 1 on any error, which is printed
// to errOut as one `error: ...` line; what-if returns ExitNotAllPlaced when some replicas do not fit.
func Main(args []string, in io.Reader, out, errOut io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	return run(ctx, args, genericiooptions.IOStreams{In: in, Out: out, ErrOut: errOut}, newClientset)
}

func run(ctx context.Context, args []string, streams genericiooptions.IOStreams, newClient clientFactory) (code int) {
	// client-go logs through klog straight to os.Stderr (retries, broken connections, API
	// warnings): stderr carries only our own error: and Warning: lines.
	klog.SetLogger(klog.Logger{})
	defer func() {
		// A bug must still end as one line and exit 1, never a stack trace.
		if r := recover(); r != nil {
			printError(streams.ErrOut, fmt.Errorf("internal error: %v (please report this)", r))
			code = 1
		}
	}()
	root := NewCmdRoot(streams, newClient)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		var exit exitCodeError
		if errors.As(err, &exit) {
			return exit.code
		}
		printError(streams.ErrOut, err)
		return 1
	}
	return 0
}

// NewCmdRoot returns the `kubectl placement` command with its subcommands.
func NewCmdRoot(streams genericiooptions.IOStreams, newClient clientFactory) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubectl-placement",
		Short: "Explain where Pods can be scheduled and why they are Pending",
		Long: `Explain what keeps Pods Pending: for each Pending Pod, every node's blockers (taints,
affinity, topology spread, resources, ports, cordons) in plain language, and what would unblock it.

Reads the current cluster through your kubeconfig, or a snapshot saved with kubectl get (-f).
Never changes anything in the cluster.`,
		Example: fmt.Sprintf(`  # Why are the Pods of the current namespace Pending?
  %[1]s why-pending

  # Why is this one Pod Pending?
  %[1]s why-pending web-7d9c8f5b4-x2x4k -n shop

  # How are a Deployment's replicas spread across zones and nodes?
  %[1]s spread deployment/web -n shop

  # Explain a snapshot taken with kubectl get -o yaml, without cluster access
  %[1]s why-pending -A -f cluster.yaml

  # Print the plugin's version
  %[1]s version`, displayName),
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: displayName},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	for _, newCmd := range subcommands {
		root.AddCommand(newCmd(streams, newClient))
	}
	registerCompletions(root, newClient)
	// kubectl completes plugins through kubectl_complete-placement; a script generated for the
	// kubectl-placement binary is for the rare direct caller, so it stays out of the help.
	root.CompletionOptions.HiddenDefaultCmd = true
	return root
}

// printError writes err as one line, with cluster-sourced text made safe for a terminal.
func printError(w io.Writer, err error) {
	fmt.Fprintf(w, "error: %s\n", oneLine(err.Error()))
}

// printWarning writes a warning as one line, the way kubectl does.
func printWarning(w io.Writer, msg string) {
	fmt.Fprintf(w, "Warning: %s\n", oneLine(msg))
}

// oneLine folds a message that may carry newlines or terminal escapes (API server messages,
// object names from files) into one safe line, with the reports' escaping rule.
func oneLine(s string) string {
	return render.Clean(strings.Join(strings.Fields(s), " "))
}
