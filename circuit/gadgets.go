package circuit

import (
	"fmt"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/rangecheck"
)

// Gadgets lends the builder's checked gadgets to statements that compose a
// program's circuit with their own logic (evaluation: rescaling committed
// data to the model's input scale, turning outputs into a predicted class).
// It shares the circuit's range checker.
type Gadgets struct{ b *builder }

// NewGadgets returns the gadgets for api.
func NewGadgets(api frontend.API) *Gadgets {
	return &Gadgets{b: &builder{api: api, rc: rangecheck.New(api)}}
}

// RoundShift returns round(v / 2^k) = ⌊(v + 2^(k−1)) / 2^k⌋ (quant's
// rounded rescale, half up), constrained to bits signed bits; k = 0 is v
// itself, range-checked.
func (g *Gadgets) RoundShift(v frontend.Variable, k, bits int) (frontend.Variable, error) {
	if k < 0 || k > 62 {
		return nil, fmt.Errorf("circuit: shift %d out of 0..62", k)
	}
	d := int64(1) << k
	return g.b.divide(g.b.api.Add(v, d/2), d, bits)
}

// Predict returns the class a model output predicts, with evaluate's rule:
// for several values the index of the first maximum; for one value, 1 when
// it is at least threshold (an integer at the output's scale), else 0.
// bits bounds the values (signed).
func (g *Gadgets) Predict(out []frontend.Variable, bits int, threshold int64) (frontend.Variable, error) {
	switch len(out) {
	case 0:
		return nil, fmt.Errorf("circuit: predict on an empty output")
	case 1:
		return g.b.isNonNeg(g.b.api.Sub(out[0], threshold), widthWith(bits, threshold))
	}
	_, s, err := g.b.selectMax(out, bits+1, false)
	if err != nil {
		return nil, err
	}
	terms := make([]frontend.Variable, len(s))
	for k := range s {
		terms[k] = g.b.api.Mul(s[k], k)
	}
	return sum(g.b.api, terms), nil
}

// CheckNonNeg constrains 0 ≤ v < 2^bits.
func (g *Gadgets) CheckNonNeg(v frontend.Variable, bits int) { g.b.checkNonNeg(v, bits) }
