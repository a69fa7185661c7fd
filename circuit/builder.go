// Package circuit turns a fixed-point program (package quant) into gnark
// constraints that compute exactly what quant's evaluator computes.
//
// Every gadget is fully constrained: a hint may propose a quotient, a
// selector or a root, but the constraints admit exactly one value — the one
// the evaluator produces — and fail on any other. Signed values live in the
// field as p − |v|; a value declared to fit b bits is range-checked as
// 0 ≤ v + 2^(b−1) < 2^b with std/rangecheck; lookups use
// std/lookup/logderivlookup. Both commit through gnark's single shared
// commitment, so a circuit has one commitment whatever it uses.
//
// Gadgets, one file per family: linear.go (Linear, Mul, Add, Move,
// ReduceSum), division.go (Rescale, DivVar), compare.go (Clamp, LeakyRelu,
// Compare, Where, ReduceMax, ArgMax), lookup.go (Table, GatherVar), root.go
// (Sqrt, Rsqrt), elementwise.go (Logic, RoundInt, Mod, Log). batch.go evaluates a program on many samples in one
// circuit, checking the linear layers with private weights for all samples
// at once (Freivalds).
package circuit

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/lookup/logderivlookup"
	"github.com/consensys/gnark/std/rangecheck"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// builder holds the state of one circuit under construction.
type builder struct {
	api    frontend.API
	rc     frontend.Rangechecker
	p      *quant.Program
	vals   [][]frontend.Variable // by tensor id
	tables map[string]logderivlookup.Table
}

// Build adds the constraints of p to api. inputs holds the values of
// p.Inputs; weights, the witness values of constant tensors kept private
// (by tensor id) — every other constant is a circuit constant. It returns
// the values of p.Outputs. Inputs are range-checked to their declared
// widths; private weights must already be constrained to theirs (the
// weight commitment's lane checks do that).
func Build(api frontend.API, p *quant.Program, inputs [][]frontend.Variable, weights map[int][]frontend.Variable) ([][]frontend.Variable, error) {
	b, err := newBuilder(api, p, weights)
	if err != nil {
		return nil, fmt.Errorf("circuit: %w", err)
	}
	if err := b.setInputs(inputs, true); err != nil {
		return nil, fmt.Errorf("circuit: %w", err)
	}
	for _, op := range p.Ops {
		out, err := b.op(op)
		if err := b.store(op, out, err); err != nil {
			return nil, fmt.Errorf("circuit: %w", err)
		}
	}
	return b.outputs(), nil
}

// newBuilder starts a circuit over api with the program's constants in
// place: private weights as their witness values, every other constant as
// a circuit constant.
func newBuilder(api frontend.API, p *quant.Program, weights map[int][]frontend.Variable) (*builder, error) {
	b := &builder{api: api, rc: rangecheck.New(api), p: p, vals: make([][]frontend.Variable, len(p.Tensors)),
		tables: map[string]logderivlookup.Table{}}
	for id, v := range p.Consts {
		if w, ok := weights[id]; ok {
			if len(w) != len(v) {
				return nil, fmt.Errorf("weight tensor %q has %d values; want %d", p.Tensors[id].Name, len(w), len(v))
			}
			b.vals[id] = w
			continue
		}
		c := make([]frontend.Variable, len(v))
		for i, x := range v {
			c[i] = x
		}
		b.vals[id] = c
	}
	return b, nil
}

// sibling is a builder for another evaluation of the same program in the
// same circuit: it shares the constants, the range checker and the lookup
// tables (a table is paid for once, however many evaluations look it up),
// and has values of its own for everything computed.
func (b *builder) sibling() *builder {
	c := *b
	c.vals = slices.Clone(b.vals)
	return &c
}

// setInputs range-checks the values of p.Inputs to their declared widths
// and makes them the builder's inputs.
func (b *builder) setInputs(inputs [][]frontend.Variable, check bool) error {
	p := b.p
	if len(inputs) != len(p.Inputs) {
		return fmt.Errorf("%d inputs; the program takes %d", len(inputs), len(p.Inputs))
	}
	for k, id := range p.Inputs {
		t := p.Tensors[id]
		if len(inputs[k]) != t.Len() {
			return fmt.Errorf("input %q has %d values; want %d", t.Name, len(inputs[k]), t.Len())
		}
		for _, v := range inputs[k] {
			switch {
			case !check:
			case t.DType == model.Bool:
				b.api.AssertIsBoolean(v)
			default:
				b.checkSigned(v, t.Bits)
			}
		}
		b.vals[id] = inputs[k]
	}
	return nil
}

// store records the values an op's gadget computed (or the error it
// failed with), range-checking them to the output's declared width unless
// the gadget already did.
func (b *builder) store(op quant.Op, out []frontend.Variable, err error) error {
	t := b.p.Tensors[op.Out()]
	if err != nil {
		return fmt.Errorf("%s → %q: %w", op.Kind(), t.Name, err)
	}
	if len(out) != t.Len() {
		return fmt.Errorf("%s produced %d values for %q; want %d", op.Kind(), len(out), t.Name, t.Len())
	}
	if t.Checked && !rangeChecksOutput(op) {
		for _, v := range out {
			b.checkSigned(v, t.Bits)
		}
	}
	b.vals[op.Out()] = out
	return nil
}

// outputs returns the values of p.Outputs.
func (b *builder) outputs() [][]frontend.Variable {
	outs := make([][]frontend.Variable, len(b.p.Outputs))
	for k, id := range b.p.Outputs {
		outs[k] = b.vals[id]
	}
	return outs
}

// rangeChecksOutput reports whether an op's gadget already range-checks its
// output against the declared bound.
func rangeChecksOutput(op quant.Op) bool {
	switch op.(type) {
	case *quant.Rescale, *quant.DivVar:
		return true
	}
	return false
}

// op dispatches to the op's gadget.
func (b *builder) op(op quant.Op) ([]frontend.Variable, error) {
	in := make([][]frontend.Variable, len(op.Ins()))
	for i, id := range op.Ins() {
		in[i] = b.vals[id]
	}
	out := b.p.Tensors[op.Out()]
	switch o := op.(type) {
	case *quant.Move:
		return b.move(o, in), nil
	case *quant.Linear:
		return b.linear(o, in), nil
	case *quant.Add:
		return b.add(o, in), nil
	case *quant.Mul:
		return b.mul(in), nil
	case *quant.ReduceSum:
		return b.reduceSum(o, in), nil
	case *quant.Rescale:
		return b.rescale(o, in[0], out.Bits)
	case *quant.DivVar:
		return b.divVar(o, in, out.Bits)
	case *quant.Clamp:
		return b.clamp(o, in[0])
	case *quant.LeakyRelu:
		return b.leakyRelu(o, in[0])
	case *quant.Compare:
		return b.compare(o, in)
	case *quant.Where:
		return b.where(o, in), nil
	case *quant.ReduceMax:
		return b.reduceMax(o, in[0])
	case *quant.ArgMax:
		return b.argMax(o, in[0])
	case *quant.Table:
		return b.table(o, in[0])
	case *quant.GatherVar:
		return b.gatherVar(o, in)
	case *quant.Sqrt:
		return b.sqrt(o, in[0])
	case *quant.Rsqrt:
		return b.rsqrt(o, in[0])
	case *quant.Logic:
		return b.logic(o, in)
	case *quant.RoundInt:
		return b.roundInt(o, in[0])
	case *quant.Mod:
		return b.mod(o, in)
	case *quant.Log:
		return b.log(o, in[0])
	}
	return nil, fmt.Errorf("no gadget for %T", op)
}

// bitsOf returns the declared width of an op's input i.
func (b *builder) bitsOf(op quant.Op, i int) int { return b.p.Tensors[op.Ins()[i]].Bits }

// checkSigned constrains −2^(bits−1) ≤ v < 2^(bits−1), quant's bound.
func (b *builder) checkSigned(v frontend.Variable, bits int) {
	b.rc.Check(b.api.Add(v, pow2(bits-1)), bits)
}

// checkNonNeg constrains 0 ≤ v < 2^bits.
func (b *builder) checkNonNeg(v frontend.Variable, bits int) {
	b.rc.Check(v, bits)
}

func pow2(k int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(k)) }

// bitLen is the number of bits of a non-negative constant.
func bitLen(v int64) int {
	return big.NewInt(v).BitLen()
}
