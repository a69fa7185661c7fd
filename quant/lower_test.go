package quant

// Compiled programs against hand-computed witnesses, against the float
// reference (with stated error bounds), and against their own declared
// bounds.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/zkai-dev/zkai/internal/conformance"
	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/model/onnx"
	"github.com/zkai-dev/zkai/quant/fxmath"
)

// graph builds a model.Graph by hand, filling Values by inferring every
// node as the ONNX loader does.
func graph(t testing.TB, inputs []model.Value, consts map[string]*model.Tensor, nodes []*model.Node, outputs ...string) *model.Graph {
	t.Helper()
	if consts == nil {
		consts = map[string]*model.Tensor{}
	}
	g := &model.Graph{Name: "hand", ModelInputs: inputs, Inputs: inputs, Constants: consts, Nodes: nodes, Values: map[string]model.Value{}}
	for _, v := range inputs {
		g.Values[v.Name] = v
	}
	for name, c := range consts {
		g.Values[name] = c.Value(name)
	}
	for _, n := range nodes {
		in := make([]model.Value, len(n.Inputs))
		for i, name := range n.Inputs {
			in[i] = g.Values[name]
		}
		outs, err := n.Op.Infer(in)
		if err != nil {
			t.Fatalf("%s: %v", n.Label(), err)
		}
		for i, name := range n.Outputs {
			v := outs[i]
			v.Name = name
			g.Values[name] = v
		}
	}
	for _, name := range outputs {
		g.Outputs = append(g.Outputs, g.Values[name])
	}
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
	return g
}

func floatT(shape []int, v ...float64) *model.Tensor {
	return &model.Tensor{DType: model.Float, Shape: shape, F: v}
}

// tensorNamed returns the id of the (last) tensor with a name.
func tensorNamed(t testing.TB, p *Program, name string) int {
	t.Helper()
	id := -1
	for i, x := range p.Tensors {
		if x.Name == name {
			id = i
		}
	}
	if id < 0 {
		var names []string
		for _, x := range p.Tensors {
			names = append(names, x.Name)
		}
		t.Fatalf("no tensor %q in %v", name, names)
	}
	return id
}

func opKinds(p *Program) []string {
	var k []string
	for _, op := range p.Ops {
		k = append(k, op.Kind())
	}
	return k
}

// ---------------------------------------------------------------- hand-computed end to end

func gemmGraph(t testing.TB, w []float64, b float64) *model.Graph {
	return graph(t, []model.Value{{Name: "x", DType: model.Float, Shape: []int{1, 2}}},
		map[string]*model.Tensor{"W": floatT([]int{2, 1}, w...), "b": floatT([]int{1}, b)},
		[]*model.Node{{Name: "gemm", Op: &model.Gemm{Alpha: 1, Beta: 1}, Inputs: []string{"x", "W", "b"}, Outputs: []string{"y"}}}, "y")
}

// TestHandGemm: y = x·W + b with x = [0.5, −0.25], W = [[1.5], [2]],
// b = [0.125] at scale 4 (ConstBits 16):
//
//	x  at 2^4:  [0.5·16, −0.25·16] = [8, −4]
//	W  max |w| = 2 → the largest s with 2·2^s ≤ 2^15 − 1: 13: [1.5·2^13, 2·2^13] = [12288, 16384]
//	acc scale 4+13 = 17; b at 2^17: 0.125·2^17 = 16384
//	acc = 8·12288 + (−4)·16384 + 16384 = 98304 − 65536 + 16384 = 49152
//	y = rescale 2^17 → 2^4: D = 2^13, floor((49152 + 4096)/8192) = floor(6.5) = 6
//	y = 6/16 = 0.375 = 0.75 − 0.5 + 0.125 exactly.
func TestHandGemm(t *testing.T) {
	g := gemmGraph(t, []float64{1.5, 2}, 0.125)
	s := DefaultSettings()
	s.Scale = 4
	p, err := Compile(g, s)
	if err != nil {
		t.Fatal(err)
	}
	if k := opKinds(p); !slices.Equal(k, []string{"Linear", "Rescale"}) {
		t.Fatalf("ops = %v; want [Linear Rescale]", k)
	}
	w, err := p.Eval([]*model.Tensor{floatT([]int{1, 2}, 0.5, -0.25)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		scale int
		want  []int64
	}{
		{"x", 4, []int64{8, -4}},
		{"W", 13, []int64{12288, 16384}},
		{"b/bias", 17, []int64{16384}},
		{"y/acc", 17, []int64{49152}},
		{"y", 4, []int64{6}},
	} {
		id := tensorNamed(t, p, c.name)
		if p.Tensors[id].Scale != c.scale {
			t.Errorf("%s: scale %d; want %d", c.name, p.Tensors[id].Scale, c.scale)
		}
		if !slices.Equal(w.Values[id], c.want) {
			t.Errorf("%s = %v; want %v", c.name, w.Values[id], c.want)
		}
	}
	r := p.Ops[1].(*Rescale)
	if r.M != 1 || !slices.Equal(r.D, []int64{1 << 13}) {
		t.Errorf("rescale M=%d D=%v; want M=1 D=[8192]", r.M, r.D)
	}
	if !slices.Equal(p.Weights, []int{tensorNamed(t, p, "W"), tensorNamed(t, p, "b/bias")}) {
		t.Errorf("weights = %v; want W and the bias (every float constant is a weight)", p.Weights)
	}
	if out := p.Decode(w)[0]; out.F[0] != 0.375 {
		t.Errorf("decoded %v; want 0.375", out.F)
	}
}

// TestHandGemmRounding: W = [[0.3], [−1]], b = 0.1 at scale 4:
//
//	W max 1 → scale 14 (2^14 ≤ 2^15 − 1): [round(4915.2), −16384] = [4915, −16384]
//	b at 2^18: round(26214.4) = 26214
//	acc = 8·4915 + (−4)·(−16384) + 26214 = 39320 + 65536 + 26214 = 131070
//	y = floor((131070 + 8192)/16384) = floor(8.4998) = 8 → 0.5 (float: 0.15 + 0.25 + 0.1 = 0.5)
//
// and x = [−0.5, 0.25] → [−8, 4]: acc = −39320 − 65536 + 26214 = −78642,
// y = floor((−78642 + 8192)/16384) = floor(−4.2999) = −5 (−4.7999 rounded)
// (float: −0.15 − 0.25 + 0.1 = −0.3 → −4.8 units).
func TestHandGemmRounding(t *testing.T) {
	g := gemmGraph(t, []float64{0.3, -1}, 0.1)
	s := DefaultSettings()
	s.Scale = 4
	p, err := Compile(g, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		x        []float64
		acc, out int64
	}{
		{[]float64{0.5, -0.25}, 131070, 8},
		{[]float64{-0.5, 0.25}, -78642, -5},
	} {
		w, err := p.Eval([]*model.Tensor{floatT([]int{1, 2}, c.x...)})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.Values[tensorNamed(t, p, "W")]; !slices.Equal(got, []int64{4915, -16384}) {
			t.Errorf("W = %v", got)
		}
		if got := w.Values[tensorNamed(t, p, "b/bias")]; !slices.Equal(got, []int64{26214}) {
			t.Errorf("b = %v", got)
		}
		if got := w.Values[tensorNamed(t, p, "y/acc")]; !slices.Equal(got, []int64{c.acc}) {
			t.Errorf("x=%v: acc = %v; want %d", c.x, got, c.acc)
		}
		if got := w.Values[tensorNamed(t, p, "y")]; !slices.Equal(got, []int64{c.out}) {
			t.Errorf("x=%v: y = %v; want %d", c.x, got, c.out)
		}
	}
}

// TestHandChain: z = Relu(x − c)·0.5 with c = 0.25 at scale 4 and a
// per-tensor output scale of 2:
//
//	x = [1, 0.125, −3] → [16, 2, −48]; c at x's scale 4: 4
//	d = x − c = [12, −2, −52]; Relu → [12, 0, 0]
//	0.5 is a constant: the largest s with 0.5·2^s ≤ 2^15 − 1 is 15, value 16384
//	product at 4+15 = 19: [196608, 0, 0]
//	rescale 2^19 → 2^2 (Scales["z"] = 2): D = 2^17, floor((196608 + 65536)/131072) = 2 → 0.5
//	(float: (1 − 0.25)·0.5 = 0.375 = 1.5 units at 2^2, rounded half up to 2)
func TestHandChain(t *testing.T) {
	g := graph(t, []model.Value{{Name: "x", DType: model.Float, Shape: []int{3}}},
		map[string]*model.Tensor{"c": floatT(nil, 0.25), "h": floatT(nil, 0.5)},
		[]*model.Node{
			{Name: "sub", Op: &model.Binary{Kind: model.Sub}, Inputs: []string{"x", "c"}, Outputs: []string{"d"}},
			{Name: "relu", Op: &model.Unary{Fn: model.Relu}, Inputs: []string{"d"}, Outputs: []string{"r"}},
			{Name: "mul", Op: &model.Binary{Kind: model.Mul}, Inputs: []string{"r", "h"}, Outputs: []string{"z"}},
		}, "z")
	s := DefaultSettings()
	s.Scale = 4
	s.Scales = map[string]int{"z": 2}
	p, err := Compile(g, s)
	if err != nil {
		t.Fatal(err)
	}
	w, err := p.Eval([]*model.Tensor{floatT([]int{3}, 1, 0.125, -3)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		scale int
		want  []int64
	}{
		{"x", 4, []int64{16, 2, -48}},
		{"d/b", 4, []int64{4, 4, 4}}, // c broadcast to x's shape
		{"d", 4, []int64{12, -2, -52}},
		{"r", 4, []int64{12, 0, 0}},
		{"z/b", 15, []int64{16384, 16384, 16384}},
		{"z/product", 19, []int64{196608, 0, 0}},
		{"z", 2, []int64{2, 0, 0}},
	} {
		id := tensorNamed(t, p, c.name)
		if p.Tensors[id].Scale != c.scale || !slices.Equal(w.Values[id], c.want) {
			t.Errorf("%s = %v at scale %d; want %v at scale %d", c.name, w.Values[id], p.Tensors[id].Scale, c.want, c.scale)
		}
	}
}

// ---------------------------------------------------------------- conformance cases

type confCase struct {
	name   string
	model  string
	g      *model.Graph
	shapes [][]int
	data   [][]float64
}

var (
	confOnce  sync.Once
	confCases []conformance.Case
	confErr   error
)

// conformanceCases reads the vendored ONNX conformance cases (both sets)
// once per test binary.
func conformanceCases(t testing.TB) []conformance.Case {
	t.Helper()
	confOnce.Do(func() { confCases, confErr = conformance.Load("../testdata") })
	if confErr != nil {
		t.Fatal(confErr)
	}
	return confCases
}

func loadConf(t testing.TB, c conformance.Case) confCase {
	t.Helper()
	g, err := onnx.LoadFile(c.Model, onnx.Options{InputShapes: c.InShapes, InputValues: c.In})
	if err != nil {
		t.Fatalf("%s: %v", c.Name, err)
	}
	return confCase{c.Name, c.Model, g, c.InShapes, c.In}
}

// loadCase loads one conformance case by name.
func loadCase(t testing.TB, name string) confCase {
	t.Helper()
	for _, c := range conformanceCases(t) {
		if c.Name == name {
			return loadConf(t, c)
		}
	}
	t.Fatalf("no conformance case %s", name)
	return confCase{}
}

// allCases loads every case the fixed-point program supports.
func allCases(t testing.TB) []confCase {
	var cs []confCase
	for _, c := range conformanceCases(t) {
		if c.Unsupported == nil {
			cs = append(cs, loadConf(t, c))
		}
	}
	return cs
}

// fixtureGraphs loads the small trained models of testdata/models.
func fixtureGraphs(t testing.TB) map[string]*model.Graph {
	dirs, _ := filepath.Glob("../testdata/models/*/model.onnx")
	gs := map[string]*model.Graph{}
	for _, f := range dirs {
		g, err := onnx.LoadFile(f, onnx.Options{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		gs[filepath.Base(filepath.Dir(f))] = g
	}
	return gs
}

// TestCompileDeterministic: the program depends only on the graph and the
// settings — compiling the same graph twice, or two separately loaded
// copies of it, gives deeply equal programs (ops and their parameters,
// tensors' names, scales and bits, constants, weights).
func TestCompileDeterministic(t *testing.T) {
	small := DefaultSettings()
	small.Scale, small.InputRange, small.TableBits, small.ConstBits = 7, 8, 8, 10
	for si, s := range []*Settings{DefaultSettings(), small} {
		for _, c := range allCases(t) {
			p1, err1 := Compile(c.g, s)
			var p2 *Program
			var err2 error
			if si == 0 {
				// a separately loaded copy of the graph
				again, err := onnx.LoadFile(c.model, onnx.Options{InputShapes: c.shapes, InputValues: c.data})
				if err != nil {
					t.Fatal(err)
				}
				p2, err2 = Compile(again, s)
			} else {
				p2, err2 = Compile(c.g, s)
			}
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s: errors differ: %v / %v", c.name, err1, err2)
			}
			if err1 != nil {
				continue
			}
			if !reflect.DeepEqual(p1, p2) {
				t.Errorf("%s (scale %d): compiling twice gives different programs", c.name, s.Scale)
			}
		}
	}
	for name, g := range fixtureGraphs(t) {
		p1, err := Compile(g, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		g2, err := onnx.LoadFile(filepath.Join("../testdata/models", name, "model.onnx"), onnx.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p2, err := Compile(g2, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(p1, p2) {
			t.Errorf("%s: compiling twice gives different programs", name)
		}
	}
	// hand graphs, including a settings copy (maps in Settings)
	g := gemmGraph(t, []float64{0.3, -1}, 0.1)
	s := DefaultSettings()
	s.Scales = map[string]int{"y": 9, "x": 10}
	s2 := *s
	s2.Scales = map[string]int{"x": 10, "y": 9}
	p1, err1 := Compile(g, s)
	p2, err2 := Compile(gemmGraph(t, []float64{0.3, -1}, 0.1), &s2)
	if err1 != nil || err2 != nil || !reflect.DeepEqual(p1, p2) {
		t.Fatalf("hand Gemm: %v %v, equal = %v", err1, err2, reflect.DeepEqual(p1, p2))
	}
}

// gridInputs draws each runtime input uniformly on the grid of the input
// tensor's scale within [lo, hi], so that quantising the inputs is exact and
// every error below comes from the program's own roundings.
func gridInputs(rng *rand.Rand, g *model.Graph, p *Program, lo, hi float64) []*model.Tensor {
	ins := make([]*model.Tensor, len(g.Inputs))
	for i, v := range g.Inputs {
		sc := p.Tensors[p.Inputs[i]].Scale
		x := model.NewFloat(v.Shape)
		a, b := int64(math.Ceil(math.Ldexp(lo, sc))), int64(math.Floor(math.Ldexp(hi, sc)))
		for j := range x.F {
			x.F[j] = math.Ldexp(float64(a+rng.Int63n(b-a+1)), -sc)
		}
		ins[i] = x
	}
	return ins
}

// tableScale returns the table scale of the program's only table of fn.
func tableScale(t testing.TB, p *Program, fn fxmath.Func) int {
	t.Helper()
	ts := -1
	for _, op := range p.Ops {
		if tb, ok := op.(*Table); ok && tb.Fn == fn {
			if ts >= 0 {
				t.Fatalf("two %s tables", fn)
			}
			ts = tb.TableScale
		}
	}
	if ts < 0 {
		t.Fatalf("no %s table", fn)
	}
	return ts
}

// tolFunc returns, for output k element j, the largest error allowed.
type tolFunc func(t testing.TB, g *model.Graph, p *Program, ins []*model.Tensor, ref []*model.Tensor) func(k, j int) float64

const (
	halfUnit12 = 1.0 / (1 << 13) // 2^-13: one rounding to scale 12
	slack      = 1e-12           // float64 reference arithmetic
)

func constTol(tol float64) tolFunc {
	return func(testing.TB, *model.Graph, *Program, []*model.Tensor, []*model.Tensor) func(int, int) float64 {
		return func(int, int) float64 { return tol + slack }
	}
}

// lipschitzTol is for y = table(f, x) at output scale 12 with inputs on the
// 2^-12 grid: the index i = round_half_up(x·2^ts) is within h = 2^-(ts+1)
// of x·2^ts, so |y' − f(x)| ≤ L·h + 2^-13 (table entry rounding) + sat,
// where L bounds |f'| and sat = |f(x) − f(edge)| beyond the table's domain.
// The table scale ts is checked against the value the compiler's rule gives
// for the default settings: 12 − ⌈log2(width + 2^-12)⌉.
func lipschitzTol(fn fxmath.Func, wantTS int, L, sat float64) tolFunc {
	return func(t testing.TB, _ *model.Graph, p *Program, _ []*model.Tensor, _ []*model.Tensor) func(int, int) float64 {
		ts := tableScale(t, p, fn)
		if ts != wantTS {
			t.Fatalf("%s table scale %d; want %d", fn, ts, wantTS)
		}
		tol := L*math.Ldexp(1, -(ts+1)) + halfUnit12 + sat + slack
		return func(int, int) float64 { return tol }
	}
}

// geluTol: y = x·gate(x) with the gate a table at scale 16 (table scale
// ts = 7 for the domain [−8, 8]); both gates (Φ and the tanh form) have
// |gate'| ≤ 0.39894 (max at 0, = 1/√(2π)), so
// |gate' − gate| ≤ 0.39894·2^-(ts+1) + 2^-17, and the product x·gate' is
// exact at scale 12+16 then rounded once to 12:
// |y' − y| ≤ |x|·(0.39894·2^-(ts+1) + 2^-17) + 2^-13.
func geluTol(fn fxmath.Func) tolFunc {
	return func(t testing.TB, _ *model.Graph, p *Program, ins []*model.Tensor, _ []*model.Tensor) func(int, int) float64 {
		ts := tableScale(t, p, fn)
		if ts != 7 {
			t.Fatalf("gate table scale %d; want 7", ts)
		}
		g := 0.39895*math.Ldexp(1, -(ts+1)) + math.Ldexp(1, -17)
		return func(_, j int) float64 { return math.Abs(ins[0].F[j])*g + halfUnit12 + slack }
	}
}

// softmaxTol bounds each output by interval arithmetic. With d = x − max
// exact at scale 12, the exp table (scale ts, output scale 16, clamped
// below at −16 where it is 0) gives e' ∈ [max(0, e^(d−h) − η), e^(d+h) + η]
// with h = 2^-(ts+1), η = 2^-17; the sum S' of the group lies between the
// sums of those ends; y' = round_half_up(e'·2^12/S')/2^12, so
// y' ∈ [lo_i/S_hi − 2^-13, hi_i/S_lo + 2^-13], an interval containing the
// exact y. The tolerance is the distance from y to the far end.
func softmaxTol(t testing.TB, g *model.Graph, p *Program, ins []*model.Tensor, ref []*model.Tensor) func(int, int) float64 {
	sm := g.Nodes[0].Op.(*model.Softmax)
	ts := tableScale(t, p, fxmath.Exp)
	if ts != 7 {
		t.Fatalf("exp table scale %d; want 7", ts)
	}
	h, eta := math.Ldexp(1, -(ts+1)), math.Ldexp(1, -17)
	x := ins[0].F
	_, groups, err := model.AxisGroups(ins[0].Shape, sm.Axes)
	if err != nil {
		t.Fatal(err)
	}
	tol := make([]float64, len(x))
	for _, grp := range groups {
		m := math.Inf(-1)
		for _, i := range grp {
			m = math.Max(m, x[i])
		}
		lo, hi := map[int]float64{}, map[int]float64{}
		sLo, sHi := 0.0, 0.0
		for _, i := range grp {
			d := x[i] - m
			lo[i], hi[i] = math.Max(0, math.Exp(d-h)-eta), math.Exp(d+h)+eta
			sLo, sHi = sLo+lo[i], sHi+hi[i]
		}
		for _, i := range grp {
			y := ref[0].F[i]
			tol[i] = math.Max(y-(lo[i]/sHi-halfUnit12), hi[i]/sLo+halfUnit12-y) + slack
		}
	}
	return func(_, j int) float64 { return tol[j] }
}

// layerNormTol: inputs X, γ, β all runtime at scale 12 (exact on the
// grid), n elements per group, μ and σ² = var + ε the group's exact
// statistics, d = x − μ. The program computes
//
//	μ' = round(Σx/n)            |μ' − μ| ≤ 2^-13 =: δ; d' = x − μ' exact
//	v' = round(Σd'²/n) + ε'     Σd'²/n = var + (μ'−μ)², so |v' − σ²| ≤ δ² + 2^-25 + 2^-25 < 2^-23
//	r' = ⌊2^12/√v'⌋/2^12        r' ∈ (1/√v' − 2^-12, 1/√v'], |1/√v' − 1/σ| ≤ Δ := 2^-23/(2(σ² − 2^-23)^1.5)
//	n' = round(d'·r')           ± 2^-13
//	y' = round(n'·γ) + β        ± 2^-13, the bias add is exact
//
// so |y' − y| ≤ |γ|·(2^-13 + (|d| + δ)(2^-12 + Δ) + δ/σ) + 2^-13; the Mean
// output is μ' (≤ δ) and InvStdDev is r' (≤ 2^-12 + Δ).
func layerNormTol(t testing.TB, g *model.Graph, p *Program, ins []*model.Tensor, ref []*model.Tensor) func(int, int) float64 {
	ln := g.Nodes[0].Op.(*model.LayerNorm)
	x, gamma := ins[0], ins[1]
	axes, err := ln.Axes(len(x.Shape))
	if err != nil {
		t.Fatal(err)
	}
	_, groups, err := model.AxisGroups(x.Shape, axes)
	if err != nil {
		t.Fatal(err)
	}
	gi := model.BroadcastIndex(gamma.Shape, x.Shape)
	const delta = halfUnit12
	yTol := make([]float64, len(x.F))
	invTol := make([]float64, len(groups))
	for j, grp := range groups {
		mu, vr := 0.0, 0.0
		for _, i := range grp {
			mu += x.F[i]
		}
		mu /= float64(len(grp))
		for _, i := range grp {
			vr += (x.F[i] - mu) * (x.F[i] - mu)
		}
		v := vr/float64(len(grp)) + ln.Epsilon
		sigma := math.Sqrt(v)
		dd := math.Ldexp(1, -23) / (2 * math.Pow(v-math.Ldexp(1, -23), 1.5))
		invTol[j] = math.Ldexp(1, -12) + dd + slack
		for _, i := range grp {
			d := math.Abs(x.F[i] - mu)
			yTol[i] = math.Abs(gamma.F[gi[i]])*(halfUnit12+(d+delta)*(math.Ldexp(1, -12)+dd)+delta/sigma) + halfUnit12 + slack
		}
	}
	return func(k, j int) float64 {
		switch k {
		case 0:
			return yTol[j]
		case 1:
			return delta + slack
		}
		return invTol[j]
	}
}

// TestFixedVsFloat compares the integer program (default settings, scale
// 12) with the float reference on random inputs (fixed seed) drawn on the
// 2^-12 grid. Stated tolerances (each derived next to its tolFunc):
//
//   - Gemm, MatMul and Conv with run-time operands: products are exact at
//     scale 24 and rounded once to 12 → 2^-13; Gemm's beta/alpha = 1.4
//     factor on the bias adds at most 0.25·(1.4|C|·2^-29 + 2^-25) < 2^-24.
//   - MaxPool: exact. AveragePool: one rounded division → 2^-13.
//   - Sigmoid/Tanh/Erf: L·2^-(ts+1) + 2^-13 + saturation (L = 1/4, 1,
//     2/√π; ts = 6, 7, 8; saturation σ(−16) < 1.2e-7, 1 − tanh 8 < 2.3e-7,
//     1 − erf 4 < 1.6e-8).
//   - Gelu: |x|·(0.39894·2^-8 + 2^-17) + 2^-13.
//   - Softmax: interval bound (softmaxTol); LayerNormalization: first-order
//     bound per element (layerNormTol).
func TestFixedVsFloat(t *testing.T) {
	gemmTol := constTol(halfUnit12 + math.Ldexp(1, -24))
	for _, c := range []struct {
		name   string
		lo, hi float64
		tol    tolFunc
	}{
		{"test_gemm_default_matrix_bias", -2, 2, gemmTol},
		{"test_gemm_all_attributes", -2, 2, gemmTol},
		{"test_gemm_transposeA", -2, 2, gemmTol},
		{"test_gemm_default_single_elem_vector_bias", -2, 2, gemmTol},
		{"test_matmul_3d", -2, 2, constTol(halfUnit12)},
		{"test_basic_conv_with_padding", -2, 2, constTol(halfUnit12)},
		{"test_conv_with_strides_and_asymmetric_padding", -2, 2, constTol(halfUnit12)},
		{"test_convtranspose", -2, 2, constTol(halfUnit12)},
		{"test_maxpool_2d_default", -8, 8, constTol(0)},
		{"test_maxpool_2d_precomputed_pads", -8, 8, constTol(0)},
		{"test_maxpool_3d_dilations", -8, 8, constTol(0)},
		{"test_averagepool_2d_default", -8, 8, constTol(halfUnit12)},
		{"test_averagepool_2d_pads_count_include_pad", -8, 8, constTol(halfUnit12)},
		{"test_averagepool_3d_dilations_small", -8, 8, constTol(halfUnit12)},
		{"test_globalaveragepool", -8, 8, constTol(halfUnit12)},
		{"test_sigmoid", -20, 20, lipschitzTol(fxmath.Sigmoid, 6, 0.25, 1.2e-7)},
		{"test_tanh", -12, 12, lipschitzTol(fxmath.Tanh, 7, 1, 2.3e-7)},
		{"test_erf", -6, 6, lipschitzTol(fxmath.Erf, 8, 2/math.Sqrt(math.Pi), 1.6e-8)},
		{"test_gelu_default_1", -6, 6, geluTol(fxmath.NormCDF)},
		{"test_gelu_tanh_2", -6, 6, geluTol(fxmath.GeluTanhGate)},
		{"test_softmax_default_axis", -10, 10, softmaxTol},
		{"test_softmax_axis_0", -10, 10, softmaxTol},
		{"test_softmax_negative_axis", -3, 3, softmaxTol},
		{"test_layer_normalization_default_axis", -4, 4, layerNormTol},
		{"test_layer_normalization_2d_axis0", -4, 4, layerNormTol},
		{"test_layer_normalization_3d_axis2_epsilon", -4, 4, layerNormTol},
		{"test_layer_normalization_4d_axis2", -4, 4, layerNormTol},
	} {
		t.Run(c.name, func(t *testing.T) {
			cc := loadCase(t, c.name)
			p, err := Compile(cc.g, nil)
			if err != nil {
				t.Fatal(err)
			}
			for i := range cc.g.Inputs {
				if p.Tensors[p.Inputs[i]].Scale != 12 {
					t.Fatalf("input %d at scale %d", i, p.Tensors[p.Inputs[i]].Scale)
				}
			}
			rng := rand.New(rand.NewSource(int64(len(c.name))))
			worst, worstRatio := 0.0, 0.0
			for trial := 0; trial < 8; trial++ {
				ins := gridInputs(rng, cc.g, p, c.lo, c.hi)
				env, err := cc.g.Eval(ins)
				if err != nil {
					t.Fatal(err)
				}
				ref := cc.g.OutputsOf(env)
				w, err := p.Eval(ins)
				if err != nil {
					t.Fatal(err)
				}
				tol := c.tol(t, cc.g, p, ins, ref)
				for k, got := range p.Decode(w) {
					for j := range ref[k].Len() {
						d := math.Abs(got.At(j) - ref[k].At(j))
						if lim := tol(k, j); d > lim {
							t.Fatalf("trial %d output %d element %d: fixed %v, float %v: |err| = %.3g > %.3g", trial, k, j, got.At(j), ref[k].At(j), d, lim)
						} else if lim > 0 {
							worstRatio = math.Max(worstRatio, d/lim)
						}
						worst = math.Max(worst, d)
					}
				}
			}
			t.Logf("max |err| %.3g, max err/tolerance %.2f", worst, worstRatio)
		})
	}
}

// ---------------------------------------------------------------- static bounds

// shadowEval runs a program's ops without EvalInts' bound checks, so the
// value each op really produces can be compared with its tensor's Bits. It
// stops where EvalInts must stop: at the first tensor with an enforced
// (Checked) bound that a value exceeds, returned as stop. A tensor with a
// static bound (not Checked) that a value exceeds, while every tensor before
// it held its bound, is an unsound bound and is listed in unsound.
func shadowEval(p *Program, inputs [][]int64) (vals [][]int64, stop string, unsound []string, err error) {
	vals = make([][]int64, len(p.Tensors))
	for id, v := range p.Consts {
		vals[id] = v
	}
	for k, id := range p.Inputs {
		vals[id] = inputs[k]
	}
	for _, op := range p.Ops {
		in := make([][]int64, len(op.Ins()))
		for i, id := range op.Ins() {
			in[i] = vals[id]
		}
		out, err := op.eval(p, in)
		if err != nil {
			return nil, "", unsound, fmt.Errorf("%s → %q: %w", op.Kind(), p.Tensors[op.Out()].Name, err)
		}
		id := op.Out()
		vals[id] = out
		x := p.Tensors[id]
		limit := int64(1) << (x.Bits - 1)
		for _, v := range out {
			if v >= limit || v <= -limit {
				if x.Checked {
					return vals, x.Name, unsound, nil
				}
				unsound = append(unsound, fmt.Sprintf("tensor %d %q (%s) = %d exceeds its static bound of %d bits", id, x.Name, op.Kind(), v, x.Bits))
				break
			}
		}
	}
	return vals, "", unsound, nil
}

// boundInputs draws integer inputs inside each input tensor's declared bound
// |v| ≤ 2^(Bits−1) − 1 (the whole range QuantizeInputs accepts), mixing
// extremes, since interval bounds are reached at the corners.
func boundInputs(rng *rand.Rand, p *Program, data [][]float64, mode int) [][]int64 {
	ins := make([][]int64, len(p.Inputs))
	for k, id := range p.Inputs {
		t := p.Tensors[id]
		m := int64(1)<<(t.Bits-1) - 1
		v := make([]int64, t.Len())
		for j := range v {
			switch {
			case t.DType == model.Bool:
				v[j] = rng.Int63n(2)
			case t.DType == model.Int && mode%2 == 0 && k < len(data) && j < len(data[k]):
				v[j] = int64(data[k][j]) // valid indices
			default:
				switch mode % 7 {
				case 0:
					v[j] = rng.Int63n(2*m+1) - m
				case 1:
					v[j] = []int64{-m, m}[rng.Intn(2)]
				case 2:
					v[j] = rng.Int63n(m + 1)
				case 3:
					v[j] = m
				case 4:
					v[j] = -m
				case 5:
					v[j] = []int64{-m, 0, m, rng.Int63n(2*m+1) - m, rng.Int63n(64) - 32}[rng.Intn(5)]
				case 6: // modest reals, |x| ≤ 4
					r := min(m, int64(4)<<t.Scale)
					v[j] = rng.Int63n(2*r+1) - r
				}
			}
		}
		ins[k] = v
	}
	return ins
}

// dataFor returns the conformance data of the graph's runtime inputs.
func dataFor(c confCase) [][]float64 {
	var out [][]float64
	for i, v := range c.g.ModelInputs {
		if _, bound := c.g.Bound[v.Name]; !bound && i < len(c.data) {
			out = append(out, c.data[i])
		}
	}
	return out
}

// TestBitsSound: for every conformance model and every fixture model,
// under several settings, on many inputs anywhere within the declared input
// bounds, every tensor whose bound is static (not Checked) really holds its
// values: max |v| < 2^(Bits−1). Checked tensors may exceed theirs, and then
// EvalInts must fail naming one; otherwise EvalInts must agree with the
// unchecked evaluation exactly.
func TestBitsSound(t *testing.T) {
	small := DefaultSettings()
	small.Scale, small.InputRange, small.TableBits, small.ConstBits = 6, 4, 8, 10
	tight := DefaultSettings()
	tight.Scale, tight.InputRange, tight.MaxBits = 8, 16, 32
	type target struct {
		name string
		g    *model.Graph
		data [][]float64
	}
	var targets []target
	for _, c := range allCases(t) {
		targets = append(targets, target{c.name, c.g, dataFor(c)})
	}
	for name, g := range fixtureGraphs(t) {
		targets = append(targets, target{name, g, nil})
	}
	rng := rand.New(rand.NewSource(7))
	for si, s := range []*Settings{DefaultSettings(), small, tight} {
		compiled, total := 0, 0
		for _, tg := range targets {
			p, err := Compile(tg.g, s)
			if err != nil {
				continue // e.g. an input range too wide for max_bits
			}
			compiled++
			elems := 0
			for _, x := range p.Tensors {
				elems += x.Len()
			}
			samples := 28
			if elems > 20000 {
				samples = 7
			}
			evaluated := 0
			for k := 0; k < samples; k++ {
				ins := boundInputs(rng, p, tg.data, k)
				vals, stop, unsound, err := shadowEval(p, ins)
				for _, u := range unsound {
					t.Errorf("settings %d %s: %s", si, tg.name, u)
				}
				if err != nil {
					// an intermediate that leaves int64's budget is allowed
					// only where the op's output bound is enforced anyway;
					// anything else is a domain error (√ of a negative,
					// division by zero, an index out of range …)
					if strings.Contains(err.Error(), "63 bits") && !checkedNamed(p, err.Error()) {
						t.Errorf("settings %d %s: %v", si, tg.name, err)
					}
					if _, err2 := p.EvalInts(ins); err2 == nil {
						t.Errorf("settings %d %s: EvalInts succeeded where an op fails: %v", si, tg.name, err)
					}
					continue
				}
				evaluated++
				total++
				w, err := p.EvalInts(ins)
				switch {
				case stop != "" && err == nil:
					t.Errorf("settings %d %s: checked tensor %q exceeds its bound but EvalInts succeeded", si, tg.name, stop)
				case stop != "" && !strings.Contains(err.Error(), fmt.Sprintf("%q", stop)):
					t.Errorf("settings %d %s: EvalInts error %q does not name %q", si, tg.name, err, stop)
				case stop == "" && err != nil:
					t.Errorf("settings %d %s: EvalInts: %v", si, tg.name, err)
				case stop == "" && !reflect.DeepEqual(w.Values, vals):
					t.Errorf("settings %d %s: EvalInts differs from the unchecked evaluation", si, tg.name)
				}
			}
			if evaluated == 0 && !strings.Contains(tg.name, "sqrt") && !strings.Contains(tg.name, "exp") {
				t.Logf("settings %d %s: no sample evaluated", si, tg.name)
			}
		}
		t.Logf("settings %d: %d of %d programs compiled, %d samples evaluated in full", si, compiled, len(targets), total)
	}
}

// TestRescaleIntermediateOverflowBug: a Rescale by a factor ≠ 1 (Gemm's
// alpha with run-time operands) uses D = 2^(from−to+16) and M ≈ alpha·2^16,
// and evaluates x·M in int64. With operands at scale 20 the accumulator is
// at scale 40: a = b = [15 15 15 15] (declared range ±16, 26-bit inputs)
// give acc = 900·2^40 ≈ 2^49.8 (53-bit bound, not checked) and
// y = 0.25·900 = 225 (921600 at scale 12, within y's static 24-bit bound,
// not checked), but x·M = 2^49.8·2^14 exceeds 2^62, so Eval fails with
// "an intermediate value exceeds 63 bits": the static bounds promise a
// value the evaluator cannot produce (a circuit over a large field could).
func TestRescaleIntermediateOverflowBug(t *testing.T) {
	g := graph(t, []model.Value{{Name: "a", DType: model.Float, Shape: []int{1, 4}}, {Name: "b", DType: model.Float, Shape: []int{4, 1}}}, nil,
		[]*model.Node{{Name: "gemm", Op: &model.Gemm{Alpha: 0.25, Beta: 1}, Inputs: []string{"a", "b"}, Outputs: []string{"y"}}}, "y")
	s := DefaultSettings()
	s.Scales = map[string]int{"a": 20, "b": 20}
	s.InputRange = 16
	p, err := Compile(g, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range p.Tensors {
		if x.Checked {
			t.Fatalf("tensor %q is checked; the point is that every bound here is static", x.Name)
		}
	}
	// small values work: 4·(4·4)·0.25 = 16
	w, err := p.Eval([]*model.Tensor{floatT([]int{1, 4}, 4, 4, 4, 4), floatT([]int{4, 1}, 4, 4, 4, 4)})
	if err != nil || p.Decode(w)[0].F[0] != 16 {
		t.Fatalf("a = b = 4: %v", err)
	}
	w, err = p.Eval([]*model.Tensor{floatT([]int{1, 4}, 15, 15, 15, 15), floatT([]int{4, 1}, 15, 15, 15, 15)})
	if err != nil {
		t.Fatalf("a = b = 15 (within ±16): %v", err)
	}
	if got := p.Decode(w)[0].F[0]; got != 225 {
		t.Fatalf("y = %v; want 225", got)
	}
}

func checkedNamed(p *Program, msg string) bool {
	for _, x := range p.Tensors {
		if x.Checked && strings.Contains(msg, fmt.Sprintf("%q", x.Name)) {
			return true
		}
	}
	return false
}

// ---------------------------------------------------------------- LayerNorm epsilon

func layerNormGraph(t testing.TB, eps float64) *model.Graph {
	return graph(t, []model.Value{{Name: "x", DType: model.Float, Shape: []int{1, 4}}},
		map[string]*model.Tensor{"g": floatT([]int{4}, 1, 1, 1, 1), "b": floatT([]int{4}, 0, 0, 0, 0)},
		[]*model.Node{{Name: "ln", Op: &model.LayerNorm{Axis: -1, Epsilon: eps, Stats: true}, Inputs: []string{"x", "g", "b"}, Outputs: []string{"y", "mean", "inv"}}},
		"y", "mean", "inv")
}

// TestLayerNormEpsilon: ε is added at twice x's scale and rounded up to one
// unit when it would quantise to 0, so a constant row (variance 0) still
// has a finite reciprocal square root.
//
// At scale 4, ε is quantised at 2^8: 1e-9·256 = 2.6e-7 → 0 → 1 unit (2^-8).
// For x = [1 1 1 1]: mean 16 (scale 4), d = 0, var = 0, v = 0 + 1 = 1;
// r = ⌊√(2^K/1)⌋ with K = 2·4 + 2·4 = 16 → 256 at scale 4 = 16 = 1/√(2^-8);
// y = 0·… + 0 = 0.
// At scale 12, 1e-5·2^24 = 167.77 → 168 (not raised), and ε = 0 → 1.
func TestLayerNormEpsilon(t *testing.T) {
	for _, c := range []struct {
		eps   float64
		scale int
		want  int64
	}{
		{1e-9, 4, 1},
		{0, 4, 1},
		{1e-5, 12, 168},
		{1e-5, 4, 1}, // 1e-5·2^8 = 0.00256 → 0 → 1
		{0.1, 4, 26}, // 25.6 → 26
	} {
		s := DefaultSettings()
		s.Scale = c.scale
		p, err := Compile(layerNormGraph(t, c.eps), s)
		if err != nil {
			t.Fatal(err)
		}
		id := tensorNamed(t, p, "y/epsilon")
		if p.Tensors[id].Scale != 2*c.scale || !slices.Equal(p.Consts[id], []int64{c.want}) {
			t.Errorf("ε = %g at scale %d: epsilon constant %v at scale %d; want [%d] at scale %d",
				c.eps, c.scale, p.Consts[id], p.Tensors[id].Scale, c.want, 2*c.scale)
		}
		if c.scale != 4 || c.want != 1 {
			continue
		}
		w, err := p.Eval([]*model.Tensor{floatT([]int{1, 4}, 1, 1, 1, 1)})
		if err != nil {
			t.Fatalf("ε = %g, constant row: %v", c.eps, err)
		}
		for _, e := range []struct {
			name string
			want []int64
		}{
			{"mean", []int64{16}},
			{"y/var", []int64{0}},
			{"y/var_eps", []int64{1}},
			{"inv", []int64{256}},
			{"y", []int64{0, 0, 0, 0}},
		} {
			if got := w.Values[tensorNamed(t, p, e.name)]; !slices.Equal(got, e.want) {
				t.Errorf("ε = %g: %s = %v; want %v", c.eps, e.name, got, e.want)
			}
		}
	}
}

// TestHandLayerNorm: x = [1, 2, 3, 6] at scale 4, γ = 1, β = 0, ε = 0 (→ one
// unit, 2^-8):
//
//	x → [16, 32, 48, 96]; Σ = 192, mean = 192/4 = 48 (3.0)
//	d = [−32, −16, 0, 48]; d² = [1024, 256, 0, 2304], Σ = 3584, var = 896 (3.5 at 2^8)
//	v = 897; K = 16: r = ⌊√(65536/897)⌋ = ⌊√73.06⌋ = 8 (8²·897 = 57408 ≤ 65536 < 81·897)
//	normalized = round(d·8 / 2^4) at scale 4: −256/16 = −16; −128/16 = −8; 0; 384/16 = 24
//	γ = 1 is a constant at scale 14 (2^14 ≤ 2^15 − 1): 16384
//	scaled = round(n·16384/2^14) = n; + β (0) = [−16, −8, 0, 24] → [−1, −0.5, 0, 1.5]
//
// (float: σ = √3.5 = 1.8708 → [−1.069, −0.535, 0, 1.604]; the integer r = 8
// (0.5) versus 1/σ = 0.5345 is the documented floor of the reciprocal square
// root at scale 4.)
func TestHandLayerNorm(t *testing.T) {
	s := DefaultSettings()
	s.Scale = 4
	p, err := Compile(layerNormGraph(t, 0), s)
	if err != nil {
		t.Fatal(err)
	}
	w, err := p.Eval([]*model.Tensor{floatT([]int{1, 4}, 1, 2, 3, 6)})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []struct {
		name string
		want []int64
	}{
		{"x", []int64{16, 32, 48, 96}},
		{"y/mean/sum", []int64{192}},
		{"mean", []int64{48}},
		{"y/centered", []int64{-32, -16, 0, 48}},
		{"y/squared", []int64{1024, 256, 0, 2304}},
		{"y/var/sum", []int64{3584}},
		{"y/var", []int64{896}},
		{"y/var_eps", []int64{897}},
		{"inv", []int64{8}},
		{"y/normalized", []int64{-16, -8, 0, 24}},
		{"g", []int64{16384, 16384, 16384, 16384}},
		{"y", []int64{-16, -8, 0, 24}},
	} {
		if got := w.Values[tensorNamed(t, p, e.name)]; !slices.Equal(got, e.want) {
			t.Errorf("%s = %v; want %v", e.name, got, e.want)
		}
	}
}

// ---------------------------------------------------------------- settings

func TestSettingsValidate(t *testing.T) {
	if err := DefaultSettings().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	good := []func(*Settings){
		func(s *Settings) { s.Scale = 0 },
		func(s *Settings) { s.Scale = 24 },
		func(s *Settings) { s.InputRange = 1 << 30 },
		func(s *Settings) { s.InputRange = 1e-3 },
		func(s *Settings) { s.ActivationRange = 1 },
		func(s *Settings) { s.ActivationRange = 1 << 30 },
		func(s *Settings) { s.ConstBits = 2 },
		func(s *Settings) { s.ConstBits = 30 },
		func(s *Settings) { s.MaxConstScale = 0 },
		func(s *Settings) { s.MaxConstScale = 30 },
		func(s *Settings) { s.TableBits = 6 },
		func(s *Settings) { s.TableBits = 16 },
		func(s *Settings) { s.MaxBits = 16 },
		func(s *Settings) { s.MaxBits = 62 },
		func(s *Settings) { s.Scales = map[string]int{"a": 0, "b": 24} },
		func(s *Settings) { s.InputRanges = map[string]float64{"x": 1 << 30} },
	}
	for i, f := range good {
		s := DefaultSettings()
		f(s)
		if err := s.Validate(); err != nil {
			t.Errorf("good %d: %v", i, err)
		}
	}
	bad := map[string]func(*Settings){
		"format":            func(s *Settings) { s.Format = "zkai-settings/2" },
		"empty format":      func(s *Settings) { s.Format = "" },
		"scale -1":          func(s *Settings) { s.Scale = -1 },
		"scale 25":          func(s *Settings) { s.Scale = 25 },
		"input_range 0":     func(s *Settings) { s.InputRange = 0 },
		"input_range -1":    func(s *Settings) { s.InputRange = -1 },
		"input_range NaN":   func(s *Settings) { s.InputRange = math.NaN() },
		"input_range Inf":   func(s *Settings) { s.InputRange = math.Inf(1) },
		"input_range 2^30+": func(s *Settings) { s.InputRange = 1<<30 + 1 },
		"activation 0.5":    func(s *Settings) { s.ActivationRange = 0.5 },
		"activation NaN":    func(s *Settings) { s.ActivationRange = math.NaN() },
		"activation 2^30+":  func(s *Settings) { s.ActivationRange = 1<<30 + 1 },
		"const_bits 1":      func(s *Settings) { s.ConstBits = 1 },
		"const_bits 31":     func(s *Settings) { s.ConstBits = 31 },
		"max_const_scale":   func(s *Settings) { s.MaxConstScale = -1 },
		"max_const_scale+":  func(s *Settings) { s.MaxConstScale = 31 },
		"table_bits 5":      func(s *Settings) { s.TableBits = 5 },
		"table_bits 17":     func(s *Settings) { s.TableBits = 17 },
		"max_bits 15":       func(s *Settings) { s.MaxBits = 15 },
		"max_bits 63":       func(s *Settings) { s.MaxBits = 63 },
		"scales -1":         func(s *Settings) { s.Scales = map[string]int{"x": -1} },
		"scales 25":         func(s *Settings) { s.Scales = map[string]int{"x": 25} },
		"input_ranges 0":    func(s *Settings) { s.InputRanges = map[string]float64{"x": 0} },
		"input_ranges NaN":  func(s *Settings) { s.InputRanges = map[string]float64{"x": math.NaN()} },
		"input_ranges big":  func(s *Settings) { s.InputRanges = map[string]float64{"x": 1 << 31} },
	}
	g := gemmGraph(t, []float64{1, 1}, 0)
	for name, f := range bad {
		s := DefaultSettings()
		f(s)
		if err := s.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := Compile(g, s); err == nil {
			t.Errorf("%s: Compile accepted", name)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	// the default ±65536 at scale 12 needs 30 bits; max_bits 20 cannot hold the input
	s := DefaultSettings()
	s.MaxBits = 20
	if _, err := Compile(gemmGraph(t, []float64{1, 1}, 0), s); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Errorf("input wider than max_bits: %v", err)
	}
	// a per-input range narrows it enough: 16·2^12 = 2^16 → 18 bits
	s.InputRanges = map[string]float64{"x": 16}
	p, err := Compile(gemmGraph(t, []float64{1, 1}, 0), s)
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Tensors[p.Inputs[0]].Bits; b != 18 {
		t.Errorf("input bits %d; want 18 (|v| ≤ 2^16 < 2^17)", b)
	}
	// an op without a fixed-point form
	g := graph(t, []model.Value{{Name: "x", DType: model.Float, Shape: []int{2}}}, nil,
		[]*model.Node{{Name: "n", Op: &model.PowConst{Exponent: 3.5}, Inputs: []string{"x"}, Outputs: []string{"y"}}}, "y")
	if _, err := Compile(g, nil); err == nil || !strings.Contains(err.Error(), "no fixed-point form") {
		t.Errorf("Pow 3.5: %v", err)
	}
	// division by the constant zero
	g = graph(t, []model.Value{{Name: "x", DType: model.Float, Shape: []int{2}}}, map[string]*model.Tensor{"z": floatT(nil, 0)},
		[]*model.Node{{Name: "d", Op: &model.Binary{Kind: model.Div}, Inputs: []string{"x", "z"}, Outputs: []string{"y"}}}, "y")
	if _, err := Compile(g, nil); err == nil {
		t.Error("x/0 compiled")
	}
}

// TestRescaleFactorSign: a Gemm whose alpha is negative and whose operands
// are both run-time tensors cannot fold alpha into a constant, so alpha
// becomes the output rescale's factor, a negative M (Rescale's contract: M ≠ 0,
// D ≥ 1). a = [1, 2], b = [3, −1] at scale 12: acc = 4096·12288 − 8192·4096
// = 2^24 (1.0 at 2^24); M = round(−0.5·2^(12−24+28)) = −32768, D = 2^28:
// floor((2^24·(−32768) + 2^27)/2^28) = floor(−2048 + 0.5) = −2048 → −0.5.
func TestRescaleFactorSign(t *testing.T) {
	g := graph(t, []model.Value{{Name: "a", DType: model.Float, Shape: []int{1, 2}}, {Name: "b", DType: model.Float, Shape: []int{2, 1}}}, nil,
		[]*model.Node{{Name: "gemm", Op: &model.Gemm{Alpha: -0.5, Beta: 1}, Inputs: []string{"a", "b"}, Outputs: []string{"y"}}}, "y")
	p, err := Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	// the value is still right: a = [1, 2], b = [3, −1]: −0.5·(3 − 2) = −0.5
	w, err := p.Eval([]*model.Tensor{floatT([]int{1, 2}, 1, 2), floatT([]int{2, 1}, 3, -1)})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Decode(w)[0].F[0]; got != -0.5 {
		t.Fatalf("y = %v; want -0.5", got)
	}
	r := p.Ops[len(p.Ops)-1].(*Rescale)
	if r.M != -32768 || !slices.Equal(r.D, []int64{1 << 28}) {
		t.Errorf("rescale M = %d, D = %v; want −32768, [2^28]", r.M, r.D)
	}
	if got := w.Values[p.Outputs[0]]; !slices.Equal(got, []int64{-2048}) {
		t.Errorf("y = %v; want [-2048]", got)
	}
}

func TestSettingsRoundTrip(t *testing.T) {
	in := []byte(`{
  "format": "zkai-settings/1",
  "scale": 10,
  "scales": {"x": 8, "y/acc": 20},
  "input_range": 4.5,
  "input_ranges": {"x": 2},
  "activation_range": 4096,
  "const_bits": 14,
  "max_const_scale": 20,
  "table_bits": 10,
  "max_bits": 48,
  "calibration": "data",
  "input_shapes": [[1, 4], [2]],
  "model_digest": "sha256:abc",
  "compile": {"optimise": [1, 2, {"deep": null}], "flag": true}
}`)
	s, err := ParseSettings(in)
	if err != nil {
		t.Fatal(err)
	}
	want := &Settings{Format: SettingsFormat, Scale: 10, Scales: map[string]int{"x": 8, "y/acc": 20}, InputRange: 4.5,
		InputRanges: map[string]float64{"x": 2}, ActivationRange: 4096, ConstBits: 14, MaxConstScale: 20, TableBits: 10, MaxBits: 48,
		Calibration: "data", InputShapes: [][]int{{1, 4}, {2}}}
	extra := s.Extra
	s.Extra = nil
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("parsed %+v\nwant   %+v", s, want)
	}
	s.Extra = extra
	if len(extra) != 2 || compact(t, extra["model_digest"]) != `"sha256:abc"` ||
		compact(t, extra["compile"]) != `{"optimise":[1,2,{"deep":null}],"flag":true}` {
		t.Fatalf("extra = %q", extra)
	}
	b, err := s.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := ParseSettings(b)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, b)
	}
	for k, v := range s2.Extra {
		if compact(t, v) != compact(t, s.Extra[k]) {
			t.Errorf("extra %q: %s; want %s", k, v, s.Extra[k])
		}
	}
	e1, e2 := s.Extra, s2.Extra
	s.Extra, s2.Extra = nil, nil
	if !reflect.DeepEqual(s, s2) || len(e1) != len(e2) {
		t.Fatalf("round trip changed the settings:\n%+v\n%+v", s, s2)
	}
	s.Extra, s2.Extra = e1, e2
	// Marshal is stable: sorted keys, same bytes the second time
	b2, err := s2.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, b2) {
		t.Errorf("Marshal not stable:\n%s\n%s", b, b2)
	}
	var keys []string
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.Token()
	for dec.More() {
		tok, _ := dec.Token()
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	if !slices.IsSorted(keys) || !slices.Contains(keys, "compile") || !slices.Contains(keys, "scale") {
		t.Errorf("keys %v: want sorted, with the extra fields", keys)
	}
	// defaults round-trip too, and omitted optional fields stay omitted
	d := DefaultSettings()
	b, err = d.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	d2, err := ParseSettings(b)
	if err != nil || !reflect.DeepEqual(d, d2) {
		t.Fatalf("defaults: %v\n%+v\n%+v", err, d, d2)
	}
	if strings.Contains(string(b), "scales") || strings.Contains(string(b), "input_shapes") {
		t.Errorf("empty optional fields written: %s", b)
	}
	// LoadSettings reads the same file
	path := filepath.Join(t.TempDir(), "settings.json")
	if err := os.WriteFile(path, in, 0o644); err != nil {
		t.Fatal(err)
	}
	s3, err := LoadSettings(path)
	if err != nil || s3.Scale != 10 || len(s3.Extra) != 2 {
		t.Fatalf("LoadSettings: %v %+v", err, s3)
	}
	if _, err := LoadSettings(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("missing file: no error")
	}
	// invalid JSON and invalid values
	for _, bad := range []string{`{`, `[]`, `{"format": "zkai-settings/1"}`, `{"format": "zkai-settings/1", "scale": 30, "input_range": 1, "activation_range": 1, "const_bits": 16, "table_bits": 12, "max_bits": 62}`, `{"scale": "x"}`} {
		if _, err := ParseSettings([]byte(bad)); err == nil {
			t.Errorf("ParseSettings(%s) accepted", bad)
		}
	}
}

func compact(t testing.TB, m json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
