# Targets used by README, CI and release. Each runs a script or plain go commands, so that
# `bash .ci/run` and a developer get the same thing.
.PHONY: build test fidelity fidelity-all fuzz e2e bench-scale bench-scale-large bench-scale-live release-check docs

build:
	go build -o bin/kubectl-placement ./cmd/kubectl-placement

test:
	bash hack/test.sh

fidelity:
	cd test/fidelity && go test -count=1 -timeout 45m ./... && cd harness && go test -count=1 ./...

# Every modelled scheduler minor on the full 2,000 cases: the newest (in process), then each
# harness/go.vNNN.mod through its own build of the harness.
fidelity-all:
	cd test/fidelity && go test -count=1 -timeout 45m ./...
	cd test/fidelity && rc=0; for m in $$(cd harness && ls go.v*.mod | sort -r); do v=$${m#go.v}; v=$${v%.mod}; \
	  echo "== v1.$${v#1}"; FIDELITY_SCHEDULER=1.$${v#1} FIDELITY_REPORTS=3 go test -count=1 -timeout 60m -v -run 'TestDifferential$$|TestDifferentialRegressions|TestDRADifferential' . >/tmp/fidelity-v$$v.log 2>&1 || rc=1; \
	  grep -E 'fidelity:|class |^(ok|FAIL)' /tmp/fidelity-v$$v.log; done; exit $$rc

# Explore each fuzz target for FUZZTIME (default 30s); a failing input lands in testdata/fuzz, where
# the unit tests replay it from then on.
FUZZTIME ?= 30s
fuzz:
	go test -run=NONE -fuzz='^FuzzLoadFiles$$' -fuzztime=$(FUZZTIME) ./pkg/snapshot
	go test -run=NONE -fuzz='^FuzzQuantity$$' -fuzztime=$(FUZZTIME) ./pkg/snapshot
	go test -run=NONE -fuzz='^FuzzSelector$$' -fuzztime=$(FUZZTIME) ./pkg/cmd
	go test -run=NONE -fuzz='^FuzzClean$$' -fuzztime=$(FUZZTIME) ./pkg/render

e2e:
	bash hack/e2e.sh

# Scale benchmarks (docs/scale.md): the small one CI runs; 5,000 nodes and 150,000 Pods from a
# file; and live, loaded into a real API server (REPLICAS=1, BASELINE=old-binary, SKIP_KUBECTL=1
# pass through).
bench-scale:
	bash hack/bench-scale.sh small

bench-scale-large:
	bash hack/bench-scale.sh large

bench-scale-live:
	LIVE=1 bash hack/bench-scale.sh $(SIZE)

release-check:
	bash hack/release-check.sh

# Regenerate the command reference and the real output quoted in docs/*.md.
docs:
	go run ./hack/gendocs
	go test ./pkg/cmd -run TestDocsOutput -update-docs
