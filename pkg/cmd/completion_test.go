package cmd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
)

// exampleSnapshot is the bundled example cluster (see examples/README.md).
const exampleSnapshot = "../../examples/cluster.yaml"

// complete runs `kubectl-placement __complete ARGS` as the shell (through kubectl_complete-placement)
// does, and returns the suggestions and the directive.
func complete(t *testing.T, newClient clientFactory, args ...string) ([]string, cobra.ShellCompDirective) {
	t.Helper()
	r := execute(t, newClient, "", append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %v: exit %d: %s", args, r.code, r.errOut)
	}
	lines := strings.Split(strings.TrimSuffix(r.out, "\n"), "\n")
	last := lines[len(lines)-1]
	var d int
	if _, err := fmt.Sscanf(last, ":%d", &d); err != nil {
		t.Fatalf("no directive line in %q", r.out)
	}
	if len(lines) == 1 {
		return nil, cobra.ShellCompDirective(d)
	}
	return lines[:len(lines)-1], cobra.ShellCompDirective(d)
}

// completionCluster is namespace shop with Pods in every phase and one of each workload kind, and
// namespace other with one more Pending Pod.
func completionCluster() []runtime.Object {
	running := func(p *corev1.Pod) { p.Spec.NodeName, p.Status.Phase = "node-a", corev1.PodRunning }
	phase := func(ph corev1.PodPhase) fixture.PodOption { return func(p *corev1.Pod) { p.Status.Phase = ph } }
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: "shop"} }
	owned := meta("web-5d8f")
	owned.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "uid-web", Controller: ptr(true)}}
	return []runtime.Object{
		fixture.Namespace("shop"), fixture.Namespace("other"), fixture.Namespace("kube-system"),
		fixture.Node("node-a"),
		&appsv1.Deployment{ObjectMeta: meta("web")},
		&appsv1.ReplicaSet{ObjectMeta: owned},
		&appsv1.ReplicaSet{ObjectMeta: meta("bare-rs")},
		&appsv1.StatefulSet{ObjectMeta: meta("db")},
		&appsv1.DaemonSet{ObjectMeta: meta("agent")},
		&batchv1.Job{ObjectMeta: meta("migrate")},
		fixture.Pod("shop", "web-5d8f-b", fixture.PodLabels("app", "web", "pod-template-hash", "5d8f"), fixture.OwnedBy("ReplicaSet", "web-5d8f")),
		fixture.Pod("shop", "web-5d8f-a", fixture.PodLabels("app", "web", "pod-template-hash", "5d8f"), fixture.OwnedBy("ReplicaSet", "web-5d8f"), running),
		fixture.Pod("shop", "db-0", fixture.PodLabels("app", "db"), fixture.OwnedBy("StatefulSet", "db"), running),
		fixture.Pod("shop", "cache-0", fixture.PodLabels("app", "cache"), fixture.OwnedBy("StatefulSet", "cache")),
		fixture.Pod("shop", "debug", fixture.PodLabels("app", "debug"), running),
		fixture.Pod("shop", "migrate-x1", fixture.OwnedBy("Job", "migrate"), phase(corev1.PodSucceeded)),
		fixture.Pod("shop", "crashed", phase(corev1.PodFailed)),
		fixture.Pod("other", "web-other"),
	}
}

func ptr[T any](v T) *T { return &v }

func TestCompletePodNames(t *testing.T) {
	client := fake.NewClientset(completionCluster()...)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"Pending first, finished left out", []string{""},
			[]string{"cache-0\tPending", "web-5d8f-b\tPending", "db-0\tRunning", "debug\tRunning", "web-5d8f-a\tRunning"}},
		{"prefix", []string{"web"}, []string{"web-5d8f-b\tPending", "web-5d8f-a\tRunning"}},
		{"named Pods are not offered again", []string{"web-5d8f-b", "cache-0", ""}, []string{"db-0\tRunning", "debug\tRunning", "web-5d8f-a\tRunning"}},
		{"-n", []string{"-n", "other", ""}, []string{"web-other\tPending"}},
		{"--namespace=", []string{"--namespace=other", "w"}, []string{"web-other\tPending"}},
		{"-l", []string{"-l", "app=web", ""}, []string{"web-5d8f-b\tPending", "web-5d8f-a\tRunning"}},
		{"-A takes no names", []string{"-A", ""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"why-pending", "--kubeconfig", kubeconfig}, tt.args...)
			got, directive := complete(t, withClient(client), args...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("completions (-want +got):\n%s", diff)
			}
			if directive != cobra.ShellCompDirectiveNoFileComp|cobra.ShellCompDirectiveKeepOrder {
				t.Errorf("directive %d", directive)
			}
		})
	}
}

func TestCompletionIsReadOnlyAndQuick(t *testing.T) {
	client := fake.NewClientset(completionCluster()...)
	var config *rest.Config
	newClient := func(c *rest.Config) (kubernetes.Interface, error) { config = c; return client, nil }
	complete(t, newClient, "why-pending", "--kubeconfig", kubeconfig, "")
	complete(t, newClient, "spread", "--kubeconfig", kubeconfig, "")
	complete(t, newClient, "spread", "--kubeconfig", kubeconfig, "-n", "")
	for _, a := range client.Actions() {
		if a.GetVerb() != "list" {
			t.Errorf("completion did %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
	if len(client.Actions()) == 0 {
		t.Error("completion read nothing")
	}
	if config.Timeout != completionTimeout {
		t.Errorf("request timeout %s, want %s", config.Timeout, completionTimeout)
	}

	complete(t, newClient, "why-pending", "--kubeconfig", kubeconfig, "--request-timeout", "1m", "")
	if config.Timeout != time.Minute {
		t.Errorf("--request-timeout 1m: request timeout %s", config.Timeout)
	}
}

func TestCompletionUsesConnectionFlags(t *testing.T) {
	client := fake.NewClientset(completionCluster()...)
	var config *rest.Config
	newClient := func(c *rest.Config) (kubernetes.Interface, error) { config = c; return client, nil }
	complete(t, newClient, "why-pending", "--kubeconfig", kubeconfig, "--server", "https://10.0.0.9:6443", "--as", "ops", "--as-group", "admins", "")
	if config.Host != "https://10.0.0.9:6443" || config.Impersonate.UserName != "ops" || !slices.Contains(config.Impersonate.Groups, "admins") {
		t.Errorf("host %s, impersonate %+v", config.Host, config.Impersonate)
	}
}

func TestCompleteFromSnapshotFile(t *testing.T) {
	got, _ := complete(t, noCluster(t), "why-pending", "-f", exampleSnapshot, "-n", "ml", "")
	want := []string{
		"feature-etl-29183640-8kz4n\tPending", "nightly-retrain-29183700-tq6vd\tPending", "notebook-gpu-7c9d4\tPending",
		"spark-driver-0\tPending", "trainer-llama-2\tPending",
	}
	if diff := cmp.Diff(want, got[:min(len(got), len(want))]); diff != "" {
		t.Errorf("Pending Pods of ml first (-want +got):\n%s", diff)
	}

	got, _ = complete(t, noCluster(t), "spread", "-f", exampleSnapshot, "-n", "data", "statefulset/k")
	if diff := cmp.Diff([]string{"statefulset/kafka"}, got); diff != "" {
		t.Errorf("workloads named by the Pods' owners (-want +got):\n%s", diff)
	}

	got, _ = complete(t, noCluster(t), "why-pending", "-f", exampleSnapshot, "-n", "")
	if diff := cmp.Diff([]string{"data", "default", "kube-node-lease", "kube-public", "kube-system", "ml", "shop"}, got); diff != "" {
		t.Errorf("namespaces (-want +got):\n%s", diff)
	}

	// Standard input belongs to the shell during completion.
	if got, _ := complete(t, noCluster(t), "why-pending", "-f", "-", ""); len(got) != 0 {
		t.Errorf("-f -: %v", got)
	}
	// A file that cannot be read offers nothing, and prints no error into the command line.
	if got, _ := complete(t, noCluster(t), "why-pending", "-f", "no-such-file.yaml", ""); len(got) != 0 {
		t.Errorf("missing file: %v", got)
	}
}

func TestCompleteWorkloads(t *testing.T) {
	client := fake.NewClientset(completionCluster()...)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"every top-level workload", []string{""}, []string{
			"deployment/web", "statefulset/db", "daemonset/agent",
			"replicaset/bare-rs", "job/migrate", "pod/debug",
		}},
		{"prefix of the type", []string{"st"}, []string{"statefulset/db"}},
		{"short type name", []string{"sts"}, []string{"sts/db"}},
		{"TYPE/ keeps the user's spelling", []string{"deploy/"}, []string{"deploy/web"}},
		{"TYPE/ lists owned ones too", []string{"rs/"}, []string{"rs/bare-rs", "rs/web-5d8f"}},
		{"pod/", []string{"pod/web"}, []string{"pod/web-5d8f-a", "pod/web-5d8f-b"}},
		{"TYPE NAME", []string{"statefulset", ""}, []string{"db"}},
		{"unknown type", []string{"service/"}, nil},
		{"nothing after TYPE/NAME", []string{"deployment/web", ""}, nil},
		{"-l takes no workload", []string{"-l", "app=web", ""}, nil},
		{"-n", []string{"-n", "other", ""}, []string{"pod/web-other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"spread", "--kubeconfig", kubeconfig}, tt.args...)
			got, _ := complete(t, withClient(client), args...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("completions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompleteWorkloadsForbidden(t *testing.T) {
	client := fake.NewClientset(completionCluster()...)
	client.PrependReactor("list", "*", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetResource().Group == "" {
			return false, nil, nil
		}
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: a.GetResource().Group, Resource: a.GetResource().Resource}, "", nil)
	})
	got, _ := complete(t, withClient(client), "spread", "--kubeconfig", kubeconfig, "")
	want := []string{"deployment/web", "statefulset/cache", "statefulset/db", "job/migrate", "pod/debug"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("workloads named by the Pods (-want +got):\n%s", diff)
	}
}

func TestCompleteFlagValues(t *testing.T) {
	client := fake.NewClientset(completionCluster()...)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"why-pending", "-o", ""}, []string{"text", "wide", "json", "yaml"}},
		{[]string{"spread", "--output", ""}, []string{"text", "wide", "json", "yaml"}},
		{[]string{"version", "-o", ""}, []string{"text", "json", "yaml"}},
		{[]string{"why-pending", "--color", ""}, []string{"auto", "always", "never"}},
		{[]string{"spread", "--color", ""}, []string{"auto", "always", "never"}},
		{[]string{"why-pending", "--kubeconfig", kubeconfig, "-n", ""}, []string{"kube-system", "other", "shop"}},
		{[]string{"spread", "--kubeconfig", kubeconfig, "--namespace", "s"}, []string{"shop"}},
		{[]string{"why-pending", "--kubeconfig", kubeconfig, "--context", ""}, []string{"dev"}},
		{[]string{"spread", "--kubeconfig", kubeconfig, "--user", ""}, []string{"jane"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, directive := complete(t, withClient(client), tt.args...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("completions (-want +got):\n%s", diff)
			}
			if directive&cobra.ShellCompDirectiveNoFileComp == 0 {
				t.Errorf("directive %d offers files", directive)
			}
		})
	}
}

func TestCompleteSnapshotFileNames(t *testing.T) {
	for _, sub := range []string{"why-pending", "spread"} {
		got, directive := complete(t, noCluster(t), sub, "-f", "")
		if diff := cmp.Diff([]string{"yaml", "yml", "json"}, got); diff != "" || directive != cobra.ShellCompDirectiveFilterFileExt {
			t.Errorf("%s -f: directive %d, extensions (-want +got):\n%s", sub, directive, diff)
		}
	}
}

func TestCompleteSubcommands(t *testing.T) {
	got, _ := complete(t, noCluster(t), "")
	var names []string
	for _, c := range got {
		name, _, _ := strings.Cut(c, "\t")
		names = append(names, name)
	}
	if diff := cmp.Diff([]string{"help", "snapshot", "spread", "version", "what-if", "why-pending"}, names); diff != "" {
		t.Errorf("subcommands (-want +got):\n%s", diff)
	}
}

// TestCompletionScript runs kubectl_complete-placement the way kubectl does (the words after
// "placement", the last one being completed) against a stand-in kubectl-placement on PATH.
func TestCompletionScript(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	script, err := filepath.Abs("../../kubectl_complete-placement")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(script)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&0o111 == 0 {
		t.Errorf("%s is not executable (mode %s): kubectl only runs executables", script, fi.Mode())
	}
	dir := t.TempDir()
	stub := "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\n"
	if err := os.WriteFile(filepath.Join(dir, "kubectl-placement"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", script, "why-pending", "-n", "my ns", "")
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	if want := "[__complete]\n[why-pending]\n[-n]\n[my ns]\n[]\n"; string(out) != want {
		t.Errorf("kubectl-placement called with\n%s\nwant\n%s", out, want)
	}
}
