package e2e

import (
	"strings"
	"testing"
)

// The e2e run proves the checker on the live log (a canary write); this proves it on fixed lines.
func TestCheckAudit(t *testing.T) {
	log := strings.Join([]string{
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"RequestReceived","requestURI":"/api/v1/nodes?limit=500","verb":"list","user":{"username":"reader","groups":["oncall-engineers"]}}`,
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/nodes?limit=500","verb":"list","user":{"username":"reader"},"responseStatus":{"code":200}}`,
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a2","stage":"ResponseComplete","requestURI":"/api/v1/pods?watch=true","verb":"watch","user":{"username":"nsreader"},"responseStatus":{"code":403}}`,
		``,
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a3","stage":"RequestReceived","requestURI":"/api/v1/namespaces/shop/pods","verb":"create","user":{"username":"reader"}}`,
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a3","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"create","user":{"username":"reader"},"responseStatus":{"code":403}}`,
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a4","stage":"RequestReceived","requestURI":"/api/v1/nodes/n1","verb":"patch","user":{"username":"nsreader"}}`,
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a5","stage":"ResponseComplete","requestURI":"/api/v1/nodes/n1","verb":"delete","user":{"username":"admin"},"responseStatus":{"code":200}}`,
	}, "\n")
	res, err := checkAudit(strings.NewReader(log), []string{"reader", "nsreader"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"reader create /api/v1/namespaces/shop/pods (HTTP 403)",
		"nsreader patch /api/v1/nodes/n1 (no response)",
	}
	if strings.Join(res.Writes, "\n") != strings.Join(want, "\n") {
		t.Errorf("writes:\n%s\nwant:\n%s", strings.Join(res.Writes, "\n"), strings.Join(want, "\n"))
	}
	if res.Requests["reader"] != 2 || res.Requests["nsreader"] != 1 || res.Requests["admin"] != 0 {
		t.Errorf("requests = %v, want reader 2, nsreader 1, admin not counted", res.Requests)
	}
	if _, err := checkAudit(strings.NewReader("not json\n"), nil); err == nil {
		t.Error("a malformed line must be an error, not silently skipped")
	}
}
