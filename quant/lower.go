package quant

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
)

// lowering turns one model node into integer ops.
type lowering func(c *compiler, n *model.Node) error

// supportedList names the model ops with a fixed-point form (for errors).
const supportedList = "Gemm, MatMul, Conv, ConvTranspose, Add, Sub, Mul, Div, Equal, Less, Greater, Where, " +
	"Relu, LeakyRelu, Clip, Sigmoid, Tanh, Exp, Erf, Gelu, Sqrt, Pow (constant exponent), Softmax, LogSoftmax, " +
	"LayerNormalization, BatchNormalization, MaxPool, AveragePool, GlobalAveragePool, ReduceSum, ReduceMean, " +
	"ReduceMax, ArgMax, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat, Slice, Pad, Gather, Expand, Identity, Cast" +
	", Elu, Selu, Celu, HardSigmoid, HardSwish, Softplus, Softsign, Mish, ThresholdedRelu, PRelu, Sign, Abs, Neg, " +
	"Reciprocal, Log, Sin, Cos, Tan, Asin, Acos, Atan, Floor, Ceil, Round, Sinh, Cosh, IsNaN, IsInf, Not, And, Or, Xor, LessOrEqual, GreaterOrEqual, Max, Min, Mod, " +
	"Tile, Trilu, DepthToSpace, SpaceToDepth, GatherElements, GatherND, ScatterElements, ScatterND (reduction none, add), Resize (nearest, linear, cubic), Split, CumSum, " +
	"ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSumExp, ArgMin, " +
	"InstanceNormalization, GroupNormalization, LpNormalization, Einsum, TopK, OneHot (integer indices)"

// lowerings is the table from model op type to its lowering; each family
// lives in its own file.
func lowerings(op model.Op) (lowering, bool) {
	switch o := op.(type) {
	case *model.Gather:
		if o.Indices == nil {
			return lowerGatherVar, true
		}
		return lowerMove, true
	case model.Mover:
		return lowerMove, true
	case model.Linear:
		return lowerLinear, true
	case *model.Affine:
		return lowerAffine, true
	case *model.Binary:
		return lowerBinary, true
	case *model.Where:
		return lowerWhere, true
	case *model.Unary:
		return lowerUnary, true
	case *model.Clip:
		return lowerClip, true
	case *model.PowConst:
		return lowerPow, true
	case *model.Cast:
		return lowerCast, true
	case *model.Reduce:
		return lowerReduce, true
	case *model.ArgMax:
		return lowerArgMax, true
	case *model.Pool:
		return lowerPool, true
	case *model.Softmax:
		return lowerSoftmax, true
	case *model.LayerNorm:
		return lowerLayerNorm, true
	case *model.Activation:
		return lowerActivation, true
	case *model.PRelu:
		return lowerPRelu, true
	case *model.Logic:
		return lowerLogic, true
	case *model.Extremum:
		return lowerExtremum, true
	case *model.Mod:
		return lowerMod, true
	case *model.Split:
		return lowerSplit, true
	case *model.CumSum, *model.EinsumSum:
		return lowerGroupSum, true
	case *model.ResizeInterp:
		return lowerResizeInterp, true
	case *model.ScatterAdd:
		return lowerScatterAdd, true
	case *model.TopK:
		return lowerTopK, true
	case *model.OneHot:
		return lowerOneHot, true
	case *model.GroupNorm:
		return lowerGroupNorm, true
	case *model.LpNorm:
		return lowerLpNorm, true
	}
	return nil, false
}

// Lowerable reports whether a model op has a fixed-point form.
func Lowerable(op model.Op) bool {
	_, ok := lowerings(op)
	return ok
}

// align returns the shifts that bring two scales to the larger one.
func align(sa, sb int) (int, [2]int) {
	s := max(sa, sb)
	return s, [2]int{s - sa, s - sb}
}

// pairAt returns a node's two operands: a constant takes the other
// operand's scale (so it is exact where the other is), runtime tensors keep
// theirs.
func (c *compiler) pairAt(a, b string) (int, int, error) {
	switch {
	case c.isConst(a) && !c.isConst(b):
		y, err := c.value(b)
		if err != nil {
			return 0, 0, err
		}
		x, err := c.operandAt(a, c.t(y).Scale)
		return x, y, err
	case c.isConst(b) && !c.isConst(a):
		x, err := c.value(a)
		if err != nil {
			return 0, 0, err
		}
		y, err := c.operandAt(b, c.t(x).Scale)
		return x, y, err
	}
	x, err := c.value(a)
	if err != nil {
		return 0, 0, err
	}
	y, err := c.value(b)
	return x, y, err
}

// finite reports whether x is neither infinite nor NaN.
func finite(x float64) bool { return !math.IsInf(x, 0) && !math.IsNaN(x) }

func errUnsupported(format string, args ...any) error {
	return fmt.Errorf(format+" (no fixed-point form)", args...)
}
