package model

import (
	"fmt"
	"slices"
)

// Pool is MaxPool, AveragePool or GlobalAveragePool over the spatial axes
// of X [N,C,D…]. Padding taps never win a max; an average divides by the
// taps inside the input, or with CountIncludePad by the taps inside the
// padded input.
type Pool struct {
	Window
	Max             bool
	Global          bool
	CountIncludePad bool
	// Indices adds MaxPool's second output: the flat index into X of each
	// max, with the spatial axes in column-major order when ColumnMajor
	// (storage_order=1).
	Indices     bool
	ColumnMajor bool
}

// IndexLabel is the Indices value of the row-major flat input index i.
func (p *Pool) IndexLabel(shape []int, i int) int64 {
	if !p.ColumnMajor {
		return int64(i)
	}
	sp := Size(shape[2:])
	nc, r := i/sp, i%sp
	// coordinates of r in row-major order, re-linearised column-major
	str := Strides(shape[2:])
	col, mul := 0, 1
	for d := 0; d < len(str); d++ {
		col += (r / str[d] % shape[2+d]) * mul
		mul *= shape[2+d]
	}
	return int64(nc*sp + col)
}

func (p *Pool) Type() string {
	switch {
	case p.Max:
		return "MaxPool"
	case p.Global:
		return "GlobalAveragePool"
	}
	return "AveragePool"
}

// Groups returns the output shape, the flat input indices of each output's
// window, and for an average its divisor.
func (p *Pool) Groups(in Value) (shape []int, groups [][]int, divisors []int, err error) {
	x := in.Shape
	if len(x) < 3 {
		return nil, nil, nil, fmt.Errorf("input is %v; pooling needs [N,C,D…]", ShapeString(x))
	}
	w := p.Window
	if p.Global {
		w = Window{Kernel: x[2:]}
	}
	out, begin, end, err := w.resolve(x[2:])
	if err != nil {
		return nil, nil, nil, err
	}
	shape = append([]int{x[0], x[1]}, out...)
	if err := checkTerms(fmt.Sprintf("the window taps of output %v", ShapeString(shape)), slices.Concat(shape, w.Kernel)...); err != nil {
		return nil, nil, nil, err
	}
	wins := w.windows(x[2:], out, begin, end)
	sp := Size(x[2:])
	for nc := 0; nc < x[0]*x[1]; nc++ {
		for _, win := range wins {
			g := make([]int, 0, len(win))
			padded := 0
			for _, idx := range win {
				if idx >= 0 {
					g = append(g, nc*sp+idx)
				}
				if idx >= -1 {
					padded++
				}
			}
			if len(g) == 0 {
				return nil, nil, nil, fmt.Errorf("a pooling window lies entirely in the padding")
			}
			groups = append(groups, g)
			if p.CountIncludePad {
				divisors = append(divisors, padded)
			} else {
				divisors = append(divisors, len(g))
			}
		}
	}
	return shape, groups, divisors, nil
}

func (p *Pool) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if in[0].DType == Bool || (in[0].DType == Int && !p.Max) {
		return nil, fmt.Errorf("input is %s; want float (or integers for MaxPool)", in[0].DType)
	}
	shape, _, _, err := p.Groups(in[0])
	if err != nil {
		return nil, err
	}
	outs := []Value{{DType: in[0].DType, Shape: shape}}
	if p.Indices {
		outs = append(outs, Value{DType: Int, Shape: shape})
	}
	return outs, nil
}

func (p *Pool) Eval(in []*Tensor) ([]*Tensor, error) {
	shape, groups, div, err := p.Groups(in[0].Value(""))
	if err != nil {
		return nil, err
	}
	out := New(in[0].DType, shape)
	idx := NewInt(Int, shape)
	for j, g := range groups {
		if p.Max {
			best := g[0]
			for _, i := range g[1:] {
				if in[0].At(i) > in[0].At(best) {
					best = i
				}
			}
			out.Set(j, in[0].At(best))
			idx.I[j] = p.IndexLabel(in[0].Shape, best)
			continue
		}
		s := 0.0
		for _, i := range g {
			s += in[0].F[i]
		}
		out.F[j] = s / float64(div[j])
	}
	if !p.Indices {
		return []*Tensor{out}, nil
	}
	return []*Tensor{out, idx}, nil
}
