package cmd

import (
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"

	"github.com/kubectl-placement/kubectl-placement/internal/version"
)

var versionFormats = []string{"text", "json", "yaml"}

// VersionInfo is the build of the plugin, shaped like kubectl version's clientVersion.
type VersionInfo struct {
	Version   string `json:"version"`
	GitCommit string `json:"gitCommit"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// VersionReport is what `version -o json|yaml` prints.
type VersionReport struct {
	ClientVersion VersionInfo `json:"clientVersion"`
}

// VersionOptions are the flags of `kubectl placement version`.
type VersionOptions struct {
	genericiooptions.IOStreams
	Output string
}

func newCmdVersion(streams genericiooptions.IOStreams, _ clientFactory) *cobra.Command {
	o := &VersionOptions{IOStreams: streams, Output: "text"}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Example: fmt.Sprintf(`  # Print the version
  %[1]s version

  # Print the build information as JSON
  %[1]s version -o json`, displayName),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			return o.Run()
		},
	}
	cmd.Flags().StringVarP(&o.Output, "output", "o", o.Output, "Output format. One of: "+strings.Join(versionFormats, "|"))
	_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(versionFormats, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// Validate rejects unknown -o values.
func (o *VersionOptions) Validate() error {
	if !slices.Contains(versionFormats, o.Output) {
		return fmt.Errorf("--output must be one of: %s", strings.Join(versionFormats, ", "))
	}
	return nil
}

// Run prints the version.
func (o *VersionOptions) Run() error {
	r := VersionReport{ClientVersion: VersionInfo{
		Version:   version.Version,
		GitCommit: version.Commit,
		BuildDate: version.Date,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}}
	switch o.Output {
	case "json":
		b, err := json.MarshalIndent(r, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(o.Out, "%s\n", b)
		return err
	case "yaml":
		b, err := yaml.Marshal(r)
		if err != nil {
			return err
		}
		_, err = o.Out.Write(b)
		return err
	case "text":
		v := r.ClientVersion
		_, err := fmt.Fprintf(o.Out, "Client Version: %s\nGit Commit: %s\nBuild Date: %s\nGo Version: %s\nPlatform: %s\n",
			v.Version, v.GitCommit, v.BuildDate, v.GoVersion, v.Platform)
		return err
	default:
		return fmt.Errorf("--output must be one of: %s", strings.Join(versionFormats, ", "))
	}
}
