package model

import (
	"fmt"
	"math"
)

// InstanceNorm normalises every (n, c) slice of an N×C×… input over its
// spatial axes: y = (x − mean)/√(var + Epsilon)·Scale[c] + Bias[c].
type InstanceNorm struct{ Epsilon float64 }

func (*InstanceNorm) Type() string { return "InstanceNormalization" }

// Groups returns the per-(n, c) shape and the elements of each slice.
func (*InstanceNorm) Groups(shape []int) ([]int, [][]int, error) {
	if len(shape) < 3 {
		return nil, nil, fmt.Errorf("input has rank %d; want at least 3 (N, C, spatial axes)", len(shape))
	}
	axes := make([]int, 0, len(shape)-2)
	for d := 2; d < len(shape); d++ {
		axes = append(axes, d)
	}
	return AxisGroups(shape, axes)
}

// ChannelIndex maps every element of x to its channel.
func ChannelIndex(shape []int) []int {
	inner := Size(shape[2:])
	m := make([]int, Size(shape))
	for k := range m {
		m[k] = k / inner % shape[1]
	}
	return m
}

func (n *InstanceNorm) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 3, 3); err != nil {
		return nil, err
	}
	for i, v := range in {
		if v.DType != Float {
			return nil, fmt.Errorf("input %d is %s; want float", i, v.DType)
		}
	}
	if _, _, err := n.Groups(in[0].Shape); err != nil {
		return nil, err
	}
	for _, v := range in[1:] {
		if len(v.Shape) != 1 || v.Shape[0] != in[0].Shape[1] {
			return nil, fmt.Errorf("scale/bias have shape %v; want [%d] (one per channel)", v.Shape, in[0].Shape[1])
		}
	}
	return []Value{{DType: Float, Shape: clone(in[0].Shape)}}, nil
}

func (n *InstanceNorm) Eval(in []*Tensor) ([]*Tensor, error) {
	x := in[0]
	_, groups, err := n.Groups(x.Shape)
	if err != nil {
		return nil, err
	}
	ch := ChannelIndex(x.Shape)
	out := NewFloat(x.Shape)
	for _, g := range groups {
		mean, vr := 0.0, 0.0
		for _, i := range g {
			mean += x.F[i]
		}
		mean /= float64(len(g))
		for _, i := range g {
			vr += (x.F[i] - mean) * (x.F[i] - mean)
		}
		inv := 1 / math.Sqrt(vr/float64(len(g))+n.Epsilon)
		for _, i := range g {
			out.F[i] = (x.F[i]-mean)*inv*in[1].F[ch[i]] + in[2].F[ch[i]]
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
