package cmd

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	reportOptions

	// Set by Complete.
	kind, name string
}

// NewSpreadOptions returns options with the flag defaults.
func NewSpreadOptions(streams genericiooptions.IOStreams) *SpreadOptions {
	return &SpreadOptions{reportOptions: newReportOptions(streams, newClientset)}
}

func newCmdSpread(streams genericiooptions.IOStreams, newClient clientFactory) *cobra.Command {
	o := &SpreadOptions{reportOptions: newReportOptions(streams, newClient)}
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
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 2 {
				return fmt.Errorf("expected one workload as TYPE/NAME or TYPE NAME, got %d arguments; to see several workloads use -l SELECTOR", len(args))
			}
			return nil
		},
		RunE: runOptions(o),
	}
	o.addOutputFlags(cmd)
	o.addSourceFlags(cmd, "With -l, look for matching Pods in all namespaces", "Show the workloads of the Pods matching this label selector (e.g. -l app=web)")
	return cmd
}

// Complete parses TYPE/NAME or TYPE NAME.
func (o *SpreadOptions) Complete(cmd *cobra.Command, args []string) error {
	o.completeSource(cmd)
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
	case o.kind == "" && o.Selector == "":
		return errors.New("name a workload (TYPE/NAME, e.g. deployment/web) or select Pods with -l SELECTOR")
	case o.kind != "" && o.Selector != "":
		return errors.New("a workload name cannot be combined with -l/--selector: use one or the other")
	case o.kind != "" && o.AllNamespaces:
		return errors.New("a workload name cannot be combined with -A/--all-namespaces: name its namespace with -n NAMESPACE instead")
	}
	return o.validate()
}

// Run loads the snapshot, resolves the workloads, analyses and prints them.
func (o *SpreadOptions) Run(ctx context.Context) error {
	ctx, cancel := o.withDeadline(ctx)
	defer cancel()
	namespace, snap, err := o.load(ctx)
	if err != nil {
		return err
	}

	var workloads []*spread.Workload
	if o.kind == "" {
		workloads = spread.BySelector(snap, namespace, o.AllNamespaces, o.selector)
		for i, w := range workloads {
			if workloads[i], err = o.withObject(ctx, snap, w); err != nil {
				return err
			}
		}
	} else {
		w, err := o.resolve(ctx, snap, namespace)
		if err != nil {
			return err
		}
		workloads = []*spread.Workload{w}
	}
	list := o.kind == ""
	if list && len(workloads) == 0 && o.human() {
		fmt.Fprintln(o.ErrOut, o.noneFound("Pods", namespace, snap))
		return nil
	}
	reports := make([]*spread.SpreadReport, 0, len(workloads))
	analyzer := spread.NewAnalyzer(snap)
	for _, w := range workloads {
		r, err := analyzer.Analyze(w)
		switch {
		case err != nil && !list:
			return err
		case err != nil:
			// One workload's odd Pod (a label that makes no selector) must not hide the others.
			printWarning(o.ErrOut, fmt.Sprintf("skipped %s %s/%s: %v", strings.ToLower(w.Kind), w.Namespace, w.Name, err))
			continue
		}
		reports = append(reports, r)
	}
	color, err := render.ColorEnabled(o.Color, o.Out)
	if err != nil {
		return err
	}
	return render.Spread(o.Out, reports, list, render.Options{Format: o.Output, Color: color})
}

// resolve finds the named workload: a Pod stands for its owner; the object is read when it can
// be, else the workload is known by its Pods.
func (o *SpreadOptions) resolve(ctx context.Context, snap *snapshot.Snapshot, namespace string) (*spread.Workload, error) {
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
	obj, err := o.object(ctx, kind, namespace, name)
	var nf *spread.NotFoundError
	switch {
	case errors.As(err, &nf):
		// Pods outlive their owner for a while (or name one that never existed): they are still
		// the workload.
		w, err := spread.FromPods(snap, kind, namespace, name)
		if errors.As(err, new(*spread.NotFoundError)) {
			return nil, nf
		}
		return w, err
	case err != nil:
		return nil, err
	case obj != nil:
		return spread.FromObject(obj, snap)
	}
	return spread.FromPods(snap, kind, namespace, name)
}

// withObject replaces a workload found by its Pods with one built from its object, when readable.
func (o *SpreadOptions) withObject(ctx context.Context, snap *snapshot.Snapshot, w *spread.Workload) (*spread.Workload, error) {
	if w.Kind == spread.KindPod {
		return w, nil
	}
	obj, err := o.object(ctx, w.Kind, w.Namespace, w.Name)
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

// object reads a workload object from the snapshot's source: nil, nil when it cannot be read
// (a snapshot without it, a kind that is not read, or a refusal), as its Pods then stand for it.
func (o *SpreadOptions) object(ctx context.Context, kind, namespace, name string) (runtime.Object, error) {
	if o.source == nil {
		return nil, nil
	}
	obj, err := o.source.Workload(ctx, kind, namespace, name)
	switch {
	case err == nil:
		return obj, nil
	case apierrors.IsNotFound(err):
		return nil, &spread.NotFoundError{Kind: kind, Namespace: namespace, Name: name}
	case apierrors.IsForbidden(err):
		resource := snapshot.WorkloadResource(kind)
		printWarning(o.ErrOut, fmt.Sprintf("cannot get %s in namespace %q: finding its Pods by ownerReferences instead; %s grants get on %s",
			resource, namespace, snapshot.RBACHint, resource))
		return nil, nil
	case ctx.Err() != nil:
		return nil, o.clusterError(ctx, err)
	}
	// The object is optional: its Pods still show the spread.
	printWarning(o.ErrOut, fmt.Sprintf("cannot get %s %s/%s (%v): finding its Pods by ownerReferences instead",
		snapshot.WorkloadResource(kind), namespace, name, err))
	return nil, nil
}
