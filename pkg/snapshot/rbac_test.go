package snapshot

import (
	"bytes"
	"os"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

// TestRBACGrantsExactlyWhatIsRead: docs/rbac.yaml's ClusterRole grants every read the code makes
// and nothing more.
func TestRBACGrantsExactlyWhatIsRead(t *testing.T) {
	data, err := os.ReadFile("../../docs/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(bytes.Split(data, []byte("\n---\n"))[0], &role); err != nil {
		t.Fatal(err)
	}
	if role.Kind != "ClusterRole" {
		t.Fatalf("the first document is a %s, want the ClusterRole", role.Kind)
	}
	var granted []string
	for _, r := range role.Rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					granted = append(granted, v+" "+qualified(Permission{Resource: res, Group: g}))
				}
			}
		}
	}
	var read []string
	for _, p := range ReadPermissions() {
		read = append(read, p.Verb+" "+qualified(p))
	}
	sort.Strings(granted)
	sort.Strings(read)
	if diff := cmp.Diff(read, granted); diff != "" {
		t.Errorf("docs/rbac.yaml (+) against the reads the code makes (-):\n%s", diff)
	}
}
