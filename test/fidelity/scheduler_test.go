package fidelity

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/test/fidelity/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// The real scheduler the version-aware tests (TestDifferential, TestDifferentialRegressions,
// TestDRADifferential) judge against: FIDELITY_SCHEDULER=1.31 picks the v1.31 kube-scheduler,
// built from harness/go.v131.mod as a separate process (the oracle: its k8s.io modules are
// v0.31, this module's are v0.37); unset, or the newest, it is the harness in this process.
// Every other test judges against the newest only.
type realScheduler struct {
	// version is the scheduler's minor ("1.31").
	version string
	// run schedules namespace/name once over objs; it returns what the scheduler decided and
	// the objects as its API types read them (a field older than the scheduler is gone).
	run func(ctx context.Context, objs harness.Objects, namespace, name string) (*harness.Result, harness.Objects, error)
}

var (
	realOnce sync.Once
	real     *realScheduler
	realErr  error
)

// theScheduler is the scheduler FIDELITY_SCHEDULER names (built and started on first use).
func theScheduler() (*realScheduler, error) {
	realOnce.Do(func() {
		v := strings.TrimPrefix(os.Getenv("FIDELITY_SCHEDULER"), "v")
		if v == "" || v == harness.Version {
			real = &realScheduler{version: harness.Version, run: func(ctx context.Context, objs harness.Objects, ns, name string) (*harness.Result, harness.Objects, error) {
				r, err := harness.Run(ctx, objs, ns, name)
				return r, objs, err
			}}
			return
		}
		real, realErr = startOracle(v)
	})
	if realErr != nil {
		return nil, fmt.Errorf("FIDELITY_SCHEDULER=%s: %w", os.Getenv("FIDELITY_SCHEDULER"), realErr)
	}
	return real, nil
}

// mustScheduler is theScheduler for a test.
func mustScheduler(t testing.TB) *realScheduler {
	t.Helper()
	s, err := theScheduler()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// startOracle builds harness/cmd/oracle against the scheduler minor version (harness/go.vNNN.mod,
// -tags k8sNNN) and starts it; requests are answered one at a time, in order.
func startOracle(version string) (*realScheduler, error) {
	tag := strings.ReplaceAll(version, ".", "")
	modfile := "go.v" + tag + ".mod"
	if _, err := os.Stat(filepath.Join("harness", modfile)); err != nil {
		return nil, fmt.Errorf("no harness/%s: the scheduler minors proven are the newest and those with a go.vNNN.mod", modfile)
	}
	dir, err := os.MkdirTemp("", "fidelity-oracle-")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "oracle")
	// Unoptimised (-N -l): a minor's first build compiles its own k8s.io modules, and this cuts
	// the compiler's work by about a quarter; the oracle's per-case time hardly matters.
	build := exec.Command("go", "build", "-gcflags=all=-N -l", "-modfile="+modfile, "-tags", "k8s"+tag, "-o", bin, "./cmd/oracle")
	build.Dir = "harness"
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build the v%s oracle: %v\n%s", version, err, out)
	}
	cmd := exec.Command(bin)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the v%s oracle: %w", version, err)
	}
	var mu sync.Mutex
	enc, dec := json.NewEncoder(stdin), json.NewDecoder(bufio.NewReaderSize(stdout, 1<<20))
	run := func(_ context.Context, objs harness.Objects, ns, name string) (*harness.Result, harness.Objects, error) {
		mu.Lock()
		defer mu.Unlock()
		if err := enc.Encode(harness.OracleRequest{Objects: storedBy(version, objs), Namespace: ns, Name: name}); err != nil {
			return nil, objs, fmt.Errorf("v%s oracle: %w", version, err)
		}
		var resp harness.OracleResponse
		if err := dec.Decode(&resp); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, objs, fmt.Errorf("v%s oracle: %w", version, err)
		}
		if resp.Version != version {
			return nil, objs, fmt.Errorf("oracle built from %s runs v%s, not v%s", modfile, resp.Version, version)
		}
		if resp.Error != "" {
			return nil, resp.Objects, fmt.Errorf("v%s scheduler: %s", version, resp.Error)
		}
		return resp.Result, resp.Objects, nil
	}
	return &realScheduler{version: version, run: run}, nil
}

// runCase runs the scheduler on c and, when it read the objects differently (an older API),
// gives c the objects as it read them, so both sides judge the same cluster.
func (s *realScheduler) runCase(ctx context.Context, c *gen.Case) (*harness.Result, error) {
	r, seen, err := s.run(ctx, objectsOf(c), c.Pending.Namespace, c.Pending.Name)
	if err != nil {
		return nil, err
	}
	if s.version != harness.Version {
		setObjects(c, seen)
	}
	return r, nil
}

// setObjects replaces c's objects with o (objectsOf's inverse).
func setObjects(c *gen.Case, o harness.Objects) {
	c.Nodes, c.Pods, c.Namespaces, c.PriorityClasses = o.Nodes, o.Pods, o.Namespaces, o.PriorityClasses
	c.PVCs, c.PVs, c.StorageClasses = o.PVCs, o.PVs, o.StorageClasses
	c.CSINodes, c.CSIDrivers, c.CSIStorageCapacities, c.VolumeAttachments = o.CSINodes, o.CSIDrivers, o.CSIStorageCapacities, o.VolumeAttachments
	if p := podNamed(c, c.Pending.Namespace, c.Pending.Name); p != nil {
		c.Pending = p
	}
}

// atLeast compares minor versions ("1.31" < "1.34").
func atLeast(version, min string) bool {
	minor := func(v string) int {
		n, _ := strconv.Atoi(strings.TrimPrefix(v, "1."))
		return n
	}
	return minor(version) >= minor(min)
}

// storedBy is objs as a kube-apiserver of that minor, with its default feature gates, would have
// stored them: it drops the fields of disabled features on create (dropDisabledFields), so its
// scheduler never sees them. Fields an older API lacks altogether are dropped by the oracle's
// decoding.
func storedBy(version string, objs harness.Objects) harness.Objects {
	if atLeast(version, "1.36") {
		return objs
	}
	if atLeast(version, "1.34") {
		// DRAConsumableCapacity is alpha (off) in v1.34 and v1.35: a request's capacity, a
		// device's allowMultipleAllocations and its capacities' requestPolicy are dropped.
		claims := make([]*harness.ResourceClaim, len(objs.ResourceClaims))
		for i, c := range objs.ResourceClaims {
			c = c.DeepCopy()
			for j := range c.Spec.Devices.Requests {
				r := &c.Spec.Devices.Requests[j]
				if r.Exactly != nil {
					r.Exactly.Capacity = nil
				}
				for k := range r.FirstAvailable {
					r.FirstAvailable[k].Capacity = nil
				}
			}
			claims[i] = c
		}
		slices := make([]*harness.ResourceSlice, len(objs.ResourceSlices))
		for i, s := range objs.ResourceSlices {
			s = s.DeepCopy()
			for j := range s.Spec.Devices {
				d := &s.Spec.Devices[j]
				d.AllowMultipleAllocations = nil
				for name, c := range d.Capacity {
					c.RequestPolicy = nil
					d.Capacity[name] = c
				}
			}
			slices[i] = s
		}
		objs.ResourceClaims, objs.ResourceSlices = claims, slices
		return objs
	}
	// PodLevelResources is alpha (off) before v1.34: spec.resources is dropped.
	pods := make([]*corev1.Pod, len(objs.Pods))
	for i, p := range objs.Pods {
		if p.Spec.Resources != nil {
			p = p.DeepCopy()
			p.Spec.Resources = nil
		}
		pods[i] = p
	}
	objs.Pods = pods
	return objs
}
