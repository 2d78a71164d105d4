package gen

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

// YAML renders the case as one `kubectl get -o yaml`-like v1 List, loadable as a snapshot file.
func (c *Case) YAML() ([]byte, error) {
	var items []runtime.Object
	for _, o := range c.Namespaces {
		items = append(items, o)
	}
	for _, o := range c.PriorityClasses {
		items = append(items, o)
	}
	for _, o := range c.Nodes {
		items = append(items, o)
	}
	for _, o := range c.Pods {
		items = append(items, o)
	}
	for _, o := range c.StorageClasses {
		items = append(items, o)
	}
	for _, o := range c.PVs {
		items = append(items, o)
	}
	for _, o := range c.PVCs {
		items = append(items, o)
	}
	items = append(items, c.CSI.objects()...)
	list := map[string]any{"apiVersion": "v1", "kind": "List", "items": items}
	b, err := yaml.Marshal(list)
	if err != nil {
		return nil, fmt.Errorf("seed %d: marshal: %w", c.Seed, err)
	}
	return b, nil
}
