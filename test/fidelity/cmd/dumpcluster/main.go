// Command dumpcluster prints a cluster's namespaces, priority classes, nodes, pods and
// FailedScheduling events as one v1 List in YAML, like `kubectl get ... -A -o yaml` would: the
// offline input of `kubectl placement why-pending -f`. It exists because the live tests have no
// kubectl binary.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/kubectl-placement/kubectl-placement/test/fidelity/e2e"
)

func main() {
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig file")
	out := flag.String("o", "-", "output file (- for stdout)")
	flag.Parse()
	if err := run(*kubeconfig, *out); err != nil {
		fmt.Fprintf(os.Stderr, "dumpcluster: %v\n", err)
		os.Exit(1)
	}
}

func run(kubeconfig, out string) error {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, nil).ClientConfig()
	if err != nil {
		return fmt.Errorf("load kubeconfig: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := os.Stdout
	if out != "-" {
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	return e2e.Dump(ctx, cs, w)
}
