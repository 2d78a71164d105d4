package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// AuditEvent is the part of an audit.k8s.io/v1 Event the checker needs.
type AuditEvent struct {
	AuditID    string `json:"auditID"`
	Stage      string `json:"stage"`
	Verb       string `json:"verb"`
	RequestURI string `json:"requestURI"`
	User       struct {
		Username string `json:"username"`
	} `json:"user"`
	ResponseStatus *struct {
		Code int `json:"code"`
	} `json:"responseStatus"`
}

// readVerbs are the only verbs a read-only client sends.
var readVerbs = map[string]bool{"get": true, "list": true, "watch": true}

// AuditResult is what the named users did according to the audit log.
type AuditResult struct {
	// Requests counts completed requests per user (stage ResponseComplete or Panic).
	Requests map[string]int
	// Writes are requests with a verb other than get/list/watch, allowed or refused alike: a
	// refused write is still an attempt the product must not make.
	Writes []string
}

// CheckAudit reads an audit log (one JSON event per line) and reports the requests of users.
func CheckAudit(path string, users []string) (AuditResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return AuditResult{}, err
	}
	defer f.Close()
	return checkAudit(f, users)
}

func checkAudit(r io.Reader, users []string) (AuditResult, error) {
	watched := map[string]bool{}
	for _, u := range users {
		watched[u] = true
	}
	res := AuditResult{Requests: map[string]int{}}
	writes := map[string]string{} // by auditID
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4<<20), 4<<20)
	for n := 1; sc.Scan(); n++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var ev AuditEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return res, fmt.Errorf("audit log line %d: %w", n, err)
		}
		if !watched[ev.User.Username] {
			continue
		}
		// One request yields RequestReceived and ResponseComplete events: count it once, but judge
		// its verb whichever stages made it to the log.
		if ev.Stage == "ResponseComplete" || ev.Stage == "Panic" {
			res.Requests[ev.User.Username]++
		}
		if readVerbs[ev.Verb] {
			continue
		}
		code := "no response"
		if ev.ResponseStatus != nil {
			code = fmt.Sprintf("HTTP %d", ev.ResponseStatus.Code)
		}
		if _, ok := writes[ev.AuditID]; !ok {
			order = append(order, ev.AuditID)
		}
		writes[ev.AuditID] = fmt.Sprintf("%s %s %s (%s)", ev.User.Username, ev.Verb, ev.RequestURI, code)
	}
	for _, id := range order {
		res.Writes = append(res.Writes, writes[id])
	}
	return res, sc.Err()
}
