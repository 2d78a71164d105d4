package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/kubectl-placement/kubectl-placement/internal/version"
	"github.com/kubectl-placement/kubectl-placement/pkg/render"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// defaultTimeout bounds the whole read of a cluster (every request, retry, Retry-After wait and
// page) unless --timeout says otherwise: an unwell API server must end in an error, not a hang.
const defaultTimeout = 2 * time.Minute

// colorModes are the --color values, in help order.
var colorModes = []string{render.ColorAuto, render.ColorAlways, render.ColorNever}

// outputFlags are -o and --color, shared by the report commands.
type outputFlags struct {
	Output string
	Color  string
}

func newOutputFlags() outputFlags {
	return outputFlags{Output: render.FormatText, Color: render.ColorAuto}
}

// addOutputFlags registers -o and --color with their completions.
func (o *outputFlags) addOutputFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: "+strings.Join(render.Formats, "|"))
	f.StringVar(&o.Color, "color", o.Color, "Colour the text output. One of: "+strings.Join(colorModes, "|")+"; auto honours NO_COLOR and colours only a terminal")
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(render.Formats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("color", cobra.FixedCompletions(colorModes, cobra.ShellCompDirectiveNoFileComp))
}

func (o *outputFlags) validateOutput() error {
	if !slices.Contains(render.Formats, o.Output) {
		return fmt.Errorf("--output must be one of: %s", strings.Join(render.Formats, ", "))
	}
	if !slices.Contains(colorModes, o.Color) {
		return fmt.Errorf("--color must be one of: %s", strings.Join(colorModes, ", "))
	}
	return nil
}

// human reports the text formats, where "nothing found" is a message rather than an empty report.
func (o *outputFlags) human() bool {
	return o.Output == render.FormatText || o.Output == render.FormatWide
}

// reportOptions are what the report commands (why-pending, spread) share: where the snapshot
// comes from, how to print the report, and the streams.
type reportOptions struct {
	snapshotSource
	outputFlags
	genericiooptions.IOStreams
}

func newReportOptions(streams genericiooptions.IOStreams, newClient clientFactory) reportOptions {
	return reportOptions{snapshotSource: newSnapshotSource(newClient, streams.ErrOut), outputFlags: newOutputFlags(), IOStreams: streams}
}

func (o *reportOptions) validate() error {
	if err := o.validateOutput(); err != nil {
		return err
	}
	return o.validateSource()
}

// load reads the snapshot (-f - from the command's stdin) and prints its warnings to stderr,
// once: text and wide output do not repeat them, -o json|yaml keep them in the report.
func (o *reportOptions) load(ctx context.Context) (string, *snapshot.Snapshot, error) {
	namespace, snap, err := o.loadSnapshot(ctx, o.In)
	if err != nil {
		return "", nil, err
	}
	for _, w := range snap.Warnings {
		printWarning(o.ErrOut, w)
	}
	return namespace, snap, nil
}

// options are a command's flags and arguments in kubectl's shape.
type options interface {
	Complete(cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runOptions is the RunE of a command with options: complete, validate, run.
func runOptions(o options) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(cmd, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}

// snapshotSource is what a command needs to read a snapshot: files (-f) or the cluster through
// kubectl's connection flags, and the scope (-n, -A, -l).
type snapshotSource struct {
	configFlags   *genericclioptions.ConfigFlags
	AllNamespaces bool
	Selector      string
	Filenames     []string
	// PodNames are Pods named on the command line, in the namespace in scope: the loaders keep
	// them even when they have finished.
	PodNames []string
	// Timeout bounds the whole command's reading of the cluster; 0 means no limit.
	Timeout time.Duration

	// newClient builds the clientset from the connection flags, unless client is already set.
	newClient clientFactory
	client    kubernetes.Interface
	// source is what loadSnapshot read, for later reads.
	source snapshot.Source

	// Set by completeSource and validateSource.
	selector labels.Selector
	// liveFlags are the connection flags given, which -f cannot honour.
	liveFlags []string
	// apiWarnings prints the API server's Warning headers, once each.
	apiWarnings *apiWarnings
	// Set when connecting, for error messages.
	host    string
	timeout time.Duration
	// noKubeconfig: no kubeconfig was found, so client-go fell back to localhost:8080.
	noKubeconfig bool
}

func newSnapshotSource(newClient clientFactory, warnings io.Writer) snapshotSource {
	return snapshotSource{
		configFlags: genericclioptions.NewConfigFlags(true), newClient: newClient, selector: labels.Everything(),
		Timeout: defaultTimeout, apiWarnings: &apiWarnings{out: warnings, seen: map[string]bool{}},
	}
}

// withDeadline bounds ctx by --timeout.
func (s *snapshotSource) withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, s.Timeout)
}

// addSourceFlags registers -A, -l, -f and kubectl's connection flags; the help texts say what -A
// and -l select for the command.
func (s *snapshotSource) addSourceFlags(cmd *cobra.Command, allNamespacesHelp, selectorHelp string) {
	f := cmd.Flags()
	f.BoolVarP(&s.AllNamespaces, "all-namespaces", "A", s.AllNamespaces, allNamespacesHelp)
	f.StringVarP(&s.Selector, "selector", "l", s.Selector, selectorHelp)
	f.StringSliceVarP(&s.Filenames, "filename", "f", s.Filenames, "Read a snapshot from these YAML/JSON files (kubectl get -o yaml|json output) instead of the cluster; - reads stdin")
	f.DurationVar(&s.Timeout, "timeout", s.Timeout, "The longest the whole read of the cluster may take, retries and paging included (e.g. 30s, 5m); 0 means no limit")
	s.configFlags.AddFlags(f)
	_ = cmd.MarkFlagFilename("filename", "yaml", "yml", "json")
}

// completeSource notes the connection flags given with -f.
func (s *snapshotSource) completeSource(cmd *cobra.Command) {
	s.liveFlags = nil
	if len(s.Filenames) == 0 {
		return
	}
	for _, name := range connectionFlagNames() {
		if cmd.Flags().Changed(name) {
			s.liveFlags = append(s.liveFlags, "--"+name)
		}
	}
}

func (s *snapshotSource) validateSource() error {
	if len(s.liveFlags) > 0 {
		return fmt.Errorf("%s cannot be used with -f/--filename: a snapshot file is read instead of a cluster", strings.Join(s.liveFlags, ", "))
	}
	for _, f := range s.Filenames {
		if strings.TrimSpace(f) == "" {
			return errors.New("-f/--filename needs a file name (- for stdin)")
		}
	}
	s.selector = labels.Everything()
	if s.Selector != "" {
		sel, err := labels.Parse(s.Selector)
		if err != nil {
			return fmt.Errorf("invalid --selector %q: %w", s.Selector, err)
		}
		s.selector = sel
	}
	return nil
}

// open resolves the namespace in scope and the snapshot source the flags name: the -f files
// (stdin for -, when stdin is given) or the cluster.
func (s *snapshotSource) open(stdin io.Reader) (string, snapshot.Source, error) {
	if len(s.Filenames) > 0 {
		// As kubectl get -f: -n, else the kubeconfig's namespace, else default (no kubeconfig
		// is needed to read a file).
		namespace, _, err := s.configFlags.ToRawKubeConfigLoader().Namespace()
		if err != nil || namespace == "" {
			namespace = metav1.NamespaceDefault
			if s.configFlags.Namespace != nil && *s.configFlags.Namespace != "" {
				namespace = *s.configFlags.Namespace
			}
		}
		return namespace, &snapshot.Files{Paths: s.Filenames, Stdin: stdin, NamedPods: s.namedPods(namespace)}, nil
	}
	namespace, source, err := s.connect()
	if err != nil {
		return "", nil, err
	}
	opts := snapshot.ClusterOptions{Source: source, FallbackNamespace: namespace, NamedPods: s.namedPods(namespace)}
	if !s.AllNamespaces {
		opts.EventNamespace = namespace
	}
	return namespace, &snapshot.Cluster{Client: s.client, Options: opts}, nil
}

// loadSnapshot opens the source and reads the snapshot; it keeps the source for later reads
// (spread's workload objects).
func (s *snapshotSource) loadSnapshot(ctx context.Context, stdin io.Reader) (string, *snapshot.Snapshot, error) {
	namespace, src, err := s.open(stdin)
	if err != nil {
		return "", nil, err
	}
	s.source = src
	snap, err := src.Load(ctx)
	if err != nil {
		return "", nil, s.clusterError(ctx, err)
	}
	return namespace, snap, nil
}

func (s *snapshotSource) namedPods(namespace string) []types.NamespacedName {
	out := make([]types.NamespacedName, len(s.PodNames))
	for i, name := range s.PodNames {
		out[i] = types.NamespacedName{Namespace: namespace, Name: name}
	}
	return out
}

// noneFound says that nothing in scope matched, and what was looked at, like kubectl's
// "No resources found": what is e.g. "Pending Pods".
func (s *snapshotSource) noneFound(what, namespace string, snap *snapshot.Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "No %s", what)
	if s.Selector != "" {
		fmt.Fprintf(&b, " matching %s", s.Selector)
	}
	if s.AllNamespaces {
		b.WriteString(" in any namespace")
	} else {
		fmt.Fprintf(&b, " in namespace %s", namespace)
	}
	fmt.Fprintf(&b, " (%s: %d nodes, %d pods).", snap.Source, len(snap.Nodes), len(snap.Pods))
	return oneLine(b.String())
}

// connect resolves the namespace and the cluster's name from the kubeconfig and builds the client.
func (s *snapshotSource) connect() (namespace, source string, err error) {
	loader := s.configFlags.ToRawKubeConfigLoader()
	namespace, _, err = loader.Namespace()
	if err != nil {
		return "", "", kubeconfigError(err)
	}
	source = "cluster"
	if raw, err := loader.RawConfig(); err == nil {
		s.noKubeconfig = len(raw.Clusters) == 0
		contextName := raw.CurrentContext
		if s.configFlags.Context != nil && *s.configFlags.Context != "" {
			contextName = *s.configFlags.Context
		}
		if contextName != "" {
			source = "cluster " + contextName
		}
	}
	config, err := s.configFlags.ToRESTConfig()
	if err != nil {
		return "", "", kubeconfigError(err)
	}
	tuneRESTConfig(config)
	config.WarningHandler = s.apiWarnings
	s.host, s.timeout = config.Host, config.Timeout
	if s.client == nil {
		if s.client, err = s.newClient(config); err != nil {
			return "", "", fmt.Errorf("cannot create a client for %s: %w", config.Host, err)
		}
	}
	return namespace, source, nil
}

// tuneRESTConfig sets what a read-only bulk reader wants: protobuf (several times smaller and
// faster to decode than JSON), a rate limit that does not throttle a handful of paged LISTs, and
// no Retry-After wait that would outlast the deadline. --request-timeout stays as kubectl has it
// (0: none); --timeout bounds the whole read.
func tuneRESTConfig(c *rest.Config) {
	c.ContentType = "application/vnd.kubernetes.protobuf"
	c.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	c.QPS, c.Burst = 50, 100
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper { return retryAfterWithinDeadline{rt} })
	c.UserAgent = fmt.Sprintf("kubectl-placement/%s (%s/%s)", version.Version, runtime.GOOS, runtime.GOARCH)
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
func (s *snapshotSource) clusterError(ctx context.Context, err error) error {
	host := s.host
	if host == "" {
		host = "the API server"
	}
	switch {
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return errors.New("interrupted")
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("gave up after %s (--timeout) reading the cluster at %s; raise --timeout or check the API server's health", s.Timeout, host)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("the cluster at %s rejected the credentials (Unauthorized): log in again, or check --kubeconfig, --context and --user", host)
	case apierrors.IsTooManyRequests(err):
		return fmt.Errorf("the API server at %s is too busy (429 Too Many Requests) to answer within --timeout %s; try again later", host, s.Timeout)
	case s.timeout > 0 && isTimeout(err) && !strings.Contains(err.Error(), "TLS handshake timeout"):
		return fmt.Errorf("timed out after %s talking to %s; check --request-timeout / connectivity", s.timeout, host)
	case isTimeout(err):
		if cause, ok := transportCause(err); ok {
			err = cause
		}
		return fmt.Errorf("timed out talking to %s (%w); check connectivity", host, err)
	case apierrors.IsForbidden(err) && !strings.Contains(err.Error(), snapshot.RBACHint):
		return fmt.Errorf("%w; ask for the ClusterRole in %s", err, snapshot.RBACHint)
	}
	if cause, ok := transportCause(err); ok {
		if s.noKubeconfig {
			return fmt.Errorf("cannot reach the cluster at %s (no kubeconfig found: set --kubeconfig or KUBECONFIG, or read a snapshot with -f FILE): %w", host, cause)
		}
		return fmt.Errorf("cannot reach the cluster at %s: %w", host, cause)
	}
	return err
}

// retryAfterWithinDeadline drops a Retry-After the request's deadline cannot wait for, so client-go
// returns the 429 or 5xx at once instead of sleeping past --timeout.
type retryAfterWithinDeadline struct{ next http.RoundTripper }

// WrappedRoundTripper lets client-go reach the transport underneath (to cancel requests).
func (t retryAfterWithinDeadline) WrappedRoundTripper() http.RoundTripper { return t.next }

func (t retryAfterWithinDeadline) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.Header.Get("Retry-After") == "" {
		return resp, err
	}
	deadline, ok := req.Context().Deadline()
	if !ok {
		return resp, err
	}
	seconds, perr := strconv.Atoi(strings.TrimSpace(resp.Header.Get("Retry-After")))
	if perr != nil || time.Until(deadline) < time.Duration(seconds)*time.Second {
		resp.Header.Del("Retry-After")
	}
	return resp, nil
}

// apiWarnings prints the API server's Warning headers on stderr, once each and made safe, the
// way kubectl does (client-go would log them through klog).
type apiWarnings struct {
	out  io.Writer
	mu   sync.Mutex
	seen map[string]bool
}

func (w *apiWarnings) HandleWarningHeader(code int, _ string, text string) {
	if code != 299 || text == "" || w.out == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen[text] {
		return
	}
	w.seen[text] = true
	printWarning(w.out, text)
}
