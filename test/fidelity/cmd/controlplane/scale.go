package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-placement/kubectl-placement/hack/gencluster/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/e2e"
)

// runScale loads a synthetic cluster (hack/gencluster's generator) into an API server with no
// scheduler and measures, as separate processes, wall time and peak RSS of:
//   - a kubectl-equivalent `kubectl get pods -A -o json` (pages of 500 into unstructured objects,
//     the List printed as indented JSON: what kubectl does; this binary's getpods mode);
//   - the plugin's why-pending -A, live (and --baseline-plugin's, an older build, for a ratio in
//     the same run), and its --summary;
//   - the plugin's snapshot, live, and why-pending -A --summary over it (same output required).
func runScale(ctx context.Context, o options, cfg gen.Config) error {
	cp := &e2e.ControlPlane{BinDir: o.binDir, Dir: o.workDir, Log: os.Stderr, NoScheduler: true}
	if err := cp.Start(ctx); err != nil {
		return err
	}
	defer cp.Stop()
	loader, err := e2e.NewLoader(cp, os.Stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := loader.LoadGenerated(ctx, cfg, 32); err != nil {
		return err
	}
	fmt.Printf("loaded %d nodes, %d Pods (%d Pending) in %s\n", cfg.Nodes, cfg.Pods, cfg.Pending, time.Since(start).Round(time.Second))
	kc := cp.KubeconfigPath(e2e.UserPluginAdmin)
	if o.hold {
		fmt.Printf("kubeconfig %s\ncontrol plane up; ^C stops it\n", kc)
		<-ctx.Done()
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	snap := filepath.Join(o.workDir, "snapshot.json.gz")
	fmt.Printf("\n%-52s %9s %10s\n", "", "wall", "peak RSS")
	var kubectl measured
	if !o.skipKubectl {
		if kubectl, err = measure(ctx, "kubectl-equivalent get pods -A -o json", false, self, "getpods", "--kubeconfig", kc); err != nil {
			return err
		}
		if _, err = measure(ctx, "kubectl-equivalent get pods -A -o yaml", false, self, "getpods", "--kubeconfig", kc, "--yaml"); err != nil {
			return err
		}
	}
	whole, err := measure(ctx, "plugin: why-pending -A (live)", false, o.plugin, "why-pending", "-A", "--kubeconfig", kc)
	if err != nil {
		return err
	}
	if o.baseline != "" {
		old, err := measure(ctx, "baseline plugin: why-pending -A (live)", false, o.baseline, "why-pending", "-A", "--kubeconfig", kc)
		if err != nil {
			return err
		}
		fmt.Printf("%-52s wall %.2f, peak RSS %.2f\n", "plugin / baseline:", whole.wall.Seconds()/old.wall.Seconds(), float64(whole.rssKB)/float64(old.rssKB))
	}
	live, err := measure(ctx, "plugin: why-pending -A --summary (live)", true, o.plugin, "why-pending", "-A", "--summary", "--kubeconfig", kc)
	if err != nil {
		return err
	}
	if _, err := measure(ctx, "plugin: snapshot --output-file x.json.gz (live)", false, o.plugin, "snapshot", "--kubeconfig", kc, "--output-file", snap); err != nil {
		return err
	}
	fromFile, err := measure(ctx, "plugin: why-pending -A --summary (that snapshot)", true, o.plugin, "why-pending", "-A", "--summary", "-f", snap)
	if err != nil {
		return err
	}
	if !o.skipKubectl {
		fmt.Printf("\nplugin why-pending -A / kubectl-equivalent -o json: wall %.2f, peak RSS %.2f\n",
			whole.wall.Seconds()/kubectl.wall.Seconds(), float64(whole.rssKB)/float64(kubectl.rssKB))
	}
	if !bytes.Equal(live.out, fromFile.out) {
		return fmt.Errorf("the snapshot's summary differs from the live one:\n%s\n---\n%s", live.out, fromFile.out)
	}
	fmt.Println("verdicts: the snapshot's summary is identical to the live one")
	head := bytes.SplitN(live.out, []byte("\n"), 4)
	for _, l := range head[:min(3, len(head))] {
		fmt.Printf("%s\n", l)
	}
	return nil
}

type measured struct {
	wall  time.Duration
	rssKB int64
	out   []byte
}

// measure runs a command, prints its wall time and peak RSS, and returns them with its stdout.
// Without keep, stdout is discarded (a whole cluster's JSON).
// The command runs under /usr/bin/time: a child this process started directly would report at
// least this process's own peak RSS (Linux keeps the high-water mark across the exec of a vforked
// child), and this process held the whole generated cluster.
func measure(ctx context.Context, label string, keep bool, name string, args ...string) (measured, error) {
	var out, errb bytes.Buffer
	timeFile, err := os.CreateTemp("", "controlplane-time")
	if err != nil {
		return measured{}, err
	}
	timeFile.Close()
	defer os.Remove(timeFile.Name())
	cmd := exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", "%M", "-o", timeFile.Name(), name}, args...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, &errb
	if keep {
		cmd.Stdout = &out
	}
	start := time.Now()
	err = cmd.Run()
	m := measured{wall: time.Since(start), out: out.Bytes()}
	if err != nil {
		return m, fmt.Errorf("%s: %w\n%s", label, err, errb.String())
	}
	data, err := os.ReadFile(timeFile.Name())
	if err != nil {
		return m, err
	}
	// time writes the peak RSS in kilobytes on the last line.
	lines := strings.Fields(strings.TrimSpace(string(data)))
	if len(lines) == 0 {
		return m, fmt.Errorf("%s: /usr/bin/time wrote nothing", label)
	}
	if m.rssKB, err = strconv.ParseInt(lines[len(lines)-1], 10, 64); err != nil {
		return m, fmt.Errorf("%s: /usr/bin/time: %w", label, err)
	}
	fmt.Printf("%-52s %8.1fs %7d MB\n", label, m.wall.Seconds(), m.rssKB/1024)
	return m, nil
}

var podsResource = schema.GroupVersionResource{Version: "v1", Resource: "pods"}

// getPods is `kubectl get pods -A -o json` (or, asYAML, `-o yaml`): pages of 500 decoded into
// unstructured objects, all kept, then the List printed as indented JSON or converted to YAML as
// kubectl's printers do (to stdout; the benchmark discards it).
func getPods(kubeconfig string, asYAML bool, w io.Writer) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return err
	}
	pods := dyn.Resource(podsResource)
	list := &unstructured.UnstructuredList{Object: map[string]any{"apiVersion": "v1", "kind": "List"}}
	opts := metav1.ListOptions{Limit: 500}
	for {
		page, err := pods.List(context.Background(), opts)
		if err != nil {
			return err
		}
		list.Items = append(list.Items, page.Items...)
		if opts.Continue = page.GetContinue(); opts.Continue == "" {
			break
		}
	}
	data, err := json.MarshalIndent(list, "", "    ")
	if err != nil {
		return err
	}
	if asYAML {
		if data, err = yaml.JSONToYAML(data); err != nil {
			return err
		}
	}
	_, err = w.Write(data)
	return err
}
