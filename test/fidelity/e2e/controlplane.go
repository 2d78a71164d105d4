// Package e2e runs a real etcd, kube-apiserver and kube-scheduler (the version go.mod requires, built from this module)
// on loopback, loads scenario manifests into them, dumps the result as a snapshot file, and checks
// the API server's audit log. There is no kubelet and no controller-manager; the loader does the
// few things those would have done (see load.go).
package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
)

// Users of the control plane. Each has a bearer token in the token auth file and a kubeconfig.
const (
	// UserAdmin is the loader: it creates the scenarios (system:masters).
	UserAdmin = "admin"
	// UserScheduler is kube-scheduler's identity (system:masters, so no RBAC bootstrap is needed).
	UserScheduler = "system:kube-scheduler"
	// UserPluginAdmin runs the plugin with full rights; separate from UserAdmin so that the audit
	// log tells the plugin's requests from the loader's.
	UserPluginAdmin = "placement-admin"
	// UserReader is bound to docs/rbac.yaml's ClusterRole through the group ReaderGroup.
	UserReader = "reader"
	// UserNamespaceReader can read one namespace only (scenario rbac).
	UserNamespaceReader = "nsreader"
	// UserCanary exists only to prove that the audit checker sees writes.
	UserCanary = "canary"

	// ReaderGroup is the group docs/rbac.yaml's example ClusterRoleBinding names.
	ReaderGroup = "oncall-engineers"
)

// PluginUsers are the identities the plugin runs as; the audit log must show only reads by them.
var PluginUsers = []string{UserPluginAdmin, UserReader, UserNamespaceReader}

var userGroups = map[string]string{
	UserAdmin:           "system:masters",
	UserScheduler:       "system:masters",
	UserPluginAdmin:     "system:masters",
	UserReader:          ReaderGroup,
	UserNamespaceReader: "namespace-readers",
	UserCanary:          ReaderGroup,
}

// ControlPlane is a running etcd + kube-apiserver + kube-scheduler.
type ControlPlane struct {
	// BinDir holds etcd, kube-apiserver and kube-scheduler.
	BinDir string
	// Dir holds data, certificates, logs, kubeconfigs; the caller removes it.
	Dir string
	// Log receives progress lines.
	Log io.Writer
	// NoScheduler starts etcd and the API server only (the scale benchmark reads a cluster that
	// nothing changes).
	NoScheduler bool

	EtcdPort, EtcdPeerPort, APIPort, SchedulerPort int
	tokens                                         map[string]string

	mu    sync.Mutex
	procs []*process // start order; stopped in reverse
}

type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error
}

// AuditLogPath is where the API server writes one JSON audit event per line.
func (cp *ControlPlane) AuditLogPath() string { return filepath.Join(cp.Dir, "audit.log") }

// Server is the API server URL.
func (cp *ControlPlane) Server() string { return fmt.Sprintf("https://127.0.0.1:%d", cp.APIPort) }

// KubeconfigPath is the kubeconfig file of user.
func (cp *ControlPlane) KubeconfigPath(user string) string {
	return filepath.Join(cp.Dir, "kubeconfig-"+strings.ReplaceAll(user, ":", "-"))
}

// Token is user's bearer token.
func (cp *ControlPlane) Token(user string) string { return cp.tokens[user] }

// RESTConfig is a client config for user. TLS is unverified: the serving cert is self-signed on loopback.
func (cp *ControlPlane) RESTConfig(user string) *rest.Config {
	return &rest.Config{
		Host:            cp.Server(),
		BearerToken:     cp.tokens[user],
		TLSClientConfig: rest.TLSClientConfig{Insecure: true},
		QPS:             200,
		Burst:           400,
	}
}

func (cp *ControlPlane) logf(format string, args ...any) {
	if cp.Log != nil {
		fmt.Fprintf(cp.Log, "controlplane: "+format+"\n", args...)
	}
}

// Start prepares files and starts the three processes, each waited for with a bound. On error
// whatever started is stopped again.
func (cp *ControlPlane) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			cp.Stop()
		}
	}()
	for _, dir := range []string{"etcd", "certs"} {
		if err := os.MkdirAll(filepath.Join(cp.Dir, dir), 0o700); err != nil {
			return err
		}
	}
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	cp.EtcdPort, cp.EtcdPeerPort, cp.APIPort, cp.SchedulerPort = ports[0], ports[1], ports[2], ports[3]
	if err := cp.writeAuthFiles(); err != nil {
		return err
	}

	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", cp.EtcdPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", cp.EtcdPeerPort)
	start := time.Now()
	if err := cp.spawn("etcd",
		"--data-dir", filepath.Join(cp.Dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "default="+peerURL,
		"--log-level", "warn",
	); err != nil {
		return err
	}
	if err := cp.waitHTTP(ctx, "etcd", etcdURL+"/health", "", `"health":"true"`, 60*time.Second); err != nil {
		return err
	}
	cp.logf("etcd ready on %s after %s", etcdURL, time.Since(start).Round(100*time.Millisecond))

	start = time.Now()
	if err := cp.spawn("kube-apiserver",
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		// Nothing here needs the kubernetes Service's endpoints, and from v1.37 the lease
		// reconciler refuses a loopback address.
		"--endpoint-reconciler-type", "none",
		"--secure-port", fmt.Sprint(cp.APIPort),
		"--cert-dir", filepath.Join(cp.Dir, "certs"),
		"--token-auth-file", filepath.Join(cp.Dir, "tokens.csv"),
		"--authorization-mode", "RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", filepath.Join(cp.Dir, "sa.pub"),
		"--service-account-signing-key-file", filepath.Join(cp.Dir, "sa.key"),
		"--service-cluster-ip-range", "10.96.0.0/16",
		"--audit-log-path", cp.AuditLogPath(),
		"--audit-policy-file", filepath.Join(cp.Dir, "audit-policy.yaml"),
		"--audit-log-mode", "blocking", // every event is on disk before the response: the checker reads it right after
	); err != nil {
		return err
	}
	if err := cp.waitHTTP(ctx, "kube-apiserver", cp.Server()+"/readyz", cp.tokens[UserAdmin], "ok", 120*time.Second); err != nil {
		return err
	}
	cp.logf("kube-apiserver ready on %s after %s", cp.Server(), time.Since(start).Round(100*time.Millisecond))

	if cp.NoScheduler {
		return nil
	}
	start = time.Now()
	kc := cp.KubeconfigPath(UserScheduler)
	if err := cp.spawn("kube-scheduler",
		"--kubeconfig", kc, "--authentication-kubeconfig", kc, "--authorization-kubeconfig", kc,
		"--leader-elect=false",
		"--bind-address", "127.0.0.1", "--secure-port", fmt.Sprint(cp.SchedulerPort),
		// The loader reads the queue gauges to know when every Pod has been judged.
		"--authorization-always-allow-paths", "/healthz,/readyz,/livez,/metrics",
	); err != nil {
		return err
	}
	if err := cp.waitHTTP(ctx, "kube-scheduler", cp.schedulerURL()+"/healthz", cp.tokens[UserAdmin], "ok", 60*time.Second); err != nil {
		return err
	}
	cp.logf("kube-scheduler ready on %s after %s", cp.schedulerURL(), time.Since(start).Round(100*time.Millisecond))
	return nil
}

func (cp *ControlPlane) schedulerURL() string {
	return fmt.Sprintf("https://127.0.0.1:%d", cp.SchedulerPort)
}

// writeAuthFiles makes tokens, the token file, kubeconfigs, the service account key pair and the audit policy.
func (cp *ControlPlane) writeAuthFiles() error {
	cp.tokens = map[string]string{}
	var csv strings.Builder
	for user, group := range userGroups {
		b := make([]byte, 16)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		cp.tokens[user] = hex.EncodeToString(b)
		fmt.Fprintf(&csv, "%s,%s,uid-%s,\"%s\"\n", cp.tokens[user], user, strings.ReplaceAll(user, ":", "-"), group)
		kubeconfig := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: %s
  user:
    token: %s
contexts:
- name: e2e-%s
  context:
    cluster: e2e
    user: %s
    namespace: default
current-context: e2e-%s
`, cp.Server(), user, cp.tokens[user], user, user, user)
		if err := os.WriteFile(cp.KubeconfigPath(user), []byte(kubeconfig), 0o600); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(cp.Dir, "tokens.csv"), []byte(csv.String()), 0o600); err != nil {
		return err
	}
	policy := "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n"
	if err := os.WriteFile(filepath.Join(cp.Dir, "audit-policy.yaml"), []byte(policy), 0o600); err != nil {
		return err
	}
	return writeServiceAccountKeys(filepath.Join(cp.Dir, "sa.key"), filepath.Join(cp.Dir, "sa.pub"))
}

// writeServiceAccountKeys makes the RSA pair the API server signs service account tokens with:
// openssl when present (what an operator would use), Go's crypto otherwise, so nothing is installed.
func writeServiceAccountKeys(keyPath, pubPath string) error {
	if openssl, err := exec.LookPath("openssl"); err == nil {
		if out, err := exec.Command(openssl, "genrsa", "-out", keyPath, "2048").CombinedOutput(); err != nil {
			return fmt.Errorf("openssl genrsa: %v: %s", err, out)
		}
		if out, err := exec.Command(openssl, "rsa", "-in", keyPath, "-pubout", "-out", pubPath).CombinedOutput(); err != nil {
			return fmt.Errorf("openssl rsa -pubout: %v: %s", err, out)
		}
		return nil
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
}

// freePorts asks the kernel for n distinct free loopback ports. All listeners stay open until
// every port is known, so the kernel cannot hand out the same one twice.
func freePorts(n int) ([]int, error) {
	var ports []int
	var listeners []net.Listener
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (cp *ControlPlane) spawn(name string, args ...string) error {
	logPath := filepath.Join(cp.Dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(cp.BinDir, name), args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group: a terminal ^C reaches only us, and we stop them in order. Pdeathsig kills
	// them if we die without stopping them (SIGKILL of the driver).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", name, err)
	}
	// hack/e2e.sh kills what is listed here if this program itself gets killed.
	if f, err := os.OpenFile(filepath.Join(cp.Dir, "pids"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600); err == nil {
		fmt.Fprintln(f, cmd.Process.Pid)
		f.Close()
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	cp.mu.Lock()
	cp.procs = append(cp.procs, p)
	cp.mu.Unlock()
	return nil
}

// waitHTTP polls url until its body contains want, the process dies, or the bound passes.
func (cp *ControlPlane) waitHTTP(ctx context.Context, name, url, token, want string, bound time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	deadline := time.Now().Add(bound)
	var last string
	for {
		if p := cp.proc(name); p != nil {
			select {
			case <-p.done:
				return fmt.Errorf("%s exited during start-up (%v); last log lines:\n%s", name, p.err, tail(p.logPath, 20))
			default:
			}
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if resp, err := client.Do(req); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), want) {
				return nil
			}
			last = fmt.Sprintf("HTTP %d %.200s", resp.StatusCode, body)
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			logTail := ""
			if p := cp.proc(name); p != nil {
				logTail = tail(p.logPath, 20)
			}
			return fmt.Errorf("%s not ready after %s (last: %s); last log lines:\n%s", name, bound, last, logTail)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func (cp *ControlPlane) proc(name string) *process {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, p := range cp.procs {
		if p.name == name {
			return p
		}
	}
	return nil
}

// Stop stops the scheduler and the API server before etcd (an API server without etcd hangs in
// its graceful shutdown), each with SIGTERM and, after a few seconds, SIGKILL. Safe to call twice.
func (cp *ControlPlane) Stop() {
	cp.mu.Lock()
	procs := cp.procs
	cp.procs = nil
	cp.mu.Unlock()
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			cp.logf("%s ignored SIGTERM for 5s; killing it", p.name)
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
}

// CheckAlive returns an error naming any process that has exited.
func (cp *ControlPlane) CheckAlive() error {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	var errs []error
	for _, p := range cp.procs {
		select {
		case <-p.done:
			errs = append(errs, fmt.Errorf("%s exited (%v); last log lines:\n%s", p.name, p.err, tail(p.logPath, 20)))
		default:
		}
	}
	return errors.Join(errs...)
}

// tail returns the last n lines of a file, for failure messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
