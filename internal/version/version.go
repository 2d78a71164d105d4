// Package version holds build information, stamped by goreleaser through -ldflags -X.
package version

var (
	// Version is the release tag, e.g. v0.1.0; "dev" for local builds.
	Version = "dev"
	// Commit is the git commit the binary was built from.
	Commit = "unknown"
	// Date is the build date (RFC 3339).
	Date = "unknown"
)
