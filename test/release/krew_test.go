// Package release checks the Krew manifest template against the archives goreleaser built.
// Krew's own validator cannot be fetched here, so this test renders krew/placement.yaml the way
// krew-release-bot does and applies Krew's rules (sigs.k8s.io/krew internal/index/validation)
// plus the ones krew-index reviewers ask for. hack/release-check.sh runs it after a snapshot.
package release

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/template"
	"unicode/utf8"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/yaml"
)

// distDirEnv names the goreleaser dist directory holding the archives, checksums.txt and metadata.json.
const distDirEnv = "RELEASE_DIST_DIR"

const manifestPath = "../../krew/placement.yaml"

var (
	safePluginName = regexp.MustCompile(`^[\w-]+$`)
	validSHA256    = regexp.MustCompile(`^[a-f0-9]{64}$`)
)

// targets are the os/arch pairs .goreleaser.yaml builds; each needs exactly one platform.
var targets = []struct{ os, arch string }{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// plugin mirrors the fields of Krew's index.Plugin (apiVersion v1alpha2) that a manifest may set.
type plugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string     `json:"version"`
		Homepage         string     `json:"homepage"`
		ShortDescription string     `json:"shortDescription"`
		Description      string     `json:"description"`
		Caveats          string     `json:"caveats"`
		Platforms        []platform `json:"platforms"`
	} `json:"spec"`
}

type platform struct {
	Selector *metav1.LabelSelector `json:"selector"`
	URI      string                `json:"uri"`
	Sha256   string                `json:"sha256"`
	Files    []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"files"`
	Bin string `json:"bin"`
}

// releaseMetadata is the part of goreleaser's dist/metadata.json the test needs.
type releaseMetadata struct {
	Tag     string `json:"tag"`
	Version string `json:"version"`
}

func TestKrewManifest(t *testing.T) {
	dist := os.Getenv(distDirEnv)
	if dist == "" {
		t.Skipf("%s is not set; run hack/release-check.sh to build the archives and check the manifest", distDirEnv)
	}
	meta := readMetadata(t, dist)
	checksums := readChecksums(t, filepath.Join(dist, "checksums.txt"))

	rendered, err := renderManifest(manifestPath, meta.Tag, dist)
	if err != nil {
		t.Fatalf("render %s as krew-release-bot would: %v", manifestPath, err)
	}
	var p plugin
	if err := yaml.UnmarshalStrict(rendered, &p); err != nil {
		t.Fatalf("parse rendered manifest: %v\n%s", err, rendered)
	}

	if got, want := filepath.Base(manifestPath), p.Metadata.Name+".yaml"; got != want {
		t.Errorf("manifest file is %s, Krew needs metadata.name + .yaml = %s", got, want)
	}
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" {
		t.Errorf("apiVersion = %q, want krew.googlecontainertools.github.com/v1alpha2", p.APIVersion)
	}
	if p.Kind != "Plugin" {
		t.Errorf("kind = %q, want Plugin", p.Kind)
	}
	if !safePluginName.MatchString(p.Metadata.Name) {
		t.Errorf("metadata.name %q must match %s", p.Metadata.Name, safePluginName)
	}
	checkVersion(t, p.Spec.Version, meta.Tag)
	checkDescriptions(t, p)

	// krew-release-bot only accepts manifests whose homepage is under the releasing owner.
	owner := "https://github.com/kubectl-placement/"
	if !strings.HasPrefix(p.Spec.Homepage, owner) {
		t.Errorf("homepage %q must start with %s", p.Spec.Homepage, owner)
	}

	if len(p.Spec.Platforms) == 0 {
		t.Fatal("spec.platforms is empty")
	}
	for i, pl := range p.Spec.Platforms {
		name := fmt.Sprintf("platform[%d]", i)
		if pl.Selector != nil {
			name = fmt.Sprintf("%s_%s", pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"])
		}
		t.Run(name, func(t *testing.T) {
			checkPlatform(t, pl, dist, p.Spec.Homepage, meta, checksums)
		})
	}
	checkPlatformCoverage(t, p.Spec.Platforms)
}

// renderManifest executes the template like krew-release-bot's RenderTemplate: .TagName is the
// tag, and addURIAndSha expands the URL (itself a template) into "uri:" and "sha256:" lines at a
// four-space indent. The sha256 comes from dist/<the URL's file name> instead of a download.
func renderManifest(manifestFile, tag, dist string) ([]byte, error) {
	addURIAndSha := func(urlTemplate, tag string) (string, error) {
		u, err := template.New("url").Parse(urlTemplate)
		if err != nil {
			return "", err
		}
		var uri bytes.Buffer
		if err := u.Execute(&uri, struct{ TagName string }{tag}); err != nil {
			return "", err
		}
		parsed, err := url.Parse(uri.String())
		if err != nil {
			return "", err
		}
		sum, err := sha256File(filepath.Join(dist, path.Base(parsed.Path)))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("uri: %s\n    sha256: %s", uri.String(), sum), nil
	}
	tmpl, err := template.New(filepath.Base(manifestFile)).
		Funcs(template.FuncMap{"addURIAndSha": addURIAndSha}).
		ParseFiles(manifestFile)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, struct{ TagName string }{tag}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func checkVersion(t *testing.T, v, tag string) {
	if !strings.HasPrefix(v, "v") {
		t.Errorf("spec.version %q must start with v", v)
	}
	if _, err := version.ParseSemantic(v); err != nil {
		t.Errorf("spec.version %q is not semver: %v", v, err)
	}
	if v != tag {
		t.Errorf("spec.version = %q, want the release tag %q", v, tag)
	}
}

func checkDescriptions(t *testing.T, p plugin) {
	short := p.Spec.ShortDescription
	switch {
	case short == "":
		t.Error("spec.shortDescription is empty")
	case strings.ContainsAny(short, "\r\n"):
		t.Errorf("spec.shortDescription %q must be one line", short)
	case utf8.RuneCountInString(short) > 50:
		t.Errorf("spec.shortDescription %q has %d characters, krew-index allows 50", short, utf8.RuneCountInString(short))
	}
	if strings.TrimSpace(p.Spec.Description) == "" {
		t.Error("spec.description is empty")
	}
}

func checkPlatform(t *testing.T, pl platform, dist, homepage string, meta releaseMetadata, checksums map[string]string) {
	if pl.Selector == nil {
		t.Fatal("selector is missing")
	}
	if len(pl.Selector.MatchExpressions) > 0 {
		t.Errorf("selector has matchExpressions; use matchLabels {os, arch} only")
	}
	goos, goarch := pl.Selector.MatchLabels["os"], pl.Selector.MatchLabels["arch"]
	if len(pl.Selector.MatchLabels) != 2 || goos == "" || goarch == "" {
		t.Errorf("selector.matchLabels = %v, want exactly os and arch", pl.Selector.MatchLabels)
	}

	wantPrefix := homepage + "/releases/download/" + meta.Tag + "/"
	if !strings.HasPrefix(pl.URI, wantPrefix) {
		t.Errorf("uri %q does not start with %s", pl.URI, wantPrefix)
	}
	archive := path.Base(pl.URI)
	if want := fmt.Sprintf("kubectl-placement_%s_%s_%s.", meta.Tag, goos, goarch); !strings.HasPrefix(archive, want) {
		t.Errorf("uri names %s, which is not the %s/%s archive (%s*)", archive, goos, goarch, want)
	}
	if !validSHA256.MatchString(pl.Sha256) {
		t.Errorf("sha256 %q must match %s", pl.Sha256, validSHA256)
	}
	if sum, ok := checksums[archive]; !ok {
		t.Errorf("checksums.txt has no line for %s", archive)
	} else if sum != pl.Sha256 {
		t.Errorf("sha256 %s disagrees with checksums.txt (%s) for %s", pl.Sha256, sum, archive)
	}

	wantBin := "kubectl-placement"
	if goos == "windows" {
		wantBin += ".exe"
	}
	if pl.Bin != wantBin {
		t.Errorf("bin = %q, want %q on %s", pl.Bin, wantBin, goos)
	}
	// Without `files`, Krew installs the whole archive, so bin is a path from the archive root.
	if pl.Files != nil {
		t.Errorf("files is set; this test (and the archive layout) assume Krew's default of installing the whole archive")
	}

	contents, err := readArchive(filepath.Join(dist, archive))
	if err != nil {
		t.Fatalf("read %s: %v", archive, err)
	}
	if _, ok := contents["LICENSE"]; !ok {
		t.Errorf("%s has no LICENSE at its root", archive)
	}
	bin, ok := contents[pl.Bin]
	if !ok {
		t.Fatalf("%s has no %s at its root (has %v)", archive, pl.Bin, slices.Sorted(maps.Keys(contents)))
	}
	checkBinary(t, bin, pl.Bin, goos, goarch, meta)
}

// checkBinary confirms the archive holds a CGO-free build for its own os/arch and, when the host can
// run it, that `version` reports the v-prefixed version goreleaser stamped.
func checkBinary(t *testing.T, bin []byte, name, goos, goarch string, meta releaseMetadata) {
	info, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("read Go build info of %s: %v", name, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["GOOS"] != goos || settings["GOARCH"] != goarch {
		t.Errorf("%s was built for %s/%s, but its selector says %s/%s", name, settings["GOOS"], settings["GOARCH"], goos, goarch)
	}
	if settings["CGO_ENABLED"] != "0" {
		t.Errorf("%s was built with CGO_ENABLED=%q, want 0", name, settings["CGO_ENABLED"])
	}

	if settings["GOOS"] != runtime.GOOS || settings["GOARCH"] != runtime.GOARCH {
		return
	}
	exe := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(exe, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("%s version -o json: %v", name, err)
	}
	var report struct {
		ClientVersion struct {
			Version string `json:"version"`
		} `json:"clientVersion"`
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("parse %s version -o json: %v\n%s", name, err, out)
	}
	// goreleaser's .Version is the tag without its "v"; the binary must print it with one, so that
	// a release prints exactly its tag.
	if want := "v" + meta.Version; report.ClientVersion.Version != want {
		t.Errorf("%s version prints %q, want %q", name, report.ClientVersion.Version, want)
	}
}

// checkPlatformCoverage applies the selectors the way Krew picks a platform: every target must match
// exactly one, or Krew would install an arbitrary one (or none).
func checkPlatformCoverage(t *testing.T, platforms []platform) {
	for _, target := range targets {
		host := labels.Set{"os": target.os, "arch": target.arch}
		var matched []int
		for i, pl := range platforms {
			sel, err := metav1.LabelSelectorAsSelector(pl.Selector)
			if err != nil {
				t.Errorf("platform[%d] selector: %v", i, err)
				continue
			}
			if sel.Matches(host) {
				matched = append(matched, i)
			}
		}
		if len(matched) != 1 {
			t.Errorf("%s/%s is matched by platforms %v, want exactly one", target.os, target.arch, matched)
		}
	}
	if len(platforms) != len(targets) {
		t.Errorf("manifest has %d platforms, want one per target (%d)", len(platforms), len(targets))
	}
}

func readMetadata(t *testing.T, dist string) releaseMetadata {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dist, "metadata.json"))
	if err != nil {
		t.Fatalf("read goreleaser metadata (run goreleaser first): %v", err)
	}
	var m releaseMetadata
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("parse %s/metadata.json: %v", dist, err)
	}
	if m.Tag == "" || m.Version == "" {
		t.Fatalf("%s/metadata.json has no tag or version: %s", dist, data)
	}
	return m
}

// readChecksums parses goreleaser's checksums.txt ("<sha256>  <file>" per line).
func readChecksums(t *testing.T, file string) map[string]string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("read checksums: %v", err)
	}
	defer f.Close()
	sums := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			t.Fatalf("%s: malformed line %q", file, sc.Text())
		}
		sums[fields[1]] = fields[0]
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	return sums
}

func sha256File(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readArchive returns the regular files of a .tar.gz or .zip (the formats Krew extracts) by path.
func readArchive(file string) (map[string][]byte, error) {
	files := map[string][]byte{}
	switch {
	case strings.HasSuffix(file, ".tar.gz"):
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		tr := tar.NewReader(gz)
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				return files, nil
			}
			if err != nil {
				return nil, err
			}
			if hdr.Typeflag != tar.TypeReg {
				continue
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				return nil, err
			}
			files[path.Clean(hdr.Name)] = data
		}
	case strings.HasSuffix(file, ".zip"):
		zr, err := zip.OpenReader(file)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		for _, zf := range zr.File {
			if !zf.Mode().IsRegular() {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				return nil, err
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return nil, err
			}
			files[path.Clean(zf.Name)] = data
		}
		return files, nil
	default:
		return nil, fmt.Errorf("not a .tar.gz or .zip archive, which Krew cannot install")
	}
}
