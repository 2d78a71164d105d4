// Command oracle is the harness as a process, for judging against a kube-scheduler minor that
// cannot be linked with the main module (its k8s.io staging modules are v0.37): built from this
// module with go.vNNN.mod and -tags k8sNNN, it reads requests as a stream of JSON values on stdin
// and writes one JSON response per request on stdout, in order.
//
// Each response carries the objects as this scheduler's API types decoded them, re-encoded: the
// fields an older API does not have are gone, so the caller can judge the same objects the
// scheduler saw.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kubectl-placement/kubectl-placement/test/fidelity/harness"
)

func main() {
	if err := serve(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(1)
	}
}

func serve(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(bufio.NewReaderSize(in, 1<<20))
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	for {
		var req harness.OracleRequest
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read request: %w", err)
		}
		resp := harness.OracleResponse{Version: harness.Version, Objects: req.Objects}
		res, err := harness.Run(context.Background(), req.Objects, req.Namespace, req.Name)
		if err != nil {
			resp.Error = err.Error()
		}
		resp.Result = res
		if err := enc.Encode(&resp); err != nil {
			return fmt.Errorf("write response: %w", err)
		}
		if err := w.Flush(); err != nil {
			return fmt.Errorf("write response: %w", err)
		}
	}
}
