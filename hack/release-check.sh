#!/usr/bin/env bash
# Release check (`make release-check`; hack/test.sh runs it last): validate .goreleaser.yaml, build
# a snapshot of all six archives into dist/, then check krew/placement.yaml against them
# (test/release). Needs Go and a git checkout; works without tags (the snapshot's tag is v0.0.0).
# goreleaser is installed once, pinned, into a cache directory reused across runs.
set -euo pipefail
cd "$(dirname "$0")/.."

GORELEASER_VERSION=v2.15.4
TOOLS_DIR="${KUBECTL_PLACEMENT_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/kubectl-placement/tools}"
GORELEASER="$TOOLS_DIR/goreleaser-$GORELEASER_VERSION/goreleaser"
DIST="$PWD/dist"

summary=()
current=""
started=$SECONDS

report() {
  local rc=$?
  printf '\n=== release check summary\n'
  local line
  for line in "${summary[@]}"; do printf '  ok    %s\n' "$line"; done
  if [ "$rc" -ne 0 ]; then
    printf '  FAIL  %s (exit %d; see the output above)\n' "$current" "$rc"
  else
    printf '  release check passed in %ds\n' $((SECONDS - started))
  fi
}
trap report EXIT

# run NAME CMD...: runs one step and records how long it took.
run() {
  current=$1
  shift
  printf '\n=== %s (%s)\n' "$current" "$(date -u +%H:%M:%S)"
  local t0=$SECONDS
  "$@"
  summary+=("$(printf '%-46s %4ds' "$current" $((SECONDS - t0)))")
}

install_goreleaser() {
  if [ -x "$GORELEASER" ]; then
    echo "using cached $GORELEASER"
    return
  fi
  # Install into a scratch directory and move into place, so an interrupted run never leaves a
  # half-written binary that later runs would trust.
  local tmp
  mkdir -p "$TOOLS_DIR"
  tmp=$(mktemp -d "$TOOLS_DIR/.install.XXXXXX")
  # Unoptimised (-N -l): goreleaser only drives go build, and a cold CI machine compiles it
  # with all its dependencies, about a quarter faster this way.
  GOBIN="$tmp" go install -gcflags=all='-N -l' "github.com/goreleaser/goreleaser/v2@$GORELEASER_VERSION"
  mkdir -p "$(dirname "$GORELEASER")"
  mv "$tmp/goreleaser" "$GORELEASER"
  rm -rf "$tmp"
}

check_archives() {
  local count
  count=$(find "$DIST" -maxdepth 1 -name 'kubectl-placement_*' \( -name '*.tar.gz' -o -name '*.zip' \) | wc -l)
  if [ "$count" -ne 6 ]; then
    echo "expected 6 archives in $DIST, found $count" >&2
    return 1
  fi
  find "$DIST" -maxdepth 1 -type f \( -name 'kubectl-placement_*' -o -name checksums.txt \) -printf '%10s  %f\n' | sort -k2
  printf 'goreleaser metadata: %s\n' "$(cat "$DIST/metadata.json")"
}

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "release check: goreleaser needs a git checkout; run it from a clone of the repository" >&2
  exit 1
fi

run "install goreleaser $GORELEASER_VERSION" install_goreleaser
run "goreleaser check" "$GORELEASER" check
run "goreleaser snapshot (6 targets) into dist/" "$GORELEASER" release --snapshot --clean
run "archives and checksums present" check_archives
run "krew manifest test (test/release)" env RELEASE_DIST_DIR="$DIST" go test -count=1 -v ./test/release/
