package circuit

import (
	"slices"
	"testing"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
)

// gadgetsCircuit checks the exported Gadgets: RoundShift(X, K) = Q and the
// predictions of a 3-value and a 1-value output.
type gadgetsCircuit struct {
	X, Q   frontend.Variable
	Out    [3]frontend.Variable
	Class  frontend.Variable
	Logit  frontend.Variable
	Binary frontend.Variable
}

func (c *gadgetsCircuit) Define(api frontend.API) error {
	g := NewGadgets(api)
	q, err := g.RoundShift(c.X, 3, 8)
	if err != nil {
		return err
	}
	api.AssertIsEqual(q, c.Q)
	cl, err := g.Predict(c.Out[:], 8, 0)
	if err != nil {
		return err
	}
	api.AssertIsEqual(cl, c.Class)
	b, err := g.Predict([]frontend.Variable{c.Logit}, 8, 5)
	if err != nil {
		return err
	}
	api.AssertIsEqual(b, c.Binary)
	return nil
}

func TestStatementGadgets(t *testing.T) {
	good := []*gadgetsCircuit{
		// round(−12/8) = ⌊(−12+4)/8⌋ = −1; ties go to the first maximum;
		// a logit equal to the threshold predicts 1
		{X: -12, Q: -1, Out: [3]frontend.Variable{4, 9, 9}, Class: 1, Logit: 5, Binary: 1},
		{X: 12, Q: 2, Out: [3]frontend.Variable{-7, -9, -8}, Class: 0, Logit: 4, Binary: 0},
		{X: 11, Q: 1, Out: [3]frontend.Variable{0, 0, 1}, Class: 2, Logit: -100, Binary: 0},
	}
	bad := []*gadgetsCircuit{
		{X: -12, Q: -2, Out: [3]frontend.Variable{4, 9, 9}, Class: 1, Logit: 5, Binary: 1},
		{X: -12, Q: -1, Out: [3]frontend.Variable{4, 9, 9}, Class: 2, Logit: 5, Binary: 1},
		{X: -12, Q: -1, Out: [3]frontend.Variable{4, 9, 9}, Class: 1, Logit: 5, Binary: 0},
		{X: 12, Q: 2, Out: [3]frontend.Variable{-7, -9, -8}, Class: 2, Logit: 4, Binary: 0},
		{X: 12, Q: 2, Out: [3]frontend.Variable{-7, -9, -8}, Class: 0, Logit: 4, Binary: 1},
		{X: 2000, Q: 250, Out: [3]frontend.Variable{0, 0, 1}, Class: 2, Logit: 0, Binary: 0}, // 250 needs 9 bits
	}
	opts := slices.Clone(checkOpts)
	for _, g := range good {
		opts = append(opts, test.WithValidAssignment(g))
	}
	for _, b := range bad {
		opts = append(opts, test.WithInvalidAssignment(b))
	}
	test.NewAssert(t).CheckCircuit(&gadgetsCircuit{}, opts...)
	if _, err := NewGadgets(nil).RoundShift(0, 63, 8); err == nil {
		t.Error("a shift of 63 accepted")
	}
}
