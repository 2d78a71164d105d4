package fidelity

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/klog/v2"
	configv1 "k8s.io/kube-scheduler/config/v1"
	fwk "k8s.io/kube-scheduler/framework"
	schedulerapi "k8s.io/kubernetes/pkg/scheduler/apis/config"
	"k8s.io/kubernetes/pkg/scheduler/apis/config/scheme"
	internalcache "k8s.io/kubernetes/pkg/scheduler/backend/cache"
	"k8s.io/kubernetes/pkg/scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework/plugins"
	frameworkruntime "k8s.io/kubernetes/pkg/scheduler/framework/runtime"
	"k8s.io/kubernetes/pkg/scheduler/metrics"

	"github.com/kubectl-placement/kubectl-placement/hack/gencluster/gen"
	"github.com/kubectl-placement/kubectl-placement/internal/parallel"
	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// BenchmarkExplainVsFramework builds one synthetic cluster (hack/gencluster's generator, read by
// the plugin's own file reader) and times, in one process over the same objects:
//
//	(a) the real v1.37 framework's filter pass for every Pending Pod: PreFilter, then Filter on
//	    every node until its first failing plugin, as the scheduler filters (no early stop at
//	    enough feasible nodes: these Pods fit nowhere);
//	(b) explain of every blocker for the same Pods (why-pending -A: every node's every blocker,
//	    preemption's dry run, verified fixes);
//	(c) the every-blocker cycle of (b) alone: PreFilter and every plugin's Filter on every node,
//	    never stopping at the first failure (no preemption, fixes or report).
//
// Both use every core (GOMAXPROCS): Pods are spread over the cores on either side. It reports
// ms per Pod of each and the ratios b/a and c/a. Sizes from SCALE_NODES (500), SCALE_PODS (30 per node)
// and SCALE_PENDING (200); every Pending Pod is distinct (its own owner).
//
//	cd test/fidelity && SCALE_NODES=5000 SCALE_PENDING=200 go test -run X -bench ExplainVsFramework -benchtime 1x .
func BenchmarkExplainVsFramework(b *testing.B) {
	cfg := gen.Config{Nodes: scaleSize("SCALE_NODES", 500), Workloads: 20, Namespaces: 50}
	cfg.Pods = scaleSize("SCALE_PODS", 30*cfg.Nodes)
	cfg.Pending = scaleSize("SCALE_PENDING", 200)
	s := generatedSnapshot(b, cfg)
	var pending []*corev1.Pod
	for _, p := range s.Pods {
		if explain.IsPendingForScheduling(p) {
			pending = append(pending, p)
		}
	}
	b.Logf("cluster: %d nodes, %d Pods, %d Pending; GOMAXPROCS %d", len(s.Nodes), len(s.Pods), len(pending), runtime.GOMAXPROCS(0))

	for i := 0; i < b.N; i++ {
		runtime.GC()
		start, startCPU := time.Now(), processCPU()
		failures := frameworkFilterPass(b, s, pending)
		real, realCPU := time.Since(start), processCPU()-startCPU

		runtime.GC()
		start, startCPU = time.Now(), processCPU()
		r, err := explain.Explain(s, explain.Selection{AllNamespaces: true})
		ours, oursCPU := time.Since(start), processCPU()-startCPU
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Pods) != len(pending) {
			b.Fatalf("explained %d Pods, want %d", len(r.Pods), len(pending))
		}

		runtime.GC()
		start, startCPU = time.Now(), processCPU()
		blockers := everyBlockerPass(s, pending)
		cycle, cycleCPU := time.Since(start), processCPU()-startCPU

		perPod := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(len(pending)) }
		b.ReportMetric(perPod(real), "framework-ms/pod")
		b.ReportMetric(perPod(ours), "explain-ms/pod")
		b.ReportMetric(perPod(cycle), "blockers-ms/pod")
		b.ReportMetric(ours.Seconds()/real.Seconds(), "explain/framework")
		b.ReportMetric(cycle.Seconds()/real.Seconds(), "blockers/framework")
		// CPU time is what a busy machine distorts least: other processes' load stretches wall time.
		b.ReportMetric(oursCPU.Seconds()/realCPU.Seconds(), "explain/framework-cpu")
		b.ReportMetric(cycleCPU.Seconds()/realCPU.Seconds(), "blockers/framework-cpu")
		b.Logf("framework filter pass %v (%v CPU, %d node failures); every blocker %v (%v CPU, %d blockers): ratio %.2f wall, %.2f CPU; "+
			"whole explain %v (%v CPU): ratio %.1f wall, %.1f CPU",
			real, realCPU, failures, cycle, cycleCPU, blockers, cycle.Seconds()/real.Seconds(), cycleCPU.Seconds()/realCPU.Seconds(),
			ours, oursCPU, ours.Seconds()/real.Seconds(), oursCPU.Seconds()/realCPU.Seconds())
	}
}

// everyBlockerPass is explain's every-blocker cycle alone, on every core: the cluster index built
// (as the framework's snapshot is, in its time), then each Pending Pod's PreFilter and every
// plugin's Filter on every node, never stopping at the first failure; no preemption, fixes or
// report. It returns how many blockers it found.
func everyBlockerPass(s *snapshot.Snapshot, pending []*corev1.Pod) int64 {
	s = checks.WithResolvedPriorities(s)
	c := checks.NewCluster(s)
	var found atomic.Int64
	onEveryCore(len(pending), func(i int) {
		res := checks.RunCycle(checks.DefaultProfile, c, pending[i], checks.CycleOptions{SkipPostFilter: true})
		for _, n := range res.Nodes {
			for _, st := range n.Statuses {
				found.Add(int64(len(st.Blockers)))
			}
		}
	})
	return found.Load()
}

// onEveryCore calls f(0..n-1) on GOMAXPROCS goroutines, as both sides of the benchmark spread
// their Pods.
func onEveryCore(n int, f func(i int)) { parallel.Each(n, runtime.GOMAXPROCS(0), f) }

// processCPU is the CPU time (user and system) the process has used so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func scaleSize(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// generatedSnapshot is the cluster cfg describes, written as a kubectl List and read by the
// plugin's file reader through a pipe (the objects are reduced as they stream, as from a file).
func generatedSnapshot(b *testing.B, cfg gen.Config) *snapshot.Snapshot {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 1<<20)
		_, err := io.WriteString(w, `{"apiVersion":"v1","kind":"List","items":[`)
		n := 0
		gen.Generate(cfg, func(obj any) {
			if err != nil {
				return
			}
			var data []byte
			if data, err = json.Marshal(obj); err != nil {
				return
			}
			if n > 0 {
				w.WriteByte(',')
			}
			n++
			_, err = w.Write(data)
		})
		if err == nil {
			_, err = io.WriteString(w, `]}`)
		}
		if err == nil {
			err = w.Flush()
		}
		pw.CloseWithError(err)
	}()
	s, err := snapshot.LoadFiles([]string{snapshot.StdinName}, pr)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// frameworkFilterPass runs the real default profile's PreFilter and Filter plugins (v1.37) for each
// pending Pod over a scheduler snapshot of s, each node until its first failure, and returns how
// many nodes failed in all.
func frameworkFilterPass(b *testing.B, s *snapshot.Snapshot, pending []*corev1.Pod) int64 {
	ctx, cancel := context.WithCancel(klog.NewContext(context.Background(), logr.Discard()))
	defer cancel()
	metrics.Register() // the framework counts plugin runs in the scheduler's metrics
	var versioned configv1.KubeSchedulerConfiguration
	scheme.Scheme.Default(&versioned)
	var cfg schedulerapi.KubeSchedulerConfiguration
	if err := scheme.Scheme.Convert(&versioned, &cfg, nil); err != nil {
		b.Fatal(err)
	}
	// DynamicResources needs the scheduler's DRA manager (claim and slice trackers); the cluster
	// has no DRA objects and no Pod claims a device, so the plugin would Skip: it is left out.
	profile := cfg.Profiles[0]
	var enabled []schedulerapi.Plugin
	for _, p := range profile.Plugins.MultiPoint.Enabled {
		if p.Name != "DynamicResources" {
			enabled = append(enabled, p)
		}
	}
	profile.Plugins.MultiPoint.Enabled = enabled
	var bound []*corev1.Pod
	for _, p := range s.Pods {
		if p.Spec.NodeName != "" {
			bound = append(bound, p)
		}
	}
	var objs []k8sruntime.Object
	for _, ns := range s.Namespaces {
		objs = append(objs, ns)
	}
	client := fake.NewClientset(objs...)
	factory := informers.NewSharedInformerFactory(client, 0)
	snap := internalcache.NewSnapshot(bound, s.Nodes)
	f, err := frameworkruntime.NewFramework(ctx, plugins.NewInTreeRegistry(), &profile,
		frameworkruntime.WithClientSet(client), frameworkruntime.WithInformerFactory(factory),
		frameworkruntime.WithSnapshotSharedLister(snap))
	if err != nil {
		b.Fatal(err)
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	nodeInfos, err := snap.NodeInfos().List()
	if err != nil {
		b.Fatal(err)
	}

	var failures atomic.Int64
	onEveryCore(len(pending), func(i int) { failures.Add(filterOne(ctx, f, pending[i], nodeInfos)) })
	return failures.Load()
}

// filterOne is schedulePod's findNodesThatFitPod for one Pod: PreFilter, then every node's
// Filter plugins until the first failure.
func filterOne(ctx context.Context, f framework.Framework, pod *corev1.Pod, nodeInfos []fwk.NodeInfo) int64 {
	state := framework.NewCycleState()
	res, st, _ := f.RunPreFilterPlugins(ctx, state, pod)
	if !st.IsSuccess() {
		return int64(len(nodeInfos))
	}
	var failed int64
	for _, ni := range nodeInfos {
		if res != nil && !res.AllNodes() && !res.NodeNames.Has(ni.Node().Name) {
			failed++
			continue
		}
		if st := f.RunFilterPlugins(ctx, state, pod, ni); !st.IsSuccess() {
			failed++
		}
	}
	return failed
}
