package model

import (
	"fmt"
	"slices"
)

// Mover is implemented by ops that only move elements (Reshape, Transpose,
// Slice, Concat, Pad, Gather with constant indices …). Output element k is
// element Src[k] of the inputs laid end to end, or Fill when Src[k] < 0.
// The fixed-point program and a circuit treat every Mover alike: wiring,
// no arithmetic.
type Mover interface {
	Op
	Map(in []Value) (src []int, fill float64, err error)
}

// evalMove is the Eval of every Mover.
func evalMove(m Mover, in []*Tensor) ([]*Tensor, error) {
	vals := make([]Value, len(in))
	for i, t := range in {
		vals[i] = t.Value("")
	}
	outs, err := m.Infer(vals)
	if err != nil {
		return nil, err
	}
	src, fill, err := m.Map(vals)
	if err != nil {
		return nil, err
	}
	out := New(outs[0].DType, outs[0].Shape)
	offsets := make([]int, len(in)+1)
	for i, t := range in {
		offsets[i+1] = offsets[i] + t.Len()
	}
	for k, s := range src {
		if s < 0 {
			out.Set(k, fill)
			continue
		}
		i := 0
		for s >= offsets[i+1] {
			i++
		}
		out.Set(k, in[i].At(s-offsets[i]))
	}
	return []*Tensor{out}, nil
}

func identityMap(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

// Reshape gives the single input a new shape of the same size. Squeeze,
// Unsqueeze, Flatten and Identity load as Reshape with their own Type name
// (OpName), the target shape computed by the loader.
type Reshape struct {
	Shape  []int
	OpName string
}

func (r *Reshape) Type() string { return r.OpName }

func (r *Reshape) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if Size(r.Shape) != Size(in[0].Shape) {
		return nil, fmt.Errorf("cannot reshape %v (%d elements) to %v (%d elements)",
			ShapeString(in[0].Shape), Size(in[0].Shape), ShapeString(r.Shape), Size(r.Shape))
	}
	return []Value{{DType: in[0].DType, Shape: clone(r.Shape)}}, nil
}

func (r *Reshape) Map(in []Value) ([]int, float64, error) {
	return identityMap(Size(in[0].Shape)), 0, nil
}

func (r *Reshape) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(r, in) }

// Transpose permutes axes.
type Transpose struct{ Perm []int }

func (*Transpose) Type() string { return "Transpose" }

func (t *Transpose) perm(rank int) ([]int, error) {
	if t.Perm == nil {
		p := make([]int, rank)
		for i := range p {
			p[i] = rank - 1 - i
		}
		return p, nil
	}
	if len(t.Perm) != rank {
		return nil, fmt.Errorf("perm %v has %d entries for rank %d", t.Perm, len(t.Perm), rank)
	}
	seen := make([]bool, rank)
	for _, a := range t.Perm {
		if a < 0 || a >= rank || seen[a] {
			return nil, fmt.Errorf("perm %v is not a permutation of 0..%d", t.Perm, rank-1)
		}
		seen[a] = true
	}
	return t.Perm, nil
}

func (t *Transpose) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	p, err := t.perm(len(in[0].Shape))
	if err != nil {
		return nil, err
	}
	shape := make([]int, len(p))
	for i, a := range p {
		shape[i] = in[0].Shape[a]
	}
	return []Value{{DType: in[0].DType, Shape: shape}}, nil
}

func (t *Transpose) Map(in []Value) ([]int, float64, error) {
	p, err := t.perm(len(in[0].Shape))
	if err != nil {
		return nil, 0, err
	}
	inStr := Strides(in[0].Shape)
	shape := make([]int, len(p))
	for i, a := range p {
		shape[i] = in[0].Shape[a]
	}
	src := make([]int, Size(shape))
	forEachIndex(shape, func(k int, c []int) {
		s := 0
		for i, a := range p {
			s += c[i] * inStr[a]
		}
		src[k] = s
	})
	return src, 0, nil
}

func (t *Transpose) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(t, in) }

// forEachIndex calls f with the flat index and coordinates of every element
// of shape in row-major order. c is reused between calls.
func forEachIndex(shape []int, f func(k int, c []int)) {
	n := Size(shape)
	c := make([]int, len(shape))
	for k := 0; k < n; k++ {
		f(k, c)
		for d := len(shape) - 1; d >= 0; d-- {
			c[d]++
			if c[d] < shape[d] {
				break
			}
			c[d] = 0
		}
	}
}

// Slice takes Starts[i]:Ends[i]:Steps[i] along Axes[i], clamped as ONNX
// specifies (negative values count from the end).
type Slice struct{ Starts, Ends, Axes, Steps []int64 }

func (*Slice) Type() string { return "Slice" }

// ranges returns, per axis, the start, step and count after clamping.
func (s *Slice) ranges(shape []int) (start, step, count []int, err error) {
	r := len(shape)
	start, step, count = make([]int, r), make([]int, r), slices.Clone(shape)
	for i := range step {
		step[i] = 1
	}
	if len(s.Ends) != len(s.Starts) || (s.Axes != nil && len(s.Axes) != len(s.Starts)) || (s.Steps != nil && len(s.Steps) != len(s.Starts)) {
		return nil, nil, nil, fmt.Errorf("starts, ends, axes and steps must have the same length")
	}
	seen := map[int]bool{}
	for i := range s.Starts {
		ax := i
		if s.Axes != nil {
			if ax, err = NormAxis(int(s.Axes[i]), r); err != nil {
				return nil, nil, nil, err
			}
		} else if i >= r {
			return nil, nil, nil, fmt.Errorf("%d starts for an input of rank %d; without axes, give at most one per axis", len(s.Starts), r)
		}
		if seen[ax] {
			return nil, nil, nil, fmt.Errorf("axis %d is sliced twice", ax)
		}
		seen[ax] = true
		st := int64(1)
		if s.Steps != nil {
			st = s.Steps[i]
		}
		if st == 0 {
			return nil, nil, nil, fmt.Errorf("step 0 on axis %d", ax)
		}
		d := int64(shape[ax])
		b, e := s.Starts[i], s.Ends[i]
		if b < 0 {
			b += d
		}
		if e < 0 {
			e += d
		}
		var n int64
		if st > 0 {
			b, e = clamp64(b, 0, d), clamp64(e, 0, d)
			n = max(0, (e-b+st-1)/st)
		} else {
			b, e = clamp64(b, 0, d-1), clamp64(e, -1, d-1)
			n = max(0, (b-e+(-st)-1)/(-st))
		}
		start[ax], step[ax], count[ax] = int(b), int(st), int(n)
	}
	return start, step, count, nil
}

func clamp64(v, lo, hi int64) int64 { return min(max(v, lo), hi) }

func (s *Slice) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	_, _, count, err := s.ranges(in[0].Shape)
	if err != nil {
		return nil, err
	}
	return []Value{{DType: in[0].DType, Shape: count}}, nil
}

func (s *Slice) Map(in []Value) ([]int, float64, error) {
	start, step, count, err := s.ranges(in[0].Shape)
	if err != nil {
		return nil, 0, err
	}
	str := Strides(in[0].Shape)
	src := make([]int, Size(count))
	forEachIndex(count, func(k int, c []int) {
		o := 0
		for d := range c {
			o += (start[d] + c[d]*step[d]) * str[d]
		}
		src[k] = o
	})
	return src, 0, nil
}

func (s *Slice) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(s, in) }

// Concat joins inputs along Axis.
type Concat struct{ Axis int }

func (*Concat) Type() string { return "Concat" }

func (c *Concat) Infer(in []Value) ([]Value, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("has no inputs")
	}
	r := len(in[0].Shape)
	ax, err := NormAxis(c.Axis, r)
	if err != nil {
		return nil, err
	}
	shape := slices.Clone(in[0].Shape)
	shape[ax] = 0
	for i, v := range in {
		if len(v.Shape) != r || (v.DType == Float) != (in[0].DType == Float) {
			return nil, fmt.Errorf("input %d is %s%v, unlike input 0 %s%v", i, v.DType, v.Shape, in[0].DType, in[0].Shape)
		}
		for d := range v.Shape {
			if d != ax && v.Shape[d] != in[0].Shape[d] {
				return nil, fmt.Errorf("input %d has shape %v; only axis %d may differ from %v", i, v.Shape, ax, in[0].Shape)
			}
		}
		shape[ax] += v.Shape[ax]
	}
	return []Value{{DType: in[0].DType, Shape: shape}}, nil
}

func (c *Concat) Map(in []Value) ([]int, float64, error) {
	out, err := c.Infer(in)
	if err != nil {
		return nil, 0, err
	}
	ax, _ := NormAxis(c.Axis, len(in[0].Shape))
	shape := out[0].Shape
	// which input and offset along the axis each output position reads
	owner, local := make([]int, shape[ax]), make([]int, shape[ax])
	base := make([]int, len(in))
	pos := 0
	for i, v := range in {
		if i > 0 {
			base[i] = base[i-1] + Size(in[i-1].Shape)
		}
		for j := 0; j < v.Shape[ax]; j++ {
			owner[pos], local[pos] = i, j
			pos++
		}
	}
	src := make([]int, Size(shape))
	forEachIndex(shape, func(k int, c []int) {
		i := owner[c[ax]]
		str := Strides(in[i].Shape)
		o := base[i]
		for d := range c {
			if d == ax {
				o += local[c[d]] * str[d]
			} else {
				o += c[d] * str[d]
			}
		}
		src[k] = o
	})
	return src, 0, nil
}

func (c *Concat) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(c, in) }

// PadMode is Pad's mode attribute.
type PadMode int

const (
	PadConstant PadMode = iota
	PadEdge
	PadReflect
	PadWrap
)

// Pad pads each axis by Pads[axis] before and Pads[rank+axis] after (ONNX
// layout, already expanded to every axis). Negative pads crop.
type Pad struct {
	Pads  []int
	Mode  PadMode
	Value float64
}

func (*Pad) Type() string { return "Pad" }

func (p *Pad) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	r := len(in[0].Shape)
	if len(p.Pads) != 2*r {
		return nil, fmt.Errorf("pads %v has %d entries; want %d for rank %d", p.Pads, len(p.Pads), 2*r, r)
	}
	shape := make([]int, r)
	for d := range shape {
		shape[d] = in[0].Shape[d] + p.Pads[d] + p.Pads[r+d]
		if shape[d] < 0 {
			return nil, fmt.Errorf("pads %v crop axis %d below zero", p.Pads, d)
		}
		if p.Mode != PadConstant && in[0].Shape[d] == 0 && shape[d] > 0 {
			return nil, fmt.Errorf("cannot %s-pad an empty axis", []string{"", "edge", "reflect", "wrap"}[p.Mode])
		}
		if p.Mode == PadReflect && (p.Pads[d] >= in[0].Shape[d] || p.Pads[r+d] >= in[0].Shape[d]) && (p.Pads[d] > 0 || p.Pads[r+d] > 0) {
			return nil, fmt.Errorf("reflect pads %v must be smaller than the axis size %d", p.Pads, in[0].Shape[d])
		}
	}
	return []Value{{DType: in[0].DType, Shape: shape}}, nil
}

func (p *Pad) Map(in []Value) ([]int, float64, error) {
	out, err := p.Infer(in)
	if err != nil {
		return nil, 0, err
	}
	shape := out[0].Shape
	str := Strides(in[0].Shape)
	src := make([]int, Size(shape))
	forEachIndex(shape, func(k int, c []int) {
		o := 0
		for d := range c {
			n := in[0].Shape[d]
			i := c[d] - p.Pads[d]
			if i < 0 || i >= n {
				switch p.Mode {
				case PadConstant:
					o = -1
				case PadEdge:
					i = min(max(i, 0), n-1)
				case PadReflect:
					period := 2 * (n - 1)
					if period == 0 {
						i = 0
					} else {
						i = ((i % period) + period) % period
						if i >= n {
							i = period - i
						}
					}
				case PadWrap:
					i = ((i % n) + n) % n
				}
			}
			if o < 0 {
				break
			}
			o += i * str[d]
		}
		src[k] = o
	})
	return src, p.Value, nil
}

func (p *Pad) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(p, in) }

// Gather picks entries along Axis. With constant Indices (non-nil) it is a
// Mover with one input; otherwise the indices are the second input.
type Gather struct {
	Axis         int
	Indices      []int64 // constant indices, or nil
	IndicesShape []int
}

func (*Gather) Type() string { return "Gather" }

func (g *Gather) Infer(in []Value) ([]Value, error) {
	if g.Indices == nil {
		if err := wantInputs(in, 2, 2); err != nil {
			return nil, err
		}
		if in[1].DType == Float {
			return nil, fmt.Errorf("indices are %s; want integers", in[1].DType)
		}
		return g.infer(in[0], in[1].Shape)
	}
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	return g.infer(in[0], g.IndicesShape)
}

func (g *Gather) infer(data Value, idxShape []int) ([]Value, error) {
	ax, err := NormAxis(g.Axis, len(data.Shape))
	if err != nil {
		return nil, err
	}
	if err := checkIndices(g.Indices, ax, data.Shape[ax]); err != nil {
		return nil, err
	}
	shape := append(append(slices.Clone(data.Shape[:ax]), idxShape...), data.Shape[ax+1:]...)
	return []Value{{DType: data.DType, Shape: shape}}, nil
}

// GatherMap returns, for every output element, the flat data index it reads
// for the given indices (which must be within the axis, negative counting
// from the end).
func (g *Gather) GatherMap(data Value, idx []int64, idxShape []int) ([]int, error) {
	ax, err := NormAxis(g.Axis, len(data.Shape))
	if err != nil {
		return nil, err
	}
	n := data.Shape[ax]
	if err := checkIndices(idx, ax, n); err != nil {
		return nil, err
	}
	outer := Size(data.Shape[:ax])
	inner := Size(data.Shape[ax+1:])
	src := make([]int, 0, outer*len(idx)*inner)
	for o := 0; o < outer; o++ {
		for _, i := range idx {
			if i < 0 {
				i += int64(n)
			}
			for j := 0; j < inner; j++ {
				src = append(src, (o*n+int(i))*inner+j)
			}
		}
	}
	return src, nil
}

// checkIndices requires every index within an axis of size n, negative
// ones counting from the end.
func checkIndices(idx []int64, ax, n int) error {
	for _, i := range idx {
		if i < -int64(n) || i >= int64(n) {
			return fmt.Errorf("index %d is out of range for axis %d of size %d", i, ax, n)
		}
	}
	return nil
}

func (g *Gather) Map(in []Value) ([]int, float64, error) {
	if g.Indices == nil {
		return nil, 0, fmt.Errorf("gather with runtime indices is not a fixed data movement")
	}
	src, err := g.GatherMap(in[0], g.Indices, g.IndicesShape)
	return src, 0, err
}

func (g *Gather) Eval(in []*Tensor) ([]*Tensor, error) {
	if g.Indices != nil {
		return evalMove(g, in)
	}
	idx, err := in[1].Ints()
	if err != nil {
		return nil, err
	}
	out, err := g.infer(in[0].Value(""), in[1].Shape)
	if err != nil {
		return nil, err
	}
	src, err := g.GatherMap(in[0].Value(""), idx, in[1].Shape)
	if err != nil {
		return nil, err
	}
	t := New(out[0].DType, out[0].Shape)
	for k, s := range src {
		t.Set(k, in[0].At(s))
	}
	return []*Tensor{t}, nil
}

// Expand broadcasts the input to Shape (numpy rules).
type Expand struct{ Shape []int }

func (*Expand) Type() string { return "Expand" }

func (e *Expand) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	shape, err := BroadcastShape(in[0].Shape, e.Shape)
	if err != nil {
		return nil, err
	}
	return []Value{{DType: in[0].DType, Shape: shape}}, nil
}

func (e *Expand) Map(in []Value) ([]int, float64, error) {
	out, err := e.Infer(in)
	if err != nil {
		return nil, 0, err
	}
	return BroadcastIndex(in[0].Shape, out[0].Shape), 0, nil
}

func (e *Expand) Eval(in []*Tensor) ([]*Tensor, error) { return evalMove(e, in) }
