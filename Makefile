# Targets used by README, CI and release. Each runs a script or plain go commands, so that
# `bash .ci/run` and a developer get the same thing.
.PHONY: build test fidelity e2e release-check docs

build:
	go build -o bin/kubectl-placement ./cmd/kubectl-placement

test:
	bash hack/test.sh

fidelity:
	cd test/fidelity && go test -count=1 ./...

e2e:
	bash hack/e2e.sh

release-check:
	bash hack/release-check.sh

# Regenerate the command reference and the real output quoted in docs/*.md.
docs:
	go run ./hack/gendocs
	go test ./pkg/cmd -run TestDocsOutput -update-docs
