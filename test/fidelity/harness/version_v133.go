//go:build k8s133

package harness

// Version is the minor of the kube-scheduler this build of the harness runs.
const Version = "1.33"
