package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

var snapshotExample = fmt.Sprintf(`  # Save what the analysis reads of the current cluster, compressed
  %[1]s snapshot --output-file cluster.json.gz

  # Explain it later, anywhere, without cluster access
  %[1]s why-pending -A -f cluster.json.gz

  # Share it with a vendor: names and label values replaced by stable hashes, verdicts unchanged
  %[1]s snapshot --redact > cluster-redacted.json

  # Reduce and redact a kubectl get dump
  %[1]s snapshot -f dump.yaml --redact --output-file shared.yaml`, displayName)

// SnapshotOptions are the flags of `kubectl placement snapshot`.
type SnapshotOptions struct {
	snapshotSource
	genericiooptions.IOStreams
	// Output is the file format: yaml or json.
	Output string
	// OutputFile is where to write ("" or "-": stdout); a .gz name compresses.
	OutputFile string
	Gzip       bool
	Redact     bool
}

func newCmdSnapshot(streams genericiooptions.IOStreams, newClient clientFactory) *cobra.Command {
	o := &SnapshotOptions{snapshotSource: newSnapshotSource(newClient, streams.ErrOut), IOStreams: streams, Output: "json"}
	cmd := &cobra.Command{
		Use:   "snapshot",
		Short: "Save what the analysis reads of a cluster to a file that -f reads back",
		Long: `Save a snapshot of exactly what the analysis reads: Nodes, Pods, Namespaces, PriorityClasses,
volumes and CSI objects, workloads and FailedScheduling events, in all namespaces, reduced to the
fields the checks and the report use (no managedFields, images, environment or probes). The file
is a versioned List that -f reads like a kubectl get dump, usually a small fraction of its size.

--redact replaces the names of namespaces, Pods and nodes and every label, taint and toleration
value by stable hashes (keys stay), consistently everywhere, so every verdict stays the same.`,
		Example: snapshotExample,
		Args:    cobra.NoArgs,
		RunE:    runOptions(o),
	}
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", o.Output, "File format. One of: json|yaml (default: from --output-file's name, else json, which reads back fastest)")
	f.StringVar(&o.OutputFile, "output-file", "", "Write the snapshot to this file instead of stdout; a .gz name compresses it")
	f.BoolVar(&o.Gzip, "gzip", false, "Compress the snapshot with gzip")
	f.BoolVar(&o.Redact, "redact", false, "Replace namespace, Pod and node names and label, taint and toleration values by stable hashes")
	f.StringSliceVarP(&o.Filenames, "filename", "f", o.Filenames, "Re-write a snapshot from these YAML/JSON files (kubectl get -o yaml|json output) instead of the cluster; - reads stdin")
	f.DurationVar(&o.Timeout, "timeout", o.Timeout, "The longest the whole read of the cluster may take, retries and paging included (e.g. 30s, 5m); 0 means no limit")
	o.configFlags.AddFlags(f)
	_ = cmd.MarkFlagFilename("filename", "yaml", "yml", "json", "gz")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"json", "yaml"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Complete infers the format and compression from the output file's name.
func (o *SnapshotOptions) Complete(cmd *cobra.Command, _ []string) error {
	o.AllNamespaces = true // a snapshot is of the whole cluster
	o.completeSource(cmd)
	name := strings.ToLower(o.OutputFile)
	if strings.HasSuffix(name, ".gz") {
		o.Gzip = true
		name = strings.TrimSuffix(name, ".gz")
	}
	if !cmd.Flags().Changed("output") && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
		o.Output = "yaml"
	}
	return nil
}

// Validate rejects flag values that cannot work.
func (o *SnapshotOptions) Validate() error {
	if o.Output != "yaml" && o.Output != "json" {
		return errors.New("--output must be one of: json, yaml")
	}
	return o.validateSource()
}

// Run reads the snapshot and writes it.
func (o *SnapshotOptions) Run(ctx context.Context) error {
	ctx, cancel := o.withDeadline(ctx)
	defer cancel()
	_, snap, err := o.loadSnapshot(ctx, o.In)
	if err != nil {
		return err
	}
	for _, w := range snap.Warnings {
		printWarning(o.ErrOut, w)
	}
	if o.Redact {
		snapshot.Redact(snap)
	}
	var out io.Writer = o.Out
	var file *os.File
	if o.OutputFile != "" && o.OutputFile != "-" {
		if file, err = os.Create(o.OutputFile); err != nil {
			return fmt.Errorf("cannot write snapshot: %w", err)
		}
		out = file
	}
	err = snapshot.Write(out, snap, snapshot.WriteOptions{Format: o.Output, Gzip: o.Gzip})
	if file != nil {
		if cerr := file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("cannot write snapshot: %w", cerr)
		}
	}
	return err
}
