package quant

import (
	"fmt"
	"math"
	"slices"

	"github.com/zkai-dev/zkai/model"
)

// Compile lowers a graph to a fixed-point program under the given settings
// (nil: DefaultSettings). The program depends only on the graph, its
// constants and the settings, so compiling twice gives the same program.
func Compile(g *model.Graph, s *Settings) (*Program, error) {
	if s == nil {
		s = DefaultSettings()
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	c := &compiler{g: g, s: s, p: &Program{Consts: map[int][]int64{}}, ids: map[string]int{}, consts: map[constKey]int{}}
	for _, v := range g.Inputs {
		if err := c.input(v); err != nil {
			return nil, err
		}
	}
	for _, n := range g.Nodes {
		if err := c.node(n); err != nil {
			return nil, fmt.Errorf("quant: %s: %w", n.Label(), err)
		}
	}
	for _, v := range g.Outputs {
		id, err := c.value(v.Name)
		if err != nil {
			return nil, fmt.Errorf("quant: output %q: %w", v.Name, err)
		}
		c.p.Outputs = append(c.p.Outputs, id)
	}
	return c.p, nil
}

type constKey struct {
	name  string
	scale int
}

type compiler struct {
	g      *model.Graph
	s      *Settings
	p      *Program
	ids    map[string]int   // model value → tensor id
	consts map[constKey]int // quantised constants
}

// add appends a tensor with the bound implied by maxAbs, capped (and then
// checked) at Settings.MaxBits.
func (c *compiler) add(name string, dt model.DType, shape []int, scale int, maxAbs float64) int {
	t := &Tensor{Name: name, DType: dt, Shape: slices.Clone(shape), Scale: scale, Bits: boundBits(maxAbs)}
	if t.Bits > c.s.MaxBits {
		t.Bits, t.Checked = c.s.MaxBits, true
	}
	c.p.Tensors = append(c.p.Tensors, t)
	return len(c.p.Tensors) - 1
}

// emit adds an op producing a new tensor and returns the tensor's id.
func (c *compiler) emit(op Op, res *int, name string, dt model.DType, shape []int, scale int, maxAbs float64) int {
	*res = c.add(name, dt, shape, scale, maxAbs)
	c.p.Ops = append(c.p.Ops, op)
	return *res
}

// emitBits adds an op whose outputs range over its inputs' values (data
// movement, max, ReLU): the output keeps the input's exact width, which a
// magnitude bound would widen by one bit for −2^(Bits−1).
func (c *compiler) emitBits(op Op, res *int, name string, dt model.DType, shape []int, scale, bits int) int {
	*res = c.add(name, dt, shape, scale, 0)
	c.t(*res).Bits = bits
	c.p.Ops = append(c.p.Ops, op)
	return *res
}

// emitQuotient emits an op whose output a circuit range-checks anyway (a
// rounded quotient): its bound is capped at ActivationRange at its scale, and
// enforced when static propagation allows more. This keeps bounds from
// growing with depth.
func (c *compiler) emitQuotient(op Op, res *int, name string, dt model.DType, shape []int, scale int, maxAbs float64) int {
	limit := math.Ldexp(c.s.ActivationRange, scale)
	id := c.emit(op, res, name, dt, shape, scale, math.Min(maxAbs, limit))
	if maxAbs > limit && dt == model.Float {
		c.t(id).Checked = true
	}
	return id
}

func (c *compiler) t(id int) *Tensor { return c.p.Tensors[id] }

func (c *compiler) input(v model.Value) error {
	scale, bound := 0, math.Ldexp(1, 31)
	if v.DType == model.Float {
		scale = c.s.scaleOf(v.Name)
		r := c.s.InputRange
		if x, ok := c.s.InputRanges[v.Name]; ok {
			r = x
		}
		bound = math.Ldexp(r, scale)
	} else if v.DType == model.Bool {
		bound = 1
	}
	id := c.add(v.Name, v.DType, v.Shape, scale, bound)
	if c.t(id).Checked {
		return fmt.Errorf("quant: input %q: range ±%g at scale 2^%d needs more than %d bits", v.Name, c.s.InputRange, scale, c.s.MaxBits)
	}
	c.ids[v.Name] = id
	c.p.Inputs = append(c.p.Inputs, id)
	c.p.InputRanges = append(c.p.InputRanges, math.Ldexp(bound, -scale))
	return nil
}

// value returns the tensor of a runtime model value, quantising a constant
// at its natural scale when it is one.
func (c *compiler) value(name string) (int, error) {
	if id, ok := c.ids[name]; ok {
		return id, nil
	}
	if t, ok := c.g.Constants[name]; ok {
		return c.constAt(name, t, c.constScale(name, t))
	}
	return 0, fmt.Errorf("value %q is not defined", name)
}

// isConst reports whether a model value is a constant.
func (c *compiler) isConst(name string) bool {
	_, ok := c.g.Constants[name]
	return ok
}

// constScale is a float constant's natural scale: the one recorded in the
// settings under its name, or else the largest scale (at most
// MaxConstScale) at which every value fits ConstBits signed bits — then
// recorded, so that the settings, not the values, fix the circuit.
// Integer constants stay at 0.
func (c *compiler) constScale(name string, t *model.Tensor) int {
	if t.DType != model.Float {
		return 0
	}
	if s, ok := c.s.Scales[name]; ok {
		return s
	}
	m := 0.0
	for _, v := range t.F {
		m = math.Max(m, math.Abs(v))
	}
	// the largest s with m·2^s ≤ 2^(ConstBits−1) − 1, so that every
	// rounded value fits ConstBits signed bits
	s := 0
	if m > 0 {
		s = int(math.Floor(math.Log2((math.Ldexp(1, c.s.ConstBits-1) - 1) / m)))
		s = min(max(s, 0), c.s.MaxConstScale)
	}
	if c.s.Scales == nil {
		c.s.Scales = map[string]int{}
	}
	c.s.Scales[name] = s
	return s
}

// constAt quantises a model constant at a scale (cached). A float
// constant's declared bound follows from its natural scale alone —
// 2^(ConstBits−1) at that scale, moved to this one — so that a program with
// private weights is the same whatever the weight values; a value beyond it
// is an error. Every float constant is a weight.
func (c *compiler) constAt(name string, t *model.Tensor, scale int) (int, error) {
	if t.DType != model.Float {
		scale = 0
	}
	key := constKey{name, scale}
	if id, ok := c.consts[key]; ok {
		return id, nil
	}
	vals, m, err := quantizeAll(t, scale)
	if err != nil {
		return 0, fmt.Errorf("constant %q: %w", name, err)
	}
	if t.DType == model.Float {
		// at its natural scale a weight keeps ConstBits bits; moved to
		// another, it may also round up by one
		declared := math.Ldexp(1, c.s.ConstBits-1) - 1
		if d := scale - c.constScale(name, t); d != 0 {
			declared = math.Ceil(math.Ldexp(declared, d) + 0.5)
		}
		if m > declared {
			return 0, fmt.Errorf("constant %q reaches %g at scale 2^%d, beyond its declared %g; lower its recorded scale in the settings", name, m, scale, declared)
		}
		m = declared
	}
	id := c.add(name, t.DType, t.Shape, scale, m)
	c.p.Consts[id] = vals
	if t.DType == model.Float {
		c.p.Weights = append(c.p.Weights, id)
	}
	c.consts[key] = id
	return id, nil
}

// constTensor adds an anonymous constant (already quantised).
func (c *compiler) constTensor(name string, dt model.DType, shape []int, scale int, vals []int64) int {
	m := 0.0
	for _, v := range vals {
		m = math.Max(m, math.Abs(float64(v)))
	}
	id := c.add(name, dt, shape, scale, m)
	c.p.Consts[id] = vals
	return id
}

func quantizeAll(t *model.Tensor, scale int) ([]int64, float64, error) {
	vals := make([]int64, t.Len())
	m := 0.0
	for i := range vals {
		if t.DType == model.Float {
			q, err := Quantize(t.F[i], scale)
			if err != nil {
				return nil, 0, err
			}
			vals[i] = q
		} else {
			vals[i] = t.I[i]
		}
		m = math.Max(m, math.Abs(float64(vals[i])))
	}
	return vals, m, nil
}

// operand returns input i of the current node at a wanted scale: constants
// are quantised directly at it, runtime tensors are returned as they are.
func (c *compiler) operandAt(name string, scale int) (int, error) {
	if t, ok := c.g.Constants[name]; ok {
		return c.constAt(name, t, scale)
	}
	return c.value(name)
}

// target is the scale an arithmetic op's float output should have.
func (c *compiler) target(name string) int { return c.s.scaleOf(name) }

// rescale returns x·factor moved from its scale to scale `to`, rounded half
// up (a Rescale op, or x itself when nothing changes). A factor of 1 and a
// larger scale is an exact left shift.
func (c *compiler) rescale(x int, factor float64, to int, name string) (int, error) {
	t := c.t(x)
	from := t.Scale
	if factor == 1 && to == from {
		return x, nil
	}
	var m, d int64
	k := max(0, from-to)
	if factor != 1 {
		k += 16
	}
	if k > 62 {
		return 0, fmt.Errorf("rescale from 2^%d to 2^%d is too large", from, to)
	}
	d = int64(1) << k
	mf := math.Round(math.Ldexp(factor, to-from+k))
	if math.Abs(mf) >= 1<<40 {
		return 0, fmt.Errorf("rescale factor %g·2^%d is too large", factor, to-from)
	}
	m = int64(mf)
	if m == 0 {
		return 0, fmt.Errorf("factor %g underflows at scale 2^%d; raise the scale", factor, to)
	}
	op := &Rescale{io: io{In: []int{x}}, M: m, D: []int64{d}}
	bound := (t.maxAbs()*math.Abs(float64(m)) + float64(d/2)) / float64(d)
	return c.emitQuotient(op, &op.Res, name, t.DType, t.Shape, to, bound+1), nil
}

// broadcast moves a tensor to a larger shape (numpy rules).
func (c *compiler) broadcast(x int, shape []int, name string) int {
	t := c.t(x)
	if slices.Equal(t.Shape, shape) {
		return x
	}
	op := &Move{io: io{In: []int{x}}, Src: model.BroadcastIndex(t.Shape, shape)}
	return c.emitBits(op, &op.Res, name, t.DType, shape, t.Scale, t.Bits)
}

// define records a node output.
func (c *compiler) define(name string, id int) {
	c.ids[name] = id
	c.t(id).Name = name
}

func (c *compiler) node(n *model.Node) error {
	lower, ok := lowerings(n.Op)
	if !ok {
		return fmt.Errorf("%s has no fixed-point form; supported: %s", n.Op.Type(), supportedList)
	}
	return lower(c, n)
}
