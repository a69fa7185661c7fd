package inference

import (
	"slices"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/proof"
)

// TestOpening: the opening Prove writes opens the bundle's hashed input
// and output to the values the model ran on and produced; a wrong salt, a
// changed value, another label or a missing side is refused with its
// reason.
func TestOpening(t *testing.T) {
	_, p := pipeline(t, circuit.Options{Weights: circuit.Public, Input: circuit.Hashed, Output: circuit.Hashed}, proof.Groth16, nil)
	if p.Opening == nil || p.Opening.Input == nil || p.Opening.Output == nil {
		t.Fatalf("opening %+v; want both sides", p.Opening)
	}
	opened, err := CheckOpening(p.Public, p.Opening)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := opened.Output.Tensors[0].Data, p.Result.Outputs[0].Data; !slices.Equal(got, want) {
		t.Fatalf("opened outputs %v; the run gave %v", got, want)
	}
	if opened.Input.Commitment != p.Public.Input.Commitment || opened.Input.Tensors[0].Name != p.Public.Input.Tensors[0].Name {
		t.Fatal("the opened input is not the bundle's")
	}
	inc := func(s string) string {
		return strings.TrimSuffix(s, s[len(s)-1:]) + string("1234567890"[s[len(s)-1]-'0'])
	}
	for name, c := range map[string]struct {
		f    func(op *Opening)
		want string
	}{
		"wrong input salt":  {func(op *Opening) { op.Input.Salt = inc(op.Input.Salt) }, "input salt and values do not open the input commitment"},
		"wrong output salt": {func(op *Opening) { op.Output.Salt = inc(op.Output.Salt) }, "output salt and values do not open the output commitment"},
		"output value changed": {func(op *Opening) {
			o := &op.Output.Tensors[0]
			o.Field[0], o.Data[0] = inc(o.Field[0]), o.Data[0]+1.0/4096
		}, "output salt and values do not open"},
		"data not the field":  {func(op *Opening) { op.Input.Tensors[0].Data[0]++ }, "not the proven value"},
		"another commitment":  {func(op *Opening) { op.Input.Commitment = inc(op.Input.Commitment) }, "another input commitment"},
		"input renamed":       {func(op *Opening) { op.Input.Tensors[0].Name = "z" }, "the bundle commits to"},
		"non-canonical salt":  {func(op *Opening) { op.Output.Salt = "0" + op.Output.Salt }, "leading zero"},
		"output side missing": {func(op *Opening) { op.Output = nil }, "does not open the bundle's output commitment"},
		"old format":          {func(op *Opening) { op.Format = "zkai-inference-opening/1" }, "not supported"},
		"a tensor too many":   {func(op *Opening) { op.Input.Tensors = append(op.Input.Tensors, op.Input.Tensors[0]) }, "2 input tensors"},
	} {
		op := cloneOpening(t, p.Opening)
		c.f(op)
		if _, err := CheckOpening(p.Public, op); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want …%s…", name, err, c.want)
		}
	}
	// an opening of a side that is not committed
	_, q := pipeline(t, circuit.Options{Weights: circuit.Public, Input: circuit.Public, Output: circuit.Hashed}, proof.Groth16, nil)
	op := cloneOpening(t, q.Opening)
	op.Input = p.Opening.Input
	if _, err := CheckOpening(q.Public, op); err == nil || !strings.Contains(err.Error(), "does not commit to") {
		t.Errorf("opening of a public input: %v", err)
	}
}

func cloneOpening(t *testing.T, op *Opening) *Opening {
	t.Helper()
	var c Opening
	if err := DecodeStrict(marshal(t, op), &c); err != nil {
		t.Fatal(err)
	}
	return &c
}
