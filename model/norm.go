package model

import (
	"fmt"
	"math"
)

// GroupNorm is InstanceNormalization (Groups 0: one group per channel) and
// GroupNormalization: the channels of an N×C×… input fall into Groups
// contiguous groups, and every (n, group) slice is normalised over its
// channels and spatial axes: y = (x − mean)/√(var + Epsilon)·Scale[p] +
// Bias[p], p the element's channel (Scale of length C) or group (length
// Groups, GroupNormalization before opset 21).
type GroupNorm struct {
	OpName  string
	Groups  int
	Epsilon float64
}

func (g *GroupNorm) Type() string { return g.OpName }

// count is the number of groups for c channels.
func (g *GroupNorm) count(c int) int {
	if g.Groups == 0 {
		return c
	}
	return g.Groups
}

// Slices returns the per-(n, group) shape and the elements of each slice.
func (g *GroupNorm) Slices(shape []int) ([]int, [][]int, error) {
	if len(shape) < 3 {
		return nil, nil, fmt.Errorf("input has rank %d; want at least 3 (N, C, spatial axes)", len(shape))
	}
	c, k := shape[1], g.count(shape[1])
	if k < 1 || c%k != 0 {
		return nil, nil, fmt.Errorf("%d channels do not split into %d groups", c, k)
	}
	// the same slices as normalising [N, k, C/k·spatial] over its last axis
	return AxisGroups([]int{shape[0], k, Size(shape[1:]) / k}, []int{2})
}

// ParamIndex maps every element of x to the entry of a scale or bias of
// length n (C or the number of groups).
func (g *GroupNorm) ParamIndex(shape []int, n int) []int {
	inner := Size(shape[2:])
	per := shape[1] / n
	m := make([]int, Size(shape))
	for k := range m {
		m[k] = k / inner % shape[1] / per
	}
	return m
}

func (g *GroupNorm) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 3, 3); err != nil {
		return nil, err
	}
	for i, v := range in {
		if v.DType != Float {
			return nil, fmt.Errorf("input %d is %s; want float", i, v.DType)
		}
	}
	if _, _, err := g.Slices(in[0].Shape); err != nil {
		return nil, err
	}
	c := in[0].Shape[1]
	for _, v := range in[1:] {
		if len(v.Shape) != 1 || (v.Shape[0] != c && v.Shape[0] != g.count(c)) {
			return nil, fmt.Errorf("scale/bias have shape %v; want [%d] (one per channel) or [%d] (one per group)", v.Shape, c, g.count(c))
		}
	}
	return []Value{{DType: Float, Shape: clone(in[0].Shape)}}, nil
}

func (g *GroupNorm) Eval(in []*Tensor) ([]*Tensor, error) {
	x := in[0]
	_, groups, err := g.Slices(x.Shape)
	if err != nil {
		return nil, err
	}
	ps, pb := g.ParamIndex(x.Shape, in[1].Len()), g.ParamIndex(x.Shape, in[2].Len())
	out := NewFloat(x.Shape)
	for _, gr := range groups {
		mean, vr := meanVar(x.F, gr)
		inv := 1 / math.Sqrt(vr+g.Epsilon)
		for _, i := range gr {
			out.F[i] = (x.F[i]-mean)*inv*in[1].F[ps[i]] + in[2].F[pb[i]]
		}
	}
	return []*Tensor{out}, nil
}

// LpNorm divides x by its L1 (P = 1) or L2 (P = 2) norm along Axis.
type LpNorm struct {
	Axis int
	P    int
}

func (*LpNorm) Type() string { return "LpNormalization" }

func (l *LpNorm) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if in[0].DType != Float {
		return nil, fmt.Errorf("input is %s; want float", in[0].DType)
	}
	if l.P != 1 && l.P != 2 {
		return nil, fmt.Errorf("p = %d; want 1 or 2", l.P)
	}
	if _, err := NormAxis(l.Axis, len(in[0].Shape)); err != nil {
		return nil, err
	}
	return []Value{{DType: Float, Shape: clone(in[0].Shape)}}, nil
}

func (l *LpNorm) Eval(in []*Tensor) ([]*Tensor, error) {
	x := in[0]
	_, groups, err := AxisGroups(x.Shape, []int{l.Axis})
	if err != nil {
		return nil, err
	}
	out := NewFloat(x.Shape)
	for _, g := range groups {
		s := 0.0
		for _, i := range g {
			if l.P == 1 {
				s += math.Abs(x.F[i])
			} else {
				s += x.F[i] * x.F[i]
			}
		}
		if l.P == 2 {
			s = math.Sqrt(s)
		}
		for _, i := range g {
			out.F[i] = x.F[i] / s
		}
	}
	return []*Tensor{out}, nil
}
