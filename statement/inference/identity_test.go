package inference

import (
	"testing"

	"github.com/zkai-dev/zkai/engine"
)

// TestWeightsDigest pins iris_logreg's public-weights identity (a change of
// the definition renames every public-weights model in every ledger) and
// checks that another weight value or scale is another identity.
func TestWeightsDigest(t *testing.T) {
	const iris = "sha256:338ce53b27c58f7fa7b51e0f799612ad70b76835c661b176bf03618d1276c140"
	open := func(path string) *engine.Model {
		m, err := engine.Open(path, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := open("../../testdata/models/iris_logreg/model.onnx")
	p := m.Program
	if got := WeightsDigest(p); got != iris {
		t.Fatalf("iris_logreg weights digest %s; pinned %s", got, iris)
	}
	if WeightsDigest(open("../../testdata/perturbed/iris_logreg.onnx").Program) == iris {
		t.Fatal("the perturbed model has iris_logreg's identity")
	}
	w := p.Weights[0]
	p.Consts[w][0]++
	if WeightsDigest(p) == iris {
		t.Fatal("a changed weight kept the identity")
	}
	p.Consts[w][0]--
	p.Tensors[w].Scale++
	if WeightsDigest(p) == iris {
		t.Fatal("a changed scale kept the identity")
	}
}
