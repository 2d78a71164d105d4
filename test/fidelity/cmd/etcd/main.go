// Command etcd is the etcd server that k8s.io/kubernetes v1.36.3 depends on, for the live tests.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
