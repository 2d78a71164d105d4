//go:build !(k8s129 || k8s130 || k8s131 || k8s132 || k8s133 || k8s134)

package harness

// volumeHandlerLag: from v1.35 the informers' sync covers their handlers (see lag_legacy.go).
const volumeHandlerLag = 0
