package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/kubectl-placement/kubectl-placement/pkg/render"
)

// hostileText is what anyone who can create a Pod or an event can write: terminal escapes, C1
// controls, bidi overrides and isolates, separators, invisible format characters.
const hostileText = "evil\x1b]0;owned\x07\x1b[2J\u009b31m\u202ecod.exe\u2066x\u2069\u2028line\u200b\ufeffend"

// faultAPI is a fake API server on 127.0.0.1 serving a small cluster (one node, one Pending Pod
// in shop) as JSON, with one fault injected per test case.
type faultAPI struct {
	// fault may answer a request itself (returning true); resource is e.g. "pods", name "" for a LIST.
	fault   func(w http.ResponseWriter, r *http.Request, resource, name string) bool
	hostile bool

	mu       sync.Mutex
	requests int
	writes   []string
}

var listKinds = map[string]string{
	"nodes": "NodeList", "pods": "PodList", "namespaces": "NamespaceList", "events": "EventList",
	"persistentvolumeclaims": "PersistentVolumeClaimList", "persistentvolumes": "PersistentVolumeList",
	"priorityclasses": "PriorityClassList", "storageclasses": "StorageClassList",
	"deployments": "DeploymentList", "statefulsets": "StatefulSetList", "replicasets": "ReplicaSetList",
	"daemonsets": "DaemonSetList", "jobs": "JobList",
}

func (f *faultAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests++
	if r.Method != http.MethodGet {
		f.writes = append(f.writes, r.Method+" "+r.URL.Path)
	}
	f.mu.Unlock()
	resource, name := apiResource(r.URL.Path)
	if f.fault != nil && f.fault(w, r, resource, name) {
		return
	}
	kind, ok := listKinds[resource]
	if !ok || name != "" {
		writeStatus(w, http.StatusNotFound, "NotFound", "not found")
		return
	}
	apiVersion := "v1"
	if parts := strings.Split(r.URL.Path, "/"); len(parts) > 3 && parts[1] == "apis" {
		apiVersion = parts[2] + "/" + parts[3]
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"kind":%q,"apiVersion":%q,"metadata":{"resourceVersion":"1"},"items":[%s]}`, kind, apiVersion, f.items(resource))
}

func (f *faultAPI) items(resource string) string {
	label, message := "web", "0/1 nodes are available: 1 Insufficient cpu."
	if f.hostile {
		label, message = hostileText+strings.Repeat("x", 1<<20), hostileText
	}
	labelJSON, _ := json.Marshal(label)
	messageJSON, _ := json.Marshal(message)
	switch resource {
	case "nodes":
		return `{"metadata":{"name":"node-a","labels":{"kubernetes.io/hostname":"node-a","team":` + string(labelJSON) + `}},` +
			`"status":{"allocatable":{"cpu":"1","memory":"1Gi","pods":"110"},"conditions":[{"type":"Ready","status":"True"}]}}`
	case "pods":
		return `{"metadata":{"name":"web-0","namespace":"shop","uid":"u1","labels":{"app":` + string(labelJSON) + `}},` +
			`"spec":{"schedulerName":"default-scheduler","containers":[{"name":"c","image":"i","resources":{"requests":{"cpu":"2"}}}]},` +
			`"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":` + string(messageJSON) + `}]}}`
	case "events":
		return `{"metadata":{"name":"web-0.1","namespace":"shop"},"involvedObject":{"kind":"Pod","namespace":"shop","name":"web-0","uid":"u1"},` +
			`"reason":"FailedScheduling","message":` + string(messageJSON) + `,"source":{"component":"default-scheduler"},"count":1}`
	}
	return ""
}

// apiResource finds the resource and name in /api/v1/... or /apis/GROUP/VERSION/... paths.
func apiResource(path string) (resource, name string) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) > 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) > 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return "", ""
	}
	if parts[0] == "namespaces" && len(parts) >= 3 {
		parts = parts[2:]
	}
	if len(parts) > 1 {
		return parts[0], parts[1]
	}
	return parts[0], ""
}

func writeStatus(w http.ResponseWriter, code int, reason, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	msg, _ := json.Marshal(message)
	fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":%s,"reason":%q,"code":%d}`, msg, reason, code)
}

// on injects fault for one resource only.
func on(resource string, fault func(w http.ResponseWriter, r *http.Request) bool) func(http.ResponseWriter, *http.Request, string, string) bool {
	return func(w http.ResponseWriter, r *http.Request, res, _ string) bool {
		return res == resource && fault(w, r)
	}
}

func status(code int, reason, message string) func(http.ResponseWriter, *http.Request) bool {
	return func(w http.ResponseWriter, _ *http.Request) bool { writeStatus(w, code, reason, message); return true }
}

// hang answers only when the client gives up.
func hang(_ http.ResponseWriter, r *http.Request) bool { <-r.Context().Done(); return true }

// endlessContinue returns an empty page with a new continue token, forever.
func endlessContinue(w http.ResponseWriter, r *http.Request) bool {
	n, _ := strconv.Atoi(r.URL.Query().Get("continue"))
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"%d"},"items":[]}`, n+1)
	return true
}

// goneThenPaged expires every continue token, and pages even the full list.
func goneThenPaged(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Query().Get("continue") != "" {
		writeStatus(w, http.StatusGone, "Expired", "The provided continue parameter is too old")
		return true
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"continue":"next"},"items":[]}`)
	return true
}

// resetMidBody sends half a response and drops the connection.
func resetMidBody(w http.ResponseWriter, _ *http.Request) bool {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return false
	}
	buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"kind\":\"NodeList\",\"items\":[{\"metad")
	buf.Flush()
	conn.Close()
	return true
}

// truncated promises more body than it sends.
func truncated(w http.ResponseWriter, _ *http.Request) bool {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "400")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, `{"kind":"EventList","items":[`)
	return true
}

func TestFaultInjectingAPIServer(t *testing.T) {
	tests := []struct {
		name    string
		fault   func(http.ResponseWriter, *http.Request, string, string) bool
		hostile bool
		args    []string
		// wantCode 0: a report on stdout; 1: one error line naming wantText.
		wantCode int
		wantText string // in the error line, or in a Warning: line for a report
	}{
		{name: "healthy", wantText: ""},
		{name: "slow answers", args: []string{"--timeout", "10s"}, fault: func(http.ResponseWriter, *http.Request, string, string) bool {
			time.Sleep(50 * time.Millisecond)
			return false
		}},
		{name: "429 with a Retry-After beyond the deadline", fault: on("nodes", func(w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("Retry-After", "100000")
			writeStatus(w, http.StatusTooManyRequests, "TooManyRequests", "slow down")
			return true
		}), wantCode: 1, wantText: "429 Too Many Requests"},
		{name: "5xx on nodes", fault: on("nodes", status(500, "InternalError", "etcd is down")), wantCode: 1, wantText: "etcd is down"},
		{name: "5xx on pods with a hostile message", fault: on("pods", status(500, "InternalError", hostileText)), wantCode: 1, wantText: "evil"},
		{name: "never answering", fault: on("pods", hang), wantCode: 1, wantText: "gave up after 1s (--timeout)"},
		{name: "never answering, no request timeout", fault: on("nodes", hang), args: []string{"--request-timeout", "0"}, wantCode: 1, wantText: "--timeout"},
		{name: "request timeout", fault: on("nodes", hang), args: []string{"--request-timeout", "200ms"}, wantCode: 1, wantText: "timed out after 200ms"},
		{name: "endless continue", fault: on("pods", endlessContinue), wantCode: 1},
		{name: "410 then a paged full list", fault: on("pods", goneThenPaged), wantCode: 1, wantText: "continue token"},
		{name: "reset mid-body on nodes", fault: on("nodes", resetMidBody), wantCode: 1},
		{name: "truncated events", fault: on("events", truncated), wantText: "cannot list events"},
		{name: "401", fault: func(w http.ResponseWriter, _ *http.Request, _, _ string) bool {
			writeStatus(w, 401, "Unauthorized", "Unauthorized")
			return true
		}, wantCode: 1, wantText: "rejected the credentials"},
		{name: "403 on nodes", fault: on("nodes", status(403, "Forbidden", `nodes is forbidden: User "jane" cannot list resource "nodes"`)), wantText: "grants list on nodes"},
		{name: "403 on pods", fault: on("pods", status(403, "Forbidden", `pods is forbidden: User "jane" cannot list resource "pods"`)), wantCode: 1, wantText: "cannot list pods"},
		{name: "404 on events", fault: on("events", status(404, "NotFound", "the server could not find the requested resource")), wantText: "cannot list events"},
		{name: "500 on persistentvolumes", fault: on("persistentvolumes", status(500, "InternalError", "boom")), wantText: "cannot list persistentvolumes"},
		{name: "404 on storageclasses", fault: on("storageclasses", status(404, "NotFound", "gone")), wantText: "cannot list storageclasses"},
		{name: "404 on priorityclasses", fault: on("priorityclasses", status(404, "NotFound", "gone")), wantText: "cannot list priorityclasses"},
		{name: "hang on namespaces", fault: on("namespaces", hang), wantCode: 1, wantText: "--timeout"},
		{name: "hostile warning headers", fault: func(w http.ResponseWriter, _ *http.Request, _, _ string) bool {
			// Go's HTTP client refuses ASCII controls in headers, client-go C1 in warnings.
			w.Header().Add("Warning", "299 - \"deprecated \u202ecod.exe\u2066x\u2069\u2028line\u200b\ufeffend\"")
			return false
		}, wantText: "deprecated cod.exex lineend"},
		// A 1 MB label takes a while to decode and analyse on a busy machine: these cases are
		// about the output, not the deadline.
		{name: "hostile objects, text", hostile: true, args: []string{"--timeout", "20s"}},
		{name: "hostile objects, wide", hostile: true, args: []string{"--timeout", "20s", "-o", "wide"}},
		{name: "hostile objects, json", hostile: true, args: []string{"--timeout", "20s", "-o", "json"}},
		{name: "hostile objects, yaml", hostile: true, args: []string{"--timeout", "20s", "-o", "yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &faultAPI{fault: tt.fault, hostile: tt.hostile}
			srv := httptest.NewServer(api)
			defer srv.Close()
			args := append([]string{"why-pending", "--kubeconfig", kubeconfig, "--server", srv.URL, "--timeout", "1s"}, tt.args...)
			start := time.Now()
			r := execute(t, newClientset, "", args...)
			if took := time.Since(start); took > 3*time.Second && !tt.hostile {
				t.Errorf("took %s with --timeout 1s", took)
			}
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", r.code, tt.wantCode, r.errOut)
			}
			lines := strings.Split(strings.TrimSuffix(r.errOut, "\n"), "\n")
			if tt.wantCode != 0 {
				if len(lines) != 1 || !strings.HasPrefix(lines[0], "error: ") || !strings.Contains(lines[0], tt.wantText) {
					t.Errorf("want one error line naming %q, got:\n%s", tt.wantText, r.errOut)
				}
			} else {
				if !strings.Contains(r.out, "web-0") {
					t.Errorf("no report for web-0:\n%s", r.out)
				}
				if tt.wantText != "" && !strings.Contains(r.errOut, "Warning: ") || !strings.Contains(r.errOut, tt.wantText) {
					t.Errorf("want a warning naming %q, got:\n%s", tt.wantText, r.errOut)
				}
				for _, l := range lines {
					if l != "" && !strings.HasPrefix(l, "Warning: ") {
						t.Errorf("stderr line %q is not a warning", l)
					}
					if strings.Count(r.errOut, l+"\n") > 1 {
						t.Errorf("warning printed twice: %q", l)
					}
				}
			}
			for stream, text := range map[string]string{"stdout": r.out, "stderr": r.errOut} {
				if err := terminalSafe(text); err != nil {
					t.Errorf("%s: %v", stream, err)
				}
			}
			if tt.hostile && len(r.out) > 64<<10 {
				t.Errorf("stdout is %d bytes: a 1 MB label must be shortened", len(r.out))
			}
			if len(api.writes) > 0 {
				t.Errorf("non-GET requests: %v", api.writes)
			}
		})
	}
}

// terminalSafe checks the bytes of output: valid UTF-8 and no unsafe rune but newlines.
func terminalSafe(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("invalid UTF-8: %q", s)
	}
	for i, r := range s {
		if r != '\n' && render.Unsafe(r) {
			return fmt.Errorf("%U at byte %d: %q", r, i, s[max(0, i-20):min(len(s), i+20)])
		}
	}
	return nil
}

func TestInterruptIsOneLine(t *testing.T) {
	srv := httptest.NewServer(&faultAPI{fault: on("nodes", hang)})
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	start := time.Now()
	code := run(ctx, []string{"why-pending", "--kubeconfig", kubeconfig, "--server", srv.URL}, streams, newClientset)
	if took := time.Since(start); code != 1 || errOut.String() != "error: interrupted\n" || out.Len() != 0 || took > time.Second {
		t.Errorf("exit %d after %s, stdout %q, stderr %q", code, took, out, errOut)
	}
}
