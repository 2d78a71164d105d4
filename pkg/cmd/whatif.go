package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/render"
	"github.com/kubectl-placement/kubectl-placement/pkg/whatif"
)

// Exit codes of what-if, for CI gates: 0 when every replica fits, ExitNotAllPlaced when some do
// not, 1 (as every command) on an error.
const ExitNotAllPlaced = 2

// exitCodeError ends the command with a code and no error line: the report said it all.
type exitCodeError struct{ code int }

func (e exitCodeError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

var whatIfExample = fmt.Sprintf(`  # Will the Pods of this manifest fit in the current cluster, and where do they stop?
  %[1]s what-if -f deploy.yaml

  # Against a snapshot, without cluster access
  %[1]s what-if -f deploy.yaml --snapshot cluster.yaml

  # Gate a rollout in CI: exit 0 when every replica fits, %[2]d when some do not, 1 on an error
  %[1]s what-if -f k8s/ -o json > what-if.json`, displayName, ExitNotAllPlaced)

// WhatIfOptions are the flags of `kubectl placement what-if`.
type WhatIfOptions struct {
	reportOptions
	// Manifests are the -f files whose Pods are placed.
	Manifests []string
	// Snapshots are the --snapshot files read instead of the cluster.
	Snapshots        []string
	SchedulerVersion string
	namespace        string
}

func newCmdWhatIf(streams genericiooptions.IOStreams, newClient clientFactory) *cobra.Command {
	o := &WhatIfOptions{reportOptions: newReportOptions(streams, newClient)}
	cmd := &cobra.Command{
		Use:   "what-if -f MANIFEST",
		Short: "Place a manifest's Pods as the scheduler would: how many replicas fit, and why the rest do not",
		Long: fmt.Sprintf(`Place the Pods of a manifest (Pod, Deployment, StatefulSet, ReplicaSet, Job, DaemonSet) on the
cluster as the scheduler would, without creating anything: replicas one after another, in the
scheduler's queue order (priority, then manifest order), each placed replica counted for the next
(resources, host ports, topology spread, pod anti-affinity). For each workload it reports how many
replicas fit, a feasible node for each, and, for the first that does not fit, the full why-pending
explanation and the exact line the scheduler writes.

The scheduler scores feasible nodes to pick one; that scoring is not modelled. A count is marked
exact when it is the same whichever feasible nodes are picked; otherwise the report says what it
depends on (topology spread, pod affinity across nodes, an earlier workload, volumes, preemption).

Exit codes: 0 every replica fits; %d some do not; 1 an error (bad manifest, unreadable cluster).`, ExitNotAllPlaced),
		Example: whatIfExample,
		Args:    cobra.NoArgs,
		RunE:    runOptions(o),
	}
	o.addOutputFlags(cmd)
	f := cmd.Flags()
	f.StringSliceVarP(&o.Manifests, "filename", "f", nil, "The manifest to place (YAML or JSON; multi-document and List); repeatable; - reads stdin")
	f.StringSliceVar(&o.Snapshots, "snapshot", nil, "Read the cluster from these snapshot files (kubectl get -o yaml|json output) instead of the cluster; repeatable")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "The longest the whole read of the cluster may take, retries and paging included (e.g. 30s, 5m); 0 means no limit")
	f.StringVar(&o.SchedulerVersion, "scheduler-version", "", fmt.Sprintf("Place as this kube-scheduler minor does (%s). Default: the cluster's version, else the newest", strings.Join(schedulerVersions(), ", ")))
	o.configFlags.AddFlags(f)
	_ = cmd.MarkFlagFilename("filename", "yaml", "yml", "json")
	_ = cmd.MarkFlagFilename("snapshot", "yaml", "yml", "json")
	return cmd
}

// Complete notes the snapshot files and the connection flags given with them.
func (o *WhatIfOptions) Complete(cmd *cobra.Command, _ []string) error {
	o.Filenames = o.Snapshots
	o.completeSource(cmd)
	return nil
}

// Validate rejects flag values and combinations that cannot work.
func (o *WhatIfOptions) Validate() error {
	if len(o.Manifests) == 0 {
		return errors.New("what-if needs a manifest: -f FILE")
	}
	for _, f := range o.Manifests {
		if strings.TrimSpace(f) == "" {
			return errors.New("-f/--filename needs a file name (- for stdin)")
		}
	}
	for _, f := range o.Snapshots {
		if strings.TrimSpace(f) == "" {
			return errors.New("--snapshot needs a file name")
		}
		if f == "-" && containsStdin(o.Manifests) {
			return errors.New("-f - and --snapshot - cannot both read stdin")
		}
	}
	if len(o.liveFlags) > 0 {
		return fmt.Errorf("%s cannot be used with --snapshot: a snapshot file is read instead of a cluster", strings.Join(o.liveFlags, ", "))
	}
	if o.SchedulerVersion != "" {
		if _, err := checks.ProfileFor(o.SchedulerVersion); err != nil {
			return fmt.Errorf("--scheduler-version: %w", err)
		}
	}
	return o.validate()
}

func containsStdin(paths []string) bool {
	for _, p := range paths {
		if p == "-" {
			return true
		}
	}
	return false
}

// Run reads the manifest and the cluster, places the Pods and prints the report; the exit code
// says whether every replica fits.
func (o *WhatIfOptions) Run(ctx context.Context) error {
	ctx, cancel := o.withDeadline(ctx)
	defer cancel()
	// The manifest first: a bad one is reported without reading a cluster.
	namespace := o.manifestNamespace()
	workloads, warnings, err := whatif.LoadManifests(o.Manifests, o.In, namespace)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		printWarning(o.ErrOut, w)
	}
	_, snap, err := o.load(ctx)
	if err != nil {
		return err
	}
	report, err := whatif.Place(snap, workloads, whatif.Options{SchedulerVersion: o.SchedulerVersion})
	if err != nil {
		return err
	}
	if n := len(snap.Warnings); len(report.Warnings) > n {
		for _, w := range report.Warnings[n:] {
			printWarning(o.ErrOut, w)
		}
	}
	color, err := render.ColorEnabled(o.Color, o.Out)
	if err != nil {
		return err
	}
	if err := render.WhatIf(o.Out, report, render.Options{Format: o.Output, Color: color}); err != nil {
		return err
	}
	if !report.AllPlaced {
		return exitCodeError{code: ExitNotAllPlaced}
	}
	return nil
}

// manifestNamespace is where objects without a namespace go: -n, else the kubeconfig's, else
// default, as kubectl apply -f does.
func (o *WhatIfOptions) manifestNamespace() string {
	if o.configFlags.Namespace != nil && *o.configFlags.Namespace != "" {
		return *o.configFlags.Namespace
	}
	if ns, _, err := o.configFlags.ToRawKubeConfigLoader().Namespace(); err == nil && ns != "" {
		return ns
	}
	return "default"
}
