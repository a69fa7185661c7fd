package model

import (
	"fmt"
	"math"
)

// Act is a parameterised elementwise function (ONNX activations and
// rounding); its parameters live in Activation.
type Act int

const (
	Elu             Act = iota // x < 0 ? α(eˣ−1) : x
	Selu                       // γ·(x ≤ 0 ? α(eˣ−1) : x)
	Celu                       // max(0,x) + min(0, α(e^(x/α)−1))
	HardSigmoid                // max(0, min(1, αx+β))
	HardSwish                  // x·max(0, min(1, x/6+1/2))
	Softplus                   // ln(1+eˣ)
	Softsign                   // x/(1+|x|)
	Mish                       // x·tanh(ln(1+eˣ))
	ThresholdedRelu            // x > α ? x : 0
	Sign                       // −1, 0 or 1
	Abs                        // |x|
	Reciprocal                 // 1/x
	Floor                      // ⌊x⌋
	Ceil                       // ⌈x⌉
	Round                      // nearest integer, ties to even
	Sinh                       // (eˣ−e⁻ˣ)/2
	Cosh                       // (eˣ+e⁻ˣ)/2
	IsNaN                      // bool: x is NaN
	IsInf                      // bool: x is +∞ (Beta ≠ 0) or −∞ (Alpha ≠ 0)
	Log                        // ln x
	Sin                        // sin x
	Cos                        // cos x
	Tan                        // tan x
	Asin                       // asin x
	Acos                       // acos x
	Atan                       // atan x
)

var actNames = [...]string{Elu: "Elu", Selu: "Selu", Celu: "Celu", HardSigmoid: "HardSigmoid",
	HardSwish: "HardSwish", Softplus: "Softplus", Softsign: "Softsign", Mish: "Mish",
	ThresholdedRelu: "ThresholdedRelu", Sign: "Sign", Abs: "Abs", Reciprocal: "Reciprocal",
	Floor: "Floor", Ceil: "Ceil", Round: "Round", Sinh: "Sinh", Cosh: "Cosh", IsNaN: "IsNaN", IsInf: "IsInf", Log: "Log",
	Sin: "Sin", Cos: "Cos", Tan: "Tan", Asin: "Asin", Acos: "Acos", Atan: "Atan"}

func (a Act) String() string { return actNames[a] }

// Activation applies an Act to every element. Alpha, Beta and Gamma are
// the ONNX attributes of the same names (IsInf keeps detect_negative in
// Alpha and detect_positive in Beta).
type Activation struct {
	Fn                 Act
	Alpha, Beta, Gamma float64
}

func (a *Activation) Type() string { return a.Fn.String() }

// integerOK lists the functions ONNX also defines on integer tensors.
func (a *Activation) integerOK() bool { return a.Fn == Abs || a.Fn == Sign }

func (a *Activation) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	dt := in[0].DType
	if dt == Bool || (dt != Float && !a.integerOK()) {
		return nil, fmt.Errorf("input is %s; %s needs a float tensor", dt, a.Type())
	}
	if a.Fn == IsNaN || a.Fn == IsInf {
		dt = Bool
	}
	return []Value{{DType: dt, Shape: in[0].Shape}}, nil
}

func (a *Activation) Eval(in []*Tensor) ([]*Tensor, error) {
	v, err := a.Infer([]Value{in[0].Value("")})
	if err != nil {
		return nil, err
	}
	out := New(v[0].DType, v[0].Shape)
	for i := 0; i < out.Len(); i++ {
		out.Set(i, a.apply(in[0].At(i)))
	}
	return []*Tensor{out}, nil
}

func softplus(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }

func (a *Activation) apply(x float64) float64 {
	switch a.Fn {
	case Elu:
		if x < 0 {
			return a.Alpha * math.Expm1(x)
		}
		return x
	case Selu:
		if x <= 0 {
			return a.Gamma * a.Alpha * math.Expm1(x)
		}
		return a.Gamma * x
	case Celu:
		return math.Max(0, x) + math.Min(0, a.Alpha*math.Expm1(x/a.Alpha))
	case HardSigmoid:
		return math.Max(0, math.Min(1, a.Alpha*x+a.Beta))
	case HardSwish:
		return x * math.Max(0, math.Min(1, x/6+0.5))
	case Softplus:
		return softplus(x)
	case Softsign:
		return x / (1 + math.Abs(x))
	case Mish:
		return x * math.Tanh(softplus(x))
	case ThresholdedRelu:
		if x > a.Alpha {
			return x
		}
		return 0
	case Sign:
		return b2f(x > 0) - b2f(x < 0)
	case Abs:
		return math.Abs(x)
	case Reciprocal:
		return 1 / x
	case Floor:
		return math.Floor(x)
	case Ceil:
		return math.Ceil(x)
	case Round:
		return math.RoundToEven(x)
	case Sinh:
		return math.Sinh(x)
	case Cosh:
		return math.Cosh(x)
	case IsNaN:
		return b2f(math.IsNaN(x))
	case IsInf:
		return b2f(math.IsInf(x, 1) && a.Beta != 0 || math.IsInf(x, -1) && a.Alpha != 0)
	case Log:
		return math.Log(x)
	case Sin:
		return math.Sin(x)
	case Cos:
		return math.Cos(x)
	case Tan:
		return math.Tan(x)
	case Asin:
		return math.Asin(x)
	case Acos:
		return math.Acos(x)
	case Atan:
		return math.Atan(x)
	}
	panic("model: unknown Act")
}

// PRelu is x ≥ 0 ? x : slope·x, the slope (input 1) broadcast to x's shape.
type PRelu struct{}

func (*PRelu) Type() string { return "PRelu" }

func (*PRelu) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 2, 2); err != nil {
		return nil, err
	}
	if in[0].DType != Float || in[1].DType != Float {
		return nil, fmt.Errorf("inputs have types %s and %s; PRelu needs float tensors", in[0].DType, in[1].DType)
	}
	shape, err := BroadcastShape(in[0].Shape, in[1].Shape)
	if err != nil {
		return nil, err
	}
	if Size(shape) != Size(in[0].Shape) || len(shape) != len(in[0].Shape) {
		return nil, fmt.Errorf("slope shape %s does not broadcast to the input's %s", ShapeString(in[1].Shape), ShapeString(in[0].Shape))
	}
	return []Value{{DType: Float, Shape: in[0].Shape}}, nil
}

func (p *PRelu) Eval(in []*Tensor) ([]*Tensor, error) {
	if _, err := p.Infer([]Value{in[0].Value(""), in[1].Value("")}); err != nil {
		return nil, err
	}
	out := NewFloat(in[0].Shape)
	is := BroadcastIndex(in[1].Shape, out.Shape)
	for i, x := range in[0].F {
		if x < 0 {
			x *= in[1].F[is[i]]
		}
		out.F[i] = x
	}
	return []*Tensor{out}, nil
}

// LogicKind is a boolean operator.
type LogicKind int

const (
	Not LogicKind = iota
	And
	Or
	Xor
)

var logicNames = [...]string{Not: "Not", And: "And", Or: "Or", Xor: "Xor"}

func (k LogicKind) String() string { return logicNames[k] }

// Logic is Not of one bool tensor, or And, Or, Xor of two with numpy
// broadcasting.
type Logic struct{ Kind LogicKind }

func (l *Logic) Type() string { return l.Kind.String() }

func (l *Logic) arity() int {
	if l.Kind == Not {
		return 1
	}
	return 2
}

func (l *Logic) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, l.arity(), l.arity()); err != nil {
		return nil, err
	}
	shapes := make([][]int, len(in))
	for i, v := range in {
		if v.DType != Bool {
			return nil, fmt.Errorf("input %d is %s; %s needs bool tensors", i, v.DType, l.Type())
		}
		shapes[i] = v.Shape
	}
	shape, err := BroadcastShape(shapes...)
	if err != nil {
		return nil, err
	}
	return []Value{{DType: Bool, Shape: shape}}, nil
}

// LogicValue is the result of k on bits a and b (b unused for Not).
func LogicValue(k LogicKind, a, b int64) int64 {
	switch k {
	case Not:
		return 1 - a
	case And:
		return a & b
	case Or:
		return a | b
	}
	return a ^ b
}

func (l *Logic) Eval(in []*Tensor) ([]*Tensor, error) {
	vals := make([]Value, len(in))
	for i, t := range in {
		vals[i] = t.Value("")
	}
	v, err := l.Infer(vals)
	if err != nil {
		return nil, err
	}
	out := New(Bool, v[0].Shape)
	ia := BroadcastIndex(in[0].Shape, out.Shape)
	var ib []int
	if len(in) > 1 {
		ib = BroadcastIndex(in[1].Shape, out.Shape)
	}
	for k := range out.I {
		var b int64
		if ib != nil {
			b = in[1].I[ib[k]]
		}
		out.I[k] = LogicValue(l.Kind, in[0].I[ia[k]], b)
	}
	return []*Tensor{out}, nil
}

// Extremum is ONNX's variadic Max (or Min): the elementwise maximum
// (minimum) of one or more tensors of one type, with numpy broadcasting.
type Extremum struct{ Min bool }

func (e *Extremum) Type() string {
	if e.Min {
		return "Min"
	}
	return "Max"
}

func (e *Extremum) Infer(in []Value) ([]Value, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("has no inputs; want at least one")
	}
	shapes := make([][]int, len(in))
	for i, v := range in {
		if v.DType == Bool || (v.DType == Float) != (in[0].DType == Float) {
			return nil, fmt.Errorf("input %d is %s and input 0 %s; %s needs numbers of one type", i, v.DType, in[0].DType, e.Type())
		}
		shapes[i] = v.Shape
	}
	shape, err := BroadcastShape(shapes...)
	if err != nil {
		return nil, err
	}
	return []Value{{DType: in[0].DType, Shape: shape}}, nil
}

func (e *Extremum) Eval(in []*Tensor) ([]*Tensor, error) {
	vals := make([]Value, len(in))
	for i, t := range in {
		vals[i] = t.Value("")
	}
	v, err := e.Infer(vals)
	if err != nil {
		return nil, err
	}
	out := New(v[0].DType, v[0].Shape)
	for i, t := range in {
		idx := BroadcastIndex(t.Shape, out.Shape)
		for k, j := range idx {
			x := t.At(j)
			if i == 0 || (e.Min && x < out.At(k)) || (!e.Min && x > out.At(k)) {
				out.Set(k, x)
			}
		}
	}
	return []*Tensor{out}, nil
}

// Mod is the elementwise remainder with numpy broadcasting: with Fmod the
// sign of the dividend (C's fmod, required for floats), without it the
// sign of the divisor (Python's %, integers only). An integer division by
// zero is an error.
type Mod struct{ Fmod bool }

func (*Mod) Type() string { return "Mod" }

func (m *Mod) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 2, 2); err != nil {
		return nil, err
	}
	if in[0].DType == Bool || in[1].DType == Bool || (in[0].DType == Float) != (in[1].DType == Float) {
		return nil, fmt.Errorf("inputs have types %s and %s; Mod needs two numbers of one type", in[0].DType, in[1].DType)
	}
	if in[0].DType == Float && !m.Fmod {
		return nil, fmt.Errorf("fmod=0 on float inputs; ONNX requires fmod=1 for floating-point Mod")
	}
	shape, err := BroadcastShape(in[0].Shape, in[1].Shape)
	if err != nil {
		return nil, err
	}
	return []Value{{DType: in[0].DType, Shape: shape}}, nil
}

func (m *Mod) Eval(in []*Tensor) ([]*Tensor, error) {
	v, err := m.Infer([]Value{in[0].Value(""), in[1].Value("")})
	if err != nil {
		return nil, err
	}
	out := New(v[0].DType, v[0].Shape)
	ia := BroadcastIndex(in[0].Shape, out.Shape)
	ib := BroadcastIndex(in[1].Shape, out.Shape)
	for k := range ia {
		a, b := in[0].At(ia[k]), in[1].At(ib[k])
		if b == 0 && out.DType != Float {
			return nil, fmt.Errorf("integer Mod by zero at element %d", k)
		}
		r := math.Mod(a, b)
		if !m.Fmod && r != 0 && (r < 0) != (b < 0) {
			r += b
		}
		out.Set(k, r)
	}
	return []*Tensor{out}, nil
}
