package quant

// Hand-computed integer results for every op of the fixed-point program.
//
// Every expected value below was worked out by hand from the op's doc
// comment (the arithmetic is written next to the non-obvious rows); none is
// produced by calling the implementation. Brute-force checks compare with
// independent formulations (math/big rationals, the defining inequalities).

import (
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant/fxmath"
)

// free is a Bits value that EvalInts does not check (Bits ≥ 64), so the op
// semantics are tested on their own.
const free = 64

// ioN is the io of an op reading tensors 0..n-1 and writing tensor n.
func ioN(n int) io {
	in := make([]int, n)
	for i := range in {
		in[i] = i
	}
	return io{In: in, Res: n}
}

// progFor builds a program whose inputs are ins (tensors 0..n-1, unchecked
// bounds, scale 0) and whose single op writes tensor n of outLen elements.
func progFor(op Op, outLen, outBits int, ins ...[]int64) *Program {
	p := &Program{Consts: map[int][]int64{}}
	for i, v := range ins {
		p.Tensors = append(p.Tensors, &Tensor{Name: "in" + string(rune('0'+i)), DType: model.Int, Shape: []int{len(v)}, Bits: free})
		p.Inputs = append(p.Inputs, i)
	}
	p.Tensors = append(p.Tensors, &Tensor{Name: "out", DType: model.Int, Shape: []int{outLen}, Bits: outBits})
	p.Outputs = []int{len(ins)}
	p.Ops = []Op{op}
	return p
}

// runOp evaluates a single op through EvalInts and returns its output.
func runOp(op Op, outLen int, ins ...[]int64) ([]int64, error) {
	p := progFor(op, outLen, free, ins...)
	w, err := p.EvalInts(ins)
	if err != nil {
		return nil, err
	}
	return w.Values[len(ins)], nil
}

func mustRun(t *testing.T, op Op, outLen int, want []int64, ins ...[]int64) {
	t.Helper()
	got, err := runOp(op, outLen, ins...)
	if err != nil {
		t.Fatalf("%s: %v", op.Kind(), err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s on %v = %v; want %v", op.Kind(), ins, got, want)
	}
}

func mustFail(t *testing.T, op Op, outLen int, substr string, ins ...[]int64) {
	t.Helper()
	got, err := runOp(op, outLen, ins...)
	if err == nil {
		t.Fatalf("%s on %v = %v; want an error", op.Kind(), ins, got)
	}
	if substr != "" && !strings.Contains(err.Error(), substr) {
		t.Fatalf("%s on %v: error %q does not mention %q", op.Kind(), ins, err, substr)
	}
}

// ---------------------------------------------------------------- helpers

func TestFloorDiv(t *testing.T) {
	for _, c := range []struct{ a, d, want int64 }{
		{7, 2, 3},
		{-7, 2, -4}, // Go's -7/2 is -3; floor is -4
		{-8, 2, -4},
		{-1, 3, -1},
		{1, 3, 0},
		{0, 5, 0},
		{-6, 4, -2}, // -1.5 → -2
		{math.MinInt64, 1, math.MinInt64},
		{math.MinInt64, 2, -(1 << 62)},
		{math.MinInt64 + 1, 2, -(1 << 62)}, // (-2^63+1)/2 = -2^62 + 0.5 → -2^62
		{math.MaxInt64, math.MaxInt64, 1},
		{-1, math.MaxInt64, -1},
		{math.MaxInt64, 2, 1<<62 - 1},
	} {
		if got := floorDiv(c.a, c.d); got != c.want {
			t.Errorf("floorDiv(%d, %d) = %d; want %d", c.a, c.d, got, c.want)
		}
	}
}

func TestRoundDiv(t *testing.T) {
	for _, c := range []struct {
		a, d, want int64
		ok         bool
	}{
		{5, 2, 3, true},   // 2.5 → 3
		{-5, 2, -2, true}, // -2.5 → -2 (half up)
		{-6, 4, -1, true}, // -6+2 = -4, floor(-4/4) = -1
		{-7, 4, -2, true}, // -7+2 = -5, floor(-5/4) = -2
		{-2, 4, 0, true},  // -0.5 → 0
		{4, 3, 1, true},   // 4+1 = 5, floor(5/3) = 1
		{5, 3, 2, true},   // 5+1 = 6 → 2
		{-5, 3, -2, true}, // -5+1 = -4, floor(-4/3) = -2
		{-4, 3, -1, true}, // -4+1 = -3 → -1
		{9, 1, 9, true},
		{-9, 1, -9, true},
		{1 << 62, 1, 1 << 62, true},
		{1<<62 - 1, 2, 1 << 61, true}, // 2^62-1+1 = 2^62 → 2^61
		// the intermediate a + ⌊d/2⌋ must stay within ±2^62 (addChecked's budget)
		{1 << 62, 2, 0, false}, // 2^62 + 1
		{1 << 62, 4, 0, false}, // 2^62 + 2
		{-(1 << 62), 2, -(1 << 61), true},
	} {
		got, ok := roundDiv(c.a, c.d)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("roundDiv(%d, %d) = %d, %v; want %d, %v", c.a, c.d, got, ok, c.want, c.ok)
		}
	}
	if _, ok := roundDiv(math.MaxInt64, 2); ok {
		t.Error("roundDiv(MaxInt64, 2) succeeded; want overflow")
	}
}

// TestRoundDivBrute checks floor((a + ⌊d/2⌋)/d) against two independent
// formulations: big.Int Euclidean division (= floor for d > 0) of the same
// numerator, and the defining inequality of "a/d rounded half up":
// q is the integer with d(2q−1) ≤ 2a < d(2q+1).
func TestRoundDivBrute(t *testing.T) {
	for a := int64(-50); a <= 50; a++ {
		for d := int64(1); d <= 9; d++ {
			got, ok := roundDiv(a, d)
			if !ok {
				t.Fatalf("roundDiv(%d, %d) overflowed", a, d)
			}
			want := new(big.Int).Div(big.NewInt(a+d/2), big.NewInt(d)).Int64()
			if got != want {
				t.Fatalf("roundDiv(%d, %d) = %d; big.Int floor gives %d", a, d, got, want)
			}
			if !(d*(2*got-1) <= 2*a && 2*a < d*(2*got+1)) {
				t.Fatalf("roundDiv(%d, %d) = %d is not %d/%d rounded half up", a, d, got, a, d)
			}
			// and the floor helper against big.Int directly
			if f, w := floorDiv(a, d), new(big.Int).Div(big.NewInt(a), big.NewInt(d)).Int64(); f != w {
				t.Fatalf("floorDiv(%d, %d) = %d; want %d", a, d, f, w)
			}
		}
	}
}

func TestMulChecked(t *testing.T) {
	for _, c := range []struct {
		a, b, want int64
		ok         bool
	}{
		{0, math.MinInt64, 0, true},
		{math.MaxInt64, 0, 0, true},
		{3, -4, -12, true},
		{-3, -4, 12, true},
		{1 << 31, 1 << 31, 1 << 62, true},           // exactly 2^62: allowed
		{-(1 << 31), 1 << 31, -(1 << 62), true},     // -2^62: allowed
		{1 << 31, 1<<31 + 1, 0, false},              // 2^62 + 2^31
		{1 << 40, 1 << 40, 0, false},                // 2^80
		{math.MinInt64, -1, 0, false},               // 2^63
		{math.MinInt64, 1, 0, false},                // -2^63 is beyond ±2^62
		{1 << 62, 1, 1 << 62, true},                 // boundary
		{1<<62 + 1, 1, 0, false},                    // just above
		{-(1 << 62), -1, 1 << 62, true},             // sign flip at the boundary
		{3037000499, 3037000499, 0, false},          // ≈ 2^63 − 3e9 > 2^62
		{2147483648, -2147483648, -(1 << 62), true}, // 2^31 · -2^31
	} {
		got, ok := mulChecked(c.a, c.b)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("mulChecked(%d, %d) = %d, %v; want %d, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
	}
}

func TestAddChecked(t *testing.T) {
	for _, c := range []struct {
		a, b, want int64
		ok         bool
	}{
		{1, 2, 3, true},
		{-5, 3, -2, true},
		{1 << 62, 0, 1 << 62, true},
		{1 << 62, 1, 0, false},
		{-(1 << 62), 0, -(1 << 62), true},
		{-(1 << 62), -1, 0, false},
		{1 << 61, 1 << 61, 1 << 62, true},
		{math.MaxInt64, 1, 0, false}, // wraps in Go
		{math.MinInt64, -1, 0, false},
		{math.MaxInt64, math.MinInt64, -1, true}, // exact: 2^63-1 - 2^63
		{math.MaxInt64, math.MaxInt64, 0, false},
	} {
		got, ok := addChecked(c.a, c.b)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("addChecked(%d, %d) = %d, %v; want %d, %v", c.a, c.b, got, ok, c.want, c.ok)
		}
	}
}

func TestShl(t *testing.T) {
	for _, c := range []struct {
		a    int64
		k    int
		want int64
		ok   bool
	}{
		{3, 0, 3, true},
		{3, 2, 12, true},
		{-3, 4, -48, true},
		{1, 62, 1 << 62, true},
		{2, 61, 1 << 62, true},
		{3, 61, 0, false},
		{1, 63, 0, false},
		{0, 62, 0, true},
	} {
		got, ok := shl(c.a, c.k)
		if ok != c.ok || (ok && got != c.want) {
			t.Errorf("shl(%d, %d) = %d, %v; want %d, %v", c.a, c.k, got, ok, c.want, c.ok)
		}
	}
}

// TestShlWideShiftBug: a shift of 64 or more computes int64(1)<<k = 0 in
// Go, so shl multiplies by 0 and reports success: x·2^64 silently becomes
// 0 instead of an overflow error (Add, Compare, Where, DivVar and Table all
// align operands with shl).
func TestShlWideShiftBug(t *testing.T) {
	for _, k := range []int{64, 65, 100} {
		if got, ok := shl(1, k); ok {
			t.Errorf("shl(1, %d) = %d, ok; want overflow", k, got)
		}
	}
	op := &Add{io: ioN(2), Shift: [2]int{64, 0}}
	mustFail(t, op, 1, "", []int64{1}, []int64{0})
}

// TestBoundBitsExact: boundBits(m) is documented as "the number of signed
// bits needed for magnitudes up to m": the least B with m < 2^(B−1), i.e.
// bits.Len(m)+1 for an integer m. The sound direction (never too small) is
// checked in TestBoundBitsSound; this test checks it is exact.
func TestBoundBitsExact(t *testing.T) {
	for _, m := range []int64{1, 2, 3, 7, 8, 255, 1<<23 - 1, 1 << 23, 1<<40 - 1} {
		want := bits.Len64(uint64(m)) + 1
		if got := boundBits(float64(m)); got != want {
			t.Errorf("boundBits(%d) = %d; want %d (|v| ≤ %d < 2^%d)", m, got, want, m, want-1)
		}
	}
	// A Relu cannot widen its input: its output needs exactly the input's Bits.
	g := graph(t, []model.Value{{Name: "x", DType: model.Float, Shape: []int{4}}}, nil,
		[]*model.Node{{Name: "r", Op: &model.Unary{Fn: model.Relu}, Inputs: []string{"x"}, Outputs: []string{"y"}}}, "y")
	p, err := Compile(g, nil)
	if err != nil {
		t.Fatal(err)
	}
	if in, out := p.Tensors[p.Inputs[0]].Bits, p.Tensors[p.Outputs[0]].Bits; in != out {
		t.Errorf("Relu widens %d bits to %d", in, out)
	}
}

// TestBoundBitsSound: boundBits never returns fewer bits than needed, and
// at most one more.
func TestBoundBitsSound(t *testing.T) {
	for m := int64(0); m < 5000; m++ {
		need := bits.Len64(uint64(m)) + 1
		if got := boundBits(float64(m)); got < need || got > need+1 {
			t.Fatalf("boundBits(%d) = %d; need %d", m, got, need)
		}
	}
	for k := 1; k < 62; k++ {
		for _, m := range []int64{1<<k - 1, 1 << k, 1<<k + 1} {
			need := bits.Len64(uint64(m)) + 1
			if got := boundBits(float64(m)); got < need || got > need+1 {
				t.Fatalf("boundBits(%d) = %d; need %d", m, got, need)
			}
		}
	}
	if boundBits(0.5) != 1 || boundBits(0) != 1 {
		t.Error("boundBits below 1 should be 1")
	}
}

// ---------------------------------------------------------------- Rescale

func TestRescale(t *testing.T) {
	for _, c := range []struct {
		name string
		x    []int64
		m    int64
		d    []int64
		want []int64
	}{
		// D = 2: 5+1 = 6 → 3; -5+1 = -4 → -2; -6+1 = -5 → floor(-2.5) = -3
		{"D=2", []int64{5, -5, 4, -4, -6, 0, 1, -1}, 1, []int64{2}, []int64{3, -2, 2, -2, -3, 0, 1, 0}},
		// D = 4: -6+2 = -4 → -1; -7+2 = -5 → -2; -2+2 = 0 → 0; 6+2 = 8 → 2; 5+2 = 7 → 1
		{"D=4", []int64{-6, -7, -2, 6, 5, -10}, 1, []int64{4}, []int64{-1, -2, 0, 2, 1, -2}},
		// D = 3 (odd): 4+1 = 5 → 1; 5+1 = 6 → 2; -5+1 = -4 → -2; -4+1 = -3 → -1; 1+1 = 2 → 0; 2+1 = 3 → 1
		{"D=3", []int64{4, 5, -5, -4, 1, 2}, 1, []int64{3}, []int64{1, 2, -2, -1, 0, 1}},
		// M = 3, D = 4: 5·3+2 = 17 → 4; -5·3+2 = -13 → -4; 2·3+2 = 8 → 2; -2·3+2 = -4 → -1
		{"M=3 D=4", []int64{5, -5, 2, -2}, 3, []int64{4}, []int64{4, -4, 2, -1}},
		// M = 8, D = 1: an exact left shift by 3
		{"M=8 D=1", []int64{5, -7, 0}, 8, []int64{1}, []int64{40, -56, 0}},
		// per-element D = [1, 2, 3, 4] on 5: 5; 6/2 = 3; 6/3 = 2; 7/4 → 1
		{"per-element", []int64{5, 5, 5, 5}, 1, []int64{1, 2, 3, 4}, []int64{5, 3, 2, 1}},
		// per-element with negatives: -5 → -5; -4/2 = -2; -4/3 → -2; -3/4 → -1
		{"per-element neg", []int64{-5, -5, -5, -5}, 1, []int64{1, 2, 3, 4}, []int64{-5, -2, -2, -1}},
		// M = −1, D = 1 (Neg): exact negation
		{"M=-1", []int64{5, -7, 0}, -1, []int64{1}, []int64{-5, 7, 0}},
		// M = −3, D = 4 (a negative factor): 5·−3+2 = −13 → −4 (−3.75); −5·−3+2 = 17 → 4;
		// 2·−3+2 = −4 → −1 (−1.5 half up); −2·−3+2 = 8 → 2 (1.5 half up)
		{"M=-3 D=4", []int64{5, -5, 2, -2}, -3, []int64{4}, []int64{-4, 4, -1, 2}},
		// M = 5, D = 16: 7·5+8 = 43 → 2; -7·5+8 = -27 → -2; 3·5+8 = 23 → 1
		{"M=5 D=16", []int64{7, -7, 3}, 5, []int64{16}, []int64{2, -2, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			mustRun(t, &Rescale{io: ioN(1), M: c.m, D: c.d}, len(c.x), c.want, c.x)
		})
	}
}

// TestRescaleBrute: out = floor((x·M + ⌊D/2⌋)/D) over a range, with the
// expected value from big.Rat (exact) floor(x·M/D + ⌊D/2⌋/D).
func TestRescaleBrute(t *testing.T) {
	var xs []int64
	for x := int64(-50); x <= 50; x++ {
		xs = append(xs, x)
	}
	for m := int64(1); m <= 5; m++ {
		for d := int64(1); d <= 9; d++ {
			got, err := runOp(&Rescale{io: ioN(1), M: m, D: []int64{d}}, len(xs), xs)
			if err != nil {
				t.Fatal(err)
			}
			for i, x := range xs {
				r := new(big.Rat).SetFrac64(x*m, d)
				r.Add(r, new(big.Rat).SetFrac64(d/2, d))
				want := new(big.Int).Div(r.Num(), r.Denom()).Int64() // Euclidean = floor, Denom > 0
				if got[i] != want {
					t.Fatalf("Rescale M=%d D=%d x=%d = %d; want %d", m, d, x, got[i], want)
				}
			}
		}
	}
}

func TestRescaleOverflow(t *testing.T) {
	// 2^30 · 2^40 = 2^70
	mustFail(t, &Rescale{io: ioN(1), M: 1 << 40, D: []int64{1}}, 1, "63 bits", []int64{1 << 30})
	// 2^62 + ⌊3/2⌋ leaves the 2^62 budget
	mustFail(t, &Rescale{io: ioN(1), M: 1, D: []int64{3}}, 1, "63 bits", []int64{1 << 62})
}

// ---------------------------------------------------------------- DivVar

func TestDivVar(t *testing.T) {
	for _, c := range []struct {
		name     string
		a, b     []int64
		sha, shb int
		want     []int64
	}{
		// 5/2 = 2.5 → 3; -5/2 → -2; 5/-2 = (-5)/2 → -2; -5/-2 = 5/2 → 3
		{"signs", []int64{5, -5, 5, -5}, []int64{2, 2, -2, -2}, 0, 0, []int64{3, -2, -2, 3}},
		// 7/-3 = -7/3: -7+1 = -6 → -2; -7/3: -6 → -2; 7/3: 8/3 → 2; 0/-3 → 0
		{"odd", []int64{7, -7, 7, 0}, []int64{-3, 3, 3, -3}, 0, 0, []int64{-2, -2, 2, 0}},
		// 1/-4 = -1/4: -1+2 = 1 → 0; -2/4 → 0 (half up); 2/-4 = -2/4 → 0; -3/4: -1 → -1; 6/-4 = -6/4: -4/4 = -1
		{"halves", []int64{1, -2, 2, -3, 6}, []int64{-4, 4, -4, 4, -4}, 0, 0, []int64{0, 0, 0, -1, -1}},
		// ShA = 2: N = 3·4 = 12, D = 2 → 6; N = -12, D = 5: -12+2 = -10 → -2 (-2.4)
		{"ShA", []int64{3, -3}, []int64{2, 5}, 2, 0, []int64{6, -2}},
		// ShB = 1: N = 3, D = 4: 3+2 = 5 → 1 (0.75); N = 3, D = -2: -3/2 = -1.5 → -1
		{"ShB", []int64{3, 3}, []int64{2, -1}, 0, 1, []int64{1, -1}},
		// both: N = 1·2^12, D = 3·2^0... softmax-like: 4096/3 = 1365.33 → 1365
		{"softmax-like", []int64{1, 2}, []int64{3, 3}, 12, 0, []int64{1365, 2731}}, // 8192/3 = 2730.67 → 2731
	} {
		t.Run(c.name, func(t *testing.T) {
			mustRun(t, &DivVar{io: ioN(2), ShA: c.sha, ShB: c.shb}, len(c.a), c.want, c.a, c.b)
		})
	}
}

// TestDivVarBrute: N/D rounded half up is floor(N/D + 1/2) (big.Rat).
func TestDivVarBrute(t *testing.T) {
	var as, bs []int64
	for a := int64(-30); a <= 30; a++ {
		for b := int64(-9); b <= 9; b++ {
			if b != 0 {
				as, bs = append(as, a), append(bs, b)
			}
		}
	}
	got, err := runOp(&DivVar{io: ioN(2)}, len(as), as, bs)
	if err != nil {
		t.Fatal(err)
	}
	half := big.NewRat(1, 2)
	for i := range as {
		r := new(big.Rat).SetFrac64(as[i], bs[i])
		r.Add(r, half)
		want := new(big.Int).Div(r.Num(), r.Denom()).Int64()
		if got[i] != want {
			t.Fatalf("DivVar %d/%d = %d; want %d", as[i], bs[i], got[i], want)
		}
	}
}

func TestDivVarErrors(t *testing.T) {
	mustFail(t, &DivVar{io: ioN(2)}, 2, "division by zero", []int64{1, 1}, []int64{1, 0})
	// 0 · 2^ShB is still zero
	mustFail(t, &DivVar{io: ioN(2), ShB: 5}, 1, "division by zero", []int64{1}, []int64{0})
	// N = 2^40 · 2^30 overflows
	mustFail(t, &DivVar{io: ioN(2), ShA: 30}, 1, "63 bits", []int64{1 << 40}, []int64{1})
}

// ---------------------------------------------------------------- Add, Mul, Compare, Where

func TestAddSub(t *testing.T) {
	a, b := []int64{3, -3, 0, 7}, []int64{1, 1, -2, -7}
	// no shift: a+b
	mustRun(t, &Add{io: ioN(2)}, 4, []int64{4, -2, -2, 0}, a, b)
	// Sub: a-b
	mustRun(t, &Add{io: ioN(2), Neg: true}, 4, []int64{2, -4, 2, 14}, a, b)
	// Shift{1,0}: 2a+b = 7, -5, -2, 7
	mustRun(t, &Add{io: ioN(2), Shift: [2]int{1, 0}}, 4, []int64{7, -5, -2, 7}, a, b)
	// Shift{0,3}, Neg: a − 8b = -5, -11, 16, 63
	mustRun(t, &Add{io: ioN(2), Shift: [2]int{0, 3}, Neg: true}, 4, []int64{-5, -11, 16, 63}, a, b)
	if k := (&Add{Neg: true}).Kind(); k != "Sub" {
		t.Errorf("Kind = %q; want Sub", k)
	}
	// overflow: 2^62 + 2^62, and 2·2^62 by shift
	mustFail(t, &Add{io: ioN(2)}, 1, "63 bits", []int64{1 << 62}, []int64{1 << 62})
	mustFail(t, &Add{io: ioN(2), Shift: [2]int{62, 0}}, 1, "63 bits", []int64{2}, []int64{0})
	// Sub of -2^62 - 1
	mustFail(t, &Add{io: ioN(2), Neg: true}, 1, "63 bits", []int64{-(1 << 62)}, []int64{1})
}

func TestMul(t *testing.T) {
	mustRun(t, &Mul{ioN(2)}, 4, []int64{-6, 6, 0, 1 << 62}, []int64{2, -2, 0, 1 << 31}, []int64{-3, -3, 99, 1 << 31})
	// 2^40 · 2^40 = 2^80: an error, never a wrapped value
	mustFail(t, &Mul{ioN(2)}, 1, "63 bits", []int64{1 << 40}, []int64{1 << 40})
	mustFail(t, &Mul{ioN(2)}, 1, "63 bits", []int64{-(1 << 40)}, []int64{1 << 40})
}

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		name  string
		a, b  []int64
		shift [2]int
		eq    []int64
		lt    []int64
		gt    []int64
	}{
		{"plain", []int64{1, 2, 3, -5}, []int64{2, 2, 2, -3}, [2]int{}, []int64{0, 1, 0, 0}, []int64{1, 0, 0, 1}, []int64{0, 0, 1, 0}},
		// Shift{1,0}: 2a = 6 vs 6, 5, 7
		{"shiftA", []int64{3, 3, 3}, []int64{6, 5, 7}, [2]int{1, 0}, []int64{1, 0, 0}, []int64{0, 0, 1}, []int64{0, 1, 0}},
		// Shift{0,1}: 4 vs 2b = 4, 2, 6; -3 vs -4 → greater
		{"shiftB", []int64{4, 4, 4, -3}, []int64{2, 1, 3, -2}, [2]int{0, 1}, []int64{1, 0, 0, 0}, []int64{0, 0, 1, 0}, []int64{0, 1, 0, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			mustRun(t, &Compare{io: ioN(2), Shift: c.shift, Op: model.Equal}, len(c.a), c.eq, c.a, c.b)
			mustRun(t, &Compare{io: ioN(2), Shift: c.shift, Op: model.Less}, len(c.a), c.lt, c.a, c.b)
			mustRun(t, &Compare{io: ioN(2), Shift: c.shift, Op: model.Greater}, len(c.a), c.gt, c.a, c.b)
		})
	}
	mustFail(t, &Compare{io: ioN(2), Shift: [2]int{40, 0}, Op: model.Less}, 1, "63 bits", []int64{1 << 30}, []int64{0})
}

func TestWhere(t *testing.T) {
	c, a, b := []int64{1, 0, 1, 0}, []int64{5, 6, 7, 8}, []int64{-1, -2, -3, -4}
	mustRun(t, &Where{io: ioN(3)}, 4, []int64{5, -2, 7, -4}, c, a, b)
	// Shift{0,2}: b·4 where c = 0 → 5, -8, 7, -16
	mustRun(t, &Where{io: ioN(3), Shift: [2]int{0, 2}}, 4, []int64{5, -8, 7, -16}, c, a, b)
	// Shift{1,0}: a·2 where c = 1 → 10, -2, 14, -4
	mustRun(t, &Where{io: ioN(3), Shift: [2]int{1, 0}}, 4, []int64{10, -2, 14, -4}, c, a, b)
	// the unselected branch is not shifted, so it cannot overflow
	mustRun(t, &Where{io: ioN(3), Shift: [2]int{0, 40}}, 1, []int64{1 << 40}, []int64{1}, []int64{1 << 40}, []int64{1 << 40})
	mustFail(t, &Where{io: ioN(3), Shift: [2]int{0, 40}}, 1, "63 bits", []int64{0}, []int64{1}, []int64{1 << 40})
}

// ---------------------------------------------------------------- Clamp, LeakyRelu

func TestClamp(t *testing.T) {
	x := []int64{-3, 0, 4, 9}
	relu := &Clamp{io: ioN(1), HasLo: true}
	mustRun(t, relu, 4, []int64{0, 0, 4, 9}, x)
	if relu.Kind() != "Relu" {
		t.Errorf("Kind = %q; want Relu", relu.Kind())
	}
	clip := &Clamp{io: ioN(1), Lo: -2, Hi: 3, HasLo: true, HasHi: true}
	mustRun(t, clip, 4, []int64{-2, 0, 3, 3}, x)
	if clip.Kind() != "Clip" {
		t.Errorf("Kind = %q; want Clip", clip.Kind())
	}
	// lo > hi: min(max(x, 5), 1) = 1 everywhere (ONNX semantics)
	mustRun(t, &Clamp{io: ioN(1), Lo: 5, Hi: 1, HasLo: true, HasHi: true}, 4, []int64{1, 1, 1, 1}, x)
	mustRun(t, &Clamp{io: ioN(1), Hi: 2, HasHi: true}, 4, []int64{-3, 0, 2, 2}, x)
	mustRun(t, &Clamp{io: ioN(1), Lo: 1, HasLo: true}, 4, []int64{1, 1, 4, 9}, x)
	mustRun(t, &Clamp{io: ioN(1)}, 4, x, x)
}

func TestLeakyRelu(t *testing.T) {
	// slope 0.5 = 32768/2^16: x ≥ 0 unchanged; x = -1: -32768+32768 = 0 → 0 (-0.5 → 0);
	// -2: -65536+32768 = -32768 → floor(-0.5) = -1; -3: -98304+32768 = -65536 → -1 (-1.5 → -1);
	// -4: -131072+32768 = -98304 → floor(-1.5) = -2
	mustRun(t, &LeakyRelu{io: ioN(1), A: 32768, K: 16}, 7, []int64{0, 5, 0, -1, -1, -2, 1 << 40},
		[]int64{0, 5, -1, -2, -3, -4, 1 << 40})
	// slope 0.1 → A = round(6553.6) = 6554: -10: -65540+32768 = -32772 → floor(-0.50006) = -1;
	// -5: -32770+32768 = -2 → -1 (-0.50003 → -1); -4: -26216+32768 = 6552 → 0
	mustRun(t, &LeakyRelu{io: ioN(1), A: 6554, K: 16}, 3, []int64{-1, -1, 0}, []int64{-10, -5, -4})
	// negative slope -2 (A = -4, K = 1): -3·-4 = 12, +1 = 13 → floor(13/2) = 6
	mustRun(t, &LeakyRelu{io: ioN(1), A: -4, K: 1}, 2, []int64{6, 3}, []int64{-3, 3})
	mustFail(t, &LeakyRelu{io: ioN(1), A: 1 << 40, K: 1}, 1, "63 bits", []int64{-(1 << 30)})
}

// ---------------------------------------------------------------- Move, Linear

func TestMove(t *testing.T) {
	// one input
	mustRun(t, &Move{io: ioN(1), Src: []int{2, 2, 0, -1}, Fill: -9}, 4, []int64{30, 30, 10, -9}, []int64{10, 20, 30})
	// two inputs laid end to end: [10, 11, 12, 13]
	mustRun(t, &Move{io: ioN(2), Src: []int{2, -1, 0, 3}, Fill: 7}, 4, []int64{12, 7, 10, 13}, []int64{10, 11}, []int64{12, 13})
	// three inputs, fill 0
	mustRun(t, &Move{io: ioN(3), Src: []int{4, 3, -1, 1}}, 4, []int64{5, 4, 0, 2}, []int64{1, 2}, []int64{3}, []int64{4, 5})
}

func TestLinear(t *testing.T) {
	// A = [1 2 3] (1×3), B = [[4 5] [6 7] [8 9]] (3×2, row-major [4 5 6 7 8 9]):
	// out[0] = 1·4 + 2·6 + 3·8 = 40; out[1] = 1·5 + 2·7 + 3·9 = 46
	terms := &model.Terms{Shape: []int{1, 2}, Start: []int{0, 3, 6},
		IA: []int32{0, 1, 2, 0, 1, 2}, IB: []int32{0, 2, 4, 1, 3, 5}, IC: []int{0, 1}, Alpha: 1, Beta: 1}
	a, b := []int64{1, 2, 3}, []int64{4, 5, 6, 7, 8, 9}
	noBias := *terms
	noBias.IC = nil
	mustRun(t, &Linear{io: ioN(2), T: &noBias}, 2, []int64{40, 46}, a, b)
	// bias C = [100, -50]: 140, -4
	mustRun(t, &Linear{io: ioN(3), T: terms}, 2, []int64{140, -4}, a, b, []int64{100, -50})
	// a broadcast bias (IC = [0, 0]): 40+7, 46+7
	bc := *terms
	bc.IC = []int{0, 0}
	mustRun(t, &Linear{io: ioN(3), T: &bc}, 2, []int64{47, 53}, a, b, []int64{7})
	// an output with no terms is just its bias
	empty := &model.Terms{Shape: []int{1}, Start: []int{0, 0}, IC: []int{0}}
	mustRun(t, &Linear{io: ioN(3), T: empty}, 1, []int64{-3}, []int64{}, []int64{}, []int64{-3})
	// overflow in a product, in the sum, and in the bias
	one := &model.Terms{Shape: []int{1}, Start: []int{0, 1}, IA: []int32{0}, IB: []int32{0}, IC: []int{0}}
	mustFail(t, &Linear{io: ioN(2), T: one}, 1, "63 bits", []int64{1 << 40}, []int64{1 << 40})
	two := &model.Terms{Shape: []int{1}, Start: []int{0, 2}, IA: []int32{0, 1}, IB: []int32{0, 0}}
	mustFail(t, &Linear{io: ioN(2), T: two}, 1, "63 bits", []int64{1 << 61, 1 << 61}, []int64{2})
	mustFail(t, &Linear{io: ioN(3), T: one}, 1, "63 bits", []int64{1 << 31}, []int64{1 << 31}, []int64{1})
}

// ---------------------------------------------------------------- reductions

func TestReduceSum(t *testing.T) {
	// groups [0,1], [2], [] on [3,4,5,6]: 7, 5, 0 (empty group → 0); [3,0] = 6+3
	mustRun(t, &ReduceSum{io: ioN(1), Groups: [][]int{{0, 1}, {2}, {}, {3, 0}}}, 4, []int64{7, 5, 0, 9}, []int64{3, 4, 5, 6})
	mustRun(t, &ReduceSum{io: ioN(1), Groups: [][]int{{0, 1, 2}}}, 1, []int64{-2}, []int64{-5, 0, 3})
	mustFail(t, &ReduceSum{io: ioN(1), Groups: [][]int{{0, 1}}}, 1, "63 bits", []int64{1 << 62, 1})
}

func TestReduceMax(t *testing.T) {
	x := []int64{-5, 9, 9, -1, -7}
	mustRun(t, &ReduceMax{io: ioN(1), Groups: [][]int{{0, 1, 2}, {3}, {4, 0}, {0, 4, 3}}}, 4, []int64{9, -1, -5, -1}, x)
}

func TestArgMax(t *testing.T) {
	x := []int64{3, 7, 7, 1}
	g := [][]int{{0, 1, 2, 3}}
	// ties go to the first maximum: position 1; with Last, position 2
	mustRun(t, &ArgMax{io: ioN(1), Groups: g}, 1, []int64{1}, x)
	mustRun(t, &ArgMax{io: ioN(1), Groups: g, Last: true}, 1, []int64{2}, x)
	// Labels replace the position
	lab := [][]int64{{10, 20, 30, 40}}
	mustRun(t, &ArgMax{io: ioN(1), Groups: g, Labels: lab}, 1, []int64{20}, x)
	mustRun(t, &ArgMax{io: ioN(1), Groups: g, Labels: lab, Last: true}, 1, []int64{30}, x)
	// positions are within the group's order: g = [3,2,1,0] reads 1,7,7,3 → first max at 1, last at 2
	rev := [][]int{{3, 2, 1, 0}}
	mustRun(t, &ArgMax{io: ioN(1), Groups: rev}, 1, []int64{1}, x)
	mustRun(t, &ArgMax{io: ioN(1), Groups: rev, Last: true}, 1, []int64{2}, x)
	// several groups, all equal → 0 (first) and len-1 (last)
	eq := []int64{4, 4, 4, -1, -1}
	groups := [][]int{{0, 1, 2}, {3, 4}}
	mustRun(t, &ArgMax{io: ioN(1), Groups: groups}, 2, []int64{0, 0}, eq)
	mustRun(t, &ArgMax{io: ioN(1), Groups: groups, Last: true}, 2, []int64{2, 1}, eq)
	// the strict maximum wins whatever Last says
	mustRun(t, &ArgMax{io: ioN(1), Groups: [][]int{{0, 1, 2}}, Last: true}, 1, []int64{0}, []int64{5, -1, 4})
}

// TestEmptyGroupBug: ReduceMax (and ArgMax with Labels) over an empty
// group index g[0] and panic instead of returning an error; ArgMax without
// Labels silently returns 0. The compiler never emits an empty max group
// (lowerReduce/lowerArgMax reject them), so this only affects hand-built or
// deserialised programs.
func TestEmptyGroupBug(t *testing.T) {
	for _, op := range []Op{
		&ReduceMax{io: ioN(1), Groups: [][]int{{}}},
		&ArgMax{io: ioN(1), Groups: [][]int{{}}},
		&ArgMax{io: ioN(1), Groups: [][]int{{}}, Labels: [][]int64{{}}},
	} {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s over an empty group panics: %v", op.Kind(), r)
				}
			}()
			if got, err := runOp(op, 1, []int64{1}); err == nil {
				t.Errorf("%s over an empty group = %v; want an error", op.Kind(), got)
			}
		}()
	}
}

// ---------------------------------------------------------------- Sqrt, Rsqrt

func TestSqrt(t *testing.T) {
	// y = floor(√N + 1/2): 0 → 0; 1 → 1; 2 → 1.91 → 1; 3 → 2.23 → 2; 6 → 2.95 → 2;
	// 7 → 3.15 → 3; 12 → 3.96 → 3; 13 → 4.11 → 4; squares are exact; 20 → 4.97 → 4;
	// 21 → 5.08 → 5 (the boundary is y²+y: (y+½)² = y²+y+¼)
	x := []int64{0, 1, 2, 3, 6, 7, 12, 13, 4, 9, 16, 25, 144, 20, 21, 1 << 40, 1<<40 + 1<<20}
	want := []int64{0, 1, 1, 2, 2, 3, 3, 4, 2, 3, 4, 5, 12, 4, 5, 1 << 20, 1 << 20}
	// 2^40 + 2^20 = (2^20)² + 2^20 = y²+y with y = 2^20: rounds down to 2^20
	mustRun(t, &Sqrt{io: ioN(1)}, len(x), want, x)
	// Up = 2: N = 4x: 3 → 12 → 3; 5 → 20 → 4; 1 → 4 → 2
	mustRun(t, &Sqrt{io: ioN(1), Up: 2}, 3, []int64{3, 4, 2}, []int64{3, 5, 1})
	mustFail(t, &Sqrt{io: ioN(1)}, 2, "negative", []int64{4, -1})
	// √(2^61 · 2^70) = 2^65.5 does not fit in int64
	mustFail(t, &Sqrt{io: ioN(1), Up: 70}, 1, "63 bits", []int64{1 << 61})
}

// TestSqrtBrute checks (2y−1)² ≤ 4N < (2y+1)² for N in [0, 5000].
func TestSqrtBrute(t *testing.T) {
	var xs []int64
	for n := int64(0); n <= 5000; n++ {
		xs = append(xs, n)
	}
	got, err := runOp(&Sqrt{io: ioN(1)}, len(xs), xs)
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range xs {
		y := got[i]
		if y < 0 || (y > 0 && (2*y-1)*(2*y-1) > 4*n) || 4*n >= (2*y+1)*(2*y+1) {
			t.Fatalf("Sqrt(%d) = %d violates (2y−1)² ≤ 4N < (2y+1)²", n, y)
		}
	}
}

func TestRsqrt(t *testing.T) {
	// K = 10: x = 1 → √1024 = 32; x = 3: 18²·3 = 972 ≤ 1024 < 19²·3 = 1083 → 18;
	// x = 4 → 16 (16²·4 = 1024 exactly); x = 1024 → 1; x = 1025 → 0
	mustRun(t, &Rsqrt{io: ioN(1), K: 10}, 5, []int64{32, 18, 16, 1, 0}, []int64{1, 3, 4, 1024, 1025})
	// K = 0: x = 1 → 1 (1 ≤ 1 < 4); x = 2 → 0 (0 ≤ 1 < 2)
	mustRun(t, &Rsqrt{io: ioN(1), K: 0}, 2, []int64{1, 0}, []int64{1, 2})
	mustFail(t, &Rsqrt{io: ioN(1), K: 10}, 1, "non-positive", []int64{0})
	mustFail(t, &Rsqrt{io: ioN(1), K: 10}, 1, "non-positive", []int64{-4})
	// y = 2^100 does not fit
	mustFail(t, &Rsqrt{io: ioN(1), K: 200}, 1, "63 bits", []int64{1})
}

// TestRsqrtBrute checks y²·x ≤ 2^K < (y+1)²·x with big integers.
func TestRsqrtBrute(t *testing.T) {
	var xs []int64
	for x := int64(1); x <= 3000; x++ {
		xs = append(xs, x)
	}
	xs = append(xs, 1<<20-1, 1<<20, 1<<20+1, 1<<40+12345, 1<<62-1)
	for _, k := range []int{0, 1, 7, 10, 24, 48, 63, 90} {
		got, err := runOp(&Rsqrt{io: ioN(1), K: k}, len(xs), xs)
		if err != nil {
			t.Fatal(err)
		}
		pk := new(big.Int).Lsh(big.NewInt(1), uint(k))
		for i, x := range xs {
			y := big.NewInt(got[i])
			lo := new(big.Int).Mul(y, y)
			lo.Mul(lo, big.NewInt(x))
			y1 := new(big.Int).Add(y, big.NewInt(1))
			hi := new(big.Int).Mul(y1, y1)
			hi.Mul(hi, big.NewInt(x))
			if got[i] < 0 || lo.Cmp(pk) > 0 || hi.Cmp(pk) <= 0 {
				t.Fatalf("Rsqrt K=%d x=%d = %d violates y²·x ≤ 2^K < (y+1)²·x", k, x, got[i])
			}
		}
	}
}

// ---------------------------------------------------------------- Table

func TestTable(t *testing.T) {
	vals := []int64{10, 20, 30, 40, 50} // indices -2..2
	// Down = 1: i = floor((x+1)/2), clamped to [-2, 2], out = vals[i+2]
	// x: -10 → floor(-4.5) = -5 → -2 → 10; -3 → -1 → 20; -2 → floor(-0.5) = -1 → 20;
	//    -1 → 0 → 30; 0 → 0 → 30; 1 → 1 → 40; 2 → floor(1.5) = 1 → 40; 3 → 2 → 50; 100 → 50 → 50
	down := &Table{io: ioN(1), Fn: fxmath.Sigmoid, Down: 1, Lo: -2, Values: vals}
	mustRun(t, down, 9, []int64{10, 20, 20, 30, 30, 40, 40, 50, 50}, []int64{-10, -3, -2, -1, 0, 1, 2, 3, 100})
	if k := down.Kind(); k != "Table(Sigmoid)" {
		t.Errorf("Kind = %q", k)
	}
	// Down = 2: i = floor((x+2)/4): -6 → -1 → 20; -7 → floor(-5/4) = -2 → 10; 5 → 1 → 40; 6 → 2 → 50
	mustRun(t, &Table{io: ioN(1), Down: 2, Lo: -2, Values: vals}, 4, []int64{20, 10, 40, 50}, []int64{-6, -7, 5, 6})
	// no shift: i = x
	mustRun(t, &Table{io: ioN(1), Lo: -2, Values: vals}, 6, []int64{10, 10, 20, 30, 50, 50}, []int64{-9, -2, -1, 0, 2, 3})
	// Up = 1: i = 2x: -1 → -2 → 10; 0 → 30; 1 → 2 → 50; 2 → 4 → 50 (clamped)
	mustRun(t, &Table{io: ioN(1), Up: 1, Lo: -2, Values: vals}, 4, []int64{10, 30, 50, 50}, []int64{-1, 0, 1, 2})
	// a table starting at a positive index: Lo = 3, values for 3..5
	mustRun(t, &Table{io: ioN(1), Lo: 3, Values: []int64{7, 8, 9}}, 4, []int64{7, 7, 8, 9}, []int64{-100, 3, 4, 9})
	// StrictHi: above the domain is an error, below still clamps
	strict := &Table{io: ioN(1), Fn: fxmath.Exp, Down: 1, Lo: -2, Values: vals, StrictHi: true}
	mustRun(t, strict, 3, []int64{10, 50, 50}, []int64{-100, 3, 4}) // 4 → floor(5/2) = 2: at the top, allowed
	mustFail(t, strict, 1, "above the table's domain", []int64{5})  // 5 → 3 > 2
	mustFail(t, &Table{io: ioN(1), Up: 40, Lo: 0, Values: vals}, 1, "63 bits", []int64{1 << 30})
}

// ---------------------------------------------------------------- GatherVar

func TestGatherVar(t *testing.T) {
	// data 3×2 = [[1 2] [3 4] [5 6]], axis 0; indices [-1, 0] → rows 2, 0
	g := &GatherVar{io: ioN(2), Op: &model.Gather{Axis: 0}, Data: model.Value{DType: model.Int, Shape: []int{3, 2}}, IdxShape: []int{2}}
	data := []int64{1, 2, 3, 4, 5, 6}
	mustRun(t, g, 4, []int64{5, 6, 1, 2}, data, []int64{-1, 0})
	mustRun(t, g, 4, []int64{3, 4, 3, 4}, data, []int64{1, -2})
	mustFail(t, g, 4, "out of range", data, []int64{3, 0})
	mustFail(t, g, 4, "out of range", data, []int64{0, -4})
	// axis 1: columns; indices [1] → 2, 4, 6
	g1 := &GatherVar{io: ioN(2), Op: &model.Gather{Axis: 1}, Data: model.Value{DType: model.Int, Shape: []int{3, 2}}, IdxShape: []int{1}}
	mustRun(t, g1, 3, []int64{2, 4, 6}, data, []int64{1})
	mustRun(t, g1, 3, []int64{1, 3, 5}, data, []int64{-2})
	mustFail(t, g1, 3, "out of range", data, []int64{2})
}

// ---------------------------------------------------------------- bounds and overflow

// TestDeclaredBound: a value that exceeds its tensor's Bits fails EvalInts
// with an error naming the tensor; the limit is |v| < 2^(Bits−1).
func TestDeclaredBound(t *testing.T) {
	op := &Add{io: ioN(2)}
	p := progFor(op, 1, 4, []int64{0}, []int64{0}) // out: |v| < 8
	p.Tensors[2].Name = "sum_tensor"
	for _, c := range []struct {
		a, b int64
		ok   bool
	}{
		{3, 4, true},    // 7 < 8
		{-3, -4, true},  // -7
		{4, 4, false},   // 8
		{-4, -4, true},  // -8 = −2^3: the two's-complement range −2^(Bits−1) ≤ v < 2^(Bits−1)
		{-5, -4, false}, // -9
		{100, -99, true},
	} {
		w, err := p.EvalInts([][]int64{{c.a}, {c.b}})
		if c.ok != (err == nil) {
			t.Fatalf("%d+%d: err = %v; want ok = %v", c.a, c.b, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), `"sum_tensor"`) {
			t.Fatalf("error %q does not name the tensor", err)
		}
		if err == nil && w.Values[2][0] != c.a+c.b {
			t.Fatalf("%d+%d = %d", c.a, c.b, w.Values[2][0])
		}
	}
	// an input beyond its own bound fails before any op runs
	p.Tensors[0].Bits, p.Tensors[0].Name = 3, "input_a" // |v| < 4
	if _, err := p.EvalInts([][]int64{{4}, {0}}); err == nil || !strings.Contains(err.Error(), `"input_a"`) {
		t.Fatalf("input 4 with 3 bits: err = %v; want a bound error naming input_a", err)
	}
	if _, err := p.EvalInts([][]int64{{-3}, {0}}); err != nil {
		t.Fatal(err)
	}
	// a wrong element count is an error
	if _, err := p.EvalInts([][]int64{{1, 2}, {0}}); err == nil {
		t.Fatal("two values for a one-element input: no error")
	}
}

// TestOverflowNeverWraps: 2^40·2^40 through a compiled-style chain fails
// with an error naming the op's output, and no witness is returned.
func TestOverflowNeverWraps(t *testing.T) {
	p := progFor(&Mul{ioN(2)}, 1, 62, []int64{0}, []int64{0})
	p.Tensors[2].Name = "prod"
	w, err := p.EvalInts([][]int64{{1 << 40}, {1 << 40}})
	if err == nil || w != nil {
		t.Fatalf("2^40·2^40: witness %v, err %v; want an error", w, err)
	}
	if !strings.Contains(err.Error(), `"prod"`) || !strings.Contains(err.Error(), "Mul") {
		t.Fatalf("error %q should name the op and its output", err)
	}
	// 2^31·2^31 = 2^62 fits the arithmetic but not a 62-bit bound (|v| < 2^61)
	if _, err := p.EvalInts([][]int64{{1 << 31}, {1 << 31}}); err == nil || !strings.Contains(err.Error(), "declared bound") {
		t.Fatalf("2^62 with 62 bits: err = %v; want a bound error", err)
	}
	if w, err := p.EvalInts([][]int64{{1 << 30}, {1 << 30}}); err != nil || w.Values[2][0] != 1<<60 {
		t.Fatalf("2^30·2^30: %v, %v", w, err)
	}
}

// TestQuantizeInputs: inputs are round(x·2^s) (half away from zero) and
// must lie within the input tensor's bound |v| ≤ 2^(Bits−1)−1.
func TestQuantizeInputs(t *testing.T) {
	p := &Program{
		Tensors: []*Tensor{
			{Name: "x", DType: model.Float, Shape: []int{4}, Scale: 2, Bits: 6}, // |v| ≤ 31 → |x| ≤ 7.75
			{Name: "i", DType: model.Int, Shape: []int{2}, Bits: 4},             // |v| ≤ 7
		},
		Inputs: []int{0, 1},
		Consts: map[int][]int64{},
	}
	x := &model.Tensor{DType: model.Float, Shape: []int{4}, F: []float64{0.125, -0.125, 7.75, -1.3}}
	i := &model.Tensor{DType: model.Int, Shape: []int{2}, I: []int64{7, -7}}
	q, err := p.QuantizeInputs([]*model.Tensor{x, i})
	if err != nil {
		t.Fatal(err)
	}
	// 0.125·4 = 0.5 → 1; -0.5 → -1 (half away from zero); 31; -5.2 → -5
	if !slices.Equal(q[0], []int64{1, -1, 31, -5}) || !slices.Equal(q[1], []int64{7, -7}) {
		t.Fatalf("QuantizeInputs = %v", q)
	}
	for _, bad := range []float64{8, -8.2, math.NaN(), math.Inf(1)} { // the range is |x| < 2^(Bits−1)/2^scale = 8
		x.F[0] = bad
		if _, err := p.QuantizeInputs([]*model.Tensor{x, i}); err == nil || !strings.Contains(err.Error(), `"x"`) {
			t.Errorf("x = %v: err = %v; want an out-of-range error naming x", bad, err)
		}
		if _, err := p.Eval([]*model.Tensor{x, i}); err == nil {
			t.Errorf("Eval with x = %v succeeded", bad)
		}
	}
	x.F[0] = 0
	// integer inputs are range-checked by EvalInts
	i.I[0] = 8
	if _, err := p.Eval([]*model.Tensor{x, i}); err == nil || !strings.Contains(err.Error(), `"i"`) {
		t.Errorf("int input 8 with 4 bits: err = %v", err)
	}
	if _, err := p.QuantizeInputs([]*model.Tensor{x}); err == nil {
		t.Error("one input for two: no error")
	}
	short := &model.Tensor{DType: model.Float, Shape: []int{3}, F: []float64{0, 0, 0}}
	i.I[0] = 0
	if _, err := p.QuantizeInputs([]*model.Tensor{short, i}); err == nil {
		t.Error("3 values for a 4-element input: no error")
	}
}

// TestEvalIntsInputCountBug: EvalInts indexes inputs[k] for every program
// input without checking the count.
func TestEvalIntsInputCountBug(t *testing.T) {
	p := progFor(&Add{io: ioN(2)}, 1, free, []int64{0}, []int64{0})
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("EvalInts with one input of two panics: %v", r)
		}
	}()
	if _, err := p.EvalInts([][]int64{{1}}); err == nil {
		t.Fatal("EvalInts with one input of two: no error")
	}
}

func TestQuantizeDequantize(t *testing.T) {
	for _, c := range []struct {
		x     float64
		scale int
		want  int64
	}{
		{0.5, 0, 1}, {-0.5, 0, -1}, {1.5, 0, 2}, {-2.5, 0, -3}, // half away from zero
		{0.1, 12, 410}, // 409.6 → 410
		{-0.1, 12, -410},
		{1, 24, 1 << 24},
		{3.999, 2, 16}, // 15.996 → 16
	} {
		got, err := Quantize(c.x, c.scale)
		if err != nil || got != c.want {
			t.Errorf("Quantize(%v, %d) = %d, %v; want %d", c.x, c.scale, got, err, c.want)
		}
	}
	for _, bad := range []float64{math.NaN(), math.Inf(-1), math.Ldexp(1, 62)} {
		if _, err := Quantize(bad, 0); err == nil {
			t.Errorf("Quantize(%v) succeeded", bad)
		}
	}
	if got := Dequantize([]int64{-3, 8, 1}, 2); !slices.Equal(got, []float64{-0.75, 2, 0.25}) {
		t.Errorf("Dequantize = %v", got)
	}
}

// TestStats counts ops, parameter elements and the widest bound.
func TestStats(t *testing.T) {
	p := &Program{
		Tensors: []*Tensor{{Shape: []int{3}, Bits: 10}, {Shape: []int{3}, Bits: 20}, {Shape: []int{3}, Bits: 12}, {Shape: []int{1}, Bits: 5}},
		Consts:  map[int][]int64{1: {1, 2, 3}, 3: {4}},
		Weights: []int{1},
		Ops:     []Op{&Add{io: io{In: []int{0, 1}, Res: 2}}, &Add{io: io{In: []int{0, 1}, Res: 2}, Neg: true}},
	}
	s := p.Stats()
	if s.Ops["Add"] != 1 || s.Ops["Sub"] != 1 || s.Tensors != 4 || s.Weights != 3 || s.MaxBits != 20 || s.Elements != 6 {
		t.Fatalf("Stats = %+v", s)
	}
}
