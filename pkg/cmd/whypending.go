package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/render"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

var whyPendingExample = fmt.Sprintf(`  # Explain every Pending Pod in the current namespace
  %[1]s why-pending

  # Explain one Pod of another namespace
  %[1]s why-pending web-7d9c8f5b4-x2x4k -n shop

  # Explain the Pending Pods labelled app=web in all namespaces, listing every node
  %[1]s why-pending -A -l app=web -o wide

  # Explain from a snapshot taken earlier; no cluster access needed
  kubectl get nodes,pods,namespaces,priorityclasses,persistentvolumeclaims,storageclasses,events -A -o yaml > cluster.yaml
  %[1]s why-pending -A -f cluster.yaml

  # Print the report as JSON for scripts
  %[1]s why-pending -n shop -o json`, displayName)

// WhyPendingOptions are the flags and arguments of `kubectl placement why-pending`.
type WhyPendingOptions struct {
	snapshotSource
	outputFlags
	genericiooptions.IOStreams

	PodNames []string
}

// NewWhyPendingOptions returns options with the flag defaults.
func NewWhyPendingOptions(streams genericiooptions.IOStreams) *WhyPendingOptions {
	return &WhyPendingOptions{
		snapshotSource: newSnapshotSource(newClientset),
		outputFlags:    newOutputFlags(),
		IOStreams:      streams,
	}
}

func newCmdWhyPending(streams genericiooptions.IOStreams, newClient clientFactory) *cobra.Command {
	o := NewWhyPendingOptions(streams)
	o.newClient = newClient
	cmd := &cobra.Command{
		Use:   "why-pending [POD...]",
		Short: "Explain why Pods are Pending: what blocks every node and what would unblock it",
		Long: `Explain why Pods are Pending. For each Pending Pod (or each POD named), list what blocks every
node (taints, node affinity, topology spread, inter-pod affinity, resources, host ports, cordons),
grouped by blocker, the nodes that came closest, and a concrete fix. It also prints the exact
message the kube-scheduler writes.

Without POD names, every Pending Pod of the namespace (or of all namespaces with -A) is explained.
The exit code is 0 whenever the analysis is printed, also when Pods are Pending.`,
		Example: whyPendingExample,
		Args:    cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	o.addOutputFlags(cmd.Flags())
	o.addSourceFlags(cmd, "Explain Pending Pods in all namespaces", "Explain only Pending Pods matching this label selector (e.g. -l app=web)")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(render.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions(colorModes, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Complete takes the arguments and notes which flags were given.
func (o *WhyPendingOptions) Complete(cmd *cobra.Command, args []string) error {
	o.PodNames = args
	o.completeSource(cmd)
	return nil
}

// Validate rejects flag values and combinations that cannot work.
func (o *WhyPendingOptions) Validate() error {
	if err := o.validateOutput(); err != nil {
		return err
	}
	if o.AllNamespaces && len(o.PodNames) > 0 {
		return errors.New("a Pod name cannot be combined with -A/--all-namespaces: name Pods with -n NAMESPACE instead")
	}
	return o.validateSource()
}

// Run loads the snapshot, explains the selected Pods and prints the report.
func (o *WhyPendingOptions) Run(ctx context.Context) error {
	namespace, snap, err := o.load(ctx)
	if err != nil {
		return err
	}
	printed := map[string]bool{}
	warn := func(ws []string) {
		for _, w := range ws {
			if !printed[w] {
				printed[w] = true
				printWarning(o.ErrOut, w)
			}
		}
	}
	warn(snap.Warnings)

	sel := explain.Selection{Namespace: namespace, AllNamespaces: o.AllNamespaces, Names: o.PodNames, Selector: o.selector}
	report, err := explain.Explain(snap, sel)
	if err != nil {
		var notFound *explain.PodNotFoundError
		if errors.As(err, &notFound) {
			return o.podNotFound(ctx, snap, notFound)
		}
		return err
	}
	warn(report.Warnings)

	if len(report.Pods) == 0 && len(report.NotPending) == 0 && o.human() {
		// Like kubectl's "No resources found": nothing to explain is a fact, not output to parse.
		fmt.Fprintln(o.ErrOut, noPendingMessage(sel, o.Selector, snap))
		return nil
	}
	color, err := render.ColorEnabled(o.Color, o.Out)
	if err != nil {
		return err
	}
	return render.WhyPending(o.Out, report, render.Options{Format: o.Output, Color: color})
}

// load reads the snapshot, -f - from the command's stdin.
func (o *WhyPendingOptions) load(ctx context.Context) (string, *snapshot.Snapshot, error) {
	return o.loadSnapshot(ctx, o.In)
}

// podNotFound turns explain's PodNotFoundError into the most useful message: where a Pod of that
// name is, or (live) that it has already finished.
func (o *WhyPendingOptions) podNotFound(ctx context.Context, snap *snapshot.Snapshot, nf *explain.PodNotFoundError) error {
	var elsewhere []string
	for _, p := range snap.Pods {
		if p.Name == nf.Name && p.Namespace != nf.Namespace {
			elsewhere = append(elsewhere, p.Namespace)
		}
	}
	if len(elsewhere) > 0 {
		return fmt.Errorf("%w; a Pod of that name is in namespace %s (use -n %s)", nf, strings.Join(elsewhere, ", "), elsewhere[0])
	}
	// Finished Pods are left out of the snapshot; a live cluster can still say where one ran.
	if o.client != nil && len(o.Filenames) == 0 {
		pod, err := o.client.CoreV1().Pods(nf.Namespace).Get(ctx, nf.Name, metav1.GetOptions{})
		if err == nil && (pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed) {
			fmt.Fprintf(o.Out, "pod %s/%s is not Pending: it has %s on node %s\n",
				oneLine(pod.Namespace), oneLine(pod.Name), pod.Status.Phase, oneLine(orNone(pod.Spec.NodeName)))
			return nil
		}
	}
	return nf
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}

// noPendingMessage says that nothing matched, and what was looked at.
func noPendingMessage(sel explain.Selection, selector string, snap *snapshot.Snapshot) string {
	var b strings.Builder
	b.WriteString("No Pending Pods")
	if selector != "" {
		fmt.Fprintf(&b, " matching %s", selector)
	}
	if sel.AllNamespaces {
		b.WriteString(" in any namespace")
	} else {
		fmt.Fprintf(&b, " in namespace %s", sel.Namespace)
	}
	fmt.Fprintf(&b, " (%s: %d nodes, %d pods).", snap.Source, len(snap.Nodes), len(snap.Pods))
	return oneLine(b.String())
}
