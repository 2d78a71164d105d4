package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/spread"
)

// spreadCluster is three workers, worker-3 tainted, and the Deployment catalog with two of its
// four replicas running.
func spreadCluster() []runtime.Object {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "catalog"}}
	replicas := int32(4)
	objs := []runtime.Object{
		fixture.Namespace("shop"),
		fixture.Node("worker-1", fixture.Zone("a")),
		fixture.Node("worker-2", fixture.Zone("b")),
		fixture.Node("worker-3", fixture.Zone("c"), fixture.Taint("dedicated", "database", corev1.TaintEffectNoSchedule)),
		&appsv1.Deployment{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
			ObjectMeta: metav1.ObjectMeta{Name: "catalog", Namespace: "shop"},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas, Selector: sel,
				Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "catalog"}}}},
		},
	}
	for i, node := range []string{"worker-1", "worker-2", "", ""} {
		opts := []fixture.PodOption{
			fixture.PodLabels("app", "catalog", "pod-template-hash", "5d8f"),
			fixture.OwnedBy("ReplicaSet", "catalog-5d8f"),
			fixture.TopologySpread(corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: corev1.LabelHostname,
				WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel}),
		}
		if node != "" {
			opts = append(opts, fixture.On(node))
		}
		objs = append(objs, fixture.Pod("shop", "catalog-5d8f-"+string(rune('a'+i)), opts...))
	}
	return objs
}

// runSpread runs `kubectl placement spread ARGS` against client through a throwaway kubeconfig.
func runSpread(t *testing.T, client kubernetes.Interface, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	kubeconfig := filepath.Join(t.TempDir(), "config")
	const cfg = `apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: test, user: {token: t}}]
contexts: [{name: test, context: {cluster: test, user: test, namespace: default}}]
current-context: test
`
	if err := os.WriteFile(kubeconfig, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}
	newClient := func(*rest.Config) (kubernetes.Interface, error) { return client, nil }
	full := append([]string{"spread"}, args...)
	if !slices.Contains(args, "-f") {
		full = append(full, "--kubeconfig", kubeconfig)
	}
	code = run(context.Background(), full, streams, newClient)
	return out.String(), errOut.String(), code
}

func TestSpreadLive(t *testing.T) {
	client := fake.NewClientset(spreadCluster()...)
	out, errOut, code := runSpread(t, client, "deployment/catalog", "-n", "shop", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r spread.SpreadReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Kind != spread.ReportKind || r.APIVersion != spread.APIVersion || !r.Workload.FromObject ||
		r.Workload.Replicas == nil || *r.Workload.Replicas != 4 || r.Workload.Pods != 4 || r.Workload.Pending != 2 {
		t.Errorf("report header: %+v", r.Workload)
	}
	c := r.Constraints[0]
	if c.TopologyKey != corev1.LabelHostname || c.GlobalMinimum != 0 || len(c.Domains) != 3 || !c.Domains[2].Eligible() {
		t.Errorf("hostname constraint: %+v", c)
	}

	// A Pod stands for its Deployment; TYPE NAME works like TYPE/NAME.
	out, errOut, code = runSpread(t, client, "pod", "catalog-5d8f-c", "-n", "shop")
	if code != 0 || !strings.HasPrefix(out, "Deployment shop/catalog: 4 replicas wanted") {
		t.Errorf("pod: exit %d, %s%s", code, out, errOut)
	}

	out, errOut, code = runSpread(t, client, "-l", "app=catalog", "-n", "shop", "-o", "yaml")
	if code != 0 || !strings.HasPrefix(out, "apiVersion: v1\nitems:") || !strings.Contains(out, "kind: SpreadReport") {
		t.Errorf("-l: exit %d, %s%s", code, out, errOut)
	}
}

func TestSpreadFile(t *testing.T) {
	var items []json.RawMessage
	for _, o := range spreadCluster() {
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, b)
	}
	list, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "List", "items": items})
	file := filepath.Join(t.TempDir(), "cluster.json")
	if err := os.WriteFile(file, list, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runSpread(t, nil, "deploy/catalog", "-n", "shop", "-f", file, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var r spread.SpreadReport
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Workload.FromObject || *r.Workload.Replicas != 4 {
		t.Errorf("the Deployment in the file was not used: %+v", r.Workload)
	}
	if errOut != "" {
		t.Errorf("stderr = %q, want nothing: the loader keeps the Deployment", errOut)
	}
}

func TestSpreadErrors(t *testing.T) {
	client := fake.NewClientset(spreadCluster()...)
	tests := []struct {
		args []string
		want string
	}{
		{nil, "error: name a workload (TYPE/NAME, e.g. deployment/web) or select Pods with -l SELECTOR\n"},
		{[]string{"deployment/nope", "-n", "shop"}, "error: deployment \"nope\" not found in namespace \"shop\"\n"},
		{[]string{"pod/nope", "-n", "shop"}, "error: pod \"nope\" not found in namespace \"shop\"\n"},
		{[]string{"cronjob/x"}, "error: unknown workload type \"cronjob\": use deployment, statefulset, replicaset, daemonset, job or pod\n"},
		{[]string{"web"}, "error: \"web\" is not TYPE/NAME: name a workload like deployment/web\n"},
		{[]string{"deploy/web", "-l", "app=web"}, "error: a workload name cannot be combined with -l/--selector: use one or the other\n"},
		{[]string{"deploy/web", "-A"}, "error: a workload name cannot be combined with -A/--all-namespaces: name its namespace with -n NAMESPACE instead\n"},
		{[]string{"deploy/web", "-o", "xml"}, "error: --output must be one of: text, wide, json, yaml\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := runSpread(t, client, tt.args...)
			if code != 1 || errOut != tt.want || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, out, errOut, tt.want)
			}
		})
	}
}

// TestSpreadSelectorSkipsOddWorkload: with -l, a workload whose Pods cannot be analysed (an
// anti-affinity selector no API server would accept) is a warning; the others are still shown.
func TestSpreadSelectorSkipsOddWorkload(t *testing.T) {
	objs := spreadCluster()
	objs = append(objs, fixture.Pod("shop", "odd-0", fixture.PodLabels("app", "catalog"), fixture.OwnedBy("StatefulSet", "odd"),
		fixture.PodAntiAffinityTerm(corev1.PodAffinityTerm{TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus", Values: []string{"x"}}},
		}})))
	out, errOut, code := runSpread(t, fake.NewClientset(objs...), "-n", "shop", "-l", "app=catalog")
	if code != 0 || !strings.Contains(out, "catalog") || !strings.HasPrefix(errOut, "Warning: skipped statefulset shop/odd: ") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}
