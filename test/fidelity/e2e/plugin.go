package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// PluginRun is one run of the kubectl-placement binary.
type PluginRun struct {
	Args           []string
	Stdout, Stderr string
	ExitCode       int
}

// RunPlugin runs bin with args, bounded by timeout.
func RunPlugin(ctx context.Context, bin string, timeout time.Duration, args ...string) (PluginRun, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(cmd.Environ(), "NO_COLOR=1")
	err := cmd.Run()
	run := PluginRun{Args: args, Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return run, fmt.Errorf("%s %s: no answer within %s", bin, strings.Join(args, " "), timeout)
	case errors.As(err, &exitErr):
		run.ExitCode = exitErr.ExitCode()
	case err != nil:
		return run, err
	}
	return run, nil
}

// Crashed says whether the output shows a panic or a Go stack trace, which the product never prints.
func (r PluginRun) Crashed() bool {
	return strings.Contains(r.Stderr, "panic:") || strings.Contains(r.Stderr, "goroutine ") || r.ExitCode > 2
}

// reportMessages reads pods[].schedulerMessage from a why-pending JSON report, keyed "ns/name".
// A Pod analysed on behalf of identical siblings (samePods) shares its message with them.
func reportMessages(stdout string) (map[string]string, error) {
	var report struct {
		Kind string `json:"kind"`
		Pods []struct {
			Namespace        string   `json:"namespace"`
			Name             string   `json:"name"`
			SamePods         []string `json:"samePods"`
			SchedulerMessage string   `json:"schedulerMessage"`
		} `json:"pods"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		return nil, fmt.Errorf("report is not JSON: %w (first bytes: %.200q)", err, stdout)
	}
	if report.Kind == "" {
		return nil, fmt.Errorf("report has no kind (first bytes: %.200q)", stdout)
	}
	out := map[string]string{}
	for _, p := range report.Pods {
		out[p.Namespace+"/"+p.Name] = p.SchedulerMessage
		for _, same := range p.SamePods {
			if _, ok := out[same]; !ok {
				out[same] = p.SchedulerMessage
			}
		}
	}
	return out, nil
}

// RecordedMessages returns the scheduler's PodScheduled=False message of every unbound Pod, keyed "ns/name".
func RecordedMessages(ctx context.Context, cs kubernetes.Interface) (map[string]string, error) {
	pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	out := map[string]string{}
	for _, pod := range pods.Items {
		if pod.Spec.NodeName != "" {
			continue
		}
		for _, c := range pod.Status.Conditions {
			// Gated Pods carry PodScheduled=False too (reason SchedulingGated), but the scheduler
			// has not judged them.
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				out[pod.Namespace+"/"+pod.Name] = c.Message
			}
		}
	}
	return out, nil
}

// CompareMessages checks the report's message for every recorded Pod in namespaces (all when
// empty). It returns how many Pods it compared and one line per difference.
func CompareMessages(recorded map[string]string, stdout string, namespaces ...string) (int, []string, error) {
	got, err := reportMessages(stdout)
	if err != nil {
		return 0, nil, err
	}
	keys := make([]string, 0, len(recorded))
	for k := range recorded {
		ns, _, _ := strings.Cut(k, "/")
		if len(namespaces) == 0 || contains(namespaces, ns) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var diffs []string
	for _, k := range keys {
		msg, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: missing from the report", k))
		case msg != recorded[k]:
			diffs = append(diffs, fmt.Sprintf("%s:\n    scheduler: %s\n    plugin:    %s", k, recorded[k], msg))
		}
	}
	return len(keys), diffs, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
