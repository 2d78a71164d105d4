package explain

import (
	"encoding/json"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
)

// templatePaths is where each workload kind keeps its Pod spec: a fix to the Pod goes to its
// owner (a Pod's own spec is mostly immutable, and the controller would recreate it as it was).
// A Job's template is immutable once it ran, so a Job's Pod is patched itself, where only adding
// tolerations is allowed.
var templatePaths = map[string][]string{
	"Pod":         {"spec"},
	"Deployment":  {"spec", "template", "spec"},
	"StatefulSet": {"spec", "template", "spec"},
	"ReplicaSet":  {"spec", "template", "spec"},
	"DaemonSet":   {"spec", "template", "spec"},
	"CronJob":     {"spec", "jobTemplate", "spec", "template", "spec"},
}

// addCommands gives each fix whose change kubectl can make its exact command and patches.
func addCommands(fixes []Fix, pod *corev1.Pod) {
	for i := range fixes {
		f := &fixes[i]
		action := f.Action
		if f.Outcome != nil {
			action = f.Outcome.Action
		}
		f.Command, f.Patches = commandFor(action, f, pod)
	}
}

func commandFor(a FixAction, f *Fix, pod *corev1.Pod) (string, []FixPatch) {
	nodes := targetNodeNames(f)
	ch := f.Change
	switch a {
	case ActionUncordon:
		if len(nodes) == 0 {
			return "", nil
		}
		return "kubectl uncordon " + shellJoin(nodes), nodePatches(nodes, map[string]any{"spec": map[string]any{"unschedulable": nil}})
	case ActionRemoveTaint:
		if ch.Taint == nil || len(nodes) == 0 {
			return "", nil
		}
		return "kubectl taint nodes " + shellJoin(nodes) + " " + shellQuote(ch.Taint.Key+":"+string(ch.Taint.Effect)+"-"), nil
	case ActionAddToleration:
		if ch.Toleration == nil {
			return "", nil
		}
		have := templateTolerations(pod)
		if ref, _, _ := owner(pod); ref.Kind == "Pod" {
			have = pod.Spec.Tolerations // the Pod's own: none may be removed
		}
		tols := withToleration(have, *ch.Toleration, ch.NearestToleration)
		// Tolerations have no merge key: a strategic merge patch replaces the whole list.
		return podPatch(pod, "strategic", map[string]any{"tolerations": tols})
	case ActionChangeNodeSelector:
		if ch.Label == nil {
			return "", nil
		}
		return podPatch(pod, "strategic", map[string]any{"nodeSelector": map[string]any{ch.Label.Key: nil}})
	case ActionRaiseMaxSkew:
		if ch.Spread == nil || ch.Spread.RaiseTo == 0 {
			return "", nil
		}
		return podJSONPatch(pod, "replace", []string{"topologySpreadConstraints", itoa(ch.Spread.Constraint), "maxSkew"}, ch.Spread.RaiseTo)
	case ActionRelaxNodeAffinity:
		return podJSONPatch(pod, "remove", []string{"affinity", "nodeAffinity", "requiredDuringSchedulingIgnoredDuringExecution"}, nil)
	case ActionChangeRequest:
		r := ch.Resource
		if r == nil || r.LowerTo == nil || len(pod.Spec.Containers) != 1 {
			return "", nil
		}
		c := map[string]any{"name": pod.Spec.Containers[0].Name, "resources": map[string]any{"requests": map[string]string{string(r.Resource): r.LowerTo.String()}}}
		return podPatch(pod, "strategic", map[string]any{"containers": []any{c}})
	case ActionLabelNode:
		if ch.Label == nil || ch.Label.Value == "" || len(nodes) == 0 || f.Kind != checks.KindNodeSelectorMismatch {
			return "", nil
		}
		return "kubectl label node " + shellQuote(nodes[0]) + " " + shellQuote(ch.Label.Key+"="+ch.Label.Value),
			nodePatches(nodes[:1], map[string]any{"metadata": map[string]any{"labels": map[string]string{ch.Label.Key: ch.Label.Value}}})
	}
	return "", nil
}

// owner is the object a Pod-side change goes to, and its spec path.
func owner(pod *corev1.Pod) (ObjectRef, []string, string) {
	kind, name := "Pod", pod.Name
	if o := ownerOf(pod); o != nil {
		if _, ok := templatePaths[o.Kind]; ok {
			kind, name = o.Kind, o.Name
		}
	}
	return ObjectRef{Kind: kind, Name: pod.Namespace + "/" + name}, templatePaths[kind], name
}

func podPatch(pod *corev1.Pod, typ string, specPart map[string]any) (string, []FixPatch) {
	ref, path, name := owner(pod)
	if _, tolerations := specPart["tolerations"]; ref.Kind == "Pod" && !tolerations {
		return "", nil // the Pod's spec is immutable but for added tolerations
	}
	var obj any = specPart
	for i := len(path) - 1; i >= 0; i-- {
		obj = map[string]any{path[i]: obj}
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return "", nil
	}
	cmd := "kubectl patch " + strings.ToLower(ref.Kind) + " " + shellQuote(name) + " -n " + shellQuote(pod.Namespace) + " --type=" + typ + " -p " + shellQuote(string(b))
	return cmd, []FixPatch{{Target: ref, Type: typ, Patch: b}}
}

func podJSONPatch(pod *corev1.Pod, op string, rel []string, value any) (string, []FixPatch) {
	ref, path, name := owner(pod)
	if ref.Kind == "Pod" {
		return "", nil // the Pod's spec is immutable here
	}
	p := map[string]any{"op": op, "path": "/" + strings.Join(append(append([]string(nil), path...), rel...), "/")}
	if op != "remove" {
		p["value"] = value
	}
	b, err := json.Marshal([]any{p})
	if err != nil {
		return "", nil
	}
	cmd := "kubectl patch " + strings.ToLower(ref.Kind) + " " + shellQuote(name) + " -n " + shellQuote(pod.Namespace) + " --type=json -p " + shellQuote(string(b))
	return cmd, []FixPatch{{Target: ref, Type: "json", Patch: b}}
}

func nodePatches(nodes []string, patch map[string]any) []FixPatch {
	b, err := json.Marshal(patch)
	if err != nil {
		return nil
	}
	out := make([]FixPatch, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, FixPatch{Target: ObjectRef{Kind: "Node", Name: n}, Type: "merge", Patch: b})
	}
	return out
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = shellQuote(w)
	}
	return strings.Join(q, " ")
}

// templateTolerations are the Pod's tolerations less the two the DefaultTolerationSeconds
// admission plugin adds to every Pod, which its workload's template does not carry.
func templateTolerations(pod *corev1.Pod) []corev1.Toleration {
	var out []corev1.Toleration
	for _, t := range pod.Spec.Tolerations {
		if ownerOf(pod) != nil && t.Operator == corev1.TolerationOpExists && t.Effect == corev1.TaintEffectNoExecute &&
			t.TolerationSeconds != nil && *t.TolerationSeconds == 300 &&
			(t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable) {
			continue
		}
		out = append(out, t)
	}
	return out
}
