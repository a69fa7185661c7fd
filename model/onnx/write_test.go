package onnx

import (
	"os"
	"strings"
	"testing"
)

// TestReplaceInitializers: replaced values load back exactly; an unknown
// name, a wrong count or a value float32 cannot hold is refused.
func TestReplaceInitializers(t *testing.T) {
	b, err := os.ReadFile("../../testdata/models/credit_logreg/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	g, err := Load(b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	w := g.Constants["net.0.bias"]
	vals := map[string][]float64{"net.0.bias": {0.375}}
	if w == nil || w.Len() != 1 {
		t.Fatalf("fixture changed: net.0.bias %v", w)
	}
	out, err := ReplaceInitializers(b, vals)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := Load(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := g2.Constants["net.0.bias"].F[0]; got != 0.375 {
		t.Fatalf("bias %v; want 0.375", got)
	}
	for _, c := range []struct {
		vals map[string][]float64
		want string
	}{
		{map[string][]float64{"nope": {1}}, `no initializer "nope"`},
		{map[string][]float64{"net.0.bias": {1, 2}}, "has 1 values; got 2"},
		{map[string][]float64{"net.0.bias": {0.1}}, "not exact in float32"},
	} {
		if _, err := ReplaceInitializers(b, c.vals); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v; want %q", c.vals, err, c.want)
		}
	}
}
