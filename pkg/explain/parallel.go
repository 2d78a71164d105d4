package explain

import "github.com/kubectl-placement/kubectl-placement/internal/parallel"

// forEachParallel calls f(0..n-1) on up to GOMAXPROCS goroutines. Each Pod's analysis reads the
// shared cluster and writes only its own result, so callers store results by index and keep the
// input order.
func forEachParallel(n int, f func(i int)) { parallel.Each(n, 0, f) }
