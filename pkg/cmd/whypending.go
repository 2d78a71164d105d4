package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
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
  kubectl get nodes,pods,namespaces,priorityclasses,persistentvolumeclaims,persistentvolumes,storageclasses,csinodes,csidrivers,csistoragecapacities,volumeattachments,events -A -o yaml > cluster.yaml
  %[1]s why-pending -A -f cluster.yaml

  # Print the report as JSON for scripts
  %[1]s why-pending -n shop -o json`, displayName)

// WhyPendingOptions are the flags and arguments of `kubectl placement why-pending`.
type WhyPendingOptions struct {
	reportOptions
	// SchedulerVersion is the kube-scheduler minor whose lines to reproduce ("" = the server's,
	// else the one the recorded messages identify, else the newest).
	SchedulerVersion string
	// Summary prints only the one-screen summary (per workload: Pending Pods, the deciding
	// blocker, the first fix); a text report of many Pods opens with it anyway.
	Summary bool
}

// NewWhyPendingOptions returns options with the flag defaults.
func NewWhyPendingOptions(streams genericiooptions.IOStreams) *WhyPendingOptions {
	return &WhyPendingOptions{reportOptions: newReportOptions(streams, newClientset)}
}

func newCmdWhyPending(streams genericiooptions.IOStreams, newClient clientFactory) *cobra.Command {
	o := &WhyPendingOptions{reportOptions: newReportOptions(streams, newClient)}
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
		RunE:    runOptions(o),
	}
	o.addOutputFlags(cmd)
	o.addSourceFlags(cmd, "Explain Pending Pods in all namespaces", "Explain only Pending Pods matching this label selector (e.g. -l app=web)")
	cmd.Flags().BoolVar(&o.Summary, "summary", false, fmt.Sprintf("Print only the summary: per workload, its Pending Pods, the blocker that decides it and the first fix (a text report of %d or more Pods opens with it)", render.SummaryThreshold))
	cmd.Flags().StringVar(&o.SchedulerVersion, "scheduler-version", "", fmt.Sprintf("Write the scheduler's line as this kube-scheduler minor does (%s). Default: the cluster's version, else the one the recorded messages identify, else the newest", strings.Join(schedulerVersions(), ", ")))
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
	if o.AllNamespaces && len(o.PodNames) > 0 {
		return errors.New("a Pod name cannot be combined with -A/--all-namespaces: name Pods with -n NAMESPACE instead")
	}
	if o.Summary && !o.human() {
		return fmt.Errorf("--summary prints text: it cannot be combined with -o %s", o.Output)
	}
	if o.SchedulerVersion != "" {
		if _, err := checks.ProfileFor(o.SchedulerVersion); err != nil {
			return fmt.Errorf("--scheduler-version: %w", err)
		}
	}
	return o.validate()
}

// Run loads the snapshot, explains the selected Pods and prints the report.
func (o *WhyPendingOptions) Run(ctx context.Context) error {
	ctx, cancel := o.withDeadline(ctx)
	defer cancel()
	namespace, snap, err := o.load(ctx)
	if err != nil {
		return err
	}

	color, err := render.ColorEnabled(o.Color, o.Out)
	if err != nil {
		return err
	}
	opts := render.Options{Format: o.Output, Color: color}
	sel := explain.Selection{Namespace: namespace, AllNamespaces: o.AllNamespaces, Names: o.PodNames, Selector: o.selector, SchedulerVersion: o.SchedulerVersion}
	if o.human() {
		// Text and wide print each Pod's block as it is analysed and keep only what the summary
		// reads: memory follows the Pods, not Pods times nodes.
		if !o.Summary {
			opts.Rendered = render.NewRendered(opts, len(snap.Nodes))
		}
		sel.Analysed = func(pr *explain.PodReport) {
			if opts.Rendered != nil {
				opts.Rendered.Add(pr)
			}
			pr.Compact()
		}
	}
	report, err := explain.Explain(snap, sel)
	if err != nil {
		var notFound *explain.PodNotFoundError
		if errors.As(err, &notFound) {
			return podNotFound(snap, notFound)
		}
		return err
	}
	if n := len(snap.Warnings); len(report.Warnings) > n { // the analysis' own; load printed the snapshot's
		for _, w := range report.Warnings[n:] {
			printWarning(o.ErrOut, w)
		}
	}

	if len(report.Pods) == 0 && len(report.NotPending) == 0 && o.human() {
		// Like kubectl's "No resources found": nothing to explain is a fact, not output to parse.
		fmt.Fprintln(o.ErrOut, o.noneFound("Pending Pods", namespace, snap))
		return nil
	}
	if o.Summary || o.human() && render.WantsSummary(report) {
		if err := render.WhyPendingSummary(o.Out, report, opts); err != nil || o.Summary {
			return err
		}
		fmt.Fprintln(o.Out)
	}
	return render.WhyPending(o.Out, report, opts)
}

// podNotFound adds to explain's PodNotFoundError where a Pod of that name is, if elsewhere.
func podNotFound(snap *snapshot.Snapshot, nf *explain.PodNotFoundError) error {
	var elsewhere []string
	for _, p := range snap.Pods {
		if p.Name == nf.Name && p.Namespace != nf.Namespace {
			elsewhere = append(elsewhere, p.Namespace)
		}
	}
	if len(elsewhere) > 0 {
		return fmt.Errorf("%w; a Pod of that name is in namespace %s (use -n %s)", nf, strings.Join(elsewhere, ", "), elsewhere[0])
	}
	return nf
}

// schedulerVersions lists the modelled kube-scheduler minors, newest first.
func schedulerVersions() []string {
	var out []string
	for _, p := range checks.Profiles {
		out = append(out, p.SchedulerVersion)
	}
	return out
}
