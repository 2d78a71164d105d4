package explain

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubectl-placement/kubectl-placement/pkg/checks"
	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// How the scheduler version of a report was chosen (WhyPendingReport.SchedulerVersionFrom).
const (
	VersionFromFlag     = "flag"     // --scheduler-version
	VersionFromServer   = "server"   // the cluster's /version
	VersionFromRecorded = "recorded" // the messages the cluster recorded identify one minor
	VersionFromDefault  = "default"  // nothing told: the newest modelled
)

// chooseProfile picks the scheduler profile to reproduce: the one asked for, else the server's
// version, else the newest of the ones whose wording fits the recorded messages, else the newest. note says, when worth
// saying, that the recorded messages look like another minor's.
func chooseProfile(s *snapshot.Snapshot, asked string) (p *checks.Profile, from, note string, err error) {
	recorded := consistentProfiles(s)
	switch {
	case asked != "":
		p, err = checks.ProfileFor(asked)
		from = VersionFromFlag
	case s.ServerVersion != "":
		if p, err = checks.ProfileFor(s.ServerVersion); err != nil {
			p, err = checks.DefaultProfile, nil
			note = "the server reports Kubernetes " + s.ServerVersion + ", which is not modelled; lines are written as a v" + p.SchedulerVersion + " scheduler writes them"
		}
		from = VersionFromServer
	case len(recorded) > 0:
		// Several minors may write the recorded lines alike (v1.35 and v1.36): the newest of them.
		return recorded[0], VersionFromRecorded, "", nil
	default:
		p, from = checks.DefaultProfile, VersionFromDefault
	}
	if err != nil {
		return nil, "", "", err
	}
	if note == "" && len(recorded) > 0 && !containsProfile(recorded, p) {
		var vs []string
		for _, r := range recorded {
			vs = append(vs, "v"+r.SchedulerVersion)
		}
		note = "the recorded scheduler messages read like a " + strings.Join(vs, " or ") + " scheduler's, not v" + p.SchedulerVersion + "'s; use --scheduler-version to match them"
	}
	return p, from, note, nil
}

// consistentProfiles are the modelled profiles whose wording fits every recorded message that
// tells versions apart, newest first: a proper subset of checks.Profiles, or nil when no recorded
// message tells them apart (or they disagree).
func consistentProfiles(s *snapshot.Snapshot) []*checks.Profile {
	var telling []string
	keep := func(msg string) {
		if len(writtenBy(msg)) < len(checks.Profiles) {
			telling = append(telling, msg)
		}
	}
	for _, p := range s.Pods {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				keep(c.Message)
			}
		}
	}
	for _, e := range s.Events {
		keep(e.Message)
	}
	if len(telling) == 0 {
		return nil
	}
	var out []*checks.Profile
	for _, p := range checks.Profiles {
		all := true
		for _, msg := range telling {
			all = all && containsProfile(writtenBy(msg), p)
		}
		if all {
			out = append(out, p)
		}
	}
	return out
}

// writtenBy lists the profiles whose PostFilter wording could have produced msg.
func writtenBy(msg string) []*checks.Profile {
	var out []*checks.Profile
	for _, p := range checks.Profiles {
		if p.CouldWrite(msg) {
			out = append(out, p)
		}
	}
	return out
}

func containsProfile(ps []*checks.Profile, p *checks.Profile) bool {
	for _, q := range ps {
		if q == p {
			return true
		}
	}
	return false
}
