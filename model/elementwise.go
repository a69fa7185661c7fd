package model

import (
	"fmt"
	"math"
)

// Func is a scalar function applied element by element.
type Func int

const (
	Relu Func = iota
	LeakyRelu
	Sigmoid
	Tanh
	Exp
	Erf
	Gelu     // x·Φ(x)
	GeluTanh // Gelu with approximate="tanh"
	Sqrt
	Neg
)

var funcNames = map[Func]string{Relu: "Relu", LeakyRelu: "LeakyRelu", Sigmoid: "Sigmoid", Tanh: "Tanh",
	Exp: "Exp", Erf: "Erf", Gelu: "Gelu", GeluTanh: "Gelu", Sqrt: "Sqrt", Neg: "Neg"}

func (f Func) String() string { return funcNames[f] }

// Apply evaluates f at x (alpha is LeakyRelu's slope).
func (f Func) Apply(x, alpha float64) float64 {
	switch f {
	case Relu:
		return math.Max(x, 0)
	case LeakyRelu:
		if x < 0 {
			return alpha * x
		}
		return x
	case Sigmoid:
		return 1 / (1 + math.Exp(-x))
	case Tanh:
		return math.Tanh(x)
	case Exp:
		return math.Exp(x)
	case Erf:
		return math.Erf(x)
	case Gelu:
		return x * (1 + math.Erf(x/math.Sqrt2)) / 2
	case GeluTanh:
		return x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x))) / 2
	case Sqrt:
		return math.Sqrt(x)
	case Neg:
		return -x
	}
	panic("model: unknown Func")
}

// Unary applies a Func to every element of a float tensor.
type Unary struct {
	Fn    Func
	Alpha float64 // LeakyRelu slope
}

func (u *Unary) Type() string { return u.Fn.String() }

func (u *Unary) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if in[0].DType != Float && u.Fn != Neg && u.Fn != Relu {
		return nil, fmt.Errorf("input is %s; %s needs a float tensor", in[0].DType, u.Type())
	}
	return []Value{{DType: in[0].DType, Shape: in[0].Shape}}, nil
}

func (u *Unary) Eval(in []*Tensor) ([]*Tensor, error) {
	x := in[0]
	out := New(x.DType, x.Shape)
	for i := 0; i < x.Len(); i++ {
		out.Set(i, u.Fn.Apply(x.At(i), u.Alpha))
	}
	return []*Tensor{out}, nil
}

// Clip clamps to [Min, Max]; ONNX semantics give min(max(x, Min), Max), so
// Min > Max yields Max everywhere.
type Clip struct{ Min, Max float64 }

func (*Clip) Type() string { return "Clip" }

func (c *Clip) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	return []Value{{DType: in[0].DType, Shape: in[0].Shape}}, nil
}

func (c *Clip) Eval(in []*Tensor) ([]*Tensor, error) {
	x := in[0]
	out := New(x.DType, x.Shape)
	for i := 0; i < x.Len(); i++ {
		out.Set(i, math.Min(math.Max(x.At(i), c.Min), c.Max))
	}
	return []*Tensor{out}, nil
}

// PowConst raises to a constant exponent; the fixed-point program supports
// integer exponents (repeated multiplication) and ±0.5 (square root).
type PowConst struct{ Exponent float64 }

func (*PowConst) Type() string { return "Pow" }

func (p *PowConst) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if in[0].DType != Float {
		return nil, fmt.Errorf("base is %s; Pow needs a float tensor", in[0].DType)
	}
	return []Value{{DType: Float, Shape: in[0].Shape}}, nil
}

func (p *PowConst) Eval(in []*Tensor) ([]*Tensor, error) {
	out := NewFloat(in[0].Shape)
	for i, v := range in[0].F {
		out.F[i] = math.Pow(v, p.Exponent)
	}
	return []*Tensor{out}, nil
}

// BinaryKind is an elementwise operator of two broadcast inputs.
type BinaryKind int

const (
	Add BinaryKind = iota
	Sub
	Mul
	Div
	Equal
	Less
	Greater
	Pow
	LessOrEqual
	GreaterOrEqual
)

var binaryNames = [...]string{"Add", "Sub", "Mul", "Div", "Equal", "Less", "Greater", "Pow", "LessOrEqual", "GreaterOrEqual"}

func (k BinaryKind) String() string { return binaryNames[k] }

// IsCompare reports whether the result is boolean.
func (k BinaryKind) IsCompare() bool {
	return k == Equal || k == Less || k == Greater || k == LessOrEqual || k == GreaterOrEqual
}

// Binary is Add, Sub, Mul, Div (true division for floats, truncating for
// integers as ONNX specifies), Pow, or a comparison, with numpy
// broadcasting. Pow alone may mix float and integer inputs; its result has
// the base's type.
type Binary struct{ Kind BinaryKind }

func (b *Binary) Type() string { return b.Kind.String() }

func (b *Binary) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 2, 2); err != nil {
		return nil, err
	}
	if b.Kind != Pow && (in[0].DType == Float) != (in[1].DType == Float) {
		return nil, fmt.Errorf("inputs have types %s and %s; both must be float or both integer", in[0].DType, in[1].DType)
	}
	shape, err := BroadcastShape(in[0].Shape, in[1].Shape)
	if err != nil {
		return nil, err
	}
	dt := in[0].DType
	if b.Kind.IsCompare() {
		dt = Bool
	} else if dt == Bool {
		dt = Int
	}
	return []Value{{DType: dt, Shape: shape}}, nil
}

func (b *Binary) Eval(in []*Tensor) ([]*Tensor, error) {
	v, err := b.Infer([]Value{in[0].Value(""), in[1].Value("")})
	if err != nil {
		return nil, err
	}
	out := New(v[0].DType, v[0].Shape)
	ia := BroadcastIndex(in[0].Shape, out.Shape)
	ib := BroadcastIndex(in[1].Shape, out.Shape)
	isInt := in[0].DType != Float
	for k := range ia {
		x, y := in[0].At(ia[k]), in[1].At(ib[k])
		var r float64
		switch b.Kind {
		case Add:
			r = x + y
		case Sub:
			r = x - y
		case Mul:
			r = x * y
		case Div:
			if isInt {
				if y == 0 {
					return nil, fmt.Errorf("integer division by zero")
				}
				r = math.Trunc(x / y)
			} else {
				r = x / y
			}
		case Pow:
			r = math.Pow(x, y)
		case Equal:
			r = b2f(x == y)
		case Less:
			r = b2f(x < y)
		case Greater:
			r = b2f(x > y)
		case LessOrEqual:
			r = b2f(x <= y)
		case GreaterOrEqual:
			r = b2f(x >= y)
		}
		out.Set(k, r)
	}
	return []*Tensor{out}, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// Where selects X where Cond is true and Y elsewhere, with broadcasting.
type Where struct{}

func (*Where) Type() string { return "Where" }

func (*Where) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 3, 3); err != nil {
		return nil, err
	}
	if in[0].DType != Bool {
		return nil, fmt.Errorf("condition is %s; Where needs a bool condition", in[0].DType)
	}
	if (in[1].DType == Float) != (in[2].DType == Float) {
		return nil, fmt.Errorf("branches have types %s and %s; they must match", in[1].DType, in[2].DType)
	}
	shape, err := BroadcastShape(in[0].Shape, in[1].Shape, in[2].Shape)
	if err != nil {
		return nil, err
	}
	return []Value{{DType: in[1].DType, Shape: shape}}, nil
}

func (w *Where) Eval(in []*Tensor) ([]*Tensor, error) {
	v, err := w.Infer([]Value{in[0].Value(""), in[1].Value(""), in[2].Value("")})
	if err != nil {
		return nil, err
	}
	out := New(v[0].DType, v[0].Shape)
	ic := BroadcastIndex(in[0].Shape, out.Shape)
	ix := BroadcastIndex(in[1].Shape, out.Shape)
	iy := BroadcastIndex(in[2].Shape, out.Shape)
	for k := range ic {
		if in[0].I[ic[k]] != 0 {
			out.Set(k, in[1].At(ix[k]))
		} else {
			out.Set(k, in[2].At(iy[k]))
		}
	}
	return []*Tensor{out}, nil
}

// Cast converts between element types (float → int truncates toward zero;
// nonzero → true).
type Cast struct{ To DType }

func (*Cast) Type() string { return "Cast" }

func (c *Cast) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	return []Value{{DType: c.To, Shape: in[0].Shape}}, nil
}

func (c *Cast) Eval(in []*Tensor) ([]*Tensor, error) {
	out := New(c.To, in[0].Shape)
	for i := 0; i < in[0].Len(); i++ {
		v := in[0].At(i)
		if c.To == Bool {
			v = b2f(v != 0)
		}
		out.Set(i, v)
	}
	return []*Tensor{out}, nil
}

func wantInputs(in []Value, lo, hi int) error {
	if len(in) < lo || len(in) > hi {
		if lo == hi {
			return fmt.Errorf("has %d inputs; want %d", len(in), lo)
		}
		return fmt.Errorf("has %d inputs; want %d to %d", len(in), lo, hi)
	}
	return nil
}
