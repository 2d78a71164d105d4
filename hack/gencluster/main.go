// Command gencluster writes a synthetic cluster as `kubectl get -o yaml|json` prints it: a List of
// Namespaces, PriorityClasses, Nodes and Pods, for scale benchmarks (hack/bench-scale.sh). The shape
// follows issue #11: 3 zones; tainted GPU, db and infra pools; cordoned nodes; Pods as a real API
// server returns them (managedFields, annotations, status); Pending Pods of a fixed number of
// workloads, each blocked by a different mix of taints, affinity, spread, resources and ports.
// The output is a function of the flags only (fixed random seed).
//
//	go run ./hack/gencluster -nodes 500 -pods 15000 -pending 1000 -o yaml > cluster.yaml
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-placement/kubectl-placement/hack/gencluster/gen"
)

func main() {
	var cfg gen.Config
	flag.IntVar(&cfg.Nodes, "nodes", 500, "number of Nodes")
	flag.IntVar(&cfg.Pods, "pods", 15000, "number of Pods, Pending ones included")
	flag.IntVar(&cfg.Pending, "pending", 1000, "number of Pending Pods")
	flag.IntVar(&cfg.Workloads, "workloads", 20, "number of workloads the Pending Pods belong to")
	flag.IntVar(&cfg.Namespaces, "namespaces", 50, "number of Namespaces")
	flag.BoolVar(&cfg.Replicas, "replicas", false, "make each workload's Pending Pods identical replicas of one ReplicaSet (analysed once per workload); by default every Pending Pod is distinct")
	format := flag.String("o", "yaml", "output format: yaml or json")
	out := flag.String("out", "-", "output file (- for stdout)")
	decode := flag.String("decode", "", "instead of writing a cluster, read this file as kubectl get -f does (every object kept, unstructured) and print how many objects it held: the kubectl-equivalent read of hack/bench-scale.sh")
	flag.Parse()
	if *decode != "" {
		n, err := decodeLikeKubectl(*decode)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gencluster:", err)
			os.Exit(1)
		}
		fmt.Println(n, "objects")
		return
	}
	if cfg.Nodes < 10 || cfg.Pending > cfg.Pods || cfg.Workloads < 1 || cfg.Namespaces < 1 {
		fmt.Fprintln(os.Stderr, "gencluster: need -nodes >= 10, -pending <= -pods, -workloads >= 1, -namespaces >= 1")
		os.Exit(2)
	}
	if *format != "yaml" && *format != "json" {
		fmt.Fprintln(os.Stderr, "gencluster: -o must be yaml or json")
		os.Exit(2)
	}
	w := os.Stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gencluster:", err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	l := &listWriter{w: bw, format: *format}
	l.begin()
	gen.Generate(cfg, l.item)
	if err := l.end(); err == nil {
		err = bw.Flush()
	} else {
		fmt.Fprintln(os.Stderr, "gencluster:", err)
		os.Exit(1)
	}
}

// listWriter writes the items of one List as they come, so a 150k-Pod file never sits in memory.
type listWriter struct {
	w      io.Writer
	format string
	n      int
	err    error
}

func (l *listWriter) begin() {
	if l.format == "json" {
		_, l.err = io.WriteString(l.w, "{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n")
		return
	}
	_, l.err = io.WriteString(l.w, "apiVersion: v1\nitems:\n")
}

func (l *listWriter) item(obj any) {
	if l.err != nil {
		return
	}
	if l.format == "json" {
		b, err := json.MarshalIndent(obj, "        ", "    ")
		if err != nil {
			l.err = err
			return
		}
		if l.n > 0 {
			io.WriteString(l.w, ",\n")
		}
		io.WriteString(l.w, "        ")
		_, l.err = l.w.Write(b)
		l.n++
		return
	}
	b, err := yaml.Marshal(obj)
	if err != nil {
		l.err = err
		return
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	var sb strings.Builder
	for i, line := range lines {
		if i == 0 {
			sb.WriteString("- ")
		} else {
			sb.WriteString("  ")
		}
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	_, l.err = io.WriteString(l.w, sb.String())
	l.n++
}

func (l *listWriter) end() error {
	if l.err != nil {
		return l.err
	}
	if l.format == "json" {
		_, l.err = io.WriteString(l.w, "\n    ],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n")
		return l.err
	}
	_, l.err = io.WriteString(l.w, "kind: List\nmetadata:\n  resourceVersion: \"\"\n")
	return l.err
}

// decodeLikeKubectl reads a file the way kubectl's resource builder does for -f: a YAML-or-JSON
// stream decoder, every document into an unstructured object, Lists split into their items, all
// objects kept until the end (kubectl gathers them before printing).
func decodeLikeKubectl(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(bufio.NewReader(f), 4096)
	var objects []*unstructured.Unstructured
	for {
		var raw map[string]any
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return 0, err
		}
		u := &unstructured.Unstructured{Object: raw}
		if u.IsList() {
			list, err := u.ToList()
			if err != nil {
				return 0, err
			}
			for i := range list.Items {
				objects = append(objects, &list.Items[i])
			}
			continue
		}
		objects = append(objects, u)
	}
	return len(objects), nil
}
