// Package train runs fixed-point mini-batch SGD on a model's quant.Program
// with exact integer semantics — the witness a proof of training will check —
// and the same loop in float64 as the reference.
//
// # Models
//
// Gemm and MatMul with a constant weight (and a Gemm bias, or an Add of a
// constant bias), Relu, LeakyRelu, Sigmoid, Tanh and data movement
// (Flatten, Reshape, …), ending in a Softmax (cross-entropy), a Sigmoid
// (binary cross-entropy) or anything (mean squared error). Every other op is
// refused by name. A model that outputs logits gets a loss head appended
// for training (a Softmax over the last axis for ce, a Sigmoid for bce),
// compiled with quant's own lowering, so the probabilities are the
// evaluator's exactly.
//
// # Integer semantics (one step)
//
// The forward pass is quant.Program.EvalInts on each row of the batch with
// the current weights: every activation is the evaluator's value, bound
// checked. Gradients δ are integers at one scale G, the scale of the loss
// head's output p (or ŷ for mse), and must satisfy |δ| < 2^(GradBits−1). With
// y the label, Y its target at scale G (one-hot class: Y_k = 2^G·[k = y];
// mse on one output: round(y·2^G)):
//
//   - softmax + cross-entropy, sigmoid + binary cross-entropy: the gradient
//     at the head's input is δ = P − Y (no logarithm anywhere);
//   - mean squared error Σ_k (ŷ_k − y_k)²: δ = 2·(Ŷ − Y) at the output.
//
// Backward, node by node in reverse (ρ(a, d) = floor((a + ⌊d/2⌋)/d), the
// fixed-point contract's rounding; every product and sum is checked to stay
// within ±2^62):
//
//   - Gemm/MatMul out[j] = Σ_t A[IA[t]]·W[IB[t]] + C[IC[j]] (model.Terms),
//     W at its use scale s_W: δA[i] = ρ(Σ_{t: IA[t]=i} δ[j]·W[IB[t]], 2^s_W)
//     (skipped for the model input); the weight gradient gW[b] accumulates
//     Σ δ[j]·A[IA[t]] exactly at scale G + s_A, the bias gradient gC[c]
//     accumulates Σ δ[j] at scale G, both summed over the batch rows;
//   - Add: δ passes to each run-time operand; a constant bias accumulates δ
//     through the broadcast map;
//   - Relu: δ·[x > 0] (x the input); LeakyRelu: δ for x ≥ 0, else
//     ρ(δ·A, 2^K) with the program's quantised slope A/2^K;
//   - Sigmoid with output P at scale s: u = ρ(δ·P, 2^s), then
//     ρ(u·(2^s − P), 2^s); Tanh with output T: v = 2^s − ρ(T·T, 2^s), then
//     ρ(δ·v, 2^s);
//   - data movement: δ is scattered back through the program's Move map
//     (several copies of one element add up).
//
// Every δ is checked against ±2^(GradBits−1) when its node is reached, the
// weight-gradient sums only against ±2^62 (the evaluator errors beyond; a
// circuit range-checks the δs, each ρ's remainder 0 ≤ r < d and quotient,
// and the updated weights).
//
// # Update
//
// Each parameter is an integer V at its training scale t (see Param.Scale;
// the program uses V·2^(use−t)); initially V = ρ(v, 2^(use−t)) of the
// compiled program's integer v. The learning rate is H = round(η·2^LRScale)
// (H ≥ 1). With S the batch's exact gradient sum at scale q (G + s_A for a
// weight, G for a bias), B the batch size and e = LRScale + q − t:
//
//	U = ρ(H·S·2^max(−e, 0), B·2^max(e, 0)),   V ← V − U
//
// one rounded division per parameter per step, and the new V·2^(use−t)
// must stay within the constant's declared bound (Param.Bound), else the
// step is an error.
//
// # Data order
//
// Epoch e visits the rows in the order Permutation(seed, root, e, n) (see
// there), in n/B steps of B rows; the last n mod B rows of that order are
// not used in that epoch, so that every step has the same shape.
//
// The reported loss (−ln p_y, binary cross-entropy, squared error) and the
// accuracy are computed from dequantised outputs, for reporting only: no
// logarithm enters the integer path.
//
// # Float64 reference
//
// The same loop on model.Graph.Eval with float64 weights starting from the
// same values (V·2^−t), the same order, η = H·2^−LRScale and the exact
// derivatives (Sigmoid p(1−p), Tanh 1−t², LeakyRelu's real slope).
package train

import (
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/evaluate"
	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant"
)

// LRScale is the scale of the learning rate: η is carried as
// H = round(η·2^LRScale).
const LRScale = 16

// GradBits bounds every activation gradient: |δ| < 2^(GradBits−1).
const GradBits = 32

// Loss names a loss function.
type Loss string

// The losses; LossAuto picks ce after a Softmax or with several outputs,
// bce after a Sigmoid or with one.
const (
	LossAuto Loss = ""
	LossCE   Loss = "ce"
	LossBCE  Loss = "bce"
	LossMSE  Loss = "mse"
)

// Config holds the hyper-parameters.
type Config struct {
	Loss  Loss
	LR    float64 // η, quantised to H/2^LRScale
	Batch int
	// Headroom lowers the recorded natural scale of every trained
	// parameter by this many bits before compiling, so that a weight may
	// grow 2^Headroom times beyond the largest initial one (at that cost
	// in resolution). The settings of the trained model (Settings) keep
	// the lowered scales.
	Headroom int
}

// Trainer holds a model being trained, in fixed point and in float64.
type Trainer struct {
	orig     *model.Graph // the model as given
	graph    *model.Graph // with the loss head, when one is appended
	settings *quant.Settings
	prog     *quant.Program // compiled training graph
	loss     Loss
	batch    int
	lr       int64 // H
	// headIn is the value whose gradient the loss gives, headOut the loss
	// head's output (p, or ŷ for mse), predOut the model's output.
	headIn, headOut, predOut string
	classes                  int
	gradScale                int // G
	threshold                float64
	layers                   []*layer
	params                   []*Param
	tensor                   func(name string) (int, error)
	fixed                    [][]int64   // V per parameter, at its training scale
	float                    [][]float64 // the float64 reference weights
}

// New prepares training of g (one run-time input, one output) under the
// settings its program was compiled with (s is not modified).
func New(g *model.Graph, s *quant.Settings, cfg Config) (*Trainer, error) {
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return nil, fmt.Errorf("train: the model has %d inputs and %d outputs; training needs one of each", len(g.Inputs), len(g.Outputs))
	}
	if cfg.Batch < 1 {
		return nil, fmt.Errorf("train: batch size %d; use at least 1", cfg.Batch)
	}
	lr, err := quant.Quantize(cfg.LR, LRScale)
	if err != nil || !(cfg.LR > 0) || lr < 1 || lr >= 1<<31 {
		return nil, fmt.Errorf("train: learning rate %v is not in [2^-%d, 2^15)", cfg.LR, LRScale+1)
	}
	t := &Trainer{orig: g, batch: cfg.Batch, lr: lr, predOut: g.Outputs[0].Name, threshold: evaluate.Threshold(g)}
	t.classes = model.Size(g.Outputs[0].Shape)
	nodes, err := t.head(cfg.Loss)
	if err != nil {
		return nil, err
	}
	if cfg.Headroom < 0 || cfg.Headroom > 16 {
		return nil, fmt.Errorf("train: weight headroom %d bits is out of range; use 0 to 16", cfg.Headroom)
	}
	sc := *s
	sc.Scales = maps(s.Scales)
	t.settings = &sc
	if err := t.compile(nodes); err != nil {
		return nil, err
	}
	if cfg.Headroom > 0 {
		for _, p := range t.params {
			sc.Scales[p.progName] = max(sc.Scales[p.progName]-cfg.Headroom, 0)
		}
		t.params, t.layers = nil, nil
		if err := t.compile(nodes); err != nil {
			return nil, err
		}
	}
	out, err := t.tensor(t.headOut)
	if err != nil {
		return nil, err
	}
	t.gradScale = t.prog.Tensors[out].Scale
	for _, p := range t.params {
		v := t.prog.Consts[p.prog]
		vs := make([]int64, len(v))
		fs := make([]float64, len(v))
		for i, x := range v {
			if k := p.use - p.Scale; k > 0 {
				x = quant.FloorDiv(x+int64(1)<<(k-1), int64(1)<<k)
			}
			vs[i], fs[i] = x, math.Ldexp(float64(x), -p.Scale)
		}
		if err := t.setFixed(p, vs); err != nil {
			return nil, err
		}
		t.fixed = append(t.fixed, vs)
		t.float = append(t.float, fs)
	}
	return t, nil
}

// compile builds the training program under t.settings and its layers.
func (t *Trainer) compile(nodes []*model.Node) error {
	var err error
	if t.prog, err = quant.Compile(t.graph, t.settings); err != nil {
		return err
	}
	return t.analyse(nodes)
}

// Settings are the fixed-point settings of the training program (with
// the headroom applied): compiling the trained model with them gives its
// trained integers back.
func (t *Trainer) Settings() *quant.Settings { return t.settings }

func maps(m map[string]int) map[string]int {
	c := make(map[string]int, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// head picks the loss and its head, building the training graph; it
// returns the nodes that have backward rules (all but the head).
func (t *Trainer) head(loss Loss) ([]*model.Node, error) {
	g := t.orig
	var last *model.Node
	for _, n := range g.Nodes {
		if slices.Contains(n.Outputs, t.predOut) {
			last = n
		}
	}
	isSoftmax, isSigmoid := false, false
	if last != nil {
		if sm, ok := last.Op.(*model.Softmax); ok && !sm.Log {
			_, groups, err := model.AxisGroups(g.Values[last.Inputs[0]].Shape, sm.Axes)
			isSoftmax = err == nil && len(groups) == 1
		}
		if u, ok := last.Op.(*model.Unary); ok && u.Fn == model.Sigmoid {
			isSigmoid = true
		}
	}
	if loss == LossAuto {
		loss = LossCE
		if isSigmoid || (!isSoftmax && t.classes == 1) {
			loss = LossBCE
		}
	}
	t.loss, t.graph = loss, g
	nodes := g.Nodes
	switch loss {
	case LossMSE:
		t.headIn, t.headOut = t.predOut, t.predOut
		return nodes, nil
	case LossCE, LossBCE:
	default:
		return nil, fmt.Errorf("train: loss %q is not supported; use ce, bce or mse", loss)
	}
	if loss == LossCE && t.classes < 2 {
		return nil, fmt.Errorf("train: cross-entropy needs at least two outputs; the model has one (use --loss bce)")
	}
	if loss == LossBCE && t.classes != 1 {
		return nil, fmt.Errorf("train: binary cross-entropy needs one output; the model has %d (use --loss ce)", t.classes)
	}
	if (loss == LossCE && isSoftmax) || (loss == LossBCE && isSigmoid) {
		if last != g.Nodes[len(g.Nodes)-1] {
			return nil, fmt.Errorf("train: %s is not the last node", last.Label())
		}
		t.headIn, t.headOut = last.Inputs[0], t.predOut
		return nodes[:len(nodes)-1], nil
	}
	// append the head to a copy of the graph
	out := g.Outputs[0]
	h := &model.Node{Name: "zkai_train/head", Inputs: []string{out.Name}}
	if loss == LossCE {
		h.Op = &model.Softmax{Axes: []int{len(out.Shape) - 1}}
		h.Outputs = []string{"zkai_train/softmax"}
		if _, groups, err := model.AxisGroups(out.Shape, []int{len(out.Shape) - 1}); err != nil || len(groups) != 1 {
			return nil, fmt.Errorf("train: cross-entropy needs one row of logits; the output has shape %v", model.ShapeString(out.Shape))
		}
	} else {
		h.Op = &model.Unary{Fn: model.Sigmoid}
		h.Outputs = []string{"zkai_train/sigmoid"}
	}
	hg := *g
	hg.Nodes = append(slices.Clone(g.Nodes), h)
	hv := model.Value{Name: h.Outputs[0], DType: model.Float, Shape: out.Shape}
	hg.Values = map[string]model.Value{}
	for k, v := range g.Values {
		hg.Values[k] = v
	}
	hg.Values[hv.Name] = hv
	hg.Outputs = []model.Value{hv}
	t.graph, t.headIn, t.headOut = &hg, out.Name, hv.Name
	return nodes, nil
}

// setFixed installs new values of a parameter after checking its bound.
func (t *Trainer) setFixed(p *Param, v []int64) error {
	k := p.use - p.Scale
	for i, x := range v {
		if x > p.Bound>>k || -x > p.Bound>>k {
			return fmt.Errorf("train: weight %q element %d reaches %g, beyond the bound %g its scale 2^%d allows; raise the weight headroom or lower the learning rate",
				p.Name, i, math.Ldexp(float64(x), -p.Scale), math.Ldexp(float64(p.Bound), -p.use), p.use)
		}
	}
	return nil
}

// Loss is the loss in use (after LossAuto is resolved).
func (t *Trainer) Loss() Loss { return t.loss }

// LR is the quantised learning rate H (η = H/2^LRScale).
func (t *Trainer) LR() int64 { return t.lr }

// GradScale is G, the scale of every activation gradient.
func (t *Trainer) GradScale() int { return t.gradScale }

// Params lists the trained parameters in the order of the model's nodes.
func (t *Trainer) Params() []*Param { return t.params }

// Fixed returns parameter i's integers at its training scale.
func (t *Trainer) Fixed(i int) []int64 { return t.fixed[i] }

// Weights returns the fixed-point weights by initializer name, dequantised
// exactly (V·2^−Scale is exact in float32): what the trained ONNX holds.
func (t *Trainer) Weights() map[string][]float64 {
	w := map[string][]float64{}
	for i, p := range t.params {
		w[p.Name] = quant.Dequantize(t.fixed[i], p.Scale)
	}
	return w
}

// FloatWeights returns the float64 reference weights by initializer name.
func (t *Trainer) FloatWeights() map[string][]float64 {
	w := map[string][]float64{}
	for i, p := range t.params {
		w[p.Name] = slices.Clone(t.float[i])
	}
	return w
}

// Data is a data set prepared for training: each row quantised for the
// program and as a float tensor, with its label.
type Data struct {
	fixed   [][]int64
	float   []*model.Tensor
	labels  []float64
	targets [][]int64 // Y at scale G
}

// Len is the number of rows.
func (d *Data) Len() int { return len(d.labels) }

// Prepare checks and converts a labelled data set.
func (t *Trainer) Prepare(set *dataset.Set) (*Data, error) {
	if set.Y == nil {
		return nil, fmt.Errorf("train: data set %s has no labels", set.Name)
	}
	d := &Data{labels: set.Y}
	for i, row := range set.X {
		x, err := model.TensorFromFloats(t.orig.Inputs[0], row)
		if err != nil {
			return nil, fmt.Errorf("train: row %d: %w", i, err)
		}
		q, err := t.prog.QuantizeInputs([]*model.Tensor{x})
		if err != nil {
			return nil, fmt.Errorf("train: row %d: %w", i, err)
		}
		y := set.Y[i]
		switch {
		case t.loss == LossMSE && t.classes == 1:
		case y != math.Trunc(y) || y < 0 || int(y) >= max(t.classes, 2) || (t.loss == LossBCE && y > 1):
			return nil, fmt.Errorf("train: row %d: label %v is not a class of this model (0 to %d)", i, y, max(t.classes, 2)-1)
		}
		tg := t.target(y)
		yq := make([]int64, len(tg))
		for k, v := range tg {
			if yq[k], err = quant.Quantize(v, t.gradScale); err != nil {
				return nil, fmt.Errorf("train: row %d: label: %w", i, err)
			}
		}
		d.fixed = append(d.fixed, q[0])
		d.float = append(d.float, x)
		d.targets = append(d.targets, yq)
	}
	return d, nil
}

// target is the label as the loss sees it, one value per output.
func (t *Trainer) target(y float64) []float64 {
	if t.loss == LossMSE && t.classes == 1 || t.loss == LossBCE {
		return []float64{y}
	}
	v := make([]float64, t.classes)
	v[int(y)] = 1
	return v
}

// lossOf is the loss of one row (reporting only: floats, logarithms).
func (t *Trainer) lossOf(out []float64, y float64) float64 {
	tg := t.target(y)
	s := 0.0
	for k, p := range out {
		switch t.loss {
		case LossMSE:
			s += (p - tg[k]) * (p - tg[k])
		case LossBCE:
			s -= tg[k]*math.Log(math.Max(p, 1e-12)) + (1-tg[k])*math.Log(math.Max(1-p, 1e-12))
		case LossCE:
			s -= tg[k] * math.Log(math.Max(p, 1e-12))
		}
	}
	return s
}

// Step runs one SGD step on the given rows in both arithmetics and returns
// the batch's summed loss before the update (fixed, float).
func (t *Trainer) Step(d *Data, rows []int) (fixedLoss, floatLoss float64, err error) {
	if len(rows) != t.batch {
		return 0, 0, fmt.Errorf("train: a step takes %d rows; got %d", t.batch, len(rows))
	}
	prog := t.program()
	fg := t.floatGraph()
	ig := make([][]int64, len(t.params))
	fgr := make([][]float64, len(t.params))
	for i := range t.params {
		ig[i] = make([]int64, len(t.fixed[i]))
		fgr[i] = make([]float64, len(t.float[i]))
	}
	for _, r := range rows {
		w, err := prog.EvalInts([][]int64{d.fixed[r]})
		if err != nil {
			return 0, 0, fmt.Errorf("train: row %d: %w", r, err)
		}
		ib := &intBackend{t: t, w: w, consts: prog.Consts}
		fixedLoss += t.lossOf(ib.real(t.headOut), d.labels[r])
		head, err := ib.headGrad(d.targets[r])
		if err == nil {
			err = backward(ib, t, head, ig)
		}
		if err != nil {
			return 0, 0, fmt.Errorf("train: row %d: %w", r, err)
		}
		env, err := fg.Eval([]*model.Tensor{d.float[r]})
		if err != nil {
			return 0, 0, fmt.Errorf("train: row %d: %w", r, err)
		}
		fb := &floatBackend{t: t, env: env}
		floatLoss += t.lossOf(env[t.headOut].F, d.labels[r])
		if err := backward(fb, t, fb.headGrad(d.labels[r]), fgr); err != nil {
			return 0, 0, err
		}
	}
	if err := t.update(ig); err != nil {
		return 0, 0, err
	}
	eta := math.Ldexp(float64(t.lr), -LRScale)
	for i := range t.params {
		for k, gk := range fgr[i] {
			t.float[i][k] -= eta * gk / float64(t.batch)
		}
	}
	return fixedLoss, floatLoss, nil
}

// update applies V ← V − ρ(H·S·2^max(−e,0), B·2^max(e,0)) to every
// parameter (see the package doc).
func (t *Trainer) update(grads [][]int64) error {
	all := make([][]int64, len(t.params))
	for i, p := range t.params {
		e := LRScale + t.gradScale + p.inScale - p.Scale
		d := new(big.Int).Lsh(big.NewInt(int64(t.batch)), uint(max(e, 0)))
		half := new(big.Int).Rsh(d, 1)
		next := make([]int64, len(t.fixed[i]))
		for k, s := range grads[i] {
			n := new(big.Int).Mul(big.NewInt(t.lr), big.NewInt(s))
			n.Lsh(n, uint(max(-e, 0)))
			n.Add(n, half)
			n.Div(n, d) // Euclidean division: the floor for d > 0
			u := n.Int64()
			v, ok := quant.AddChecked(t.fixed[i][k], -u)
			if !n.IsInt64() || !ok {
				return fmt.Errorf("train: the update of weight %q element %d overflows; lower the learning rate", p.Name, k)
			}
			next[k] = v
		}
		if err := t.setFixed(p, next); err != nil {
			return err
		}
		all[i] = next
	}
	t.fixed = all // all or nothing: a failed step changes no weight
	return nil
}

// program is the training program with the current fixed-point weights.
func (t *Trainer) program() *quant.Program {
	p := *t.prog
	p.Consts = make(map[int][]int64, len(t.prog.Consts))
	for id, v := range t.prog.Consts {
		p.Consts[id] = v
	}
	for i, pr := range t.params {
		v := make([]int64, len(t.fixed[i]))
		for k, x := range t.fixed[i] {
			v[k] = x << (pr.use - pr.Scale) // within Bound: no overflow
		}
		p.Consts[pr.prog] = v
	}
	return &p
}

// floatGraph is the training graph with the float64 reference weights.
func (t *Trainer) floatGraph() *model.Graph {
	g := *t.graph
	g.Constants = make(map[string]*model.Tensor, len(t.graph.Constants))
	for k, v := range t.graph.Constants {
		g.Constants[k] = v
	}
	for i, p := range t.params {
		w := model.NewFloat(p.Shape)
		copy(w.F, t.float[i])
		g.Constants[p.Name] = w
	}
	return &g
}

// Accuracy is the share of rows each model (fixed, float) classifies
// correctly with the current weights, by the evaluate package's rule.
func (t *Trainer) Accuracy(d *Data) (fixed, float float64, err error) {
	prog, fg := t.program(), t.floatGraph()
	out, err := t.tensor(t.predOut)
	if err != nil {
		return 0, 0, err
	}
	th, err := quant.Quantize(t.threshold, prog.Tensors[out].Scale)
	if err != nil {
		return 0, 0, err
	}
	nf, nr := 0, 0
	for r := range d.labels {
		w, err := prog.EvalInts([][]int64{d.fixed[r]})
		if err != nil {
			return 0, 0, fmt.Errorf("train: row %d: %w", r, err)
		}
		env, err := fg.Eval([]*model.Tensor{d.float[r]})
		if err != nil {
			return 0, 0, fmt.Errorf("train: row %d: %w", r, err)
		}
		y := int(d.labels[r])
		if evaluate.Predict(w.Values[out], th) == y {
			nf++
		}
		if evaluate.Predict(env[t.predOut].F, t.threshold) == y {
			nr++
		}
	}
	n := float64(len(d.labels))
	return float64(nf) / n, float64(nr) / n, nil
}

// EpochStats summarises one epoch.
type EpochStats struct {
	Epoch int `json:"epoch"`
	Steps int `json:"steps"`
	// FixedLoss and FloatLoss are the mean loss over the rows the epoch
	// used, each measured before its step's update.
	FixedLoss float64 `json:"fixed_loss"`
	FloatLoss float64 `json:"float_loss"`
}

// Epoch runs epoch e: the rows in Permutation(seed, root, e, n) order, n/B
// steps of B rows. progress, when set, is called after each step.
func (t *Trainer) Epoch(d *Data, e int, seed uint64, root *big.Int, progress func(step, steps int)) (*EpochStats, error) {
	steps := d.Len() / t.batch
	if steps == 0 {
		return nil, fmt.Errorf("train: %d rows make no batch of %d; lower the batch size", d.Len(), t.batch)
	}
	order, err := Permutation(seed, root, e, d.Len())
	if err != nil {
		return nil, err
	}
	st := &EpochStats{Epoch: e, Steps: steps}
	for s := 0; s < steps; s++ {
		fl, rl, err := t.Step(d, order[s*t.batch:(s+1)*t.batch])
		if err != nil {
			return nil, fmt.Errorf("epoch %d step %d: %w", e, s, err)
		}
		st.FixedLoss += fl
		st.FloatLoss += rl
		if progress != nil {
			progress(s+1, steps)
		}
	}
	n := float64(steps * t.batch)
	st.FixedLoss /= n
	st.FloatLoss /= n
	return st, nil
}
