package cmd

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/pkg/spread"
)

// completionTimeout bounds a completion's API requests when --request-timeout is unset: a shell
// waiting on <TAB> is worse than no suggestions.
const completionTimeout = 5 * time.Second

// completionDirective keeps our order (Pending Pods first) and never falls back to file names.
const completionDirective = cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveKeepOrder

// workloadKinds are the kinds `spread` completes as TYPE/NAME, in suggestion order.
var workloadKinds = []string{spread.KindDeployment, spread.KindStatefulSet, spread.KindDaemonSet,
	spread.KindReplicaSet, spread.KindJob, spread.KindPod}

// registerCompletions adds the completions that read the cluster (or the -f files): Pod names for
// why-pending, workloads for spread, namespaces and kubeconfig names for the connection flags.
func registerCompletions(root *cobra.Command, newClient clientFactory) {
	for _, cmd := range root.Commands() {
		switch cmd.Name() {
		case "why-pending":
			cmd.ValidArgsFunction = completePods(newClient)
		case "spread":
			cmd.ValidArgsFunction = completeWorkloads(newClient)
		}
		if cmd.Flags().Lookup("namespace") == nil {
			continue
		}
		_ = cmd.RegisterFlagCompletionFunc("namespace", completeNamespaces(newClient))
		for _, name := range []string{"context", "cluster", "user"} {
			_ = cmd.RegisterFlagCompletionFunc(name, completeKubeconfigNames(newClient, name))
		}
	}
}

// completePods offers the Pods of the namespace, Pending ones first, without those already named.
func completePods(newClient clientFactory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if all, _ := cmd.Flags().GetBool("all-namespaces"); all {
			return nil, completionDirective // POD names cannot be combined with -A
		}
		ctx, cancel := completionContext(cmd)
		defer cancel()
		src, err := newCompletionSource(cmd, newClient)
		if err != nil {
			return completionFailed(err)
		}
		pods, err := src.pods(ctx)
		if err != nil {
			return completionFailed(err)
		}
		sel := labels.Everything()
		if s, _ := cmd.Flags().GetString("selector"); s != "" {
			if parsed, err := labels.Parse(s); err == nil {
				sel = parsed
			}
		}
		var pending, others []cobra.Completion
		for _, p := range pods {
			if !strings.HasPrefix(p.Name, toComplete) || slices.Contains(args, p.Name) || !sel.Matches(labels.Set(p.Labels)) {
				continue
			}
			switch {
			case snapshot.Finished(p):
				// Nothing to explain.
			case p.Status.Phase == corev1.PodPending:
				pending = append(pending, cobra.CompletionWithDesc(p.Name, string(p.Status.Phase)))
			default:
				others = append(others, cobra.CompletionWithDesc(p.Name, string(p.Status.Phase)))
			}
		}
		sort.Strings(pending)
		sort.Strings(others)
		return append(pending, others...), completionDirective
	}
}

// completeWorkloads offers TYPE/NAME for the workloads of the namespace (deployment/web, ...), or
// NAME after a TYPE argument, keeping the TYPE spelling the user started with (deploy/, sts/).
func completeWorkloads(newClient clientFactory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if s, _ := cmd.Flags().GetString("selector"); s != "" {
			return nil, completionDirective // -l takes no workload name
		}
		var typ, prefix string
		var typed bool // TYPE/NAME being typed
		switch {
		case len(args) == 0:
			typ, prefix, typed = strings.Cut(toComplete, "/")
			if !typed {
				typ, prefix = "", toComplete
			}
		case len(args) == 1 && !strings.Contains(args[0], "/"):
			typ, prefix = args[0], toComplete
		default:
			return nil, completionDirective
		}
		kinds := workloadKinds
		if typ != "" {
			kind, ok := spreadKinds[strings.ToLower(typ)]
			if !ok {
				return nil, completionDirective
			}
			kinds = []string{kind}
		}

		ctx, cancel := completionContext(cmd)
		defer cancel()
		src, err := newCompletionSource(cmd, newClient)
		if err != nil {
			return completionFailed(err)
		}
		refs, err := src.workloads(ctx, kinds, typ == "")
		if err != nil {
			return completionFailed(err)
		}
		var out []cobra.Completion
		for _, r := range refs {
			switch {
			case len(args) == 1:
				if strings.HasPrefix(r.name, prefix) {
					out = append(out, r.name)
				}
			case typed:
				if strings.HasPrefix(r.name, prefix) {
					out = append(out, typ+"/"+r.name)
				}
			default:
				if ref := strings.ToLower(r.kind) + "/" + r.name; strings.HasPrefix(ref, prefix) {
					out = append(out, ref)
				} else if kind, ok := spreadKinds[strings.ToLower(prefix)]; ok && kind == r.kind {
					out = append(out, prefix+"/"+r.name) // "sts<TAB>"
				}
			}
		}
		return out, completionDirective
	}
}

// completeNamespaces offers the cluster's (or the snapshot's) namespaces.
func completeNamespaces(newClient clientFactory) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		ctx, cancel := completionContext(cmd)
		defer cancel()
		src, err := newCompletionSource(cmd, newClient)
		if err != nil {
			return completionFailed(err)
		}
		names, err := src.namespaces(ctx)
		if err != nil {
			return completionFailed(err)
		}
		return withPrefix(names, toComplete), completionDirective
	}
}

// completeKubeconfigNames offers the contexts, clusters or users of the kubeconfig, as kubectl does.
func completeKubeconfigNames(newClient clientFactory, flag string) cobra.CompletionFunc {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		s, err := sourceFromFlags(cmd, newClient)
		if err != nil {
			return completionFailed(err)
		}
		raw, err := s.configFlags.ToRawKubeConfigLoader().RawConfig()
		if err != nil {
			return completionFailed(err)
		}
		var names []string
		switch flag {
		case "context":
			for name := range raw.Contexts {
				names = append(names, name)
			}
		case "cluster":
			for name := range raw.Clusters {
				names = append(names, name)
			}
		case "user":
			for name := range raw.AuthInfos {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		return withPrefix(names, toComplete), completionDirective
	}
}

// completionSource is where completion reads names: the snapshot source of the command's flags
// and the namespace in scope.
type completionSource struct {
	namespace string
	src       snapshot.Source
}

// newCompletionSource connects with the command's own flags (-f, -n, --context, ...).
func newCompletionSource(cmd *cobra.Command, newClient clientFactory) (*completionSource, error) {
	s, err := sourceFromFlags(cmd, newClient)
	if err != nil {
		return nil, err
	}
	if !cmd.Flags().Changed("request-timeout") && s.configFlags.Timeout != nil {
		*s.configFlags.Timeout = completionTimeout.String()
	}
	// No stdin: it belongs to the shell.
	namespace, src, err := s.open(nil)
	if err != nil {
		return nil, err
	}
	return &completionSource{namespace: namespace, src: src}, nil
}

// sourceFromFlags builds a snapshotSource holding the values of the command's -f and connection
// flags; the command's own options are out of reach from a completion function.
func sourceFromFlags(cmd *cobra.Command, newClient clientFactory) (*snapshotSource, error) {
	s := newSnapshotSource(newClient, nil)
	fs := pflag.NewFlagSet("completion", pflag.ContinueOnError)
	s.configFlags.AddFlags(fs)
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if fs.Lookup(f.Name) != nil && err == nil {
			if sv, ok := f.Value.(pflag.SliceValue); ok {
				for _, v := range sv.GetSlice() {
					err = fs.Set(f.Name, v)
				}
				return
			}
			err = fs.Set(f.Name, f.Value.String())
		}
	})
	s.Filenames, _ = cmd.Flags().GetStringSlice("filename")
	if cmd.Flags().Lookup("snapshot") != nil { // what-if: -f is the manifest, --snapshot the cluster
		s.Filenames, _ = cmd.Flags().GetStringSlice("snapshot")
	}
	return &s, err
}

// pods are the Pods of the namespace.
func (c *completionSource) pods(ctx context.Context) ([]*corev1.Pod, error) {
	objs, err := c.src.Candidates(ctx, snapshot.KindPod, c.namespace)
	if err != nil {
		return nil, err
	}
	out := make([]*corev1.Pod, 0, len(objs))
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// namespaces are the namespace names, sorted.
func (c *completionSource) namespaces(ctx context.Context) ([]string, error) {
	objs, err := c.src.Candidates(ctx, snapshot.KindNamespace, "")
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, o := range objs {
		set[o.GetName()] = true
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// workloadRef names a workload of the namespace.
type workloadRef struct{ kind, name string }

// workloads are the workloads of the given kinds in the namespace, in kinds order then by name.
// They are the objects, and the controllers the Pods name where the objects cannot be listed
// (forbidden, or a snapshot of Pods only), as spread then finds a workload by its Pods.
// topLevel leaves out what another workload owns (a Deployment's ReplicaSets, its Pods).
func (c *completionSource) workloads(ctx context.Context, kinds []string, topLevel bool) ([]workloadRef, error) {
	set := map[workloadRef]bool{}
	add := func(kind string, obj metav1.Object) {
		if obj.GetNamespace() == c.namespace && (!topLevel || metav1.GetControllerOfNoCopy(obj) == nil) {
			set[workloadRef{kind, obj.GetName()}] = true
		}
	}
	byPods := map[string]bool{} // kinds to take from the Pods' controllers
	for _, kind := range kinds {
		if kind == spread.KindPod {
			continue
		}
		objs, err := c.src.Candidates(ctx, kind, c.namespace)
		if err != nil {
			cobra.CompDebugln("list "+kind+": "+err.Error(), false)
		}
		byPods[kind] = err != nil
		for _, o := range objs {
			add(kind, o)
		}
	}
	if slices.Contains(kinds, spread.KindPod) || slices.Contains(slices.Collect(maps.Values(byPods)), true) {
		pods, err := c.pods(ctx)
		if err != nil {
			return nil, err
		}
		for _, p := range pods {
			if slices.Contains(kinds, spread.KindPod) && !snapshot.Finished(p) {
				add(spread.KindPod, p)
			}
			if kind, name, ok := snapshot.ControllerOf(p); ok && byPods[kind] {
				set[workloadRef{kind, name}] = true
			}
		}
	}
	refs := slices.Collect(maps.Keys(set))
	slices.SortFunc(refs, func(a, b workloadRef) int {
		if c := cmp.Compare(slices.Index(workloadKinds, a.kind), slices.Index(workloadKinds, b.kind)); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	return refs, nil
}

func withPrefix(names []string, prefix string) []cobra.Completion {
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

// completionContext bounds the whole completion, whatever the flags say.
func completionContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithTimeout(ctx, 2*completionTimeout)
}

// completionFailed offers nothing: a completion never prints an error into the command line. The
// reason goes to cobra's debug log (BASH_COMP_DEBUG_FILE).
func completionFailed(err error) ([]cobra.Completion, cobra.ShellCompDirective) {
	cobra.CompDebugln("completion: "+err.Error(), false)
	return nil, completionDirective
}
