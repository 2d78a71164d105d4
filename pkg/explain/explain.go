package explain

import (
	"fmt"

	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubectl-placement/kubectl-placement/pkg/snapshot"
)

// Selection says which Pods to explain.
type Selection struct {
	// Namespace limits the Pods to one namespace unless AllNamespaces.
	Namespace     string
	AllNamespaces bool
	// Names are Pods named on the command line (in Namespace); empty means every Pending Pod.
	Names []string
	// Selector filters Pods by label; nil selects all.
	Selector labels.Selector
}

// PodNotFoundError is returned for a Pod named on the command line that the snapshot lacks.
type PodNotFoundError struct{ Namespace, Name string }

func (e *PodNotFoundError) Error() string {
	return fmt.Sprintf("pod %q not found in namespace %q", e.Name, e.Namespace)
}

// Explain analyses the selected Pending Pods of a snapshot.
func Explain(s *snapshot.Snapshot, sel Selection) (*WhyPendingReport, error) {
	return &WhyPendingReport{APIVersion: APIVersion, Kind: KindWhyPending, Source: s.Source, NodeCount: len(s.Nodes)}, nil
}
