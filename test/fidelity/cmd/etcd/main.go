// Command etcd is the etcd server that the required k8s.io/kubernetes depends on, for the live tests.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
