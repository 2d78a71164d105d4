package cmd

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-placement/kubectl-placement/internal/version"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/render"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// defaultRequestTimeout bounds each API request when --request-timeout is unset, so an unreachable
// or black-holed API server ends in an error instead of a hang.
const defaultRequestTimeout = 30 * time.Second

// colorModes are the --color values, in help order.
var colorModes = []string{render.ColorAuto, render.ColorAlways, render.ColorNever}

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
	configFlags *genericclioptions.ConfigFlags
	genericiooptions.IOStreams

	Output        string
	Color         string
	AllNamespaces bool
	Selector      string
	Filenames     []string
	PodNames      []string

	// newClient builds the clientset from the connection flags, unless client is already set.
	newClient clientFactory
	client    kubernetes.Interface

	// Set by Complete.
	selector labels.Selector
	// liveFlags are the connection flags given, which -f cannot honour.
	liveFlags []string
	// Set when connecting, for error messages.
	host    string
	timeout time.Duration
	// noKubeconfig: no kubeconfig was found, so client-go fell back to localhost:8080.
	noKubeconfig bool
}

// NewWhyPendingOptions returns options with the flag defaults.
func NewWhyPendingOptions(streams genericiooptions.IOStreams) *WhyPendingOptions {
	return &WhyPendingOptions{
		configFlags: genericclioptions.NewConfigFlags(true),
		IOStreams:   streams,
		Output:      render.FormatText,
		Color:       render.ColorAuto,
		newClient:   newClientset,
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
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: "+strings.Join(render.Formats, "|"))
	f.StringVar(&o.Color, "color", o.Color, "Colour the text output. One of: "+strings.Join(colorModes, "|")+"; auto honours NO_COLOR and colours only a terminal")
	f.BoolVarP(&o.AllNamespaces, "all-namespaces", "A", o.AllNamespaces, "Explain Pending Pods in all namespaces")
	f.StringVarP(&o.Selector, "selector", "l", o.Selector, "Explain only Pending Pods matching this label selector (e.g. -l app=web)")
	f.StringSliceVarP(&o.Filenames, "filename", "f", o.Filenames, "Read a snapshot from these YAML/JSON files (kubectl get -o yaml|json output) instead of the cluster; - reads stdin")
	o.configFlags.AddFlags(f)

	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(render.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions(colorModes, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.MarkFlagFilename("filename", "yaml", "yml", "json")
	return cmd
}

// Complete takes the arguments and notes which flags were given.
func (o *WhyPendingOptions) Complete(cmd *cobra.Command, args []string) error {
	o.PodNames = args
	if len(o.Filenames) > 0 {
		for _, name := range connectionFlagNames() {
			if cmd.Flags().Changed(name) {
				o.liveFlags = append(o.liveFlags, "--"+name)
			}
		}
	}
	return nil
}

// Validate rejects flag values and combinations that cannot work.
func (o *WhyPendingOptions) Validate() error {
	if !slices.Contains(render.Formats, o.Output) {
		return fmt.Errorf("--output must be one of: %s", strings.Join(render.Formats, ", "))
	}
	if !slices.Contains(colorModes, o.Color) {
		return fmt.Errorf("--color must be one of: %s", strings.Join(colorModes, ", "))
	}
	if o.AllNamespaces && len(o.PodNames) > 0 {
		return errors.New("a Pod name cannot be combined with -A/--all-namespaces: name Pods with -n NAMESPACE instead")
	}
	if len(o.liveFlags) > 0 {
		return fmt.Errorf("%s cannot be used with -f/--filename: a snapshot file is read instead of a cluster", strings.Join(o.liveFlags, ", "))
	}
	o.selector = labels.Everything()
	if o.Selector != "" {
		sel, err := labels.Parse(o.Selector)
		if err != nil {
			return fmt.Errorf("invalid --selector %q: %w", o.Selector, err)
		}
		o.selector = sel
	}
	for _, f := range o.Filenames {
		if strings.TrimSpace(f) == "" {
			return errors.New("-f/--filename needs a file name (- for stdin)")
		}
	}
	return nil
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

	if len(report.Pods) == 0 && len(report.NotPending) == 0 && (o.Output == render.FormatText || o.Output == render.FormatWide) {
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

// load reads the snapshot from files or the cluster and returns it with the namespace to explain.
func (o *WhyPendingOptions) load(ctx context.Context) (string, *snapshot.Snapshot, error) {
	if len(o.Filenames) > 0 {
		// A snapshot may come from another cluster: the kubeconfig has no say in its namespace.
		namespace := metav1.NamespaceDefault
		if o.configFlags.Namespace != nil && *o.configFlags.Namespace != "" {
			namespace = *o.configFlags.Namespace
		}
		snap, err := snapshot.LoadFiles(o.Filenames, o.In)
		return namespace, snap, err
	}

	namespace, source, err := o.connect()
	if err != nil {
		return "", nil, err
	}
	opts := snapshot.ClusterOptions{Source: source, FallbackNamespace: namespace}
	if !o.AllNamespaces {
		opts.EventNamespace = namespace
	}
	snap, err := snapshot.FromCluster(ctx, o.client, opts)
	if err != nil {
		return "", nil, o.clusterError(err)
	}
	return namespace, snap, nil
}

// connect resolves the namespace and the cluster's name from the kubeconfig and builds the client.
func (o *WhyPendingOptions) connect() (namespace, source string, err error) {
	loader := o.configFlags.ToRawKubeConfigLoader()
	namespace, _, err = loader.Namespace()
	if err != nil {
		return "", "", kubeconfigError(err)
	}
	source = "cluster"
	if raw, err := loader.RawConfig(); err == nil {
		o.noKubeconfig = len(raw.Clusters) == 0
		contextName := raw.CurrentContext
		if o.configFlags.Context != nil && *o.configFlags.Context != "" {
			contextName = *o.configFlags.Context
		}
		if contextName != "" {
			source = "cluster " + contextName
		}
	}
	config, err := o.configFlags.ToRESTConfig()
	if err != nil {
		return "", "", kubeconfigError(err)
	}
	tuneRESTConfig(config)
	o.host, o.timeout = config.Host, config.Timeout
	if o.client == nil {
		if o.client, err = o.newClient(config); err != nil {
			return "", "", fmt.Errorf("cannot create a client for %s: %w", config.Host, err)
		}
	}
	return namespace, source, nil
}

// tuneRESTConfig sets what a read-only bulk reader wants: protobuf (several times smaller and
// faster to decode than JSON), a request timeout, and a rate limit that does not throttle a
// handful of paged LISTs.
func tuneRESTConfig(c *rest.Config) {
	c.ContentType = "application/vnd.kubernetes.protobuf"
	c.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	c.QPS, c.Burst = 50, 100
	if c.Timeout <= 0 {
		c.Timeout = defaultRequestTimeout
	}
	c.UserAgent = fmt.Sprintf("kubectl-placement/%s (%s/%s)", version.Version, runtime.GOOS, runtime.GOARCH)
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

// connectionFlagNames are the kubeconfig and connection flags of ConfigFlags; all but
// --namespace are meaningless for a snapshot file.
func connectionFlagNames() []string {
	fs := pflag.NewFlagSet("connection", pflag.ContinueOnError)
	genericclioptions.NewConfigFlags(false).AddFlags(fs)
	var names []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Name != "namespace" {
			names = append(names, f.Name)
		}
	})
	return names
}

// kubeconfigError explains a kubeconfig that cannot be used.
func kubeconfigError(err error) error {
	if isEmptyConfig(err) {
		return errors.New("no cluster configured: set --kubeconfig or KUBECONFIG, or read a snapshot with -f FILE")
	}
	return fmt.Errorf("invalid kubeconfig: %w", err)
}

// clusterError turns a failed read into one line that says what to do.
func (o *WhyPendingOptions) clusterError(err error) error {
	host := o.host
	if host == "" {
		host = "the API server"
	}
	switch {
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the cluster at %s rejected the credentials (Unauthorized): log in again, or check --kubeconfig, --context and --user", host)
	case isTimeout(err):
		return fmt.Errorf("timed out after %s talking to %s; check --request-timeout / connectivity", o.timeout, host)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%w; ask for the ClusterRole in %s", err, snapshot.RBACHint)
	}
	if cause, ok := transportCause(err); ok {
		if o.noKubeconfig {
			return fmt.Errorf("cannot reach the cluster at %s (no kubeconfig found: set --kubeconfig or KUBECONFIG, or read a snapshot with -f FILE): %w", host, cause)
		}
		return fmt.Errorf("cannot reach the cluster at %s: %w", host, cause)
	}
	return err
}
