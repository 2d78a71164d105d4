#!/usr/bin/env bash
# mkmod.sh 1.31.14: writes go.v131.mod/.sum, this module against k8s.io/kubernetes v1.31.14 with
# every staging module at v0.31.14 (k8s.io/kubernetes replaces them with ./staging, which a
# consumer must replace with the published versions). Build with: go build -modfile=go.v131.mod
# -tags k8s131 ./cmd/oracle
# The module proxy does not serve every staging module at every patch: then the newest served
# patch of the same minor is taken, else the oldest of the next minor, and the file says so.
set -euo pipefail
cd "$(dirname "$0")"
v=${1:?usage: mkmod.sh 1.NN.P}
minor=${v%.*}; tag=${minor/./}
mod=go.v$tag.mod
src=$(go mod download -json "k8s.io/kubernetes@v$v" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
{
  printf 'module github.com/kubectl-placement/kubectl-placement/test/fidelity/harness\n\ngo 1.26.8\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$v"
  for m in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\1#p' "$src"); do
    want=v0.${v#1.}
    served=$(go list -m -versions "$m" 2>/dev/null | tr ' ' '\n' | grep -E '^v0\.[0-9]+\.[0-9]+$' || true)
    if grep -qx "$want" <<<"$served"; then
      got=$want
    else
      wantminor=${want%.*}; next=v0.$(( ${wantminor#v0.} + 1 ))
      got=$(grep -F "$wantminor." <<<"$served" | sort -V | tail -n 1 || true)
      [ -n "$got" ] || got=$(grep -F "$next." <<<"$served" | sort -V | head -n 1 || true)
      [ -n "$got" ] || continue # not served at all: unused here, or the build says so
      printf '\t// %s %s is not served by the module proxy\n' "$m" "$want"
    fi
    printf '\t%s => %s %s\n' "$m" "$m" "$got"
  done
  printf ')\n'
} >"$mod"
rm -f "go.v$tag.sum"
GOFLAGS=-mod=mod go mod tidy -e -modfile="$mod" >/dev/null 2>&1 || true
# tidy cannot see past the build tags of the other versions' files; the build fills in the rest.
GOFLAGS=-mod=mod go build -modfile="$mod" -tags "k8s$tag" -o /dev/null ./cmd/oracle
