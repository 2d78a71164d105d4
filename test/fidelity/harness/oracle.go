package harness

// OracleRequest asks cmd/oracle for one scheduling cycle of the Pod Namespace/Name over Objects.
type OracleRequest struct {
	Objects   Objects `json:"objects"`
	Namespace string  `json:"namespace"`
	Name      string  `json:"name"`
}

// OracleResponse is the cycle's result, or Error. Version is the scheduler minor that ran it;
// Objects are the request's objects as that minor's API types decoded them.
type OracleResponse struct {
	Version string  `json:"version"`
	Result  *Result `json:"result,omitempty"`
	Objects Objects `json:"objects"`
	Error   string  `json:"error,omitempty"`
}
