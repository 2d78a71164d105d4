package fidelity

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	resourcev1 "k8s.io/api/resource/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/explain"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/gen"
	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

// TestDRADifferential: Pending Pods with ResourceClaims over a fake GPU driver's devices, judged
// by the real scheduler (DRA feature gates at their defaults) and by our DynamicResources: the
// whole message and every node's recorded plugin, code and reasons must agree.
func TestDRADifferential(t *testing.T) {
	n := envInt(t, "FIDELITY_DRA_CASES", 600)
	sched := mustScheduler(t)
	if !atLeast(sched.version, "1.34") {
		t.Skipf("v%s: resource.k8s.io/v1 and DRA by default arrive in v1.34", sched.version)
	}
	profile, err := checks.ProfileFor(sched.version)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cases, agree, unallocatable, elsewhere, deallocated, filterErrors, classMissing, templates, fits := 0, 0, 0, 0, 0, 0, 0, 0, 0
	for seed := int64(1); seed <= n; seed++ {
		c := gen.GenerateDRA(seed)
		objs := objectsOf(c.Case)
		objs.ResourceClaims, objs.DeviceClasses, objs.ResourceSlices = c.ResourceClaims, c.DeviceClasses, c.ResourceSlices
		truth, seen, err := sched.run(context.Background(), objs, c.Pending.Namespace, c.Pending.Name)
		if err != nil {
			t.Fatalf("seed %d: scheduler: %v", seed, err)
		}
		if sched.version != harness.Version { // judge the objects as the older API read them
			setObjects(c.Case, seen)
			c.ResourceClaims, c.DeviceClasses, c.ResourceSlices = seen.ResourceClaims, seen.DeviceClasses, seen.ResourceSlices
		}
		cases++
		s := checks.WithResolvedPriorities(snapshotOf(c.Case))
		for _, o := range c.ResourceClaims {
			s.ResourceClaims = append(s.ResourceClaims, o.DeepCopy())
		}
		for _, o := range c.DeviceClasses {
			s.DeviceClasses = append(s.DeviceClasses, o.DeepCopy())
		}
		s.ResourceSlices = []*resourcev1.ResourceSlice{}
		for _, o := range c.ResourceSlices {
			s.ResourceSlices = append(s.ResourceSlices, o.DeepCopy())
		}
		if s.ResourceClaims == nil {
			s.ResourceClaims = []*resourcev1.ResourceClaim{}
		}
		pod := s.Pods[0]
		for _, p := range s.Pods {
			if p.Namespace == c.Pending.Namespace && p.Name == c.Pending.Name {
				pod = p
			}
		}
		ours := checks.RunCycle(profile, checks.NewCluster(s), pod, checks.CycleOptions{})
		if strings.Contains(truth.Message, "does not exist") {
			classMissing++
		}
		for _, pc := range c.Pending.Spec.ResourceClaims {
			if pc.ResourceClaimTemplateName != nil {
				templates++
				break
			}
		}
		if strings.Contains(truth.Message, checks.ReasonDRADeallocated) {
			deallocated++
		}
		switch {
		case truth.Scheduled:
			fits++
		case strings.Contains(truth.Message, checks.ReasonDRACannotAllocate):
			unallocatable++
		case strings.Contains(truth.Message, checks.ReasonDRAClaimNotAvailable):
			elsewhere++
		}
		var diffs []string
		if truth.Scheduled != ours.Feasible {
			diffs = append(diffs, "feasible differs")
		}
		if errs := checks.FilterErrors(ours.Nodes); len(errs) > 0 && slices.Contains(errs, truth.Message) {
			// The scheduler filters in parallel and reports whichever node's error came first.
			agree++
			filterErrors++
			continue
		}
		// Which node preemption nominates is compared only as one of the equally good candidates.
		oursMessage := ours.Message
		if nom := truth.NominatedNodeName; nom != "" && nom != ours.Preemption.Node && slices.Contains(ours.Preemption.Tied, nom) {
			oursMessage = strings.Replace(oursMessage, "on node "+ours.Preemption.Node+",", "on node "+nom+",", 1)
		}
		if !truth.Scheduled && truth.Message != oursMessage {
			diffs = append(diffs, "message:\n  scheduler "+truth.Message+"\n  ours      "+ours.Message)
		}
		for _, nr := range ours.Nodes {
			want, ok := truth.Nodes[nr.Name]
			if !ok || want.Absent {
				continue
			}
			if nr.Verdict == nil {
				diffs = append(diffs, "node "+nr.Name+": ours passes, scheduler "+want.Plugin)
				continue
			}
			if want.Plugin != nr.Verdict.Plugin || want.Code != string(nr.Verdict.Code) ||
				!reflect.DeepEqual(harness.SortedReasons(want.Reasons), harness.SortedReasons(nr.Verdict.Reasons)) {
				diffs = append(diffs, "node "+nr.Name+": scheduler "+want.Plugin+" "+want.Code+" "+strings.Join(want.Reasons, "; ")+
					"; ours "+nr.Verdict.Plugin+" "+string(nr.Verdict.Code)+" "+strings.Join(nr.Verdict.Reasons, "; "))
			}
		}
		if len(diffs) == 0 {
			agree++
			continue
		}
		t.Errorf("seed %d:\n%s", seed, strings.Join(diffs, "\n"))
	}
	t.Logf("fidelity: DRA v%s: %d cases, %d agree; %d cannot allocate all claims, %d claim on another node (%d deallocated), %d CEL errors, %d device class missing, %d with a template's claim, %d scheduled; %v",
		sched.version, cases, agree, unallocatable, elsewhere, deallocated, filterErrors, classMissing, templates, fits, time.Since(start).Round(time.Millisecond))
	// A share of the cases (an older minor's in CI) need not reach every outcome.
	if n >= 600 && (unallocatable == 0 || elsewhere == 0 || deallocated == 0) {
		t.Errorf("the generator did not exercise both DRA failures")
	}
}

// TestDRAExample: every Pending Pod of examples/dra-cluster.yaml (read with the file loader, as
// -f reads it) gets the line the real scheduler writes for the same objects; docs/dra.md quotes
// that output.
func TestDRAExample(t *testing.T) {
	s, err := snapshot.LoadFiles([]string{"../../examples/dra-cluster.yaml"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	objs := harness.Objects{Nodes: s.Nodes, Pods: s.Pods, Namespaces: s.Namespaces,
		ResourceClaims: s.ResourceClaims, DeviceClasses: s.DeviceClasses, ResourceSlices: s.ResourceSlices}
	rep, err := explain.Explain(s, explain.Selection{AllNamespaces: true, SchedulerVersion: harness.Version})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, p := range rep.Pods {
		truth, err := harness.Run(context.Background(), objs, p.Namespace, p.Name)
		if err != nil {
			t.Fatalf("%s/%s: scheduler: %v", p.Namespace, p.Name, err)
		}
		checked++
		if truth.Message != p.SchedulerMessage {
			t.Errorf("%s/%s:\n  scheduler %q\n  ours      %q", p.Namespace, p.Name, truth.Message, p.SchedulerMessage)
		}
	}
	if checked != 3 {
		t.Errorf("checked %d Pending Pods, want 3", checked)
	}
}
