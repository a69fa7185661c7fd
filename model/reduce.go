package model

import (
	"fmt"
	"math"
	"slices"
)

// AxisGroups partitions a tensor of the given shape by the axes being
// reduced: kept is the shape with reduced axes set to 1, and groups[j] lists
// the flat indices reduced into element j of kept, in row-major order.
func AxisGroups(shape []int, axes []int) (kept []int, groups [][]int, err error) {
	r := len(shape)
	red := make([]bool, r)
	for _, a := range axes {
		ax, err := NormAxis(a, r)
		if err != nil {
			return nil, nil, err
		}
		red[ax] = true
	}
	kept = slices.Clone(shape)
	for d := range kept {
		if red[d] {
			kept[d] = 1
		}
	}
	groups = make([][]int, Size(kept))
	kstr := Strides(kept)
	forEachIndex(shape, func(k int, c []int) {
		j := 0
		for d := range c {
			if !red[d] {
				j += c[d] * kstr[d]
			}
		}
		groups[j] = append(groups[j], k)
	})
	return kept, groups, nil
}

// ReduceKind is what a Reduce computes over each group.
type ReduceKind int

const (
	ReduceSum ReduceKind = iota
	ReduceMean
	ReduceMax
	ReduceMin
	ReduceProd
	ReduceL1        // Σ|x|
	ReduceL2        // √Σx²
	ReduceSumSquare // Σx²
	ReduceLogSumExp // ln Σe^x
)

var reduceNames = [...]string{"ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
	"ReduceSumSquare", "ReduceLogSumExp"}

// Reduce reduces over Axes (nil: all axes, unless NoopWithEmptyAxes).
type Reduce struct {
	Kind              ReduceKind
	Axes              []int
	KeepDims          bool
	NoopWithEmptyAxes bool
}

func (r *Reduce) Type() string { return reduceNames[r.Kind] }

// Groups returns the output shape and the input elements of each output.
func (r *Reduce) Groups(in Value) ([]int, [][]int, error) {
	axes := r.Axes
	if len(axes) == 0 {
		if r.NoopWithEmptyAxes {
			return slices.Clone(in.Shape), func() [][]int {
				g := make([][]int, Size(in.Shape))
				for i := range g {
					g[i] = []int{i}
				}
				return g
			}(), nil
		}
		axes = make([]int, len(in.Shape))
		for i := range axes {
			axes[i] = i
		}
	}
	kept, groups, err := AxisGroups(in.Shape, axes)
	if err != nil {
		return nil, nil, err
	}
	if r.KeepDims {
		return kept, groups, nil
	}
	var shape []int
	for d, n := range in.Shape {
		if !slices.ContainsFunc(axes, func(a int) bool { return a == d || a == d-len(in.Shape) }) {
			shape = append(shape, n)
		}
	}
	if shape == nil {
		shape = []int{}
	}
	return shape, groups, nil
}

func (r *Reduce) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	shape, _, err := r.Groups(in[0])
	if err != nil {
		return nil, err
	}
	dt := in[0].DType
	if dt == Bool {
		dt = Int
	}
	return []Value{{DType: dt, Shape: shape}}, nil
}

func (r *Reduce) Eval(in []*Tensor) ([]*Tensor, error) {
	vs, err := r.Infer([]Value{in[0].Value("")})
	if err != nil {
		return nil, err
	}
	_, groups, _ := r.Groups(in[0].Value(""))
	out := New(vs[0].DType, vs[0].Shape)
	for j, g := range groups {
		out.Set(j, r.reduce(in[0], g))
	}
	return []*Tensor{out}, nil
}

// reduce computes one group with float64 reference semantics.
func (r *Reduce) reduce(x *Tensor, g []int) float64 {
	var acc float64
	switch r.Kind {
	case ReduceMax, ReduceMin:
		acc = math.Inf(1)
		if r.Kind == ReduceMax {
			acc = math.Inf(-1)
		}
		for _, i := range g {
			if r.Kind == ReduceMax {
				acc = math.Max(acc, x.At(i))
			} else {
				acc = math.Min(acc, x.At(i))
			}
		}
		return acc
	case ReduceProd:
		acc = 1
		for _, i := range g {
			acc *= x.At(i)
		}
		return acc
	case ReduceLogSumExp:
		m := math.Inf(-1)
		for _, i := range g {
			m = math.Max(m, x.At(i))
		}
		for _, i := range g {
			acc += math.Exp(x.At(i) - m)
		}
		return m + math.Log(acc)
	}
	for _, i := range g {
		v := x.At(i)
		switch r.Kind {
		case ReduceL1:
			v = math.Abs(v)
		case ReduceL2, ReduceSumSquare:
			v *= v
		}
		acc += v
	}
	switch {
	case r.Kind == ReduceMean && len(g) > 0:
		acc /= float64(len(g))
	case r.Kind == ReduceL2:
		acc = math.Sqrt(acc)
	}
	return acc
}

// ArgMax returns the index of the largest element along Axis: the first on
// ties, or the last with SelectLast.
// With Min it is ArgMin: the index of the smallest element.
type ArgMax struct {
	Axis       int
	KeepDims   bool
	SelectLast bool
	Min        bool
}

func (a *ArgMax) Type() string {
	if a.Min {
		return "ArgMin"
	}
	return "ArgMax"
}

func (a *ArgMax) reduce() *Reduce { return &Reduce{Axes: []int{a.Axis}, KeepDims: a.KeepDims} }

func (a *ArgMax) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	shape, _, err := a.reduce().Groups(in[0])
	if err != nil {
		return nil, err
	}
	return []Value{{DType: Int, Shape: shape}}, nil
}

// Groups returns the output shape and, per output, the input elements in
// axis order.
func (a *ArgMax) Groups(in Value) ([]int, [][]int, error) { return a.reduce().Groups(in) }

func (a *ArgMax) Eval(in []*Tensor) ([]*Tensor, error) {
	shape, groups, err := a.Groups(in[0].Value(""))
	if err != nil {
		return nil, err
	}
	out := NewInt(Int, shape)
	for j, g := range groups {
		best := 0
		for p := 1; p < len(g); p++ {
			v, b := in[0].At(g[p]), in[0].At(g[best])
			if a.Min {
				v, b = -v, -b
			}
			if v > b || (a.SelectLast && v == b) {
				best = p
			}
		}
		out.I[j] = int64(best)
	}
	return []*Tensor{out}, nil
}

// Softmax normalises exp(x) over Axes (one axis since opset 13; the trailing
// axes from Axis for older opsets). Log selects LogSoftmax.
type Softmax struct {
	Axes []int
	Log  bool
}

func (s *Softmax) Type() string {
	if s.Log {
		return "LogSoftmax"
	}
	return "Softmax"
}

func (s *Softmax) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if in[0].DType != Float {
		return nil, fmt.Errorf("input is %s; want float", in[0].DType)
	}
	if _, _, err := AxisGroups(in[0].Shape, s.Axes); err != nil {
		return nil, err
	}
	return []Value{{DType: Float, Shape: in[0].Shape}}, nil
}

func (s *Softmax) Eval(in []*Tensor) ([]*Tensor, error) {
	_, groups, err := AxisGroups(in[0].Shape, s.Axes)
	if err != nil {
		return nil, err
	}
	x := in[0].F
	out := NewFloat(in[0].Shape)
	for _, g := range groups {
		m := math.Inf(-1)
		for _, i := range g {
			m = math.Max(m, x[i])
		}
		sum := 0.0
		for _, i := range g {
			sum += math.Exp(x[i] - m)
		}
		for _, i := range g {
			if s.Log {
				out.F[i] = x[i] - m - math.Log(sum)
			} else {
				out.F[i] = math.Exp(x[i]-m) / sum
			}
		}
	}
	return []*Tensor{out}, nil
}

// LayerNorm normalises over the axes from Axis on:
// y = (x − mean)/√(var + Epsilon)·Scale + Bias, Scale and Bias broadcast.
// With Stats it also returns ONNX's optional Mean and InvStdDev outputs
// (the input shape with the normalised axes set to 1).
type LayerNorm struct {
	Axis    int
	Epsilon float64
	Stats   bool
}

func (*LayerNorm) Type() string { return "LayerNormalization" }

// Axes returns the normalised axes for a given rank.
func (l *LayerNorm) Axes(rank int) ([]int, error) {
	ax, err := NormAxis(l.Axis, rank)
	if err != nil {
		return nil, err
	}
	var axes []int
	for d := ax; d < rank; d++ {
		axes = append(axes, d)
	}
	return axes, nil
}

func (l *LayerNorm) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 2, 3); err != nil {
		return nil, err
	}
	for i, v := range in {
		if v.DType != Float {
			return nil, fmt.Errorf("input %d is %s; want float", i, v.DType)
		}
	}
	if _, err := l.Axes(len(in[0].Shape)); err != nil {
		return nil, err
	}
	for _, v := range in[1:] {
		if s, err := BroadcastShape(v.Shape, in[0].Shape); err != nil || !slices.Equal(s, in[0].Shape) {
			return nil, fmt.Errorf("scale/bias %v do not broadcast to %v", v.Shape, in[0].Shape)
		}
	}
	out := []Value{{DType: Float, Shape: in[0].Shape}}
	if l.Stats {
		axes, _ := l.Axes(len(in[0].Shape))
		kept, _, _ := AxisGroups(in[0].Shape, axes)
		out = append(out, Value{DType: Float, Shape: kept}, Value{DType: Float, Shape: kept})
	}
	return out, nil
}

func (l *LayerNorm) Eval(in []*Tensor) ([]*Tensor, error) {
	x := in[0]
	axes, err := l.Axes(len(x.Shape))
	if err != nil {
		return nil, err
	}
	kept, groups, _ := AxisGroups(x.Shape, axes)
	out, means, invs := NewFloat(x.Shape), NewFloat(kept), NewFloat(kept)
	is := BroadcastIndex(in[1].Shape, x.Shape)
	var ib []int
	if len(in) > 2 {
		ib = BroadcastIndex(in[2].Shape, x.Shape)
	}
	for j, g := range groups {
		mean, vr := meanVar(x.F, g)
		inv := 1 / math.Sqrt(vr+l.Epsilon)
		means.F[j], invs.F[j] = mean, inv
		for _, i := range g {
			y := (x.F[i] - mean) * inv * in[1].F[is[i]]
			if ib != nil {
				y += in[2].F[ib[i]]
			}
			out.F[i] = y
		}
	}
	if l.Stats {
		return []*Tensor{out, means, invs}, nil
	}
	return []*Tensor{out}, nil
}

// meanVar is the mean and the (population) variance of the values at the
// indices of one group.
func meanVar(v []float64, group []int) (mean, variance float64) {
	for _, i := range group {
		mean += v[i]
	}
	mean /= float64(len(group))
	for _, i := range group {
		variance += (v[i] - mean) * (v[i] - mean)
	}
	return mean, variance / float64(len(group))
}
