package explain

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// forEachParallel calls f(0..n-1) on up to GOMAXPROCS goroutines. Each Pod's analysis reads the
// shared cluster and writes only its own result, so callers store results by index and keep the
// input order.
func forEachParallel(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		}()
	}
	wg.Wait()
}
