package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubectl-placement/kubectl-placement/pkg/whatif"
)

const (
	exampleCluster  = "../../examples/cluster.yaml"
	exampleManifest = "../../examples/what-if/shop.yaml"
)

func writeManifest(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const smallPod = `apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  containers: [{name: c, image: busybox, resources: {requests: {cpu: 10m}}}]
`

func TestWhatIfSomeDoNotFit(t *testing.T) {
	r := execute(t, noCluster(t), "", "what-if", "-f", exampleManifest, "--snapshot", exampleCluster, "-o", "json")
	if r.code != ExitNotAllPlaced {
		t.Fatalf("exit code %d, want %d; stderr %q", r.code, ExitNotAllPlaced, r.errOut)
	}
	if strings.Contains(r.errOut, "error:") {
		t.Errorf("a report of Pods that do not fit is no error: %q", r.errOut)
	}
	var rep whatif.WhatIfReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatalf("stdout is not a JSON report: %v", err)
	}
	if rep.Kind != whatif.ReportKind || rep.APIVersion == "" || rep.AllPlaced || len(rep.Workloads) != 3 {
		t.Fatalf("report: kind %q apiVersion %q allPlaced %v workloads %d", rep.Kind, rep.APIVersion, rep.AllPlaced, len(rep.Workloads))
	}
	web := rep.Workloads[0]
	if web.Name != "web" || web.Replicas != 6 || web.Placed != 4 || !web.Exact || len(web.Unplaced) != 2 || web.FirstFailure == nil ||
		!strings.HasPrefix(web.Unplaced[0].SchedulerMessage, "0/11 nodes are available: ") ||
		web.FirstFailure.SchedulerMessage != web.Unplaced[0].SchedulerMessage {
		t.Errorf("web: %+v", web)
	}
}

func TestWhatIfAllFitText(t *testing.T) {
	r := execute(t, noCluster(t), smallPod, "what-if", "-f", "-", "--snapshot", exampleCluster, "-n", "shop")
	if r.code != 0 {
		t.Fatalf("exit code %d, want 0; stderr %q", r.code, r.errOut)
	}
	for _, want := range []string{"Pod shop/tiny", "Result: 1 of 1 replicas fit", "All placed: every replica fits (1 of 1)."} {
		if !strings.Contains(r.out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.out)
		}
	}
}

func TestWhatIfLive(t *testing.T) {
	r := execute(t, withClient(cluster()), smallPod, "what-if", "--kubeconfig", kubeconfig, "-f", "-", "-o", "yaml")
	if r.code != 0 {
		t.Fatalf("exit code %d, want 0; stderr %q out %q", r.code, r.errOut, r.out)
	}
	if !strings.Contains(r.out, "kind: WhatIfReport") || !strings.Contains(r.out, "placed: 1") {
		t.Errorf("stdout:\n%s", r.out)
	}
}

func TestWhatIfBadInput(t *testing.T) {
	bad := writeManifest(t, smallPod+"---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: \"many\"}\n")
	noKind := writeManifest(t, "metadata: {name: x}\n")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"what-if", "--snapshot", exampleCluster}, "what-if needs a manifest: -f FILE"},
		{[]string{"what-if", "-f", bad, "--snapshot", exampleCluster}, bad + ": document 2 (line 7): invalid Deployment"},
		{[]string{"what-if", "-f", noKind, "--snapshot", exampleCluster}, noKind + ": document 1 (line 1): not a Kubernetes object: no kind"},
		{[]string{"what-if", "-f", exampleManifest, "--snapshot", exampleCluster, "--context", "x"}, "--context cannot be used with --snapshot"},
		{[]string{"what-if", "-f", exampleManifest, "--snapshot", exampleCluster, "--scheduler-version", "1.2"}, "--scheduler-version: unknown scheduler version"},
		{[]string{"what-if", "-f", exampleManifest, "--snapshot", exampleCluster, "-o", "xml"}, "--output must be one of"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			wantError(t, execute(t, noCluster(t), "", tt.args...), tt.want)
		})
	}
}

func TestWhatIfCompletesNamespacesOfTheSnapshot(t *testing.T) {
	got, _ := complete(t, noCluster(t), "what-if", "-f", exampleManifest, "--snapshot", exampleCluster, "-n", "")
	names := strings.Join(got, " ")
	if !strings.Contains(names, "shop") {
		t.Errorf("namespaces of --snapshot: got %q", got)
	}
}
