// Command controlplane runs a real etcd + kube-apiserver + kube-scheduler on loopback and drives
// the live checks of kubectl-placement (hack/e2e.sh builds everything and calls it):
//
//	controlplane e2e     load the example and the extra scenarios, run the plugin as three users,
//	                     compare its messages with the scheduler's, then run the spread scenarios
//	                     (e2e/spread.go) on a cleared cluster, check the audit log
//	controlplane example load the example scenario alone and write examples/cluster.yaml,
//	                     examples/scheduler-messages.txt
//	controlplane up      load scenarios and wait for ^C, printing the kubeconfigs (for developers)
//	controlplane scale   load a synthetic cluster (--nodes, --pods, --pending, --replicas) with no
//	                     scheduler and measure the plugin against a kubectl-equivalent read
//	                     (hack/bench-scale.sh live)
//
// Whatever happens, the processes are stopped before it returns.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/kubectl-placement/kubectl-placement/hack/gencluster/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/e2e"
)

type options struct {
	mode     string
	binDir   string
	workDir  string
	repo     string
	plugin   string
	baseline string
	// skipKubectl leaves out the kubectl-equivalent reads (at 150,000 Pods they need some 20 GB).
	skipKubectl bool
	// hold keeps the loaded scale cluster up, measuring nothing, until ^C (for profiling by hand).
	hold      bool
	scenarios string
	timeout   time.Duration
}

func main() {
	var o options
	fs := flag.NewFlagSet("controlplane", flag.ContinueOnError)
	fs.StringVar(&o.binDir, "bin-dir", ".e2e/bin", "directory with etcd, kube-apiserver, kube-scheduler")
	fs.StringVar(&o.workDir, "work-dir", "", "scratch directory for data, certificates and logs (required; the caller removes it)")
	fs.StringVar(&o.repo, "repo", ".", "repository root")
	fs.StringVar(&o.plugin, "plugin", ".e2e/bin/kubectl-placement", "kubectl-placement binary (e2e mode)")
	fs.StringVar(&o.scenarios, "scenarios", "", "comma-separated scenario directories for up mode (default: all)")
	fs.DurationVar(&o.timeout, "timeout", 20*time.Minute, "bound on the whole run")
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: controlplane e2e|example|up|scale|getpods [flags]")
		os.Exit(2)
	}
	var scale gen.Config
	fs.IntVar(&scale.Nodes, "nodes", 500, "scale: number of Nodes")
	fs.IntVar(&scale.Pods, "pods", 15000, "scale: number of Pods, Pending ones included")
	fs.IntVar(&scale.Pending, "pending", 1000, "scale: number of Pending Pods")
	fs.BoolVar(&scale.Replicas, "replicas", false, "scale: each workload's Pending Pods identical replicas")
	fs.StringVar(&o.baseline, "baseline-plugin", "", "scale: an older kubectl-placement build to compare with")
	fs.BoolVar(&o.skipKubectl, "skip-kubectl", false, "scale: leave out the kubectl-equivalent reads")
	fs.BoolVar(&o.hold, "hold", false, "scale: print the kubeconfig and wait for ^C instead of measuring")
	kubeconfig := fs.String("kubeconfig", "", "getpods: the kubeconfig to read with")
	asYAML := fs.Bool("yaml", false, "getpods: print YAML, as -o yaml")
	o.mode = os.Args[1]
	if err := fs.Parse(os.Args[2:]); err != nil {
		os.Exit(2)
	}
	scale.Workloads, scale.Namespaces = 20, 50
	if o.mode == "getpods" {
		if err := getPods(*kubeconfig, *asYAML, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "getpods: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if o.workDir == "" {
		fmt.Fprintln(os.Stderr, "controlplane: --work-dir is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var err error
	if o.mode == "scale" {
		err = runScale(ctx, o, scale)
	} else {
		err = run(ctx, o)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: FAIL: %v\n", o.mode, err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	scenarioRoot := filepath.Join(o.repo, "test/fidelity/e2e/scenarios")
	var dirs []string
	switch o.mode {
	case "example":
		dirs = []string{filepath.Join(scenarioRoot, "example")}
	case "e2e", "up":
		all, err := filepath.Glob(filepath.Join(scenarioRoot, "*"))
		if err != nil {
			return err
		}
		dirs = all
		if o.scenarios != "" {
			dirs = nil
			for _, s := range strings.Split(o.scenarios, ",") {
				dirs = append(dirs, filepath.Join(scenarioRoot, s))
			}
		}
	default:
		return fmt.Errorf("unknown mode %q (want e2e, example or up)", o.mode)
	}

	cp := &e2e.ControlPlane{BinDir: o.binDir, Dir: o.workDir, Log: os.Stderr}
	start := time.Now()
	if err := cp.Start(ctx); err != nil {
		return err
	}
	defer cp.Stop()
	fmt.Fprintf(os.Stderr, "controlplane: up in %s (logs and audit log in %s)\n", time.Since(start).Round(100*time.Millisecond), o.workDir)

	loader, err := e2e.NewLoader(cp, os.Stderr)
	if err != nil {
		return err
	}
	start = time.Now()
	if err := loader.Load(ctx, dirs); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "load: %d scenario(s) loaded and judged in %s\n", len(dirs), time.Since(start).Round(100*time.Millisecond))
	if o.mode != "example" {
		// The ClusterRole under test is the documented one, applied verbatim; the Role needs the
		// scenarios' namespaces.
		if err := loader.ApplyFiles(ctx, filepath.Join(o.repo, "docs/rbac.yaml"), filepath.Join(o.repo, "test/fidelity/e2e/rbac-namespace.yaml")); err != nil {
			return err
		}
	}

	switch o.mode {
	case "example":
		return writeExample(ctx, loader.Client, filepath.Join(o.repo, "examples"))
	case "up":
		for _, u := range []string{e2e.UserAdmin, e2e.UserReader, e2e.UserNamespaceReader} {
			fmt.Printf("kubeconfig %-9s %s\n", u, cp.KubeconfigPath(u))
		}
		fmt.Println("control plane up; ^C stops it")
		<-ctx.Done()
		return nil
	}
	return runE2E(ctx, o, cp, loader.Client)
}

// writeExample dumps the cluster into examples/ with the messages as a readable list.
func writeExample(ctx context.Context, cs kubernetes.Interface, dir string) error {
	recorded, err := e2e.RecordedMessages(ctx, cs)
	if err != nil {
		return err
	}
	if len(recorded) == 0 {
		return errors.New("the example has no Pending pods; check the scenario")
	}
	f, err := os.Create(filepath.Join(dir, "cluster.yaml"))
	if err != nil {
		return err
	}
	fmt.Fprintln(f, "# Generated by `bash hack/e2e.sh --regenerate-example` from test/fidelity/e2e/scenarios/example:")
	fmt.Fprintln(f, "# a real kube-scheduler judged these Pods; do not edit by hand.")
	if err := e2e.Dump(ctx, cs, f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	keys := make([]string, 0, len(recorded))
	for k := range recorded {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s\t%s\n", k, recorded[k])
	}
	if err := os.WriteFile(filepath.Join(dir, "scheduler-messages.txt"), []byte(b.String()), 0o644); err != nil {
		return err
	}
	fmt.Printf("example: wrote %s/cluster.yaml and scheduler-messages.txt (%d pending pods)\n", dir, len(keys))
	return nil
}

func runE2E(ctx context.Context, o options, cp *e2e.ControlPlane, admin kubernetes.Interface) error {
	recorded, err := e2e.RecordedMessages(ctx, admin)
	if err != nil {
		return err
	}
	if len(recorded) == 0 {
		return errors.New("no Pending pods after loading the scenarios")
	}
	// The cluster as the plugin saw it, for `why-pending -f` when a message differs (E2E_KEEP=1).
	if f, err := os.Create(filepath.Join(o.workDir, "cluster.yaml")); err == nil {
		err = e2e.Dump(ctx, admin, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	var failures []string
	fail := func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) }
	pluginTimeout := 2 * time.Minute

	// Full read access: the documented ClusterRole, and system:masters. Every message must match.
	equal := map[string]int{}
	for _, user := range []string{e2e.UserReader, e2e.UserPluginAdmin} {
		start := time.Now()
		r, err := e2e.RunPlugin(ctx, o.plugin, pluginTimeout, "why-pending", "-A", "-o", "json", "--kubeconfig", cp.KubeconfigPath(user))
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "e2e: why-pending -A as %s: exit %d in %s\n", user, r.ExitCode, time.Since(start).Round(10*time.Millisecond))
		if r.ExitCode != 0 || r.Crashed() {
			fail("why-pending -A as %s: exit %d, stderr:\n%s", user, r.ExitCode, e2e.IndentLines(r.Stderr))
			continue
		}
		if strings.TrimSpace(r.Stderr) != "" {
			fmt.Fprintf(os.Stderr, "e2e: why-pending as %s wrote to stderr:\n%s\n", user, e2e.IndentLines(r.Stderr))
		}
		n, diffs, err := e2e.CompareMessages(recorded, r.Stdout)
		if err != nil {
			fail("why-pending -A as %s: %v", user, err)
			continue
		}
		equal[user] = n - len(diffs)
		if len(diffs) > 0 {
			fail("why-pending -A as %s: %d of %d messages differ from the scheduler's:\n%s", user, len(diffs), n, e2e.IndentLines(strings.Join(diffs, "\n")))
		}
	}

	// One namespace only: in that namespace the command must degrade and say it cannot read
	// nodes; with -A it may instead stop with one clear line naming what it was refused.
	nsRuns := 0
	for _, args := range [][]string{{"-n", "shop"}, {"-A"}} {
		mustName := "nodes"
		if args[0] == "-A" {
			mustName = "pods"
		}
		full := append([]string{"why-pending"}, args...)
		full = append(full, "-o", "json", "--kubeconfig", cp.KubeconfigPath(e2e.UserNamespaceReader))
		r, err := e2e.RunPlugin(ctx, o.plugin, pluginTimeout, full...)
		if err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "e2e: why-pending %s as %s: exit %d; stderr:\n%s\n", strings.Join(args, " "), e2e.UserNamespaceReader, r.ExitCode, e2e.IndentLines(r.Stderr))
		switch {
		case r.Crashed():
			fail("why-pending %s as %s crashed (exit %d):\n%s", strings.Join(args, " "), e2e.UserNamespaceReader, r.ExitCode, e2e.IndentLines(r.Stderr))
		case !strings.Contains(r.Stderr, mustName):
			fail("why-pending %s as %s: stderr does not name the missing permission on %s:\n%s", strings.Join(args, " "), e2e.UserNamespaceReader, mustName, e2e.IndentLines(r.Stderr))
		case r.ExitCode == 0:
			if args[0] == "-A" {
				break
			}
			// The namespace's Pods must still get an answer (without nodes it cannot be the
			// scheduler's line, so only the report's shape is checked).
			if _, _, err := e2e.CompareMessages(nil, r.Stdout); err != nil {
				fail("why-pending %s as %s: exit 0 but %v", strings.Join(args, " "), e2e.UserNamespaceReader, err)
			}
		case strings.Count(strings.TrimSpace(r.Stderr), "\n") > 0:
			fail("why-pending %s as %s: exit %d with a multi-line error; want one clear line:\n%s", strings.Join(args, " "), e2e.UserNamespaceReader, r.ExitCode, e2e.IndentLines(r.Stderr))
		}
		nsRuns++
	}

	// Spread: after the why-pending checks, because it replaces the scenarios' nodes and pods
	// with its own; before the audit check, which then covers the spread runs too.
	spreadRes, err := e2e.RunSpread(ctx, cp, o.plugin, os.Stderr)
	if err != nil {
		return err
	}
	failures = append(failures, spreadRes.Failures...)

	// Audit: the plugin's users sent reads only, and each of them was seen (an empty or
	// unreadable log must not pass).
	audit, err := e2e.CheckAudit(cp.AuditLogPath(), e2e.PluginUsers)
	if err != nil {
		return fmt.Errorf("read audit log: %w", err)
	}
	requests := 0
	for _, u := range e2e.PluginUsers {
		if audit.Requests[u] == 0 {
			fail("audit: no requests by %s in the audit log; the checker is not seeing the plugin", u)
		}
		requests += audit.Requests[u]
	}
	if len(audit.Writes) > 0 {
		fail("audit: the plugin's users made %d non-read requests:\n%s", len(audit.Writes), e2e.IndentLines(strings.Join(audit.Writes, "\n")))
	}
	// Canary: a write by a reader-bound user must be caught by the same checker on the same log.
	if err := canaryWrite(ctx, cp); err != nil {
		fail("audit canary: %v", err)
	} else if canary, err := e2e.CheckAudit(cp.AuditLogPath(), []string{e2e.UserCanary}); err != nil {
		fail("audit canary: %v", err)
	} else if len(canary.Writes) == 0 {
		fail("audit canary: a create by %s is not reported as a write; the audit check proves nothing", e2e.UserCanary)
	}
	if err := cp.CheckAlive(); err != nil {
		fail("control plane: %v", err)
	}

	if len(failures) > 0 {
		return fmt.Errorf("%d check(s) failed:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	fmt.Printf("e2e: %d pending pods, %d messages equal as %s and %d as %s; %s degraded cleanly (%d runs); audit: 0 writes by plugin users (%d requests), canary write caught\n",
		len(recorded), equal[e2e.UserReader], e2e.UserReader, equal[e2e.UserPluginAdmin], e2e.UserPluginAdmin, e2e.UserNamespaceReader, nsRuns, requests)
	fmt.Println(spreadRes.Summary())
	return nil
}

// canaryWrite creates a ConfigMap as the canary user, who may not: the API server refuses it
// (403) but still audits the attempt.
func canaryWrite(ctx context.Context, cp *e2e.ControlPlane) error {
	body := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"canary"}}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cp.Server()+"/api/v1/namespaces/shop/configmaps", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+cp.Token(e2e.UserCanary))
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusForbidden {
		return fmt.Errorf("create configmap as %s: HTTP %d, want 403 (is the reader role read-only?)", e2e.UserCanary, resp.StatusCode)
	}
	return nil
}
