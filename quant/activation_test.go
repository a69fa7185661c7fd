package quant

import (
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/zkai-dev/zkai/model"
)

func TestLogicOp(t *testing.T) {
	a, b := []int64{0, 0, 1, 1}, []int64{0, 1, 0, 1}
	mustRun(t, &Logic{io: ioN(1), Op: model.Not}, 4, []int64{1, 1, 0, 0}, a)
	mustRun(t, &Logic{io: ioN(2), Op: model.And}, 4, []int64{0, 0, 0, 1}, a, b)
	mustRun(t, &Logic{io: ioN(2), Op: model.Or}, 4, []int64{0, 1, 1, 1}, a, b)
	mustRun(t, &Logic{io: ioN(2), Op: model.Xor}, 4, []int64{0, 1, 1, 0}, a, b)
}

func TestRoundInt(t *testing.T) {
	// x/4 for x = −6 (−1.5), −2 (−0.5), −1, 0, 1, 2 (0.5), 5 (1.25), 6 (1.5), 10 (2.5)
	x := []int64{-6, -2, -1, 0, 1, 2, 5, 6, 10}
	mustRun(t, &RoundInt{io: ioN(1), Mode: RoundFloor, K: 2}, 9, []int64{-2, -1, -1, 0, 0, 0, 1, 1, 2}, x)
	mustRun(t, &RoundInt{io: ioN(1), Mode: RoundCeil, K: 2}, 9, []int64{-1, 0, 0, 0, 1, 1, 2, 2, 3}, x)
	mustRun(t, &RoundInt{io: ioN(1), Mode: RoundEven, K: 2}, 9, []int64{-2, 0, 0, 0, 0, 0, 1, 2, 2}, x)
	mustRun(t, &RoundInt{io: ioN(1), Mode: RoundEven}, 3, []int64{-3, 1, 2}, []int64{-3, 1, 2})
	// brute force against float64 rounding (exact for these magnitudes)
	for k := 0; k <= 5; k++ {
		for v := int64(-200); v <= 200; v++ {
			f := math.Ldexp(float64(v), -k)
			for m, want := range map[RoundMode]float64{RoundFloor: math.Floor(f), RoundCeil: math.Ceil(f), RoundEven: math.RoundToEven(f)} {
				got, err := runOp(&RoundInt{io: ioN(1), Mode: m, K: k}, 1, []int64{v})
				if err != nil || float64(got[0]) != want {
					t.Fatalf("mode %d, K=%d, x=%d: got %v, %v; want %v", m, k, v, got, err, want)
				}
			}
		}
	}
}

func TestModOp(t *testing.T) {
	a := []int64{7, -7, 7, -7, 6, 0, 3, -3}
	b := []int64{3, 3, -3, -3, -3, 5, 5, 5}
	mustRun(t, &Mod{io: ioN(2)}, 8, []int64{1, 2, -2, -1, 0, 0, 3, 2}, a, b)
	mustRun(t, &Mod{io: ioN(2), Fmod: true}, 8, []int64{1, -1, 1, -1, 0, 0, 3, -3}, a, b)
	mustFail(t, &Mod{io: ioN(2)}, 1, "Mod by zero", []int64{1}, []int64{0})
	for x := int64(-20); x <= 20; x++ {
		for y := int64(-7); y <= 7; y++ {
			if y == 0 {
				continue
			}
			r, _ := runOp(&Mod{io: ioN(2)}, 1, []int64{x}, []int64{y})
			f, _ := runOp(&Mod{io: ioN(2), Fmod: true}, 1, []int64{x}, []int64{y})
			fl := float64(x) - float64(y)*math.Floor(float64(x)/float64(y))
			if float64(r[0]) != fl || float64(f[0]) != math.Mod(float64(x), float64(y)) {
				t.Fatalf("%d mod %d: %d (fmod %d); want %v (fmod %v)", x, y, r[0], f[0], fl, math.Mod(float64(x), float64(y)))
			}
		}
	}
}

// TestActivationsVsFloat compiles each activation alone (default settings:
// input scale 12) and compares the fixed-point result with the float64
// reference on inputs on the scale-12 grid over [lo, hi]: exact where the
// lowering is exact, else within the stated tolerance tol·(1 + |want|),
// which covers the table's index resolution times the function's slope
// plus the roundings at scale 12.
func TestActivationsVsFloat(t *testing.T) {
	for _, c := range []struct {
		act    model.Activation
		lo, hi float64
		tol    float64
	}{
		{model.Activation{Fn: model.Elu, Alpha: 1}, -20, 20, 2e-3},
		{model.Activation{Fn: model.Elu, Alpha: 0.3}, -20, 20, 2e-3},
		{model.Activation{Fn: model.Selu, Alpha: 1.6732632, Gamma: 1.0507010}, -20, 20, 3e-3},
		{model.Activation{Fn: model.Celu, Alpha: 2}, -20, 20, 5e-3}, // α times the exp table's 2^−9
		{model.Activation{Fn: model.HardSigmoid, Alpha: 0.2, Beta: 0.5}, -10, 10, 1e-3},
		{model.Activation{Fn: model.HardSwish}, -10, 10, 1e-3},
		{model.Activation{Fn: model.Softplus}, -30, 30, 2e-3},
		{model.Activation{Fn: model.Softsign}, -100, 100, 1e-3},
		{model.Activation{Fn: model.Mish}, -30, 30, 1e-2}, // |x|·2^−10: the tanh table's index step near x ≈ −7
		{model.Activation{Fn: model.ThresholdedRelu, Alpha: 1}, -5, 5, 0},
		{model.Activation{Fn: model.Sign}, -5, 5, 0},
		{model.Activation{Fn: model.Abs}, -5, 5, 0},
		{model.Activation{Fn: model.Floor}, -5, 5, 0},
		{model.Activation{Fn: model.Ceil}, -5, 5, 0},
		{model.Activation{Fn: model.Round}, -5, 5, 0},
		{model.Activation{Fn: model.Reciprocal}, 0.25, 100, 1e-3},
		{model.Activation{Fn: model.Sinh}, -8, 8, 1e-2}, // the exp table's step 2^−6 over [−13, 33]
		{model.Activation{Fn: model.Cosh}, -8, 8, 1e-2},
		{model.Activation{Fn: model.Log}, 1.0 / 4096, 60000, 2e-4}, // m truncated to 13 bits: 2^−12 relative
		{model.Activation{Fn: model.Sin}, -100, 100, 4e-3},         // table step 2^−10, period error (100/2π)·2^−13
		{model.Activation{Fn: model.Cos}, -100, 100, 4e-3},
		{model.Activation{Fn: model.Tan}, -1.3, 1.3, 4e-3}, // the index step 2^−10 times 1/cos² ≤ 14
		{model.Activation{Fn: model.Asin}, -1, 1, 2.5e-2},  // √(2^−10) at ±1
		{model.Activation{Fn: model.Acos}, -1, 1, 2.5e-2},
		{model.Activation{Fn: model.Atan}, -1000, 1000, 1e-3},
		{model.Activation{Fn: model.IsNaN}, -5, 5, 0},
		{model.Activation{Fn: model.IsInf, Alpha: 1, Beta: 1}, -5, 5, 0},
	} {
		t.Run(c.act.Type(), func(t *testing.T) {
			in := model.Value{Name: "x", DType: model.Float, Shape: []int{64}}
			act := c.act
			g := graph(t, []model.Value{in}, nil, []*model.Node{{Name: "a", Op: &act, Inputs: []string{"x"}, Outputs: []string{"y"}}}, "y")
			p, err := Compile(g, nil)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewSource(int64(act.Fn)))
			worst := 0.0
			for trial := 0; trial < 16; trial++ {
				ins := gridInputs(rng, g, p, c.lo, c.hi)
				switch {
				case trial == 0: // the rounding boundaries and 0
					for j := range ins[0].F {
						ins[0].F[j] = math.Max(c.lo, math.Min(c.hi, float64(j-32)/4))
					}
				case trial == 1 && c.lo > 0: // every binade
					for j := range ins[0].F {
						v := math.Round(math.Ldexp(1+float64(j)/64, j/2)) // on the scale-12 grid
						ins[0].F[j] = math.Min(c.hi, math.Ldexp(v, -12))
					}
				}
				env, err := g.Eval(ins)
				if err != nil {
					t.Fatal(err)
				}
				want := g.OutputsOf(env)[0]
				w, err := p.Eval(ins)
				if err != nil {
					t.Fatal(err)
				}
				got := p.Decode(w)[0]
				for j := range want.Len() {
					d := math.Abs(got.At(j) - want.At(j))
					if d > c.tol*(1+math.Abs(want.At(j))) {
						t.Fatalf("x = %v: fixed %v, float %v", ins[0].F[j], got.At(j), want.At(j))
					}
					worst = math.Max(worst, d/(1+math.Abs(want.At(j))))
				}
			}
			t.Logf("max |err|/(1+|want|) = %.2g", worst)
		})
	}
}

// TestPReluVsFloat: a per-channel constant slope, and a run-time one.
func TestPReluVsFloat(t *testing.T) {
	x := model.Value{Name: "x", DType: model.Float, Shape: []int{2, 3, 4}}
	for _, run := range []bool{false, true} {
		slope := model.Value{Name: "slope", DType: model.Float, Shape: []int{3, 1}}
		ins, consts := []model.Value{x}, map[string]*model.Tensor{"slope": floatT([]int{3, 1}, 0.25, -1.5, 0.01)}
		if run {
			ins, consts = append(ins, slope), nil
		}
		g := graph(t, ins, consts, []*model.Node{{Name: "p", Op: &model.PRelu{}, Inputs: []string{"x", "slope"}, Outputs: []string{"y"}}}, "y")
		p, err := Compile(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewSource(3))
		feed := gridInputs(rng, g, p, -8, 8)
		env, err := g.Eval(feed)
		if err != nil {
			t.Fatal(err)
		}
		want := g.OutputsOf(env)[0]
		w, err := p.Eval(feed)
		if err != nil {
			t.Fatal(err)
		}
		got := p.Decode(w)[0]
		for j := range want.Len() {
			// the slope rounded to 16 bits, the product to scale 12
			if d := math.Abs(got.At(j) - want.At(j)); d > 1e-3*(1+math.Abs(want.At(j))) {
				t.Fatalf("run-time slope %v, element %d: fixed %v, float %v", run, j, got.At(j), want.At(j))
			}
		}
	}
}

func TestLogOp(t *testing.T) {
	// M = 2: Values = round(ln(1 + i/4)·2^4) = 0, 4, 6, 9; L = round(16 ln 2) = 11; input scale 1.
	op := &Log{io: ioN(1), M: 2, InScale: 1, Values: []int64{0, 4, 6, 9}, L: 11}
	// x = 1 (0.5): e = 0, m = 4 → 0 − 11; x = 2 (1): 0; x = 3: e = 1, m = 6 → 6;
	// x = 7: e = 2, m = 7 → 9 + 11; x = 9: e = 3, m = ⌊36/8⌋ = 4 → 22; x = 15: m = 7 → 9 + 22
	mustRun(t, op, 6, []int64{-11, 0, 6, 20, 22, 31}, []int64{1, 2, 3, 7, 9, 15})
	mustFail(t, op, 1, "non-positive", []int64{0})
	mustFail(t, op, 1, "non-positive", []int64{-3})
	for x := int64(1); x < 1<<20; x = x*3 + 1 {
		e, m := op.Normalise(x)
		if m < 4 || m >= 8 || x>>e != 1 || (e >= 2 && m != x>>(e-2)) || (e < 2 && m != x<<(2-e)) {
			t.Fatalf("Normalise(%d) = %d, %d", x, e, m)
		}
	}
}

// TestExtremumConstantOperand: a constant operand of Max/Min is quantised
// at the run-time input's scale, so the result keeps that scale.
func TestExtremumConstantOperand(t *testing.T) {
	x := model.Value{Name: "x", DType: model.Float, Shape: []int{4}}
	for _, isMin := range []bool{false, true} {
		g := graph(t, []model.Value{x}, map[string]*model.Tensor{"c": floatT([]int{1}, 0.1)},
			[]*model.Node{{Name: "m", Op: &model.Extremum{Min: isMin}, Inputs: []string{"x", "c"}, Outputs: []string{"y"}}}, "y")
		p, err := Compile(g, nil)
		if err != nil {
			t.Fatal(err)
		}
		if s := p.Tensors[p.Outputs[0]].Scale; s != 12 {
			t.Fatalf("output at scale %d; want the input's 12", s)
		}
		// 0.1 at scale 12 is 410
		w, err := p.EvalInts([][]int64{{-4096, 409, 410, 411}})
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{410, 410, 410, 411}
		if isMin {
			want = []int64{-4096, 409, 410, 410}
		}
		if got := w.Values[p.Outputs[0]]; !slices.Equal(got, want) {
			t.Fatalf("min=%v: %v; want %v", isMin, got, want)
		}
	}
}
