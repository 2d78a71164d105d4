// Package version holds build information, stamped by goreleaser through -ldflags -X.
package version

import "runtime/debug"

var (
	// Version is the release tag, e.g. v0.1.0; "dev" for local builds.
	Version = "dev"
	// Commit is the git commit the binary was built from.
	Commit = "unknown"
	// Date is the build date (RFC 3339).
	Date = "unknown"
)

func init() {
	// `go install ...@v0.1.0` stamps no ldflags but records the module version.
	if Version != "dev" {
		return
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		Version = bi.Main.Version
	}
}
