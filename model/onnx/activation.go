package onnx

import (
	"fmt"

	"github.com/zkai-dev/zkai/model"
)

// Default attribute values from the ONNX operator specification.
const (
	seluAlpha = 1.67326319217681884765625
	seluGamma = 1.05070102214813232421875
)

// activation converts a one-input node to a model.Activation, reading the
// attributes the spec defines for it.
func activation(f model.Act) converter {
	return func(c *nodeCtx) (result, error) {
		if err := c.needInputs(1, 1); err != nil {
			return result{}, err
		}
		a := &model.Activation{Fn: f}
		switch f {
		case model.Elu, model.Celu, model.ThresholdedRelu:
			a.Alpha = c.float("alpha", 1)
			if f == model.Celu && a.Alpha == 0 {
				return result{}, unsupportedAttr("alpha", a.Alpha, "any nonzero number (Celu divides by it)")
			}
		case model.Selu:
			a.Alpha, a.Gamma = c.float("alpha", seluAlpha), c.float("gamma", seluGamma)
		case model.HardSigmoid:
			a.Alpha, a.Beta = c.float("alpha", 0.2), c.float("beta", 0.5)
		case model.IsInf:
			a.Alpha, a.Beta = float64(c.int("detect_negative", 1)), float64(c.int("detect_positive", 1))
		}
		return opOn(a, 0)
	}
}

func prelu(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	return opOn(&model.PRelu{}, 0, 1)
}

func logic(k model.LogicKind) converter {
	return func(c *nodeCtx) (result, error) {
		op := &model.Logic{Kind: k}
		if k == model.Not {
			if err := c.needInputs(1, 1); err != nil {
				return result{}, err
			}
			return opOn(op, 0)
		}
		if err := c.needInputs(2, 2); err != nil {
			return result{}, err
		}
		if c.has("broadcast") && c.int("broadcast", 0) == 1 && c.has("axis") {
			return result{}, unsupportedAttr("axis", c.int("axis", 0), "numpy broadcasting (opset ≥ 7)")
		}
		return opOn(op, 0, 1)
	}
}

func extremum(isMin bool) converter {
	return func(c *nodeCtx) (result, error) {
		if len(c.in) == 0 {
			return result{}, fmt.Errorf("has no inputs; want at least one")
		}
		if err := c.needInputs(len(c.in), len(c.in)); err != nil {
			return result{}, err
		}
		ins := make([]int, len(c.in))
		for i := range ins {
			ins[i] = i
		}
		return opOn(&model.Extremum{Min: isMin}, ins...)
	}
}

func mod(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	switch f := c.int("fmod", 0); f {
	case 0, 1:
		return opOn(&model.Mod{Fmod: f == 1}, 0, 1)
	default:
		return result{}, unsupportedAttr("fmod", f, "0, 1")
	}
}
