package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-placement/kubectl-placement/internal/fixture"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
)

const (
	kubeconfig = "testdata/kubeconfig"
	// snapshotFile is the snapshot loader's own test List: one Pending Pod, shop/web-0.
	snapshotFile = "../snapshot/testdata/list.yaml"
)

type result struct {
	code        int
	out, errOut string
}

// execute runs the plugin as main does, with a clientset from newClient.
func execute(t *testing.T, newClient clientFactory, stdin string, args ...string) result {
	t.Helper()
	t.Setenv("NO_COLOR", "")
	// -f takes the kubeconfig's namespace, as kubectl does: never the machine's own kubeconfig.
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	streams, in, out, errOut := genericiooptions.NewTestIOStreams()
	in.WriteString(stdin)
	code := run(context.Background(), args, streams, newClient)
	return result{code, out.String(), errOut.String()}
}

// withClient serves every request from client.
func withClient(client kubernetes.Interface) clientFactory {
	return func(*rest.Config) (kubernetes.Interface, error) { return client, nil }
}

// noCluster fails a test that should not have connected.
func noCluster(t *testing.T) clientFactory {
	return func(*rest.Config) (kubernetes.Interface, error) {
		t.Error("connected to a cluster")
		return fake.NewClientset(), nil
	}
}

func cluster() *fake.Clientset {
	running := fixture.Pod("shop", "db-0")
	running.Spec.NodeName, running.Status.Phase = "node-a", corev1.PodRunning
	done := fixture.Pod("shop", "migrate")
	done.Spec.NodeName, done.Status.Phase = "node-b", corev1.PodSucceeded
	return fake.NewClientset(
		fixture.Node("node-a"), fixture.Node("node-b"),
		fixture.Pod("shop", "web-0"), running, done,
	)
}

func report(t *testing.T, r result) *explain.WhyPendingReport {
	t.Helper()
	var rep explain.WhyPendingReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v\n%s", err, r.out)
	}
	return &rep
}

func pendingNames(rep *explain.WhyPendingReport) []string {
	var names []string
	for _, p := range rep.Pods {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return names
}

// wantError checks exit code 1 and stderr ending in one `error: ...` line containing want.
func wantError(t *testing.T, r result, want string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("exit code %d, want 1", r.code)
	}
	// Warnings may come first; the error is the last line, and the only one.
	lines := strings.Split(strings.TrimSuffix(r.errOut, "\n"), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "error: ") || strings.Count("\n"+r.errOut, "\nerror: ") != 1 || !strings.HasSuffix(r.errOut, "\n") {
		t.Errorf("stderr does not end in one error line: %q", r.errOut)
	}
	if !strings.Contains(r.errOut, want) {
		t.Errorf("stderr %q lacks %q", r.errOut, want)
	}
	if r.out != "" {
		t.Errorf("stdout not empty on error: %q", r.out)
	}
}

func TestWhyPendingFromFile(t *testing.T) {
	r := execute(t, noCluster(t), "", "why-pending", "-A", "-f", snapshotFile, "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	rep := report(t, r)
	if got := pendingNames(rep); len(got) != 1 || got[0] != "shop/web-0" {
		t.Errorf("explained %v, want shop/web-0", got)
	}
	if rep.Source != "file "+snapshotFile || rep.NodeCount != 2 {
		t.Errorf("source %q, %d nodes", rep.Source, rep.NodeCount)
	}
	// The file's Deployment is kept for spread, so nothing is ignored.
	if r.errOut != "" {
		t.Errorf("stderr = %q", r.errOut)
	}
}

func TestWhyPendingFromStdinText(t *testing.T) {
	stdin := `apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Node, metadata: {name: n1}, status: {allocatable: {cpu: "1", pods: "10"}}}
- apiVersion: v1
  kind: Pod
  metadata: {name: big, namespace: default}
  spec:
    containers:
    - name: c
      image: i
      resources: {requests: {cpu: "2"}}
- {apiVersion: v1, kind: Namespace, metadata: {name: default}}
`
	r := execute(t, noCluster(t), stdin, "why-pending", "-f", "-", "--color", "always")
	if r.code != 0 || r.errOut != "" {
		t.Fatalf("exit %d, stderr %q", r.code, r.errOut)
	}
	if !strings.Contains(r.out, "big") {
		t.Errorf("text report does not mention the Pod:\n%s", r.out)
	}
}

func TestWhyPendingLive(t *testing.T) {
	client := cluster()
	r := execute(t, withClient(client), "", "why-pending", "--kubeconfig", kubeconfig, "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	rep := report(t, r)
	if got := pendingNames(rep); len(got) != 1 || got[0] != "shop/web-0" {
		t.Errorf("explained %v, want shop/web-0 (the kubeconfig's namespace)", got)
	}
	if rep.Source != "cluster dev" {
		t.Errorf("source = %q", rep.Source)
	}
	for _, a := range client.Actions() {
		// Lists, and the GET /version that picks the scheduler version.
		if a.GetVerb() != "list" && (a.GetVerb() != "get" || a.GetResource().Resource != "version") {
			t.Errorf("the plugin must only read: %s %s", a.GetVerb(), a.GetResource().Resource)
		}
	}
}

func TestWhyPendingRESTConfig(t *testing.T) {
	var got *rest.Config
	factory := func(c *rest.Config) (kubernetes.Interface, error) { got = c; return cluster(), nil }
	execute(t, factory, "", "why-pending", "--kubeconfig", kubeconfig)
	if got == nil {
		t.Fatal("no client built")
	}
	if got.ContentType != "application/vnd.kubernetes.protobuf" || got.Timeout != 0 {
		t.Errorf("content type %q, timeout %s", got.ContentType, got.Timeout)
	}
	execute(t, factory, "", "why-pending", "--kubeconfig", kubeconfig, "--request-timeout", "5s")
	if got.Timeout.String() != "5s" {
		t.Errorf("--request-timeout 5s gave %s", got.Timeout)
	}
}

func TestWhyPendingNoPendingPods(t *testing.T) {
	running := fixture.Pod("shop", "db-0")
	running.Spec.NodeName = "node-a"
	client := fake.NewClientset(fixture.Node("node-a"), running)
	r := execute(t, withClient(client), "", "why-pending", "--kubeconfig", kubeconfig)
	if r.code != 0 || r.out != "" {
		t.Errorf("exit %d, stdout %q", r.code, r.out)
	}
	if want := "No Pending Pods in namespace shop (cluster dev: 1 nodes, 1 pods).\n"; r.errOut != want {
		t.Errorf("stderr = %q, want %q", r.errOut, want)
	}

	r = execute(t, withClient(client), "", "why-pending", "--kubeconfig", kubeconfig, "-A", "-l", "app=web")
	if want := "No Pending Pods matching app=web in any namespace (cluster dev: 1 nodes, 1 pods).\n"; r.code != 0 || r.errOut != want {
		t.Errorf("exit %d, stderr = %q, want %q", r.code, r.errOut, want)
	}
}

func TestWhyPendingNamedPods(t *testing.T) {
	t.Run("unknown pod", func(t *testing.T) {
		r := execute(t, withClient(cluster()), "", "why-pending", "--kubeconfig", kubeconfig, "nope")
		wantError(t, r, `pod "nope" not found in namespace "shop"`)
	})
	t.Run("pod in another namespace", func(t *testing.T) {
		r := execute(t, noCluster(t), "", "why-pending", "-f", snapshotFile, "web-0")
		wantError(t, r, `pod "web-0" not found in namespace "default"; a Pod of that name is in namespace shop (use -n shop)`)
	})
	t.Run("running pod", func(t *testing.T) {
		r := execute(t, withClient(cluster()), "", "why-pending", "--kubeconfig", kubeconfig, "db-0", "-o", "json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.errOut)
		}
		rep := report(t, r)
		if len(rep.NotPending) != 1 || rep.NotPending[0].NodeName != "node-a" {
			t.Errorf("notPending = %+v", rep.NotPending)
		}
	})
	t.Run("finished pod", func(t *testing.T) {
		r := execute(t, withClient(cluster()), "", "why-pending", "--kubeconfig", kubeconfig, "migrate")
		if r.code != 0 || r.out != "Pod shop/migrate is not Pending: it has Succeeded (it ran on node node-b).\n" {
			t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.out, r.errOut)
		}
		r = execute(t, withClient(cluster()), "", "why-pending", "--kubeconfig", kubeconfig, "migrate", "web-0", "-o", "json")
		rep := report(t, r)
		if len(rep.NotPending) != 1 || rep.NotPending[0].Phase != "Succeeded" || rep.NotPending[0].NodeName != "node-b" || len(rep.Pods) != 1 {
			t.Errorf("exit %d, notPending %+v, pods %v", r.code, rep.NotPending, pendingNames(rep))
		}
	})
	t.Run("finished pod in a file", func(t *testing.T) {
		r := execute(t, noCluster(t), "", "why-pending", "-f", snapshotFile, "-n", "shop", "migrate-x7k2p", "-o", "json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.errOut)
		}
		rep := report(t, r)
		if len(rep.NotPending) != 1 || rep.NotPending[0].Phase != "Succeeded" || rep.NotPending[0].NodeName != "node-b" {
			t.Errorf("notPending = %+v", rep.NotPending)
		}
	})
}

func TestWhyPendingBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"bad output", []string{"-o", "table"}, "--output must be one of: text, wide, json, yaml"},
		{"bad color", []string{"--color", "sometimes"}, "--color must be one of: auto, always, never"},
		{"names with -A", []string{"-A", "web-0"}, "a Pod name cannot be combined with -A/--all-namespaces"},
		{"file with context", []string{"-f", snapshotFile, "--context", "prod", "--as", "admin"}, "--as, --context cannot be used with -f/--filename"},
		{"bad selector", []string{"-f", snapshotFile, "-l", "app in (web"}, `invalid --selector "app in (web"`},
		{"missing file", []string{"-f", "testdata/nope.yaml"}, "cannot read snapshot file: stat testdata/nope.yaml"},
		{"malformed file", []string{"-f", "../snapshot/testdata/bad.yaml"}, "../snapshot/testdata/bad.yaml: document 2 (line 6): invalid YAML at line 10"},
		{"unknown flag", []string{"--colour", "never"}, "unknown flag: --colour (see 'kubectl placement why-pending --help')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := execute(t, noCluster(t), "", append([]string{"why-pending"}, tt.args...)...)
			wantError(t, r, tt.want)
		})
	}
	t.Run("unknown command", func(t *testing.T) {
		wantError(t, execute(t, noCluster(t), "", "why-pendin"), `unknown command "why-pendin" for "kubectl placement"`)
	})
}

func TestWhyPendingClusterErrors(t *testing.T) {
	forbidden := func(resource string) k8stesting.ReactionFunc {
		return func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", fmt.Errorf("User \"jane\" cannot list resource %q", resource))
		}
	}
	t.Run("nodes forbidden", func(t *testing.T) {
		client := cluster()
		client.PrependReactor("list", "nodes", forbidden("nodes"))
		r := execute(t, withClient(client), "", "why-pending", "--kubeconfig", kubeconfig, "-o", "json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.errOut)
		}
		if !strings.HasPrefix(r.errOut, "Warning: cannot list nodes at cluster scope: without Nodes only what the cluster recorded can be shown; docs/rbac.yaml grants list on nodes") {
			t.Errorf("stderr = %q", r.errOut)
		}
		if rep := report(t, r); len(rep.Pods) != 1 {
			t.Errorf("pods = %v", pendingNames(rep))
		}
	})
	t.Run("pods forbidden cluster-wide with -A", func(t *testing.T) {
		// A namespace-only user: -A shows the kubeconfig's namespace, says so once on stderr, exits 0.
		client := cluster()
		client.PrependReactor("list", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
			if a.GetNamespace() != "" {
				return false, nil, nil
			}
			return forbidden("pods")(a)
		})
		r := execute(t, withClient(client), "", "why-pending", "--kubeconfig", kubeconfig, "-A")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.errOut)
		}
		want := `Warning: cannot list pods in all namespaces: pods is forbidden: User "jane" cannot list resource "pods"; showing namespace "shop" only: ` +
			"spread, inter-pod affinity, host port and resource checks do not see Pods elsewhere; docs/rbac.yaml grants list on pods\n"
		if r.errOut != want {
			t.Errorf("stderr = %q, want %q", r.errOut, want)
		}
		if !strings.HasPrefix(r.out, "Pod shop/web-0\n") || strings.Contains(r.out, "Warning") {
			t.Errorf("stdout should be the report alone:\n%s", r.out)
		}
		r = execute(t, withClient(client), "", "why-pending", "--kubeconfig", kubeconfig, "-A", "-o", "json")
		if rep := report(t, r); r.code != 0 || len(rep.Warnings) != 1 || len(rep.MissingPermissions) != 1 || len(rep.Pods) != 1 {
			t.Errorf("exit %d, warnings %q, missing %v, pods %v", r.code, rep.Warnings, rep.MissingPermissions, pendingNames(rep))
		}
	})
	t.Run("pods forbidden", func(t *testing.T) {
		client := cluster()
		client.PrependReactor("list", "pods", forbidden("pods"))
		r := execute(t, withClient(client), "", "why-pending", "--kubeconfig", kubeconfig)
		wantError(t, r, `cannot list pods in all namespaces, nor in namespace "shop": pods is forbidden: User "jane" cannot list resource "pods"; docs/rbac.yaml grants list on pods`)
	})
	t.Run("unauthorized", func(t *testing.T) {
		client := cluster()
		client.PrependReactor("list", "*", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewUnauthorized("Unauthorized")
		})
		r := execute(t, withClient(client), "", "why-pending", "--kubeconfig", kubeconfig)
		wantError(t, r, "the cluster at https://127.0.0.1:1 rejected the credentials (Unauthorized): log in again")
	})
	t.Run("unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := "http://" + l.Addr().String()
		l.Close()
		r := execute(t, newClientset, "", "why-pending", "--kubeconfig", kubeconfig, "--server", addr)
		wantError(t, r, "cannot reach the cluster at "+addr+": dial tcp")
	})
	t.Run("timeout", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		defer srv.Close()
		r := execute(t, newClientset, "", "why-pending", "--kubeconfig", kubeconfig, "--server", srv.URL, "--request-timeout", "300ms")
		wantError(t, r, "timed out after 300ms talking to "+srv.URL+"; check --request-timeout / connectivity")
	})
	t.Run("escapes cluster text", func(t *testing.T) {
		client := cluster()
		client.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewBadRequest("line one\nline two \x1b[31mred")
		})
		r := execute(t, withClient(client), "", "why-pending", "--kubeconfig", kubeconfig)
		wantError(t, r, "line one line two")
		if strings.Contains(r.errOut, "\x1b") {
			t.Errorf("escape sequence reached the terminal: %q", r.errOut)
		}
	})
}

func TestPanicIsOneLine(t *testing.T) {
	factory := func(*rest.Config) (kubernetes.Interface, error) { panic("boom") }
	wantError(t, execute(t, factory, "", "why-pending", "--kubeconfig", kubeconfig), "internal error: boom")
}

func TestVersion(t *testing.T) {
	r := execute(t, noCluster(t), "", "version")
	if r.code != 0 || !strings.HasPrefix(r.out, "Client Version: ") {
		t.Errorf("exit %d, stdout %q", r.code, r.out)
	}
	for _, format := range []string{"json", "yaml"} {
		r := execute(t, noCluster(t), "", "version", "-o", format)
		var v VersionReport
		if err := yaml.Unmarshal([]byte(r.out), &v); err != nil || r.code != 0 || v.ClientVersion.Version == "" || v.ClientVersion.Platform == "" {
			t.Errorf("-o %s: exit %d, err %v, %+v", format, r.code, err, v)
		}
	}
	wantError(t, execute(t, noCluster(t), "", "version", "-o", "wide"), "--output must be one of: text, json, yaml")
}

func TestHelpShowsDisplayName(t *testing.T) {
	r := execute(t, noCluster(t), "", "why-pending", "--help")
	if r.code != 0 || !strings.Contains(r.out, "kubectl placement why-pending [POD...]") || !bytes.Contains([]byte(r.out), []byte("--kubeconfig")) {
		t.Errorf("exit %d, help:\n%s", r.code, r.out)
	}
}

// TestSnapshotFileNamespace: -f without -n reads the kubeconfig's namespace, as kubectl does.
func TestSnapshotFileNamespace(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	t.Setenv("KUBECONFIG", kubeconfig) // namespace shop
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	if code := run(context.Background(), []string{"why-pending", "-f", snapshotFile}, streams, noCluster(t)); code != 0 || !strings.Contains(out.String(), "\nPod shop/web-0\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
