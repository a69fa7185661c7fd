package onnx

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
)

func unary(f model.Func) converter {
	return func(c *nodeCtx) (result, error) {
		if err := c.needInputs(1, 1); err != nil {
			return result{}, err
		}
		return opOn(&model.Unary{Fn: f}, 0)
	}
}

func leakyRelu(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	return opOn(&model.Unary{Fn: model.LeakyRelu, Alpha: c.float("alpha", 0.01)}, 0)
}

func gelu(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	switch a := c.str("approximate", "none"); a {
	case "none":
		return opOn(&model.Unary{Fn: model.Gelu}, 0)
	case "tanh":
		return opOn(&model.Unary{Fn: model.GeluTanh}, 0)
	default:
		return result{}, unsupportedAttr("approximate", a, "none, tanh")
	}
}

// clip reads min/max from attributes (opset < 11) or optional constant
// inputs; an absent bound is unbounded.
func clip(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 3); err != nil {
		return result{}, err
	}
	lo, hi := c.float("min", math.Inf(-1)), c.float("max", math.Inf(1))
	var err error
	if c.optional(1) {
		if lo, err = c.scalarFloat(1, "min"); err != nil {
			return result{}, err
		}
	}
	if c.optional(2) {
		if hi, err = c.scalarFloat(2, "max"); err != nil {
			return result{}, err
		}
	}
	return opOn(&model.Clip{Min: lo, Max: hi}, 0)
}

// pow needs a constant exponent, one number that does not widen the base's
// shape; with both inputs constant it folds, broadcasting as ONNX does.
func pow(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	if c.consts[0] != nil && c.consts[1] != nil {
		return opOn(&model.Binary{Kind: model.Pow}, 0, 1)
	}
	if c.consts[1] == nil && model.Size(c.in[1].Shape) != 1 {
		return result{}, fmt.Errorf("the exponent (input %q) is a run-time tensor; zkai supports Pow with one constant exponent only", c.n.GetInput()[1])
	}
	e, err := c.scalarFloat(1, "exponent")
	if err != nil {
		return result{}, fmt.Errorf("%w; zkai supports Pow with one constant exponent", err)
	}
	if base, exp := c.in[0].Shape, c.in[1].Shape; len(exp) > len(base) {
		return result{}, fmt.Errorf("the exponent has shape %v, of higher rank than the base %v; zkai supports Pow with one constant exponent of rank ≤ the base's", model.ShapeString(exp), model.ShapeString(base))
	}
	return opOn(&model.PowConst{Exponent: e}, 0)
}

func binaryOp(k model.BinaryKind) converter {
	return func(c *nodeCtx) (result, error) {
		if err := c.needInputs(2, 2); err != nil {
			return result{}, err
		}
		if c.has("broadcast") && c.int("broadcast", 0) == 1 && c.has("axis") {
			return result{}, unsupportedAttr("axis", c.int("axis", 0), "numpy broadcasting (opset ≥ 7)")
		}
		return opOn(&model.Binary{Kind: k}, 0, 1)
	}
}

func where(c *nodeCtx) (result, error) {
	if err := c.needInputs(3, 3); err != nil {
		return result{}, err
	}
	return opOn(&model.Where{}, 0, 1, 2)
}

func cast(c *nodeCtx) (result, error) {
	if err := c.needInputs(1, 1); err != nil {
		return result{}, err
	}
	dt, _, err := elemType(int32(c.int("to", 1)))
	if err != nil {
		return result{}, err
	}
	return opOn(&model.Cast{To: dt}, 0)
}
