// Command kube-apiserver is the real API server (the k8s.io/kubernetes version go.mod requires), built from the module proxy for the live tests.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() { os.Exit(cli.Run(app.NewAPIServerCommand())) }
