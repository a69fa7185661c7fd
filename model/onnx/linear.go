package onnx

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
)

func gemm(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 3); err != nil {
		return result{}, err
	}
	g := &model.Gemm{TransA: c.int("transA", 0) == 1, TransB: c.int("transB", 0) == 1,
		Alpha: c.float("alpha", 1), Beta: c.float("beta", 1)}
	if c.optional(2) {
		return opOn(g, 0, 1, 2)
	}
	return opOn(g, 0, 1)
}

func matmul(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 2); err != nil {
		return result{}, err
	}
	return opOn(&model.MatMul{}, 0, 1)
}

// window reads the attributes Conv, ConvTranspose and the pools share.
func window(c *nodeCtx) (model.Window, error) {
	var w model.Window
	var err error
	if w.Kernel, err = c.intsAsInt("kernel_shape"); err != nil {
		return w, err
	}
	if w.Strides, err = c.intsAsInt("strides"); err != nil {
		return w, err
	}
	if w.Pads, err = c.intsAsInt("pads"); err != nil {
		return w, err
	}
	if w.Dilations, err = c.intsAsInt("dilations"); err != nil {
		return w, err
	}
	w.CeilMode = c.int("ceil_mode", 0) == 1
	switch a := c.str("auto_pad", "NOTSET"); a {
	case "NOTSET", "":
	case "VALID":
		w.AutoPad = model.Valid
	case "SAME_UPPER":
		w.AutoPad = model.SameUpper
	case "SAME_LOWER":
		w.AutoPad = model.SameLower
	default:
		return w, unsupportedAttr("auto_pad", a, "NOTSET, VALID, SAME_UPPER, SAME_LOWER")
	}
	return w, nil
}

func conv(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 3); err != nil {
		return result{}, err
	}
	w, err := window(c)
	if err != nil {
		return result{}, err
	}
	op := &model.Conv{Window: w, Group: int(c.int("group", 1))}
	if op.Group < 1 {
		return result{}, unsupportedAttr("group", op.Group, "group ≥ 1")
	}
	if c.optional(2) {
		return opOn(op, 0, 1, 2)
	}
	return opOn(op, 0, 1)
}

func convTranspose(c *nodeCtx) (result, error) {
	if err := c.needInputs(2, 3); err != nil {
		return result{}, err
	}
	w, err := window(c)
	if err != nil {
		return result{}, err
	}
	op := &model.ConvTranspose{Window: w, Group: int(c.int("group", 1))}
	if op.Group < 1 {
		return result{}, unsupportedAttr("group", op.Group, "group ≥ 1")
	}
	if op.OutputPadding, err = c.intsAsInt("output_padding"); err != nil {
		return result{}, err
	}
	if op.OutputShape, err = c.intsAsInt("output_shape"); err != nil {
		return result{}, err
	}
	if c.optional(2) {
		return opOn(op, 0, 1, 2)
	}
	return opOn(op, 0, 1)
}

// batchNorm loads an inference BatchNormalization as a per-channel affine
// map; foldBatchNorm later merges it into a preceding Conv or Gemm.
func batchNorm(c *nodeCtx) (result, error) {
	if err := c.needInputs(5, 5); err != nil {
		return result{}, err
	}
	if c.int("training_mode", 0) != 0 {
		return result{}, unsupportedAttr("training_mode", c.int("training_mode", 0), "0 (inference)")
	}
	for i, o := range c.n.GetOutput() {
		if i > 0 && o != "" {
			return result{}, fmt.Errorf("training outputs (running mean/var) are not supported")
		}
	}
	eps := c.float("epsilon", 1e-5)
	var p [4][]float64
	for i, what := range []string{"scale", "B", "input_mean", "input_var"} {
		t, err := c.constInput(i+1, what)
		if err != nil {
			return result{}, err
		}
		p[i] = t.Floats()
	}
	n := len(p[0])
	a := &model.Affine{Scale: make([]float64, n), Bias: make([]float64, n)}
	for i := range p {
		if len(p[i]) != n {
			return result{}, fmt.Errorf("scale, B, mean and var must have the same length")
		}
	}
	for ch := 0; ch < n; ch++ {
		if p[3][ch]+eps <= 0 {
			return result{}, fmt.Errorf("channel %d has variance + epsilon ≤ 0", ch)
		}
		a.Scale[ch] = p[0][ch] / math.Sqrt(p[3][ch]+eps)
		a.Bias[ch] = p[1][ch] - p[2][ch]*a.Scale[ch]
	}
	return opOn(a, 0)
}

// einsum loads a two-operand equation as the bilinear Einsum and a
// one-operand one as EinsumSum.
func einsum(c *nodeCtx) (result, error) {
	eq := c.str("equation", "")
	if eq == "" {
		return result{}, fmt.Errorf("attribute equation is missing")
	}
	switch n := model.EinsumOperands(eq); {
	case n != len(c.in):
		return result{}, fmt.Errorf("equation %q has %d operands; the node has %d inputs", eq, n, len(c.in))
	case n == 1:
		return opOn(&model.EinsumSum{Equation: eq}, 0)
	case n == 2:
		return opOn(&model.Einsum{Equation: eq}, 0, 1)
	}
	return result{}, fmt.Errorf("equation %q has %d operands; supported: 1 or 2", eq, len(c.in))
}
