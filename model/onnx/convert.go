package onnx

import (
	"fmt"
	"math"
	"strconv"

	"github.com/zkai-dev/zkai/model"
	pb "github.com/zkai-dev/zkai/model/onnx/internal/onnxpb"
)

// converter turns one ONNX node into a canonical model op.
type converter func(c *nodeCtx) (result, error)

// result is either an op applied to some of the node's inputs (by position)
// or, for ops that only make constants, the constant outputs.
type result struct {
	op     model.Op
	inputs []int
	consts []*model.Tensor
}

func opOn(op model.Op, inputs ...int) (result, error) { return result{op: op, inputs: inputs}, nil }

// converters is the table from ONNX op name to converter; each family lives
// in its own file.
var converters = map[string]converter{
	// elementwise.go
	"Relu": unary(model.Relu), "Sigmoid": unary(model.Sigmoid), "Tanh": unary(model.Tanh),
	"Exp": unary(model.Exp), "Erf": unary(model.Erf), "Sqrt": unary(model.Sqrt),
	"Neg":       unary(model.Neg),
	"LeakyRelu": leakyRelu, "Gelu": gelu, "Clip": clip, "Pow": pow,
	"Add": binaryOp(model.Add), "Sub": binaryOp(model.Sub), "Mul": binaryOp(model.Mul), "Div": binaryOp(model.Div),
	"Equal": binaryOp(model.Equal), "Less": binaryOp(model.Less), "Greater": binaryOp(model.Greater),
	"Where": where, "Cast": cast,
	// activation.go
	"Elu": activation(model.Elu), "Selu": activation(model.Selu), "Celu": activation(model.Celu),
	"HardSigmoid": activation(model.HardSigmoid), "HardSwish": activation(model.HardSwish),
	"Softplus": activation(model.Softplus), "Softsign": activation(model.Softsign), "Mish": activation(model.Mish),
	"ThresholdedRelu": activation(model.ThresholdedRelu), "Sign": activation(model.Sign), "Abs": activation(model.Abs),
	"Reciprocal": activation(model.Reciprocal), "Floor": activation(model.Floor), "Ceil": activation(model.Ceil),
	"Round": activation(model.Round), "Sinh": activation(model.Sinh), "Cosh": activation(model.Cosh),
	"IsNaN": activation(model.IsNaN), "IsInf": activation(model.IsInf), "PRelu": prelu, "Log": activation(model.Log),
	"Sin": activation(model.Sin), "Cos": activation(model.Cos), "Tan": activation(model.Tan),
	"Asin": activation(model.Asin), "Acos": activation(model.Acos), "Atan": activation(model.Atan),
	"Not": logic(model.Not), "And": logic(model.And), "Or": logic(model.Or), "Xor": logic(model.Xor),
	"LessOrEqual": binaryOp(model.LessOrEqual), "GreaterOrEqual": binaryOp(model.GreaterOrEqual),
	"Max": extremum(false), "Min": extremum(true), "Mod": mod,
	// layout.go
	"Reshape": reshape, "Flatten": flatten, "Squeeze": squeeze, "Unsqueeze": unsqueeze,
	"Identity": identity, "Dropout": dropout, "Transpose": transpose, "Slice": slice, "Concat": concat,
	"Pad": pad, "Gather": gather, "Expand": expand,
	// shape.go: ops that only make constants
	"Constant": constant, "Shape": shapeOp, "ConstantOfShape": constantOfShape, "Range": rangeOp,
	// linear.go
	"Gemm": gemm, "MatMul": matmul, "Conv": conv, "ConvTranspose": convTranspose,
	"BatchNormalization": batchNorm,
	// reduce.go
	"ReduceSum": reduce(model.ReduceSum), "ReduceMean": reduce(model.ReduceMean), "ReduceMax": reduce(model.ReduceMax),
	"ArgMax": argMax, "Softmax": softmax(false), "LogSoftmax": softmax(true), "LayerNormalization": layerNorm,
	// pool.go
	"MaxPool": pool(true), "AveragePool": pool(false), "GlobalAveragePool": globalAveragePool,
	// index.go
	"Tile": tile, "Trilu": trilu, "DepthToSpace": spaceDepth(false), "SpaceToDepth": spaceDepth(true),
	"GatherElements": gatherElements, "GatherND": gatherND, "ScatterElements": scatter(false), "Scatter": scatter(false),
	"ScatterND": scatter(true), "Resize": resize, "Upsample": resize, "Split": split, "CumSum": cumSum,
	"OneHot": oneHot, "NonZero": nonZero, "TopK": topK, "Size": size,
	// reduce.go (issue 9)
	"ReduceMin": reduce(model.ReduceMin), "ReduceProd": reduce(model.ReduceProd), "ReduceL1": reduce(model.ReduceL1),
	"ReduceL2": reduce(model.ReduceL2), "ReduceSumSquare": reduce(model.ReduceSumSquare),
	"ReduceLogSumExp": reduce(model.ReduceLogSumExp), "ArgMin": argMax,
	"InstanceNormalization": groupNorm, "GroupNormalization": groupNorm, "LpNormalization": lpNorm,
	"Einsum": einsum,
}

// nodeCtx is what a converter sees of a node.
type nodeCtx struct {
	l       *loader
	n       *pb.NodeProto
	opset   int64
	attrs   map[string]*pb.AttributeProto
	in      []model.Value   // per input position
	consts  []*model.Tensor // constant value per input, or nil
	present []bool          // false for an omitted optional input
}

func (c *nodeCtx) has(name string) bool { _, ok := c.attrs[name]; return ok }

func (c *nodeCtx) int(name string, def int64) int64 {
	if a, ok := c.attrs[name]; ok {
		return a.GetI()
	}
	return def
}

func (c *nodeCtx) float(name string, def float64) float64 {
	if a, ok := c.attrs[name]; ok {
		return float64(a.GetF())
	}
	return def
}

func (c *nodeCtx) str(name, def string) string {
	if a, ok := c.attrs[name]; ok {
		return string(a.GetS())
	}
	return def
}

func (c *nodeCtx) ints(name string) []int64 {
	if a, ok := c.attrs[name]; ok {
		return a.GetInts()
	}
	return nil
}

// intsAsInt returns an ints attribute as []int, nil when absent.
func (c *nodeCtx) intsAsInt(name string) ([]int, error) {
	v := c.ints(name)
	if v == nil {
		return nil, nil
	}
	out := make([]int, len(v))
	for i, x := range v {
		if x < math.MinInt32 || x > math.MaxInt32 {
			return nil, fmt.Errorf("attribute %s value %d is out of range", name, x)
		}
		out[i] = int(x)
	}
	return out, nil
}

// needInputs checks the number of inputs, counting omitted optional ones.
func (c *nodeCtx) needInputs(lo, hi int) error {
	if len(c.in) < lo || len(c.in) > hi {
		if lo == hi {
			return fmt.Errorf("has %d inputs; want %d", len(c.in), lo)
		}
		return fmt.Errorf("has %d inputs; want %d to %d", len(c.in), lo, hi)
	}
	for i := 0; i < lo; i++ {
		if !c.present[i] {
			return fmt.Errorf("required input %d is missing", i)
		}
	}
	return nil
}

// optional reports whether input i is given.
func (c *nodeCtx) optional(i int) bool { return i < len(c.in) && c.present[i] }

// constInput returns input i, which must be constant; what names it in errors.
func (c *nodeCtx) constInput(i int, what string) (*model.Tensor, error) {
	if !c.optional(i) {
		return nil, fmt.Errorf("%s (input %d) is missing", what, i)
	}
	if c.consts[i] == nil {
		t, err := c.l.bind(c.n.GetInput()[i])
		if err != nil {
			return nil, err
		}
		if t == nil {
			return nil, fmt.Errorf("%s (input %q) is computed at run time; zkai needs it constant (an initializer, a constant expression, or a graph input whose value is given when loading)", what, c.n.GetInput()[i])
		}
		c.consts[i] = t
	}
	return c.consts[i], nil
}

// constInts returns a constant integer input as []int64.
func (c *nodeCtx) constInts(i int, what string) ([]int64, error) {
	t, err := c.constInput(i, what)
	if err != nil {
		return nil, err
	}
	v, err := t.Ints()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// intsFrom reads an int list that is an attribute in old opsets and an
// optional constant input in new ones; ok is false when neither is given.
func (c *nodeCtx) intsFrom(attr string, input int) (v []int64, ok bool, err error) {
	if c.has(attr) {
		return c.ints(attr), true, nil
	}
	if c.optional(input) {
		v, err := c.constInts(input, attr)
		return v, err == nil, err
	}
	return nil, false, nil
}

func toInts(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// scalarFloat returns a constant input holding one number.
func (c *nodeCtx) scalarFloat(i int, what string) (float64, error) {
	t, err := c.constInput(i, what)
	if err != nil {
		return 0, err
	}
	if t.Len() != 1 {
		return 0, fmt.Errorf("%s has %d values; want one", what, t.Len())
	}
	return t.At(0), nil
}

func unsupportedAttr(name string, val any, supported string) error {
	if s, ok := val.(string); ok {
		val = ident(s)
	}
	return fmt.Errorf("%s=%v is not supported; supported: %s", name, val, supported)
}

// ident is how errors print text from the file that should be an
// identifier (op types, enum attributes such as auto_pad): as is when it
// is one, quoted otherwise, so that no error message spans lines.
func ident(s string) string {
	plain := s != ""
	for _, r := range s {
		plain = plain && (r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}
	if plain {
		return s
	}
	return strconv.Quote(s)
}
