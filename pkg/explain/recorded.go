package explain

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Differences between the computed and the recorded message.
const (
	DifferenceOlderScheduler = "OlderScheduler"
	DifferenceOtherScheduler = "OtherScheduler"
	DifferenceStale          = "Stale"
)

// recordedMessage finds what the cluster recorded for the Pod (the PodScheduled condition, else
// the newest FailedScheduling event) and compares it with the computed line.
func recordedMessage(idx *clusterIndex, pod *corev1.Pod, pr *PodReport) *RecordedMessage {
	var rec *RecordedMessage
	var reporter string
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Message != "" {
			t := c.LastTransitionTime
			rec = &RecordedMessage{Source: "PodScheduled", Message: c.Message, Time: &t}
		}
	}
	want := pr.SchedulerMessage
	if rec == nil {
		evs := idx.events[pod.Namespace+"/"+pod.Name]
		for i := len(evs) - 1; i >= 0; i-- {
			e := evs[i]
			if e.PodUID != "" && pod.UID != "" && e.PodUID != string(pod.UID) {
				continue
			}
			t := e.Time
			rec = &RecordedMessage{Source: "Event", Message: e.Message, Time: &t}
			reporter = e.Reporter
			want = EventNote(want)
			break
		}
	}
	if rec == nil {
		return nil
	}
	rec.Matches = rec.Message == want
	if !rec.Matches {
		rec.Difference = whyDifferent(rec.Message, want, pr, reporter)
	}
	return rec
}

func whyDifferent(recorded, computed string, pr *PodReport, reporter string) string {
	switch {
	case pr.SchedulerName != "" || (reporter != "" && reporter != corev1.DefaultSchedulerName):
		return DifferenceOtherScheduler
	// Wording of schedulers before 1.34 (named taints; no DRA PostFilter) or with DRA disabled.
	case strings.Contains(recorded, "had untolerated taint {"),
		strings.Contains(recorded, "had volume node affinity conflict"),
		strings.Contains(computed, "no new claims to deallocate") && !strings.Contains(recorded, "no new claims to deallocate") && strings.Contains(recorded, "preemption: "):
		return DifferenceOlderScheduler
	default:
		return DifferenceStale
	}
}
