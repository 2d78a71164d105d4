// Command kubectl-placement is the kubectl plugin `kubectl placement`.
package main

import (
	"os"

	"github.com/kubectl-placement/kubectl-placement/pkg/cmd"
)

func main() {
	os.Exit(cmd.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
