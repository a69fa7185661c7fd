package train

import (
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/model/onnx"
	"github.com/zkai-dev/zkai/quant"
)

const fixtures = "../testdata/models/"

// handGraph builds x[1,2] → Gemm(W[1,2]ᵀ, b[1]) → Sigmoid.
func handGraph(t *testing.T, w []float64, b float64) *model.Graph {
	t.Helper()
	wt, bt := model.NewFloat([]int{1, 2}), model.NewFloat([]int{1})
	copy(wt.F, w)
	bt.F[0] = b
	return build(t, []int{1, 2}, map[string]*model.Tensor{"W": wt, "b": bt},
		&model.Node{Name: "fc", Op: &model.Gemm{TransB: true, Alpha: 1, Beta: 1}, Inputs: []string{"x", "W", "b"}, Outputs: []string{"z"}},
		&model.Node{Name: "sig", Op: &model.Unary{Fn: model.Sigmoid}, Inputs: []string{"z"}, Outputs: []string{"p"}})
}

// build makes a graph with input x by hand, filling Values by inference
// as the ONNX loader does; the last node's output is the graph's.
func build(t *testing.T, shape []int, consts map[string]*model.Tensor, nodes ...*model.Node) *model.Graph {
	t.Helper()
	x := model.Value{Name: "x", DType: model.Float, Shape: shape}
	g := &model.Graph{Name: "hand", ModelInputs: []model.Value{x}, Inputs: []model.Value{x},
		Constants: consts, Values: map[string]model.Value{"x": x}, Nodes: nodes}
	for name, c := range g.Constants {
		g.Values[name] = c.Value(name)
	}
	for _, n := range g.Nodes {
		in := make([]model.Value, len(n.Inputs))
		for i, name := range n.Inputs {
			in[i] = g.Values[name]
		}
		outs, err := n.Op.Infer(in)
		if err != nil {
			t.Fatal(err)
		}
		outs[0].Name = n.Outputs[0]
		g.Values[n.Outputs[0]] = outs[0]
	}
	g.Outputs = []model.Value{g.Values[nodes[len(nodes)-1].Outputs[0]]}
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
	return g
}

// compiled returns default settings at a scale with the constants' scales
// recorded.
func compiled(t *testing.T, g *model.Graph, scale int) *quant.Settings {
	t.Helper()
	s := quant.DefaultSettings()
	s.Scale = scale
	if _, err := quant.Compile(g, s); err != nil { // records the constants' scales
		t.Fatal(err)
	}
	return s
}

// TestHandStep checks one integer step of logistic regression against
// numbers worked out by hand from the package doc's rules.
//
// x = (1, −0.5) at scale 12: X = (4096, −2048). W = (0.5, −0.25) has
// natural scale 15 (0.5·2^16 > 2^15 − 1): (16384, −8192); the bias 0.125
// has natural scale 17 and is used at 12 + 15 = 27, so it trains at 17:
// 16384. z = 0.75, p = σ(0.75) = 0.67918 → P = 2782 at scale G = 12 (the
// evaluator's table value). Label 0: δ = P = 2782.
// η = 0.3: H = round(0.3·2^16) = 19661. Batch 1.
//
//	W₀: S = 2782·4096 (scale 24), e = 16 + 12 + 12 − 15 = 25,
//	    U = ⌊(19661·2782·4096 + 2^24)/2^25⌋ = 6677 → 16384 − 6677 = 9707
//	W₁: S = 2782·(−2048), U = ⌊(−19661·2782·2048 + 2^24)/2^25⌋ = −3338 → −8192 + 3338 = −4854
//	b:  S = 2782 (scale 12), e = 16 + 12 + 0 − 17 = 11,
//	    U = ⌊(19661·2782 + 2^10)/2^11⌋ = 26707 → 16384 − 26707 = −10323
func TestHandStep(t *testing.T) {
	g := handGraph(t, []float64{0.5, -0.25}, 0.125)
	tr, err := New(g, compiled(t, g, 12), Config{LR: 0.3, Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Loss() != LossBCE || tr.GradScale() != 12 || tr.LR() != 19661 {
		t.Fatalf("loss %s, G %d, H %d; want bce, 12, 19661", tr.Loss(), tr.GradScale(), tr.LR())
	}
	if !slices.Equal(tr.Fixed(0), []int64{16384, -8192}) || !slices.Equal(tr.Fixed(1), []int64{16384}) {
		t.Fatalf("initial weights %v %v", tr.Fixed(0), tr.Fixed(1))
	}
	if p := tr.Params()[1]; p.Scale != 17 || p.use != 27 {
		t.Fatalf("bias trains at 2^%d, used at 2^%d; want 17, 27", p.Scale, p.use)
	}
	d, err := tr.Prepare(&dataset.Set{Name: "hand", X: [][]float64{{1, -0.5}}, Y: []float64{0}})
	if err != nil {
		t.Fatal(err)
	}
	w, err := tr.program().EvalInts([][]int64{d.fixed[0]})
	if err != nil {
		t.Fatal(err)
	}
	if p := w.Values[len(w.Values)-1][0]; p != 2782 {
		t.Fatalf("P = %d; the hand computation assumed 2782", p)
	}
	if _, _, err := tr.Step(d, []int{0}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.Fixed(0), []int64{9707, -4854}) || !slices.Equal(tr.Fixed(1), []int64{-10323}) {
		t.Fatalf("after one step W = %v, b = %v; want [9707 -4854], [-10323]", tr.Fixed(0), tr.Fixed(1))
	}
	// the float reference takes the exact step: w − η·p·x with η = H/2^16
	eta, p := 19661/65536.0, 1/(1+math.Exp(-0.75))
	fw := tr.FloatWeights()
	if math.Abs(fw["W"][0]-(0.5-eta*p)) > 1e-12 || math.Abs(fw["b"][0]-(0.125-eta*p)) > 1e-12 {
		t.Fatalf("float step %v", fw)
	}
}

// TestDeepRules trains Flatten → Gemm → Tanh → MatMul + Add → LeakyRelu →
// Gemm → Sigmoid (bce), then the same body with mse through the final
// Sigmoid, on a small XOR-like set, so that every backward rule runs. At
// scale 16, one step must match the float64 step to 1e-3 in every weight
// (the rounding and the tables' resolution; a wrong rule is off by far
// more); after 4 epochs the losses must agree within 0.01 (weights drift
// further apart where a Relu-like mask flips between the two, which is
// the discretisation, not an error).
func TestDeepRules(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	w := func(shape ...int) *model.Tensor {
		v := model.NewFloat(shape)
		for i := range v.F {
			v.F[i] = r.Float64() - 0.5
		}
		return v
	}
	set := &dataset.Set{Name: "xor"}
	for range 96 {
		a, b := r.Float64()*2-1, r.Float64()*2-1
		set.X = append(set.X, []float64{a, b})
		set.Y = append(set.Y, float64(map[bool]int{true: 1}[a*b > 0]))
	}
	for _, loss := range []Loss{LossBCE, LossMSE} {
		g := build(t, []int{1, 2}, map[string]*model.Tensor{"W1": w(2, 6), "b1": w(6), "W2": w(6, 6), "b2": w(6), "W3": w(1, 6), "b3": w(1)},
			&model.Node{Name: "flat", Op: &model.Reshape{Shape: []int{1, 2}, OpName: "Flatten"}, Inputs: []string{"x"}, Outputs: []string{"f"}},
			&model.Node{Name: "fc1", Op: &model.Gemm{Alpha: 1, Beta: 1}, Inputs: []string{"f", "W1", "b1"}, Outputs: []string{"h1"}},
			&model.Node{Name: "tanh", Op: &model.Unary{Fn: model.Tanh}, Inputs: []string{"h1"}, Outputs: []string{"a1"}},
			&model.Node{Name: "mm", Op: &model.MatMul{}, Inputs: []string{"a1", "W2"}, Outputs: []string{"m2"}},
			&model.Node{Name: "add", Op: &model.Binary{Kind: model.Add}, Inputs: []string{"m2", "b2"}, Outputs: []string{"h2"}},
			&model.Node{Name: "leaky", Op: &model.Unary{Fn: model.LeakyRelu, Alpha: 0.1}, Inputs: []string{"h2"}, Outputs: []string{"a2"}},
			&model.Node{Name: "fc3", Op: &model.Gemm{TransB: true, Alpha: 1, Beta: 1}, Inputs: []string{"a2", "W3", "b3"}, Outputs: []string{"z"}},
			&model.Node{Name: "sig", Op: &model.Unary{Fn: model.Sigmoid}, Inputs: []string{"z"}, Outputs: []string{"p"}})
		tr, err := New(g, compiled(t, g, 16), Config{Loss: loss, LR: 0.5, Batch: 8, Headroom: 2})
		if err != nil {
			t.Fatal(err)
		}
		if layers := map[Loss]int{LossBCE: 7, LossMSE: 8}[loss]; len(tr.Params()) != 6 || len(tr.layers) != layers {
			t.Fatalf("%s: %d parameters, %d layers; want 6, %d", loss, len(tr.Params()), len(tr.layers), layers)
		}
		d, err := tr.Prepare(set)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := tr.Step(d, []int{0, 1, 2, 3, 4, 5, 6, 7}); err != nil {
			t.Fatal(err)
		}
		fw, rw := tr.Weights(), tr.FloatWeights()
		worst, moved := 0.0, 0.0
		for name, v := range fw {
			for i := range v {
				worst = math.Max(worst, math.Abs(v[i]-rw[name][i]))
				moved = math.Max(moved, math.Abs(rw[name][i]-g.Constants[name].F[i]))
			}
		}
		if worst > 1e-3 || moved < 1e-3 {
			t.Errorf("%s: one step: max |fixed − float| weight %.3g, largest change %.3g", loss, worst, moved)
		}
		var st *EpochStats
		for e := range 4 {
			if st, err = tr.Epoch(d, e, 1, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		if math.Abs(st.FixedLoss-st.FloatLoss) > 0.01 {
			t.Errorf("%s: last epoch loss fixed %.4f, float %.4f", loss, st.FixedLoss, st.FloatLoss)
		}
		t.Logf("%s: one step max weight diff %.2g; epoch 4 loss fixed %.4f float %.4f", loss, worst, st.FixedLoss, st.FloatLoss)
	}
}

// declaredAt must agree with quant.Compile's float formula
// ⌈D·2^(use−nat) + 1/2⌉ (D·2^0 = D when use = nat).
func TestDeclaredAt(t *testing.T) {
	for _, cb := range []int{8, 16} {
		d := math.Ldexp(1, cb-1) - 1
		for nat := 0; nat <= 24; nat++ {
			for use := 0; use <= 36; use++ { // beyond, the float formula loses digits
				want := d
				if use != nat {
					want = math.Ceil(math.Ldexp(d, use-nat) + 0.5)
				}
				if got := declaredAt(cb, nat, use); float64(got) != want {
					t.Fatalf("declaredAt(%d, %d, %d) = %d; want %v", cb, nat, use, got, want)
				}
			}
		}
	}
}

// credit opens the credit fixture with calibrated settings.
func credit(t *testing.T) (*engine.Model, *dataset.Set, *dataset.Set) {
	t.Helper()
	train, err := dataset.Load(fixtures+"credit_logreg/data.json", dataset.Options{Split: "train", RequireLabels: true})
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load(fixtures+"credit_logreg/data.json", dataset.Options{Split: "test", RequireLabels: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Open(fixtures+"credit_logreg/model.onnx", engine.Options{CalibrateSet: train})
	if err != nil {
		t.Fatal(err)
	}
	return m, train, test
}

// TestFixedVsFloat trains the credit logistic regression from zero weights
// (the settings keep the fixture's recorded scales) in both arithmetics:
// the fixed-point model's test accuracy must be within 1 point of the
// float64 loop's, and both must have learnt (≥ 0.78; the fixture's own
// weights reach 0.832).
func TestFixedVsFloat(t *testing.T) {
	m, train, test := credit(t)
	g := *m.Graph
	g.Constants = map[string]*model.Tensor{}
	for name, c := range m.Graph.Constants {
		g.Constants[name] = model.NewFloat(c.Shape) // zeros
	}
	tr, err := New(&g, m.Settings, Config{LR: 0.5, Batch: 32, Headroom: 2})
	if err != nil {
		t.Fatal(err)
	}
	d, err := tr.Prepare(train)
	if err != nil {
		t.Fatal(err)
	}
	td, err := tr.Prepare(test)
	if err != nil {
		t.Fatal(err)
	}
	for e := range 3 {
		st, err := tr.Epoch(d, e, 7, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(st.FixedLoss-st.FloatLoss) > 0.01 {
			t.Errorf("epoch %d: loss fixed %.4f, float %.4f", e, st.FixedLoss, st.FloatLoss)
		}
	}
	fixed, float, err := tr.Accuracy(td)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test accuracy after 3 epochs: fixed %.4f, float %.4f", fixed, float)
	if math.Abs(fixed-float) > 0.01 || fixed < 0.78 || float < 0.78 {
		t.Fatalf("test accuracy fixed %.4f, float %.4f; want within 0.01 of each other and ≥ 0.78", fixed, float)
	}
	fw, rw := tr.Weights(), tr.FloatWeights()
	for name, v := range fw {
		for i := range v {
			if math.Abs(v[i]-rw[name][i]) > 2e-3 {
				t.Errorf("%s[%d]: fixed %v, float %v", name, i, v[i], rw[name][i])
			}
		}
	}
}

// TestMLP trains the digits MLP (Gemm, Relu, Gemm; a Softmax head is
// appended for cross-entropy) for one epoch from the fixture's weights.
func TestMLP(t *testing.T) {
	if testing.Short() {
		t.Skip("one epoch of the digits MLP")
	}
	set, err := dataset.Load(fixtures+"digits_mlp/data.json", dataset.Options{Split: "train", RequireLabels: true})
	if err != nil {
		t.Fatal(err)
	}
	test, err := dataset.Load(fixtures+"digits_mlp/data.json", dataset.Options{Split: "test", RequireLabels: true})
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Open(fixtures+"digits_mlp/model.onnx", engine.Options{CalibrateSet: set})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(m.Graph, m.Settings, Config{LR: 0.1, Batch: 32})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Loss() != LossCE || len(tr.Params()) != 4 {
		t.Fatalf("loss %s with %d parameters; want ce with 4", tr.Loss(), len(tr.Params()))
	}
	d, _ := tr.Prepare(set)
	td, _ := tr.Prepare(test)
	if _, err := tr.Epoch(d, 0, 1, nil, nil); err != nil {
		t.Fatal(err)
	}
	fixed, float, err := tr.Accuracy(td)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("digits MLP test accuracy after 1 epoch: fixed %.4f, float %.4f", fixed, float)
	if math.Abs(fixed-float) > 0.01 || fixed < 0.94 {
		t.Fatalf("test accuracy fixed %.4f, float %.4f", fixed, float)
	}
}

// TestPermutation pins the order against an independent implementation
// of the documented algorithm (Python's hashlib), and checks it is a
// permutation that changes with the seed, the root and the epoch.
func TestPermutation(t *testing.T) {
	root, _ := new(big.Int).SetString("12345678901234567890", 10)
	for _, c := range []struct {
		seed  uint64
		root  *big.Int
		epoch int
		want  []int
	}{
		{1, nil, 0, []int{4, 1, 3, 9, 0, 6, 2, 8, 5, 7}},
		{7, root, 3, []int{3, 1, 8, 10, 4, 7, 11, 9, 5, 6, 0, 2}},
	} {
		got, err := Permutation(c.seed, c.root, c.epoch, len(c.want))
		if err != nil || !slices.Equal(got, c.want) {
			t.Fatalf("Permutation(%d, %v, %d) = %v, %v; want %v", c.seed, c.root, c.epoch, got, err, c.want)
		}
	}
	base, _ := Permutation(1, nil, 0, 100)
	sorted := slices.Clone(base)
	slices.Sort(sorted)
	for i, v := range sorted {
		if v != i {
			t.Fatalf("not a permutation: %v", base)
		}
	}
	for _, other := range [][3]int64{{2, 0, 0}, {1, 1, 0}, {1, 0, 1}} {
		p, _ := Permutation(uint64(other[0]), big.NewInt(other[1]), int(other[2]), 100)
		if slices.Equal(p, base) {
			t.Errorf("seed/root/epoch %v gives the same order", other)
		}
	}
}

// TestDeterminism: the same seed gives the same weights, another seed
// other weights.
func TestDeterminism(t *testing.T) {
	m, set, _ := credit(t)
	run := func(seed uint64) [][]int64 {
		tr, err := New(m.Graph, m.Settings, Config{LR: 0.5, Batch: 16, Headroom: 2})
		if err != nil {
			t.Fatal(err)
		}
		d, err := tr.Prepare(set)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Epoch(d, 0, seed, nil, nil); err != nil {
			t.Fatal(err)
		}
		return [][]int64{tr.Fixed(0), tr.Fixed(1)}
	}
	a, b, c := run(3), run(3), run(4)
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Fatal("the same seed gave different weights")
	}
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Fatal("another seed gave the same weights")
	}
}

// TestRefusals: unsupported ops, losses and label kinds are refused with
// errors that name them.
func TestRefusals(t *testing.T) {
	open := func(name string) *engine.Model {
		m, err := engine.Open(fixtures+name+"/model.onnx", engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	cnn, iris, cr := open("digits_cnn"), open("iris_logreg"), open("credit_logreg")
	for _, c := range []struct {
		m    *engine.Model
		cfg  Config
		want string
	}{
		{cnn, Config{LR: 0.1, Batch: 1}, "(Conv) has no backward rule"},
		{cr, Config{Loss: "hinge", LR: 0.1, Batch: 1}, `loss "hinge" is not supported`},
		{cr, Config{Loss: LossCE, LR: 0.1, Batch: 1}, "cross-entropy needs at least two outputs"},
		{iris, Config{Loss: LossBCE, LR: 0.1, Batch: 1}, "binary cross-entropy needs one output"},
		{iris, Config{Loss: LossMSE, LR: 0.1, Batch: 1}, "(Softmax) has no backward rule"},
		{cr, Config{LR: 0, Batch: 1}, "learning rate 0"},
		{cr, Config{LR: 1e-9, Batch: 1}, "learning rate 1e-09"},
		{cr, Config{LR: 0.1, Batch: 0}, "batch size 0"},
		{cr, Config{LR: 0.1, Batch: 1, Headroom: 17}, "headroom 17 bits"},
	} {
		_, err := New(c.m.Graph, c.m.Settings, c.cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %+v: got %v; want an error containing %q", c.m.Graph.Name, c.cfg, err, c.want)
		}
	}
	tr, err := New(iris.Graph, iris.Settings, Config{LR: 0.1, Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Prepare(&dataset.Set{Name: "bad", X: [][]float64{{0, 0, 0, 0}}, Y: []float64{3}}); err == nil || !strings.Contains(err.Error(), "label 3 is not a class") {
		t.Errorf("label 3 on a 3-class model: %v", err)
	}
	d, _ := tr.Prepare(&dataset.Set{Name: "one", X: [][]float64{{0, 0, 0, 0}}, Y: []float64{1}})
	tr.batch = 2
	if _, err := tr.Epoch(d, 0, 0, nil, nil); err == nil || !strings.Contains(err.Error(), "no batch of 2") {
		t.Errorf("1 row, batch 2: %v", err)
	}
}

// TestWeightBound: a learning rate that drives a weight beyond its
// declared bound is an error, not a wrap.
func TestWeightBound(t *testing.T) {
	g := handGraph(t, []float64{0.5, -0.25}, 0.125)
	tr, err := New(g, compiled(t, g, 12), Config{LR: 1000, Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := tr.Prepare(&dataset.Set{Name: "hand", X: [][]float64{{1, -0.5}}, Y: []float64{0}})
	if _, _, err := tr.Step(d, []int{0}); err == nil || !strings.Contains(err.Error(), `weight "W" element 0`) {
		t.Fatalf("got %v; want the weight bound error", err)
	}
	if !slices.Equal(tr.Fixed(0), []int64{16384, -8192}) {
		t.Fatalf("a failed step changed the weights: %v", tr.Fixed(0))
	}
}

// TestONNXRoundTrip: the trained ONNX, compiled with the training
// settings, quantises back to exactly the trained integers.
func TestONNXRoundTrip(t *testing.T) {
	m, set, _ := credit(t)
	tr, err := New(m.Graph, m.Settings, Config{LR: 0.5, Batch: 32, Headroom: 2})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Params()[0].Scale != m.Settings.Scales[tr.Params()[0].Name]-2 {
		t.Fatalf("headroom 2: weight scale %d, recorded %d", tr.Params()[0].Scale, m.Settings.Scales[tr.Params()[0].Name])
	}
	d, _ := tr.Prepare(set)
	if _, err := tr.Epoch(d, 0, 1, nil, nil); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(fixtures + "credit_logreg/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	b, err := onnx.ReplaceInitializers(orig, tr.Weights())
	if err != nil {
		t.Fatal(err)
	}
	g, err := onnx.Load(b, onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := *tr.Settings()
	p, err := quant.Compile(g, &s)
	if err != nil {
		t.Fatal(err)
	}
	want := tr.program()
	changed := false
	for _, pr := range tr.Params() {
		if !slices.Equal(p.Consts[pr.prog], want.Consts[pr.prog]) {
			t.Errorf("%s: recompiled %v, trained %v", pr.Name, p.Consts[pr.prog], want.Consts[pr.prog])
		}
		changed = changed || !slices.Equal(p.Consts[pr.prog], m.Program.Consts[pr.prog])
	}
	if !changed {
		t.Fatal("training changed no weight")
	}
}
