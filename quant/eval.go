package quant

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
)

// Witness holds the integer value of every tensor of one evaluation.
type Witness struct {
	Values [][]int64 // by tensor id
}

// QuantizeInputs turns float inputs into the program's input integers,
// checking each against its declared bound.
func (p *Program) QuantizeInputs(inputs []*model.Tensor) ([][]int64, error) {
	if len(inputs) != len(p.Inputs) {
		return nil, fmt.Errorf("quant: got %d inputs; the program takes %d", len(inputs), len(p.Inputs))
	}
	out := make([][]int64, len(inputs))
	for k, id := range p.Inputs {
		t := p.Tensors[id]
		in := inputs[k]
		if in.Len() != t.Len() {
			return nil, fmt.Errorf("quant: input %q has %d values; shape %v needs %d", t.Name, in.Len(), model.ShapeString(t.Shape), t.Len())
		}
		vals := make([]int64, t.Len())
		for i := range vals {
			x := in.At(i)
			if t.DType == model.Float {
				limit := math.Ldexp(t.maxAbs(), -t.Scale) // a hand-built program may declare only Bits
				if k < len(p.InputRanges) {
					limit = p.InputRanges[k]
				}
				if math.IsNaN(x) || math.Abs(x) >= limit {
					return nil, fmt.Errorf("quant: input %q element %d = %v is outside the declared range ±%g; raise --input-range or calibrate with data like this", t.Name, i, x, limit)
				}
				q, err := Quantize(x, t.Scale)
				if err != nil {
					return nil, fmt.Errorf("quant: input %q element %d: %w", t.Name, i, err)
				}
				vals[i] = q
			} else {
				if t.DType == model.Bool && x != 0 && x != 1 {
					return nil, fmt.Errorf("quant: input %q element %d = %v; a boolean input takes 0 or 1", t.Name, i, x)
				}
				vals[i] = int64(x)
			}
		}
		out[k] = vals
	}
	return out, nil
}

// Eval runs the program exactly on float inputs (graph order) and returns
// the integer witness. Every value is checked against its tensor's declared
// bound: exceeding it is an error, never a silent wrap.
func (p *Program) Eval(inputs []*model.Tensor) (*Witness, error) {
	q, err := p.QuantizeInputs(inputs)
	if err != nil {
		return nil, err
	}
	return p.EvalInts(q)
}

// EvalInts runs the program on already quantised inputs.
func (p *Program) EvalInts(inputs [][]int64) (*Witness, error) {
	if len(inputs) != len(p.Inputs) {
		return nil, fmt.Errorf("quant: got %d inputs; the program takes %d", len(inputs), len(p.Inputs))
	}
	w := &Witness{Values: make([][]int64, len(p.Tensors))}
	for id, v := range p.Consts {
		w.Values[id] = v
	}
	for k, id := range p.Inputs {
		if err := p.checkBound(id, inputs[k]); err != nil {
			return nil, err
		}
		w.Values[id] = inputs[k]
	}
	for _, op := range p.Ops {
		in := make([][]int64, len(op.Ins()))
		for i, id := range op.Ins() {
			in[i] = w.Values[id]
		}
		out, err := op.eval(p, in)
		if err != nil {
			return nil, fmt.Errorf("quant: %s → %q: %w", op.Kind(), p.Tensors[op.Out()].Name, err)
		}
		if err := p.checkBound(op.Out(), out); err != nil {
			return nil, err
		}
		w.Values[op.Out()] = out
	}
	return w, nil
}

func (p *Program) checkBound(id int, vals []int64) error {
	t := p.Tensors[id]
	if len(vals) != t.Len() {
		return fmt.Errorf("quant: tensor %q has %d values; want %d", t.Name, len(vals), t.Len())
	}
	if t.Bits >= 64 {
		return nil
	}
	limit := int64(1) << (t.Bits - 1)
	for i, v := range vals {
		if v >= limit || v < -limit || (t.DType == model.Bool && v != 0 && v != 1) {
			return fmt.Errorf("quant: tensor %q element %d = %d exceeds its declared bound of %d bits (−2^%d ≤ v < 2^%d); lower the scale, narrow the input range or calibrate", t.Name, i, v, t.Bits, t.Bits-1, t.Bits-1)
		}
	}
	return nil
}

// Decode dequantises the program's outputs from a witness.
func (p *Program) Decode(w *Witness) []*model.Tensor {
	outs := make([]*model.Tensor, len(p.Outputs))
	for k, id := range p.Outputs {
		t := p.Tensors[id]
		o := model.New(t.DType, t.Shape)
		if t.DType == model.Float {
			copy(o.F, Dequantize(w.Values[id], t.Scale))
		} else {
			copy(o.I, w.Values[id])
		}
		outs[k] = o
	}
	return outs
}
