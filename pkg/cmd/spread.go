package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-placement/kubectl-placement/pkg/render"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/pkg/spread"
)

var spreadExample = fmt.Sprintf(`  # How are the replicas of a Deployment spread, and where can the next one go?
  %[1]s spread deployment/web -n shop

  # The workload a Pod belongs to
  %[1]s spread pod/web-7d9c8f5b4-x2x4k -n shop

  # Every workload whose Pods are labelled app=web, in all namespaces, with every domain and node
  %[1]s spread -A -l app=web -o wide

  # From a snapshot; include the workload objects if you have them
  kubectl get nodes,pods,namespaces,deployments,statefulsets -A -o yaml > cluster.yaml
  %[1]s spread deployment/web -n shop -f cluster.yaml -o json`, displayName)

// spreadKinds maps what users type for TYPE (kubectl's names and short names) to a kind.
var spreadKinds = map[string]string{
	"deployment": spread.KindDeployment, "deployments": spread.KindDeployment, "deploy": spread.KindDeployment,
	"statefulset": spread.KindStatefulSet, "statefulsets": spread.KindStatefulSet, "sts": spread.KindStatefulSet,
	"replicaset": spread.KindReplicaSet, "replicasets": spread.KindReplicaSet, "rs": spread.KindReplicaSet,
	"daemonset": spread.KindDaemonSet, "daemonsets": spread.KindDaemonSet, "ds": spread.KindDaemonSet,
	"job": spread.KindJob, "jobs": spread.KindJob,
	"pod": spread.KindPod, "pods": spread.KindPod, "po": spread.KindPod,
}

// SpreadOptions are the flags and arguments of `kubectl placement spread`.
type SpreadOptions struct {
	// source holds the flags shared with why-pending (-o, --color, -A, -l, -f and the connection
	// flags) and loads the snapshot the same way.
	// TODO: factor the connection and loading half of WhyPendingOptions into its own type.
	source *WhyPendingOptions
	genericiooptions.IOStreams

	// Set by Complete.
	kind, name string
}

// NewSpreadOptions returns options with the flag defaults.
func NewSpreadOptions(streams genericiooptions.IOStreams) *SpreadOptions {
	return &SpreadOptions{source: NewWhyPendingOptions(streams), IOStreams: streams}
}

func newCmdSpread(streams genericiooptions.IOStreams, newClient clientFactory) *cobra.Command {
	o := NewSpreadOptions(streams)
	o.source.newClient = newClient
	s := o.source
	cmd := &cobra.Command{
		Use:   "spread (TYPE/NAME | TYPE NAME | -l SELECTOR)",
		Short: "Show how a workload's replicas are spread across zones and nodes, and where the next can go",
		Long: `Show how a workload's replicas sit across topology domains, counted exactly as the scheduler
counts them: for every topologySpreadConstraint, each domain's matching Pods, whether it is eligible
and why not, the global minimum and the skew, and the domains where one more replica could go now.
Also the workload's pod anti-affinity terms, what losing each zone or node would take down, and
warnings with fixes.

TYPE is deployment, statefulset, replicaset, daemonset, job or pod (a Pod stands for its owner).
With -l, every workload owning a matching Pod is shown.`,
		Example: spreadExample,
		Args:    cobra.MaximumNArgs(2),
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
	f := cmd.Flags()
	f.StringVarP(&s.Output, "output", "o", s.Output, "Output format. One of: "+strings.Join(render.Formats, "|"))
	f.StringVar(&s.Color, "color", s.Color, "Colour the text output. One of: "+strings.Join(colorModes, "|")+"; auto honours NO_COLOR and colours only a terminal")
	f.BoolVarP(&s.AllNamespaces, "all-namespaces", "A", s.AllNamespaces, "With -l, look for matching Pods in all namespaces")
	f.StringVarP(&s.Selector, "selector", "l", s.Selector, "Show the workloads of the Pods matching this label selector (e.g. -l app=web)")
	f.StringSliceVarP(&s.Filenames, "filename", "f", s.Filenames, "Read a snapshot from these YAML/JSON files (kubectl get -o yaml|json output) instead of the cluster; - reads stdin")
	s.configFlags.AddFlags(f)

	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(render.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions(colorModes, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagFilename("filename", "yaml", "yml", "json")
	return cmd
}

// Complete parses TYPE/NAME or TYPE NAME.
func (o *SpreadOptions) Complete(cmd *cobra.Command, args []string) error {
	if err := o.source.Complete(cmd, nil); err != nil {
		return err
	}
	var typ string
	switch len(args) {
	case 0:
		return nil
	case 1:
		var ok bool
		if typ, o.name, ok = strings.Cut(args[0], "/"); !ok {
			return fmt.Errorf("%q is not TYPE/NAME: name a workload like deployment/web", args[0])
		}
	case 2:
		typ, o.name = args[0], args[1]
	}
	typ = strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(typ), ".apps"), ".batch")
	kind, ok := spreadKinds[typ]
	if !ok {
		return fmt.Errorf("unknown workload type %q: use deployment, statefulset, replicaset, daemonset, job or pod", typ)
	}
	o.kind = kind
	if o.name == "" || strings.Contains(o.name, "/") {
		return fmt.Errorf("invalid workload name %q", o.name)
	}
	return nil
}

// Validate rejects flag values and combinations that cannot work.
func (o *SpreadOptions) Validate() error {
	switch {
	case o.kind == "" && o.source.Selector == "":
		return errors.New("name a workload (TYPE/NAME, e.g. deployment/web) or select Pods with -l SELECTOR")
	case o.kind != "" && o.source.Selector != "":
		return errors.New("a workload name cannot be combined with -l/--selector: use one or the other")
	case o.kind != "" && o.source.AllNamespaces:
		return errors.New("a workload name cannot be combined with -A/--all-namespaces: name its namespace with -n NAMESPACE instead")
	}
	// The shared flags are checked exactly as why-pending checks them.
	return o.source.Validate()
}

// Run loads the snapshot, resolves the workloads, analyses and prints them.
func (o *SpreadOptions) Run(ctx context.Context) error {
	objects, err := o.fileWorkloads()
	if err != nil {
		return err
	}
	namespace, snap, err := o.source.load(ctx)
	if err != nil {
		return err
	}
	for _, w := range snap.Warnings {
		printWarning(o.ErrOut, w)
	}

	var workloads []*spread.Workload
	if o.kind == "" {
		workloads = spread.BySelector(snap, namespace, o.source.AllNamespaces, o.source.selector)
		for i, w := range workloads {
			if workloads[i], err = o.withObject(ctx, snap, objects, w); err != nil {
				return err
			}
		}
	} else {
		w, err := o.resolve(ctx, snap, objects, namespace)
		if err != nil {
			return err
		}
		workloads = []*spread.Workload{w}
	}
	list := o.kind == ""
	if list && len(workloads) == 0 && (o.source.Output == render.FormatText || o.source.Output == render.FormatWide) {
		where := fmt.Sprintf("in namespace %s", namespace)
		if o.source.AllNamespaces {
			where = "in any namespace"
		}
		fmt.Fprintln(o.ErrOut, oneLine(fmt.Sprintf("No Pods matching %s %s (%s: %d nodes, %d pods).",
			o.source.Selector, where, snap.Source, len(snap.Nodes), len(snap.Pods))))
		return nil
	}
	reports := make([]*spread.SpreadReport, 0, len(workloads))
	for _, w := range workloads {
		r, err := spread.Analyze(snap, w)
		if err != nil {
			return err
		}
		reports = append(reports, r)
	}
	color, err := render.ColorEnabled(o.source.Color, o.Out)
	if err != nil {
		return err
	}
	return render.Spread(o.Out, reports, list, render.Options{Format: o.source.Output, Color: color})
}

// resolve finds the named workload: a Pod stands for its owner; the object is read when it can
// be, else the workload is known by its Pods.
func (o *SpreadOptions) resolve(ctx context.Context, snap *snapshot.Snapshot, objects []runtime.Object, namespace string) (*spread.Workload, error) {
	kind, name := o.kind, o.name
	if kind == spread.KindPod {
		pod, err := spread.FindPod(snap, namespace, name)
		if err != nil {
			return nil, err
		}
		kind, name = spread.OwnerOfPod(pod)
		if kind == spread.KindPod {
			return &spread.Workload{Kind: kind, Namespace: namespace, Name: name, Pods: []*corev1.Pod{pod}}, nil
		}
	}
	obj, err := o.object(ctx, objects, kind, namespace, name)
	if err != nil {
		return nil, err
	}
	if obj != nil {
		return spread.FromObject(obj, snap)
	}
	return spread.FromPods(snap, kind, namespace, name)
}

// withObject replaces a workload found by its Pods with one built from its object, when readable.
func (o *SpreadOptions) withObject(ctx context.Context, snap *snapshot.Snapshot, objects []runtime.Object, w *spread.Workload) (*spread.Workload, error) {
	if w.Kind == spread.KindPod {
		return w, nil
	}
	obj, err := o.object(ctx, objects, w.Kind, w.Namespace, w.Name)
	if err != nil {
		var nf *spread.NotFoundError
		if errors.As(err, &nf) {
			return w, nil // Pods outlive their owner for a while; they are still the workload
		}
		return nil, err
	}
	if obj == nil {
		return w, nil
	}
	return spread.FromObject(obj, snap)
}

// object reads a workload object: from the -f files, or live with one GET. nil, nil when it
// cannot be read (offline without it, a kind we do not read, or forbidden).
func (o *SpreadOptions) object(ctx context.Context, objects []runtime.Object, kind, namespace, name string) (runtime.Object, error) {
	if len(o.source.Filenames) > 0 {
		return spread.FindWorkload(objects, kind, namespace, name), nil
	}
	c := o.source.client
	if c == nil {
		return nil, nil
	}
	get := metav1.GetOptions{}
	var obj runtime.Object
	var err error
	resource := ""
	switch kind {
	case spread.KindDeployment:
		resource = "deployments.apps"
		obj, err = c.AppsV1().Deployments(namespace).Get(ctx, name, get)
	case spread.KindStatefulSet:
		resource = "statefulsets.apps"
		obj, err = c.AppsV1().StatefulSets(namespace).Get(ctx, name, get)
	case spread.KindReplicaSet:
		resource = "replicasets.apps"
		obj, err = c.AppsV1().ReplicaSets(namespace).Get(ctx, name, get)
	case spread.KindDaemonSet:
		resource = "daemonsets.apps"
		obj, err = c.AppsV1().DaemonSets(namespace).Get(ctx, name, get)
	case spread.KindJob:
		resource = "jobs.batch"
		obj, err = c.BatchV1().Jobs(namespace).Get(ctx, name, get)
	default:
		return nil, nil // another controller's kind: its Pods are all we can see
	}
	switch {
	case err == nil:
		return obj, nil
	case apierrors.IsNotFound(err):
		return nil, &spread.NotFoundError{Kind: kind, Namespace: namespace, Name: name}
	case apierrors.IsForbidden(err):
		printWarning(o.ErrOut, fmt.Sprintf("cannot get %s in namespace %q: finding its Pods by ownerReferences instead; ask for the ClusterRole in %s",
			resource, namespace, snapshot.RBACHint))
		return nil, nil
	}
	return nil, o.source.clusterError(fmt.Errorf("get %s %s/%s: %w", resource, namespace, name, err))
}

// fileWorkloads decodes the workload objects of the -f files, which the snapshot loader skips.
// Standard input is read once here and handed on to the loader.
// TODO: drop once pkg/snapshot keeps apps/v1 and batch/v1 workloads.
func (o *SpreadOptions) fileWorkloads() ([]runtime.Object, error) {
	var out []runtime.Object
	for _, name := range o.source.Filenames {
		if name == snapshot.StdinName {
			if o.In == nil {
				continue // the loader reports it
			}
			data, err := io.ReadAll(o.In)
			if err != nil {
				return nil, fmt.Errorf("cannot read snapshot from stdin: %w", err)
			}
			o.source.In = bytes.NewReader(data)
			out = append(out, spread.DecodeWorkloads(data)...)
			continue
		}
		for _, f := range snapshotFiles(name) {
			if data, err := os.ReadFile(f); err == nil {
				out = append(out, spread.DecodeWorkloads(data)...)
			}
		}
	}
	return out, nil
}

// snapshotFiles lists a -f path's files as the loader reads them; errors are left to the loader.
func snapshotFiles(path string) []string {
	fi, err := os.Stat(path)
	if err != nil || !fi.IsDir() {
		return []string{path}
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil
	}
	var files []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".yaml", ".yml", ".json":
			if !e.IsDir() {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	sort.Strings(files)
	return files
}
