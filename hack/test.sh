#!/usr/bin/env bash
# The project's one test command (README quick start; CI runs it through .ci/run):
# unit and golden tests, the differential suite against the real kube-scheduler (v1.37.2 in full, older
# minors on a share of cases), the live
# end-to-end over a real etcd + kube-apiserver + kube-scheduler, and the release check.
# Set SKIP_E2E=1, SKIP_BENCH=1 or SKIP_RELEASE=1 to leave out the slow parts while iterating.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

# Debian packages the live parts use; installed only when missing (CI machines start fresh).
need=()
for tool in curl openssl; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  step "installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

LOGS=$(mktemp -d "${TMPDIR:-/tmp}/kubectl-placement-test.XXXXXX")
trap 'rm -rf "$LOGS"' EXIT
passed=0
failed=0

# gotest DIR NAME ARGS...: runs go test -v in DIR, prints the package lines (and every failure in
# full), and adds the test counts to the totals.
gotest() {
  local dir=$1 name=$2; shift 2
  local log="$LOGS/$name.log" rc=0
  (cd "$dir" && go test -count=1 -v "$@") >"$log" 2>&1 || rc=$?
  grep -E '^(ok|FAIL|panic:|--- FAIL)|fidelity: |mutation' "$log" || true
  passed=$((passed + $(grep -c -- '--- PASS' "$log" || true)))
  failed=$((failed + $(grep -c -- '--- FAIL' "$log" || true)))
  if [ "$rc" -ne 0 ]; then
    echo "--- $name failed; the full log follows"
    cat "$log"
    echo "$passed passed, $((failed > 0 ? failed : 1)) failed"
  fi
  return "$rc"
}

step "unit, golden and command tests"
go vet ./...
gotest . unit ./...

# The fuzz targets (FuzzLoadFiles, FuzzQuantity, FuzzSelector, FuzzClean) run their checked-in
# corpora with the unit tests above, every input a deterministic case; exploring for new inputs
# is `make fuzz` (random, so not a CI gate).

# The newest scheduler (harness/go.mod, in this process) in full; each older minor through its own
# build of the harness (harness/go.vNNN.mod with -tags k8sNNN, run as a separate process: its
# k8s.io modules cannot be linked with this module's) on a smaller share of cases, so CI's cold
# run stays well inside its limit. `make fidelity-all` runs every minor on the full 2,000.
step "fidelity: differential test against kube-scheduler v1.37.2"
(cd test/fidelity && go vet ./... && cd harness && go vet ./...)
gotest test/fidelity fidelity -timeout 45m ./...
gotest test/fidelity/harness harness ./...
for old in $(cd test/fidelity/harness && ls go.v*.mod | sed 's/^go\.v\([0-9]*\)\.mod$/\1/' | sort -rn); do
  step "fidelity: differential test against kube-scheduler v1.${old#1}"
  FIDELITY_SCHEDULER="1.${old#1}" FIDELITY_CASES=${FIDELITY_CASES_OLDER:-300} FIDELITY_DRA_CASES=${FIDELITY_DRA_CASES_OLDER:-300} \
    gotest test/fidelity "fidelity-v$old" -timeout 30m -run 'TestDifferential$|TestDifferentialRegressions|TestDRADifferential' .
done

if [ "${SKIP_E2E:-}" != 1 ]; then
  step "live end-to-end"
  bash hack/e2e.sh
fi

# The small scale benchmark (figures only, no thresholds: the machine is shared; it fails only when
# a snapshot's verdicts differ from its source file's). hack/bench-scale.sh large is the
# 5,000-node run, on demand.
if [ "${SKIP_BENCH:-}" != 1 ]; then
  step "scale benchmark: 500 nodes, 15,000 Pods"
  bash hack/bench-scale.sh small
fi

if [ "${SKIP_RELEASE:-}" != 1 ]; then
  step "release check"
  bash hack/release-check.sh
fi
step "all tests passed"
echo "$passed passed, $failed failed"
