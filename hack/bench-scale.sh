#!/usr/bin/env bash
# Scale benchmark (issue #11): generates a synthetic cluster with hack/gencluster and prints, in one
# run, wall time and peak RSS of
#   - a kubectl-equivalent read of the file (kubectl's -f decoding: YAML-or-JSON stream decoder,
#     every object kept as unstructured; `kubectl get -f` itself needs an API server),
#   - the plugin's read of the file (MB/s), and of its own snapshot of it (size, MB/s),
#   - why-pending -A --summary over it (EXPLAIN=0 skips it: at 5,000 nodes and 1,000 distinct
#     Pending Pods the analysis, not the read, is what takes time and memory),
#   - a snapshot written and read back: same verdicts,
#   - explain of every blocker vs the real v1.37 framework's filter pass over the same cluster, in
#     one process (test/fidelity's BenchmarkExplainVsFramework; RATIO=0 skips it).
#
#   hack/bench-scale.sh            # small: 500 nodes, 15,000 Pods (about 2 minutes on 2 cores)
#   hack/bench-scale.sh large      # 5,000 nodes, 150,000 Pods (a 3.7 GB file; about 15 minutes)
#   NODES=2000 PODS=60000 PENDING=500 hack/bench-scale.sh
#   REPLICAS=1 hack/bench-scale.sh large   # each workload's Pending Pods identical replicas
#   LIVE=1 hack/bench-scale.sh             # also load the cluster into a real etcd and
#                                          # kube-apiserver on loopback (built as hack/e2e.sh
#                                          # builds them) and read it live: the plugin against a
#                                          # kubectl-equivalent `get pods -A -o json`;
#                                          # BASELINE=path/to/an/older/kubectl-placement adds
#                                          # its why-pending -A for a ratio in the same run;
#                                          # SKIP_KUBECTL=1 leaves out the kubectl-equivalent
#                                          # reads (the default for large: about 20 GB)
#
# By default every Pending Pod is distinct (its own template hash and labels), so each is
# analysed on its own: the analysis' worst case. With REPLICAS=1 a workload's Pending Pods are
# replicas of one ReplicaSet, as a Deployment's are, and why-pending analyses each workload once.
#
# Figures are for comparing runs on one machine (quote ratios); they vary with the machine's load.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-small}" in
small) nodes=${NODES:-500} pods=${PODS:-15000} explain=${EXPLAIN:-1} skip_kubectl=${SKIP_KUBECTL:-0} ;;
large) nodes=${NODES:-5000} pods=${PODS:-150000} explain=${EXPLAIN:-0} skip_kubectl=${SKIP_KUBECTL:-1} ;;
*) echo "usage: $0 [small|large]" >&2; exit 2 ;;
esac
pending=${PENDING:-1000}

if [ ! -x /usr/bin/time ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
  else
    echo "bench-scale: needs /usr/bin/time (apt-get install time)" >&2; exit 1
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT
go build -o "$work/kubectl-placement" ./cmd/kubectl-placement
go build -o "$work/gencluster" ./hack/gencluster

replicas=() shape="each distinct"
if [ "${REPLICAS:-}" = 1 ]; then replicas=(-replicas) shape="identical replicas per workload"; fi
printf 'cluster: %d nodes, %d Pods (%d Pending of 20 workloads, %s), 3 zones, tainted GPU/db/infra pools, cordons\n' "$nodes" "$pods" "$pending" "$shape"
"$work/gencluster" -nodes "$nodes" -pods "$pods" -pending "$pending" "${replicas[@]}" -o json -out "$work/cluster.json"

# measure LABEL CMD...: runs CMD, prints its wall time and peak RSS; sets wall and rss_mb.
measure() {
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" || true
  # time prints "Command exited with non-zero status N" first when it did
  read -r wall rss_kb < <(tail -n 1 "$work/time")
  rss_mb=$((rss_kb / 1024))
  printf '%-44s %8.1f s %7d MB\n' "$label" "$wall" "$rss_mb"
}
mb() { echo $(($(stat -c %s "$1") / 1000000)); }
rate() { awk -v b="$(stat -c %s "$1")" -v s="$2" 'BEGIN { printf "%.1f", b / 1e6 / (s > 0 ? s : 0.01) }'; }

size=$(mb "$work/cluster.json")
printf '\n%-44s %10s %10s\n' "" "wall" "peak RSS"
kubectl_wall=0 kubectl_rss=0
if [ "$skip_kubectl" != 1 ]; then
  measure "kubectl-equivalent read of the file" "$work/gencluster" -decode "$work/cluster.json"
  kubectl_wall=$wall kubectl_rss=$rss_mb
fi
# A Pod that does not exist: the plugin reads the whole file, then stops before any analysis.
measure "plugin: read the file" "$work/kubectl-placement" why-pending -n none no-such-pod -f "$work/cluster.json"
read_wall=$wall read_rss=$rss_mb
measure "plugin: snapshot --output-file x.json.gz" "$work/kubectl-placement" snapshot -f "$work/cluster.json" --output-file "$work/snap.json.gz"
measure "plugin: read its snapshot" "$work/kubectl-placement" why-pending -n none no-such-pod -f "$work/snap.json.gz"
snap_wall=$wall
gzip -dc "$work/snap.json.gz" >"$work/snap.json"

printf '\nfile: %d MB of kubectl-style JSON, read at %s MB/s (plugin)\n' "$size" "$(rate "$work/cluster.json" "$read_wall")"
printf 'snapshot: %d MB of JSON (%s of the file), %d MB gzipped; read back at %s MB/s of its JSON\n' \
  "$(mb "$work/snap.json")" "$(awk -v a="$(stat -c %s "$work/snap.json")" -v b="$(stat -c %s "$work/cluster.json")" 'BEGIN { printf "%.3f", a / b }')" \
  "$(mb "$work/snap.json.gz")" "$(rate "$work/snap.json" "$snap_wall")"
if [ "$skip_kubectl" != 1 ]; then
  awk -v pw="$read_wall" -v kw="$kubectl_wall" -v pr="$read_rss" -v kr="$kubectl_rss" -v r="$(rate "$work/cluster.json" "$kubectl_wall")" \
    'BEGIN { printf "kubectl-equivalent read at %s MB/s; plugin / kubectl-equivalent: wall %.2f, peak RSS %.2f\n", r, pw / kw, pr / kr }'
fi

if [ "$explain" = 1 ]; then
  echo
  measure "plugin: why-pending -A --summary (file)" "$work/kubectl-placement" why-pending -A --summary -f "$work/cluster.json"
  cp "$work/out" "$work/summary-file.txt"
  measure "plugin: why-pending -A --summary (snapshot)" "$work/kubectl-placement" why-pending -A --summary -f "$work/snap.json.gz"
  if cmp -s "$work/out" "$work/summary-file.txt"; then
    echo "verdicts: the snapshot's summary is identical to the file's"
  else
    echo "verdicts: the snapshot's summary DIFFERS from the file's" >&2
    diff "$work/summary-file.txt" "$work/out" | head -20 >&2
    exit 1
  fi
  head -3 "$work/summary-file.txt"
fi

# Explain vs the real v1.37 framework's filter pass, in one process over one generated cluster of
# the same size (test/fidelity/scale_bench_test.go; RATIO=0 skips it). RATIO_PENDING distinct
# Pending Pods (200 by default: the ratio does not depend on their number).
if [ "${RATIO:-1}" = 1 ]; then
  echo
  ratio_pending=${RATIO_PENDING:-200}
  (cd test/fidelity && SCALE_NODES=$nodes SCALE_PODS=$pods SCALE_PENDING=$ratio_pending \
    go test -count=1 -run '^$' -bench '^BenchmarkExplainVsFramework$' -benchtime 1x .) >"$work/ratio" 2>&1 || {
    cat "$work/ratio" >&2; exit 1; }
  awk -v n="$ratio_pending" '/explain\/framework/ {
      for (i = 1; i <= NF; i++) {
        if ($(i+1) == "explain-ms/pod") e = $i; if ($(i+1) == "framework-ms/pod") f = $i
        if ($(i+1) == "explain/framework") r = $i; if ($(i+1) == "explain/framework-cpu") c = $i
        if ($(i+1) == "blockers-ms/pod") be = $i; if ($(i+1) == "blockers/framework") br = $i
        if ($(i+1) == "blockers/framework-cpu") bc = $i }
      printf "explain vs the real v1.37 filter pass (%d distinct Pending Pods, both cores each; framework %.2f ms/Pod):\n", n, f
      printf "  every blocker of every node: %.2f ms/Pod, ratio %.2f (of CPU time: %.2f)\n", be, br, bc
      printf "  whole explanation (preemption, verified fixes): %.2f ms/Pod, ratio %.1f (of CPU time: %.1f)\n", e, r, c }' "$work/ratio"
fi

# Live: the same cluster in a real etcd + kube-apiserver (no scheduler), read through the API as
# an on-call engineer would (test/fidelity/cmd/controlplane scale). Loading 150,000 Pods takes
# about 10 minutes on 2 cores.
if [ "${LIVE:-}" = 1 ]; then
  echo
  bin="$PWD/.e2e/bin"
  mkdir -p "$bin"
  (cd test/fidelity && go build -o "$bin/" ./cmd/etcd ./cmd/kube-apiserver ./cmd/controlplane)
  mkdir -p "$work/live"
  "$bin/controlplane" scale --bin-dir "$bin" --work-dir "$work/live" --plugin "$work/kubectl-placement" \
    --baseline-plugin "${BASELINE:-}" --skip-kubectl="$skip_kubectl" --nodes "$nodes" --pods "$pods" --pending "$pending" \
    --replicas="${REPLICAS:-0}" --timeout 90m
fi
