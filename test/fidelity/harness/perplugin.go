//go:build !(k8s129 || k8s130 || k8s131 || k8s132 || k8s133 || k8s134 || k8s135)

package harness

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/klog/v2"
	configv1 "k8s.io/kube-scheduler/config/v1"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler"
	schedulerapi "k8s.io/kubernetes/pkg/scheduler/apis/config"
	"k8s.io/kubernetes/pkg/scheduler/apis/config/scheme"
	"k8s.io/kubernetes/pkg/scheduler/framework"
)

// PluginStatus is one Filter plugin's failure on one node.
type PluginStatus struct {
	Plugin  string
	Code    string
	Reasons []string
}

// PerPluginResult is every Filter plugin of the real default profile run on its own on every
// node, after the real PreFilter: the scheduler itself stops at a node's first failing plugin.
type PerPluginResult struct {
	// PreFilterPlugin and PreFilterMsg are the PreFilter rejection that ends the cycle before any
	// Filter runs (no node statuses then); "" when PreFilter passed.
	PreFilterPlugin, PreFilterMsg string
	// Excluded are the nodes a PreFilterResult leaves out; their Filters are run here all the same.
	Excluded map[string]bool
	// Plugins are the profile's Filter plugins, in order.
	Plugins []string
	// Nodes maps each node to every failing plugin's status, in Filter order (none: it passes).
	Nodes map[string][]PluginStatus
}

// onlyProfilePrefix names the profile that runs every PreFilter but a single Filter plugin.
const onlyProfilePrefix = "only-"

var (
	defaultProfileOnce sync.Once
	defaultProfile     schedulerapi.KubeSchedulerProfile
	filterPlugins      []string
	defaultProfileErr  error
)

// loadDefaultProfile reads the default profile as kube-scheduler builds it (versioned defaults)
// and its Filter plugins in order, from a scheduler built once for the purpose.
func loadDefaultProfile() error {
	defaultProfileOnce.Do(func() {
		var versioned configv1.KubeSchedulerConfiguration
		scheme.Scheme.Default(&versioned)
		var cfg schedulerapi.KubeSchedulerConfiguration
		if err := scheme.Scheme.Convert(&versioned, &cfg, nil); err != nil {
			defaultProfileErr = fmt.Errorf("default scheduler configuration: %w", err)
			return
		}
		defaultProfile = cfg.Profiles[0]
		ctx, cancel := context.WithCancel(klog.NewContext(context.Background(), logr.Discard()))
		defer cancel()
		client := fake.NewSimpleClientset()
		sched, err := scheduler.New(ctx, client, newInformerFactory(client), nil, fakeRecorders())
		if err != nil {
			defaultProfileErr = fmt.Errorf("new scheduler: %w", err)
			return
		}
		for _, p := range sched.Profiles[corev1.DefaultSchedulerName].ListPlugins().Filter.Enabled {
			filterPlugins = append(filterPlugins, p.Name)
		}
	})
	return defaultProfileErr
}

// perPluginProfiles are the default profile and, per Filter plugin, a copy whose Filter point
// has that plugin alone (every PreFilter, and so the real PreFilter state, stays).
func perPluginProfiles() []schedulerapi.KubeSchedulerProfile {
	out := []schedulerapi.KubeSchedulerProfile{*defaultProfile.DeepCopy()}
	for _, name := range filterPlugins {
		p := defaultProfile.DeepCopy()
		p.SchedulerName = onlyProfilePrefix + name
		p.Plugins.Filter = schedulerapi.PluginSet{
			Enabled:  []schedulerapi.Plugin{{Name: name}},
			Disabled: []schedulerapi.Plugin{{Name: "*"}},
		}
		out = append(out, *p)
	}
	return out
}

// RunPerPlugin runs the Pod namespace/name through the real PreFilter and then each Filter plugin
// of the default profile separately on every node, Pods nominated to the node included as the
// scheduler includes them. It sets up the cluster as Run does.
func RunPerPlugin(ctx context.Context, objs Objects, namespace, name string) (*PerPluginResult, error) {
	Quiet()
	if err := loadDefaultProfile(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(klog.NewContext(ctx, logr.Discard()), 30*time.Second)
	defer cancel()

	st, err := start(ctx, objs, namespace, name, scheduler.WithProfiles(perPluginProfiles()...))
	if err != nil {
		return nil, err
	}
	defer st.stop()
	sched, pending := st.sched, st.pending

	// The scheduler refreshes the snapshot every profile's plugins read at the start of a cycle:
	// run one for the Pod and, in place of the default profile's algorithm, judge each plugin.
	var (
		res     *PerPluginResult
		evalErr = errors.New("the scheduling cycle did not reach the algorithm")
	)
	sched.SchedulePod = func(ctx context.Context, _ framework.Framework, _ fwk.CycleState, pi *framework.QueuedPodInfo) (scheduler.ScheduleResult, error) {
		res, evalErr = perPlugin(ctx, sched, pi.Pod)
		return scheduler.ScheduleResult{}, errPerPluginDone
	}
	sched.FailureHandler = func(context.Context, framework.Framework, *framework.QueuedPodInfo, *fwk.Status, *fwk.NominatingInfo, time.Time) {
	}
	sched.SchedulingQueue.Run(klog.FromContext(ctx))
	defer sched.SchedulingQueue.Close()
	if err := popOnly(sched, pending); err != nil {
		return nil, err
	}
	sched.ScheduleOne(ctx)
	return res, evalErr
}

var errPerPluginDone = errors.New("per-plugin evaluation done")

// perPlugin runs the real PreFilter, then each Filter plugin alone on every node of the
// snapshot the cycle just took.
func perPlugin(ctx context.Context, sched *scheduler.Scheduler, pod *corev1.Pod) (*PerPluginResult, error) {
	nodeInfos, err := sched.Profiles[corev1.DefaultSchedulerName].SnapshotSharedLister().NodeInfos().List()
	if err != nil {
		return nil, fmt.Errorf("node infos: %w", err)
	}
	res := &PerPluginResult{Plugins: filterPlugins, Nodes: map[string][]PluginStatus{}}
	if len(nodeInfos) == 0 {
		return res, nil // "no nodes available": the scheduler runs no plugin
	}
	for _, plugin := range filterPlugins {
		f := sched.Profiles[onlyProfilePrefix+plugin]
		state := framework.NewCycleState()
		preRes, st, _ := f.RunPreFilterPlugins(ctx, state, pod)
		if !st.IsSuccess() {
			// The scheduler gives every node this status and runs no Filter.
			res.PreFilterPlugin, res.PreFilterMsg = st.Plugin(), st.Message()
			res.Nodes = nil
			return res, nil
		}
		if res.Excluded == nil && !preRes.AllNodes() {
			res.Excluded = map[string]bool{}
			for _, ni := range nodeInfos {
				if !preRes.NodeNames.Has(ni.Node().Name) {
					res.Excluded[ni.Node().Name] = true
				}
			}
		}
		for _, ni := range nodeInfos {
			st := f.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni)
			if st.IsSuccess() {
				continue
			}
			if st.Code() == fwk.Error {
				return nil, fmt.Errorf("%s on node %s: %w", plugin, ni.Node().Name, st.AsError())
			}
			res.Nodes[ni.Node().Name] = append(res.Nodes[ni.Node().Name],
				PluginStatus{Plugin: plugin, Code: st.Code().String(), Reasons: append([]string(nil), st.Reasons()...)})
		}
	}
	return res, nil
}
