package train

import (
	"fmt"
	"slices"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// kind is a layer's backward rule.
type kind int

const (
	kLinear  kind = iota // Gemm, MatMul: out = A·W (+ C)
	kAdd                 // Add: runtime operands and at most one bias parameter
	kRelu                // δin = δ·[x > 0]
	kLeaky               // δin = δ for x ≥ 0, else δ·slope
	kSigmoid             // δin = δ·p·(1 − p)
	kTanh                // δin = δ·(1 − t²)
	kMove                // Flatten, Reshape, …: δ scattered back through the copy map
)

// layer is one node of the model with what its backward rule needs.
type layer struct {
	kind kind
	node *model.Node
	ins  []string // runtime inputs whose gradient is needed
	out  string
	// kLinear
	terms *model.Terms
	w, b  int // parameter indices, −1 for none
	// kAdd: the bias parameter's index into out (broadcast map)
	bIdx []int
	// kLeaky: the slope A/2^K (quant's LeakyRelu) and its real value
	slopeA int64
	slopeK int
	alpha  float64
	// kMove: out[k] = in[src[k] − off] for off ≤ src[k] < off + len(in)
	src []int
	off int
}

// Param is one trained parameter: an ONNX initializer.
type Param struct {
	Name  string // the model constant (ONNX initializer)
	Shape []int
	// progName names the program tensor and its recorded scale (a Gemm
	// bias is NAME/bias).
	progName string
	// prog is the program tensor the parameter is used as; use its scale.
	prog, use int
	// Scale is the training grid: the parameter is the integer V at scale
	// Scale = min(natural scale, use), and the program uses V·2^(use−Scale)
	// (an exact shift), so that V·2^−Scale is exact in float32 and
	// compiling the trained model with the same settings gives V back.
	Scale int
	// Bound is the largest |V·2^(use−Scale)| the compiler accepts for this
	// constant under the settings (its declared bound, see quant.Compile).
	Bound int64
	// inScale is the scale of the activation the parameter multiplies (0
	// for a bias): its gradient sum is at scale G + inScale.
	inScale int
}

// analyse walks the graph once and builds the layers and parameters,
// refusing every op without a backward rule.
func (t *Trainer) analyse(nodes []*model.Node) error {
	g, p := t.graph, t.prog
	names := map[string]int{}
	for id, tn := range p.Tensors {
		if _, dup := names[tn.Name]; dup {
			names[tn.Name] = -1
			continue
		}
		names[tn.Name] = id
	}
	t.tensor = func(name string) (int, error) {
		id, ok := names[name]
		switch {
		case !ok:
			return 0, fmt.Errorf("train: value %q has no tensor in the program", name)
		case id < 0:
			return 0, fmt.Errorf("train: value %q names several program tensors (a weight used twice?); not supported for training", name)
		}
		return id, nil
	}
	producer := map[int]quant.Op{}
	for _, op := range p.Ops {
		producer[op.Out()] = op
	}
	used := map[string]bool{}
	param := func(constName, progName string) (int, error) {
		if used[constName] {
			return 0, fmt.Errorf("train: weight %q is used by two nodes; shared weights are not supported", constName)
		}
		used[constName] = true
		id, err := t.tensor(progName)
		if err != nil {
			return 0, err
		}
		nat, ok := t.settings.Scales[progName]
		if !ok {
			return 0, fmt.Errorf("train: the settings record no scale for constant %q", progName)
		}
		use := p.Tensors[id].Scale
		t.params = append(t.params, &Param{Name: constName, progName: progName, Shape: slices.Clone(g.Constants[constName].Shape),
			prog: id, use: use, Scale: min(nat, use), Bound: declaredAt(t.settings.ConstBits, nat, use)})
		return len(t.params) - 1, nil
	}
	for _, n := range nodes {
		l := &layer{node: n, out: n.Outputs[0], w: -1, b: -1}
		for _, in := range n.Inputs {
			if _, isConst := g.Constants[in]; !isConst && in != "" {
				l.ins = append(l.ins, in)
			}
		}
		switch op := n.Op.(type) {
		case model.Linear:
			if op.Type() != "Gemm" && op.Type() != "MatMul" {
				return unsupported(n)
			}
			vals := make([]model.Value, len(n.Inputs))
			for i, name := range n.Inputs {
				vals[i], _ = g.Value(name)
			}
			terms, err := op.Terms(vals)
			if err != nil {
				return fmt.Errorf("train: %s: %w", n.Label(), err)
			}
			if terms.Alpha != 1 || terms.Beta != 1 {
				return fmt.Errorf("train: %s has alpha %g, beta %g; training supports Gemm with alpha = beta = 1", n.Label(), terms.Alpha, terms.Beta)
			}
			if !isFloatConst(g, n.Inputs[1]) || isFloatConst(g, n.Inputs[0]) {
				return fmt.Errorf("train: %s: training needs a run-time input and a constant weight matrix", n.Label())
			}
			l.kind, l.terms = kLinear, terms
			if l.w, err = param(n.Inputs[1], n.Inputs[1]); err != nil {
				return err
			}
			a, err := t.tensor(n.Inputs[0])
			if err != nil {
				return err
			}
			t.params[l.w].inScale = p.Tensors[a].Scale
			if len(n.Inputs) > 2 {
				if !isFloatConst(g, n.Inputs[2]) {
					return fmt.Errorf("train: %s: the bias must be a constant", n.Label())
				}
				if l.b, err = param(n.Inputs[2], n.Inputs[2]+"/bias"); err != nil {
					return err
				}
			}
		case *model.Binary:
			if op.Kind != model.Add {
				return unsupported(n)
			}
			l.kind = kAdd
			outShape := g.Values[l.out].Shape
			for _, in := range n.Inputs {
				if isFloatConst(g, in) {
					if l.b >= 0 {
						return fmt.Errorf("train: %s adds two constants", n.Label())
					}
					var err error
					if l.b, err = param(in, in); err != nil {
						return err
					}
					l.bIdx = model.BroadcastIndex(g.Constants[in].Shape, outShape)
				} else if !slices.Equal(g.Values[in].Shape, outShape) {
					return fmt.Errorf("train: %s broadcasts the run-time input %q; not supported for training", n.Label(), in)
				}
			}
		case *model.Unary:
			switch op.Fn {
			case model.Relu:
				l.kind = kRelu
			case model.Sigmoid:
				l.kind = kSigmoid
			case model.Tanh:
				l.kind = kTanh
			case model.LeakyRelu:
				id, err := t.tensor(l.out)
				if err != nil {
					return err
				}
				lr, ok := producer[id].(*quant.LeakyRelu)
				if !ok {
					return fmt.Errorf("train: %s: no LeakyRelu op in the program", n.Label())
				}
				l.kind, l.slopeA, l.slopeK, l.alpha = kLeaky, lr.A, lr.K, op.Alpha
			default:
				return unsupported(n)
			}
		case model.Mover:
			if len(l.ins) != 1 {
				return fmt.Errorf("train: %s moves %d run-time inputs; training supports one", n.Label(), len(l.ins))
			}
			if err := t.moveMap(l, producer); err != nil {
				return err
			}
		default:
			return unsupported(n)
		}
		t.layers = append(t.layers, l)
	}
	return nil
}

// moveMap finds the program's Move op of a Mover node and where the
// run-time input lies in its concatenated inputs.
func (t *Trainer) moveMap(l *layer, producer map[int]quant.Op) error {
	out, err := t.tensor(l.out)
	if err != nil {
		return err
	}
	in, err := t.tensor(l.ins[0])
	if err != nil {
		return err
	}
	mv, ok := producer[out].(*quant.Move)
	if !ok {
		return fmt.Errorf("train: %s: no Move op in the program", l.node.Label())
	}
	off := 0
	for _, id := range mv.Ins() {
		if id == in {
			l.kind, l.src, l.off = kMove, mv.Src, off
			return nil
		}
		off += t.prog.Tensors[id].Len()
	}
	return fmt.Errorf("train: %s: its Move op does not read %q directly", l.node.Label(), l.ins[0])
}

func isFloatConst(g *model.Graph, name string) bool {
	c, ok := g.Constants[name]
	return ok && c.DType == model.Float
}

func unsupported(n *model.Node) error {
	return fmt.Errorf("train: %s has no backward rule; training supports Gemm, MatMul, Add (bias), Relu, LeakyRelu, Sigmoid, Tanh, Flatten, Reshape and a final Softmax or Sigmoid", n.Label())
}

// declaredAt is the declared bound quant.Compile gives a float constant
// whose natural scale is nat when it is used at scale use, in integers:
// D = 2^(constBits−1) − 1 at nat; moved up by d bits it is D·2^d + 1, moved
// down by k bits ⌈D/2^k + 1/2⌉ = ⌊(2D + 2^k + 2^(k+1) − 1)/2^(k+1)⌋.
func declaredAt(constBits, nat, use int) int64 {
	d := int64(1)<<(constBits-1) - 1
	switch {
	case use > nat:
		return d<<(use-nat) + 1
	case use < nat:
		k := nat - use
		return quant.FloorDiv(2*d+int64(1)<<k+int64(1)<<(k+1)-1, int64(1)<<(k+1))
	}
	return d
}
