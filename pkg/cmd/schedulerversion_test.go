package cmd

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
)

// Live, the server's version picks the scheduler's wording; --scheduler-version overrides it and
// an unknown one is a one-line error naming the flag.
func TestWhyPendingSchedulerVersion(t *testing.T) {
	for _, tt := range []struct {
		name, server string
		args         []string
		want, from   string
	}{
		{name: "server v1.36", server: "v1.36.3", want: "1.36", from: "server"},
		{name: "server v1.37", server: "v1.37.2", want: "1.37", from: "server"},
		{name: "flag wins", server: "v1.37.2", args: []string{"--scheduler-version", "1.36"}, want: "1.36", from: "flag"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client := cluster()
			client.Discovery().(*fakediscovery.FakeDiscovery).FakedServerVersion = &version.Info{GitVersion: tt.server}
			r := execute(t, withClient(client), "", append([]string{"why-pending", "--kubeconfig", kubeconfig, "-o", "json"}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.errOut)
			}
			rep := report(t, r)
			if rep.SchedulerVersion != tt.want || rep.SchedulerVersionFrom != tt.from {
				t.Errorf("version %q from %q, want %q from %q", rep.SchedulerVersion, rep.SchedulerVersionFrom, tt.want, tt.from)
			}
		})
	}
	r := execute(t, withClient(cluster()), "", "why-pending", "--kubeconfig", kubeconfig, "--scheduler-version", "1.12")
	if r.code == 0 || strings.Count(r.errOut, "\n") != 1 || !strings.Contains(r.errOut, `--scheduler-version: unknown scheduler version "1.12"`) {
		t.Errorf("exit %d, stderr %q", r.code, r.errOut)
	}
}
