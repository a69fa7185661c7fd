package model

import (
	"fmt"
	"slices"
)

// Terms spells out a bilinear op (Gemm, MatMul, Conv, ConvTranspose) as sums
// of products, the form the fixed-point program and the circuits share:
//
//	out[j] = Alpha · Σ_{t ∈ [Start[j], Start[j+1])} A[IA[t]]·B[IB[t]] + Beta · C[IC[j]]
//
// A and B are inputs 0 and 1, C the optional input 2 (IC nil when absent).
type Terms struct {
	Shape       []int
	Start       []int
	IA, IB      []int32
	IC          []int
	Alpha, Beta float64
}

// Linear is implemented by the bilinear ops.
type Linear interface {
	Op
	Terms(in []Value) (*Terms, error)
}

func evalLinear(l Linear, in []*Tensor) ([]*Tensor, error) {
	vals := make([]Value, len(in))
	for i, t := range in {
		if t != nil {
			vals[i] = t.Value("")
		}
	}
	tm, err := l.Terms(vals)
	if err != nil {
		return nil, err
	}
	out := NewFloat(tm.Shape)
	a, b := in[0].Floats(), in[1].Floats()
	for j := range out.F {
		s := 0.0
		for t := tm.Start[j]; t < tm.Start[j+1]; t++ {
			s += a[tm.IA[t]] * b[tm.IB[t]]
		}
		out.F[j] = tm.Alpha * s
		if tm.IC != nil {
			out.F[j] += tm.Beta * in[2].At(tm.IC[j])
		}
	}
	return []*Tensor{out}, nil
}

func inferLinear(l Linear, in []Value) ([]Value, error) {
	for i, v := range in {
		if v.DType != Float {
			return nil, fmt.Errorf("input %d is %s; %s needs float tensors", i, v.DType, l.Type())
		}
	}
	tm, err := l.Terms(in)
	if err != nil {
		return nil, err
	}
	return []Value{{DType: Float, Shape: tm.Shape}}, nil
}

// MaxTerms bounds the products a bilinear op spells out (Terms) and the
// window taps a pooling op lists (Groups), so that a small model file cannot
// make them allocate without limit; lenet5 needs about 2^19.
const MaxTerms = 1 << 28

// checkTerms fails when the product of counts exceeds MaxTerms. Each count
// is taken as at least 1, so the bound also covers the lists built along
// the way (per output, per window, per batch), and the product is checked
// step by step, so it cannot overflow. what names the counted items.
func checkTerms(what string, counts ...int) error {
	n := 1
	for _, c := range counts {
		c = max(c, 1)
		if n > MaxTerms/c {
			return fmt.Errorf("%s number more than %d; zkai supports at most that many (use smaller inputs, kernels, strides or pads)", what, MaxTerms)
		}
		n *= c
	}
	return nil
}

// termBuilder accumulates Terms output by output.
type termBuilder struct{ t Terms }

func newTermBuilder(shape []int, capacity int) *termBuilder {
	b := &termBuilder{t: Terms{Shape: shape, Alpha: 1, Beta: 1}}
	b.t.Start = make([]int, 1, Size(shape)+1)
	b.t.IA = make([]int32, 0, capacity)
	b.t.IB = make([]int32, 0, capacity)
	return b
}

func (b *termBuilder) add(ia, ib int) {
	b.t.IA = append(b.t.IA, int32(ia))
	b.t.IB = append(b.t.IB, int32(ib))
}

func (b *termBuilder) next() { b.t.Start = append(b.t.Start, len(b.t.IA)) }

// bias sets IC by broadcasting input 2 (when present) to the output shape.
func (b *termBuilder) bias(in []Value, shape []int) (*Terms, error) {
	if len(in) > 2 {
		if _, err := BroadcastShape(in[2].Shape, shape); err != nil {
			return nil, fmt.Errorf("bias %v does not broadcast to the output %v", in[2].Shape, shape)
		}
		bs, _ := BroadcastShape(in[2].Shape, shape)
		if !slices.Equal(bs, shape) {
			return nil, fmt.Errorf("bias %v does not broadcast to the output %v", in[2].Shape, shape)
		}
		b.t.IC = BroadcastIndex(in[2].Shape, shape)
	}
	return &b.t, nil
}

// Gemm is Alpha·A'·B' + Beta·C with A' = A or Aᵀ, B' = B or Bᵀ.
type Gemm struct {
	TransA, TransB bool
	Alpha, Beta    float64
}

func (*Gemm) Type() string                           { return "Gemm" }
func (g *Gemm) Infer(in []Value) ([]Value, error)    { return inferLinear(g, in) }
func (g *Gemm) Eval(in []*Tensor) ([]*Tensor, error) { return evalLinear(g, in) }

func (g *Gemm) Terms(in []Value) (*Terms, error) {
	if err := wantInputs(in, 2, 3); err != nil {
		return nil, err
	}
	a, b := in[0].Shape, in[1].Shape
	if len(a) != 2 || len(b) != 2 {
		return nil, fmt.Errorf("A is %v and B is %v; Gemm needs 2-D inputs", ShapeString(a), ShapeString(b))
	}
	m, k := a[0], a[1]
	if g.TransA {
		m, k = k, m
	}
	kb, n := b[0], b[1]
	if g.TransB {
		kb, n = n, kb
	}
	if k != kb {
		return nil, fmt.Errorf("inner dimensions differ: A' is %dx%d, B' is %dx%d", m, k, kb, n)
	}
	if err := checkTerms(fmt.Sprintf("the products of a %dx%d by %dx%d Gemm", m, k, k, n), m, n, k); err != nil {
		return nil, err
	}
	tb := newTermBuilder([]int{m, n}, m*n*k)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			for p := 0; p < k; p++ {
				ia, ib := i*k+p, p*n+j
				if g.TransA {
					ia = p*m + i
				}
				if g.TransB {
					ib = j*k + p
				}
				tb.add(ia, ib)
			}
			tb.next()
		}
	}
	t, err := tb.bias(in, []int{m, n})
	if err != nil {
		return nil, err
	}
	t.Alpha, t.Beta = g.Alpha, g.Beta
	return t, nil
}

// MatMul is numpy's matmul: 1-D operands are promoted, batch dims broadcast.
type MatMul struct{}

func (*MatMul) Type() string                           { return "MatMul" }
func (m *MatMul) Infer(in []Value) ([]Value, error)    { return inferLinear(m, in) }
func (m *MatMul) Eval(in []*Tensor) ([]*Tensor, error) { return evalLinear(m, in) }

func (*MatMul) Terms(in []Value) (*Terms, error) {
	if err := wantInputs(in, 2, 2); err != nil {
		return nil, err
	}
	a, b := slices.Clone(in[0].Shape), slices.Clone(in[1].Shape)
	if len(a) == 0 || len(b) == 0 {
		return nil, fmt.Errorf("MatMul needs inputs of rank ≥ 1")
	}
	dropA, dropB := len(a) == 1, len(b) == 1
	if dropA {
		a = []int{1, a[0]}
	}
	if dropB {
		b = []int{b[0], 1}
	}
	m, k, kb, n := a[len(a)-2], a[len(a)-1], b[len(b)-2], b[len(b)-1]
	if k != kb {
		return nil, fmt.Errorf("inner dimensions differ: %v × %v", ShapeString(in[0].Shape), ShapeString(in[1].Shape))
	}
	batch, err := BroadcastShape(a[:len(a)-2], b[:len(b)-2])
	if err != nil {
		return nil, err
	}
	full := append(slices.Clone(batch), m, n)
	if err := checkTerms(fmt.Sprintf("the products of output %v", ShapeString(full)), append(slices.Clone(full), k)...); err != nil {
		return nil, err
	}
	ba := BroadcastIndex(a[:len(a)-2], batch)
	bb := BroadcastIndex(b[:len(b)-2], batch)
	tb := newTermBuilder(full, Size(full)*k)
	for bi := range ba {
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				for p := 0; p < k; p++ {
					tb.add((ba[bi]*m+i)*k+p, (bb[bi]*k+p)*n+j)
				}
				tb.next()
			}
		}
	}
	shape := slices.Clone(batch)
	if !dropA {
		shape = append(shape, m)
	}
	if !dropB {
		shape = append(shape, n)
	}
	tb.t.Shape = shape
	return &tb.t, nil
}

// AutoPad is ONNX's auto_pad.
type AutoPad int

const (
	NotSet AutoPad = iota
	Valid
	SameUpper
	SameLower
)

// Window is the geometry shared by Conv, ConvTranspose and the pools over
// the spatial axes (everything after N and C).
type Window struct {
	Kernel    []int
	Strides   []int // default 1
	Pads      []int // begin…, end…; default 0
	Dilations []int // default 1
	AutoPad   AutoPad
	CeilMode  bool
}

func (w *Window) fill(spatial int) error {
	if len(w.Kernel) != spatial {
		return fmt.Errorf("kernel_shape %v has %d dims; the input has %d spatial dims", w.Kernel, len(w.Kernel), spatial)
	}
	ones := func(s []int) []int {
		if s != nil {
			return s
		}
		s = make([]int, spatial)
		for i := range s {
			s[i] = 1
		}
		return s
	}
	w.Strides, w.Dilations = ones(w.Strides), ones(w.Dilations)
	if w.Pads == nil {
		w.Pads = make([]int, 2*spatial)
	}
	if len(w.Strides) != spatial || len(w.Dilations) != spatial || len(w.Pads) != 2*spatial {
		return fmt.Errorf("strides %v, dilations %v and pads %v do not match %d spatial dims", w.Strides, w.Dilations, w.Pads, spatial)
	}
	for i := 0; i < spatial; i++ {
		if w.Kernel[i] < 1 || w.Strides[i] < 1 || w.Dilations[i] < 1 || w.Pads[i] < 0 || w.Pads[spatial+i] < 0 {
			return fmt.Errorf("kernel %v, strides %v, dilations %v and pads %v must be positive (pads non-negative)", w.Kernel, w.Strides, w.Dilations, w.Pads)
		}
	}
	return nil
}

// resolve returns the output spatial size and the begin and end pads for
// input spatial dims in.
func (w *Window) resolve(in []int) (out, begin, end []int, err error) {
	if err := w.fill(len(in)); err != nil {
		return nil, nil, nil, err
	}
	r := len(in)
	out, begin, end = make([]int, r), make([]int, r), make([]int, r)
	for i, d := range in {
		span := (w.Kernel[i]-1)*w.Dilations[i] + 1
		s := w.Strides[i]
		switch w.AutoPad {
		case SameUpper, SameLower:
			out[i] = (d + s - 1) / s
			total := max(0, (out[i]-1)*s+span-d)
			begin[i] = total / 2
			if w.AutoPad == SameLower {
				begin[i] = total - total/2
			}
			end[i] = total - begin[i]
		case Valid:
			out[i] = (d-span)/s + 1
		default:
			begin[i], end[i] = w.Pads[i], w.Pads[r+i]
			num := d + w.Pads[i] + w.Pads[r+i] - span
			if w.CeilMode {
				out[i] = (num+s-1)/s + 1
				// a window must start inside the input or the begin padding
				if (out[i]-1)*s >= d+w.Pads[i] {
					out[i]--
				}
			} else {
				out[i] = num/s + 1
			}
		}
		if out[i] < 1 || (w.AutoPad == Valid && d < span) {
			return nil, nil, nil, fmt.Errorf("window %v does not fit the input %v", w.Kernel, in)
		}
	}
	return out, begin, end, nil
}

// windows lists, for every output position (row-major over out), the flat
// spatial input indices its kernel taps read, in kernel order: -1 for a tap
// in the declared padding, -2 for one beyond it (only with ceil_mode).
func (w Window) windows(in, out, begin, end []int) [][]int {
	str := Strides(in)
	taps := Size(w.Kernel)
	res := make([][]int, 0, Size(out))
	forEachIndex(out, func(_ int, o []int) {
		win := make([]int, 0, taps)
		forEachIndex(w.Kernel, func(_ int, k []int) {
			idx := 0
			for d := range o {
				p := o[d]*w.Strides[d] - begin[d] + k[d]*w.Dilations[d]
				if p < 0 || p >= in[d] {
					idx = -1
					if p >= in[d]+end[d] {
						idx = -2
					}
					break
				}
				idx += p * str[d]
			}
			win = append(win, idx)
		})
		res = append(res, win)
	})
	return res
}

// Conv is an N-d grouped convolution (X [N,C,D…], W [M,C/group,K…], B [M]).
type Conv struct {
	Window
	Group int
}

func (*Conv) Type() string                           { return "Conv" }
func (c *Conv) Infer(in []Value) ([]Value, error)    { return inferLinear(c, in) }
func (c *Conv) Eval(in []*Tensor) ([]*Tensor, error) { return evalLinear(c, in) }

func (c *Conv) Terms(in []Value) (*Terms, error) {
	if err := wantInputs(in, 2, 3); err != nil {
		return nil, err
	}
	x, wt := in[0].Shape, in[1].Shape
	if len(x) < 3 || len(wt) != len(x) {
		return nil, fmt.Errorf("X is %v and W is %v; Conv needs X [N,C,D…] and W [M,C/group,K…] of equal rank ≥ 3", ShapeString(x), ShapeString(wt))
	}
	g := max(c.Group, 1)
	n, ch, m := x[0], x[1], wt[0]
	if ch%g != 0 || m%g != 0 || wt[1] != ch/g {
		return nil, fmt.Errorf("group=%d does not fit X %v and W %v", g, ShapeString(x), ShapeString(wt))
	}
	w := c.Window
	if w.Kernel == nil {
		w.Kernel = slices.Clone(wt[2:])
	} else if !slices.Equal(w.Kernel, wt[2:]) {
		return nil, fmt.Errorf("kernel_shape %v differs from W's %v", w.Kernel, wt[2:])
	}
	out, begin, end, err := w.resolve(x[2:])
	if err != nil {
		return nil, err
	}
	shape := append([]int{n, m}, out...)
	cg, mg := ch/g, m/g
	if err := checkTerms(fmt.Sprintf("the products of output %v", ShapeString(shape)), slices.Concat(shape, []int{cg}, w.Kernel)...); err != nil {
		return nil, err
	}
	wins := w.windows(x[2:], out, begin, end)
	sp, taps := Size(x[2:]), Size(w.Kernel)
	tb := newTermBuilder(shape, Size(shape)*cg*taps)
	for b := 0; b < n; b++ {
		for oc := 0; oc < m; oc++ {
			grp := oc / mg
			for _, win := range wins {
				for ic := 0; ic < cg; ic++ {
					xc := (b*ch + grp*cg + ic) * sp
					wc := (oc*cg + ic) * taps
					for t, idx := range win {
						if idx >= 0 {
							tb.add(xc+idx, wc+t)
						}
					}
				}
				tb.next()
			}
		}
	}
	if len(in) > 2 && !(len(in[2].Shape) == 1 && in[2].Shape[0] == m) {
		return nil, fmt.Errorf("bias is %v; want [%d]", ShapeString(in[2].Shape), m)
	}
	return tb.channelBias(in, shape), nil
}

// channelBias sets IC to index a per-channel (axis 1) bias.
func (b *termBuilder) channelBias(in []Value, shape []int) *Terms {
	if len(in) > 2 {
		inner := Size(shape[2:])
		b.t.IC = make([]int, Size(shape))
		for j := range b.t.IC {
			b.t.IC[j] = (j / inner) % shape[1]
		}
	}
	return &b.t
}

// ConvTranspose is the gradient of Conv with respect to its input
// (X [N,C,D…], W [C,M/group,K…], B [M]).
type ConvTranspose struct {
	Window
	Group         int
	OutputPadding []int
	OutputShape   []int
}

func (*ConvTranspose) Type() string                           { return "ConvTranspose" }
func (c *ConvTranspose) Infer(in []Value) ([]Value, error)    { return inferLinear(c, in) }
func (c *ConvTranspose) Eval(in []*Tensor) ([]*Tensor, error) { return evalLinear(c, in) }

func (c *ConvTranspose) Terms(in []Value) (*Terms, error) {
	if err := wantInputs(in, 2, 3); err != nil {
		return nil, err
	}
	x, wt := in[0].Shape, in[1].Shape
	if len(x) < 3 || len(wt) != len(x) {
		return nil, fmt.Errorf("X is %v and W is %v; ConvTranspose needs X [N,C,D…] and W [C,M/group,K…] of equal rank ≥ 3", ShapeString(x), ShapeString(wt))
	}
	g := max(c.Group, 1)
	n, ch := x[0], x[1]
	if ch%g != 0 || wt[0] != ch {
		return nil, fmt.Errorf("group=%d does not fit X %v and W %v", g, ShapeString(x), ShapeString(wt))
	}
	cg, mg := ch/g, wt[1]
	m := mg * g
	w := c.Window
	if w.Kernel == nil {
		w.Kernel = slices.Clone(wt[2:])
	} else if !slices.Equal(w.Kernel, wt[2:]) {
		return nil, fmt.Errorf("kernel_shape %v differs from W's %v", w.Kernel, wt[2:])
	}
	sd := len(x) - 2
	if err := w.fill(sd); err != nil {
		return nil, err
	}
	op := c.OutputPadding
	if op == nil {
		op = make([]int, sd)
	}
	if len(op) != sd {
		return nil, fmt.Errorf("output_padding %v does not match %d spatial dims", op, sd)
	}
	out, begin := make([]int, sd), make([]int, sd)
	for i := 0; i < sd; i++ {
		span := (w.Kernel[i]-1)*w.Dilations[i] + 1
		full := w.Strides[i]*(x[2+i]-1) + op[i] + span
		switch {
		case c.OutputShape != nil || w.AutoPad == SameUpper || w.AutoPad == SameLower:
			want := x[2+i] * w.Strides[i]
			if c.OutputShape != nil {
				if len(c.OutputShape) != sd {
					return nil, fmt.Errorf("output_shape %v does not match %d spatial dims", c.OutputShape, sd)
				}
				want = c.OutputShape[i]
			}
			// ONNX: SAME_UPPER puts the smaller half of the padding first,
			// otherwise the larger; a negative total extends the output.
			total := full - want
			half := total >> 1 // floor division, as the spec's Python does
			out[i], begin[i] = want, total-half
			if w.AutoPad == SameUpper {
				begin[i] = half
			}
		case w.AutoPad == Valid:
			out[i] = full
		default:
			out[i], begin[i] = full-w.Pads[i]-w.Pads[sd+i], w.Pads[i]
		}
		if out[i] < 1 {
			return nil, fmt.Errorf("pads %v leave no output", w.Pads)
		}
	}
	shape := append([]int{n, m}, out...)
	if err := checkTerms(fmt.Sprintf("the elements of output %v", ShapeString(shape)), shape...); err != nil {
		return nil, err
	}
	if err := checkTerms(fmt.Sprintf("the products of input %v", ShapeString(x)), slices.Concat(x, []int{mg}, w.Kernel)...); err != nil {
		return nil, err
	}
	// scatter every product to the output position it lands on
	type term struct{ a, b int32 }
	perOut := make([][]term, Size(shape))
	inSp, outSp, taps := x[2:], out, Size(w.Kernel)
	outStr := Strides(outSp)
	forEachIndex(inSp, func(ii int, ic []int) {
		forEachIndex(w.Kernel, func(t int, k []int) {
			o := 0
			for d := range ic {
				p := ic[d]*w.Strides[d] - begin[d] + k[d]*w.Dilations[d]
				if p < 0 || p >= outSp[d] {
					return
				}
				o += p * outStr[d]
			}
			for b := 0; b < n; b++ {
				for c := 0; c < ch; c++ {
					grp := c / cg
					for mm := 0; mm < mg; mm++ {
						oc := grp*mg + mm
						j := (b*m+oc)*Size(outSp) + o
						perOut[j] = append(perOut[j], term{int32((b*ch+c)*Size(inSp) + ii), int32((c*mg+mm)*taps + t)})
					}
				}
			}
		})
	})
	tb := newTermBuilder(shape, 0)
	for _, ts := range perOut {
		for _, t := range ts {
			tb.add(int(t.a), int(t.b))
		}
		tb.next()
	}
	if len(in) > 2 && !(len(in[2].Shape) == 1 && in[2].Shape[0] == m) {
		return nil, fmt.Errorf("bias is %v; want [%d]", ShapeString(in[2].Shape), m)
	}
	return tb.channelBias(in, shape), nil
}

// Affine is y = Scale[c]·x + Bias[c] per channel (axis 1): an inference
// BatchNormalization that could not be folded into a preceding Conv or Gemm.
type Affine struct{ Scale, Bias []float64 }

func (*Affine) Type() string { return "BatchNormalization" }

func (a *Affine) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	s := in[0].Shape
	if in[0].DType != Float || len(s) < 2 || s[1] != len(a.Scale) || len(a.Bias) != len(a.Scale) {
		return nil, fmt.Errorf("input %s%v does not have %d channels on axis 1", in[0].DType, s, len(a.Scale))
	}
	return []Value{{DType: Float, Shape: s}}, nil
}

// Channel returns the channel of flat index j for input shape s.
func (a *Affine) Channel(s []int, j int) int { return (j / Size(s[2:])) % s[1] }

func (a *Affine) Eval(in []*Tensor) ([]*Tensor, error) {
	x := in[0]
	out := NewFloat(x.Shape)
	for j, v := range x.F {
		c := a.Channel(x.Shape, j)
		out.F[j] = a.Scale[c]*v + a.Bias[c]
	}
	return []*Tensor{out}, nil
}
