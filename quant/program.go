// Package quant turns a model.Graph into a fixed-point integer program and
// evaluates it exactly. The program is what a circuit proves: Eval is the
// witness oracle, and every gadget must compute bit for bit what it computes.
//
// # Fixed-point contract
//
// A real x is carried as the integer round(x·2^s) for a per-tensor scale s
// (a power of two; integer and boolean tensors have s = 0). Every tensor
// declares a bound: −2^(Bits−1) ≤ v < 2^(Bits−1) (booleans are 0 or 1). Bounds come from interval propagation
// from the declared input range; where that is loose (a quotient, a
// rescaled product) the bound is capped at Settings.MaxBits and then
// enforced: Eval fails with an error when a value would exceed it, so a
// circuit can range-check it, and nothing ever wraps silently.
//
// The integer operations, each defined in its op's doc comment:
//   - rescale and constant division round half up: floor((a + ⌊d/2⌋)/d),
//     with floor division (never Go's truncating /);
//   - Max/ArgMax pick the first maximum (ties go to the lowest index);
//   - nonlinear functions (Sigmoid, Tanh, Exp, Erf, GELU's gate, ln, sin,
//     cos, atan, asin, acos) are lookup tables over a clamped input domain, built with integer
//     arithmetic only (package fxmath) so the tables are identical on every
//     platform;
//   - square roots and reciprocal square roots are the integers defined by
//     inequalities a circuit checks with two multiplications.
package quant

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
)

// Tensor is one tensor of the program.
type Tensor struct {
	Name  string
	DType model.DType
	Shape []int
	Scale int // fractional bits
	// Bits bounds every value: −2^(Bits−1) ≤ v < 2^(Bits−1), the range a
	// circuit checks as 0 ≤ v + 2^(Bits−1) < 2^Bits.
	Bits int
	// Checked marks a bound that static propagation could not guarantee:
	// the evaluator (and a circuit) must enforce it.
	Checked bool
}

// Len is the element count.
func (t *Tensor) Len() int { return model.Size(t.Shape) }

// Program is a fixed-point integer program.
type Program struct {
	Tensors []*Tensor
	// Inputs and Outputs are tensor ids, in the graph's order.
	Inputs []int
	// InputRanges are the declared real ranges of the inputs: a float
	// input x must satisfy |x| < InputRanges[k].
	InputRanges []float64
	Outputs     []int
	// Consts holds the values of constant tensors (weights, biases, folded
	// constants) by tensor id.
	Consts map[int][]int64
	// Weights lists the constant tensors that are model parameters (the ones
	// a private-weights proof hides and commits to).
	Weights []int
	Ops     []Op
}

// Op is one integer operation. Each op reads In and writes Out.
type Op interface {
	// Kind names the op for errors and statistics.
	Kind() string
	Ins() []int
	Out() int
	// eval computes the output values from the input values.
	eval(p *Program, in [][]int64) ([]int64, error)
}

// io is embedded in every op.
type io struct {
	In  []int
	Res int
}

func (o *io) Ins() []int { return o.In }
func (o *io) Out() int   { return o.Res }

// boundBits is the number of signed bits needed for magnitudes up to m.
func boundBits(m float64) int {
	if m < 1 {
		return 1
	}
	_, exp := math.Frexp(math.Ceil(m)) // ⌈m⌉ = f·2^exp, f ∈ [½, 1): exp is its bit length
	return exp + 1
}

// maxAbs is the largest magnitude a tensor's bound allows (that of
// −2^(Bits−1)).
func (t *Tensor) maxAbs() float64 { return math.Ldexp(1, t.Bits-1) }

// Dequantize converts integer values at scale s to floats.
func Dequantize(v []int64, scale int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Ldexp(float64(x), -scale)
	}
	return out
}

// Quantize returns round(x·2^s), rounding half away from zero (exact in
// float64, since scaling by a power of two is exact).
func Quantize(x float64, scale int) (int64, error) {
	v := math.Round(math.Ldexp(x, scale))
	if math.IsNaN(v) || math.Abs(v) >= 1<<62 {
		return 0, fmt.Errorf("value %v does not fit at scale 2^%d", x, scale)
	}
	return int64(v), nil
}

// Stats summarises a program.
type Stats struct {
	Ops      map[string]int
	Tensors  int
	Weights  int // parameter elements
	MaxBits  int
	Elements int // values computed per evaluation
}

// Stats counts ops, parameters and the widest bound.
func (p *Program) Stats() Stats {
	s := Stats{Ops: map[string]int{}, Tensors: len(p.Tensors)}
	for _, op := range p.Ops {
		s.Ops[op.Kind()]++
		s.Elements += p.Tensors[op.Out()].Len()
	}
	for _, w := range p.Weights {
		s.Weights += len(p.Consts[w])
	}
	for _, t := range p.Tensors {
		s.MaxBits = max(s.MaxBits, t.Bits)
	}
	return s
}
