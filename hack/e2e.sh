#!/usr/bin/env bash
# Live end-to-end test against a real etcd + kube-apiserver + kube-scheduler (v1.37.2, test/fidelity/go.mod) on loopback,
# built from test/fidelity (no Docker, no downloads besides Go modules).
#
#   bash hack/e2e.sh                       load all scenarios, run why-pending as three users, compare
#                                          with the scheduler's messages, check spread's open/closed
#                                          domains by placing replicas, check the audit log
#   bash hack/e2e.sh --regenerate-example  rewrite examples/cluster.yaml and examples/scheduler-messages.txt
#   bash hack/e2e.sh --up [scenario,...]   start, load, print kubeconfigs, wait for ^C (development)
#
# E2E_KEEP=1 keeps the scratch directory (logs, audit log, kubeconfigs) for inspection.
# Every process started here is stopped on exit, whatever happens.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/.e2e/bin"
MODE=e2e
SCENARIOS=""
case "${1:-}" in
  "") ;;
  --regenerate-example) MODE=example ;;
  --up) MODE=up; SCENARIOS="${2:-}" ;;
  *) echo "e2e: unknown argument '$1' (want --regenerate-example or --up)" >&2; exit 2 ;;
esac

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-placement-e2e.XXXXXX")
DRIVER_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$DRIVER_PID" ]] && kill -0 "$DRIVER_PID" 2>/dev/null; then
    # The driver stops its processes in order (scheduler, apiserver, then etcd) on SIGTERM.
    kill -TERM "$DRIVER_PID" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$DRIVER_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$DRIVER_PID" 2>/dev/null || true
  fi
  # Whatever the driver started and left behind (it was killed, or it crashed): by pid, and only
  # if the pid still runs one of our binaries.
  if [[ -f "$WORK/pids" ]]; then
    while read -r pid; do
      if [[ "$(readlink "/proc/$pid/exe" 2>/dev/null)" == "$BIN/"* ]]; then
        echo "e2e: killing leftover process $pid ($(readlink "/proc/$pid/exe"))" >&2
        kill -KILL "$pid" 2>/dev/null || true
      fi
    done <"$WORK/pids"
  fi
  if [[ "${E2E_KEEP:-}" == 1 ]]; then
    echo "e2e: kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t0=$SECONDS
mkdir -p "$BIN"
echo "e2e: building etcd, kube-apiserver, kube-scheduler (test/fidelity; a cold build takes ~10 min on 2 cores)" >&2
(cd "$ROOT/test/fidelity" && go build -o "$BIN/" ./cmd/etcd ./cmd/kube-apiserver ./cmd/kube-scheduler ./cmd/controlplane ./cmd/dumpcluster)
if [[ "$MODE" == e2e ]]; then
  (cd "$ROOT" && go build -o "$BIN/kubectl-placement" ./cmd/kubectl-placement)
fi
echo "e2e: build took $((SECONDS - t0))s" >&2

t1=$SECONDS
args=("$MODE" --bin-dir "$BIN" --work-dir "$WORK" --repo "$ROOT" --plugin "$BIN/kubectl-placement" --timeout 30m)
[[ -n "$SCENARIOS" ]] && args+=(--scenarios "$SCENARIOS")
# In the background so that the traps run at once on a signal, not after the driver returns.
"$BIN/controlplane" "${args[@]}" &
DRIVER_PID=$!
set +e
wait "$DRIVER_PID"
rc=$?
set -e
DRIVER_PID=""
echo "e2e: $MODE took $((SECONDS - t1))s (total $((SECONDS - t0))s)" >&2
if [[ $rc -ne 0 ]]; then
  echo "e2e: FAILED ($MODE, exit $rc); rerun with E2E_KEEP=1 to keep logs and the audit log" >&2
  exit "$rc"
fi
