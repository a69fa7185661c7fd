package model

import (
	"fmt"
	"math"
)

// Tensor is a dense row-major tensor. Float tensors use F; Int and Bool
// tensors use I (booleans as 0/1).
type Tensor struct {
	DType DType
	Shape []int
	F     []float64
	I     []int64
}

// NewFloat returns a zero float tensor of the given shape.
func NewFloat(shape []int) *Tensor {
	return &Tensor{DType: Float, Shape: clone(shape), F: make([]float64, Size(shape))}
}

// NewInt returns a zero tensor of an integer or boolean type.
func NewInt(dt DType, shape []int) *Tensor {
	return &Tensor{DType: dt, Shape: clone(shape), I: make([]int64, Size(shape))}
}

// New returns a zero tensor of the given type and shape.
func New(dt DType, shape []int) *Tensor {
	if dt == Float {
		return NewFloat(shape)
	}
	return NewInt(dt, shape)
}

// Len is the number of elements.
func (t *Tensor) Len() int {
	if t.DType == Float {
		return len(t.F)
	}
	return len(t.I)
}

// At returns element i as a float64 whatever the type.
func (t *Tensor) At(i int) float64 {
	if t.DType == Float {
		return t.F[i]
	}
	return float64(t.I[i])
}

// Set stores v at element i, truncating toward zero for integer tensors.
func (t *Tensor) Set(i int, v float64) {
	if t.DType == Float {
		t.F[i] = v
		return
	}
	t.I[i] = int64(v)
}

// Ints returns the elements as int64, which must be integral.
func (t *Tensor) Ints() ([]int64, error) {
	if t.DType != Float {
		return t.I, nil
	}
	out := make([]int64, len(t.F))
	for i, v := range t.F {
		if v != math.Trunc(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("value %v is not an integer", v)
		}
		out[i] = int64(v)
	}
	return out, nil
}

// Floats returns the elements as float64.
func (t *Tensor) Floats() []float64 {
	if t.DType == Float {
		return t.F
	}
	out := make([]float64, len(t.I))
	for i, v := range t.I {
		out[i] = float64(v)
	}
	return out
}

// Value is the tensor's edge type under a given name.
func (t *Tensor) Value(name string) Value {
	return Value{Name: name, DType: t.DType, Shape: clone(t.Shape)}
}

// Size is the number of elements of a shape.
func Size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Strides returns row-major strides.
func Strides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

func clone[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// NormAxis maps a possibly negative axis into [0, rank).
func NormAxis(axis, rank int) (int, error) {
	if axis < -rank || axis >= rank {
		return 0, fmt.Errorf("axis %d is out of range for rank %d", axis, rank)
	}
	if axis < 0 {
		axis += rank
	}
	return axis, nil
}

// BroadcastShape returns the numpy-style broadcast of shapes.
func BroadcastShape(shapes ...[]int) ([]int, error) {
	rank := 0
	for _, s := range shapes {
		rank = max(rank, len(s))
	}
	out := make([]int, rank)
	for i := range out {
		out[i] = 1
	}
	for _, s := range shapes {
		off := rank - len(s)
		for i, d := range s {
			switch {
			case out[off+i] == d || d == 1:
			case out[off+i] == 1:
				out[off+i] = d
			default:
				return nil, fmt.Errorf("shapes %v cannot be broadcast together", shapes)
			}
		}
	}
	return out, nil
}

// BroadcastIndex maps every element of the broadcast output shape to the
// flat index of the element it reads in an input of shape in.
func BroadcastIndex(in, out []int) []int {
	n := Size(out)
	idx := make([]int, n)
	inStr := Strides(in)
	off := len(out) - len(in)
	coord := make([]int, len(out))
	for k := 0; k < n; k++ {
		src := 0
		for d := off; d < len(out); d++ {
			if in[d-off] != 1 {
				src += coord[d] * inStr[d-off]
			}
		}
		idx[k] = src
		for d := len(out) - 1; d >= 0; d-- {
			coord[d]++
			if coord[d] < out[d] {
				break
			}
			coord[d] = 0
		}
	}
	return idx
}
