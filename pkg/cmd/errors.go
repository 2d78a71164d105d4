package cmd

import (
	"context"
	"errors"
	"net"
	"net/url"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/clientcmd"
)

func isEmptyConfig(err error) bool { return clientcmd.IsEmptyConfig(err) }

// isTimeout reports a request that ran out of time on either side: the client's deadline
// (--request-timeout) or the API server's own.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// transportCause finds why a request never got an HTTP answer (refused, DNS, TLS), without the
// request URL that url.Error repeats.
func transportCause(err error) (error, bool) {
	if errors.Is(err, context.Canceled) {
		return nil, false
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Err, true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return opErr, true
	}
	return nil, false
}
