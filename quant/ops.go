package quant

import (
	"fmt"
	"math/big"
	"math/bits"

	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/quant/fxmath"
)

// errOverflow is returned when an intermediate leaves int64.
var errOverflow = fmt.Errorf("an intermediate value exceeds 63 bits")

func mulChecked(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	neg := (a < 0) != (b < 0)
	ua, ub := uabs(a), uabs(b)
	hi, lo := bits.Mul64(ua, ub)
	if hi != 0 || lo > 1<<62 {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

func addChecked(a, b int64) (int64, bool) {
	s := a + b
	if (a > 0 && b > 0 && s < 0) || (a < 0 && b < 0 && s >= 0) || s > 1<<62 || s < -(1<<62) {
		return 0, false
	}
	return s, true
}

func uabs(a int64) uint64 {
	if a < 0 {
		return uint64(-a)
	}
	return uint64(a)
}

func shl(a int64, k int) (int64, bool) {
	switch {
	case k == 0 || a == 0:
		return a, true
	case k >= 63:
		return 0, false
	}
	return mulChecked(a, int64(1)<<k)
}

// floorDiv is ⌊a/d⌋ for d > 0 (Go's / truncates toward zero).
func floorDiv(a, d int64) int64 {
	q := a / d
	if a%d != 0 && a < 0 {
		q--
	}
	return q
}

// roundDiv is floor((a + ⌊d/2⌋)/d) for d > 0: a/d rounded half up.
func roundDiv(a, d int64) (int64, bool) {
	s, ok := addChecked(a, d/2)
	return floorDiv(s, d), ok
}

// Move copies elements: out[k] = (inputs laid end to end)[Src[k]], or Fill
// when Src[k] < 0. Data movement (Reshape, Transpose, Slice, Concat, Pad,
// Gather with constant indices, broadcasting) costs no arithmetic.
type Move struct {
	io
	Src  []int
	Fill int64
}

func (*Move) Kind() string { return "Move" }

func (m *Move) eval(_ *Program, in [][]int64) ([]int64, error) {
	flat := in[0]
	if len(in) > 1 {
		flat = nil
		for _, v := range in {
			flat = append(flat, v...)
		}
	}
	out := make([]int64, len(m.Src))
	for k, s := range m.Src {
		if s < 0 {
			out[k] = m.Fill
		} else {
			out[k] = flat[s]
		}
	}
	return out, nil
}

// Linear is out[j] = Σ_t A[IA[t]]·B[IB[t]] + C[IC[j]] over the terms of
// Gemm, MatMul, Conv or ConvTranspose (see model.Terms). C, when present,
// is at the product's scale.
type Linear struct {
	io
	T *model.Terms
}

func (*Linear) Kind() string { return "Linear" }

func (l *Linear) eval(_ *Program, in [][]int64) ([]int64, error) {
	a, b := in[0], in[1]
	n := len(l.T.Start) - 1
	out := make([]int64, n)
	for j := 0; j < n; j++ {
		var s int64
		ok := true
		for t := l.T.Start[j]; t < l.T.Start[j+1]; t++ {
			p, ok1 := mulChecked(a[l.T.IA[t]], b[l.T.IB[t]])
			s, ok = addChecked(s, p)
			if !ok1 || !ok {
				return nil, errOverflow
			}
		}
		if len(in) > 2 {
			if s, ok = addChecked(s, in[2][l.T.IC[j]]); !ok {
				return nil, errOverflow
			}
		}
		out[j] = s
	}
	return out, nil
}

// Add is out = A·2^Shift[0] + B·2^Shift[1], or minus B with Neg: operands
// at different scales are aligned exactly by left shifts.
type Add struct {
	io
	Shift [2]int
	Neg   bool
}

func (a *Add) Kind() string {
	if a.Neg {
		return "Sub"
	}
	return "Add"
}

func (a *Add) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i := range out {
		x, ok1 := shl(in[0][i], a.Shift[0])
		y, ok2 := shl(in[1][i], a.Shift[1])
		if a.Neg {
			y = -y
		}
		s, ok3 := addChecked(x, y)
		if !ok1 || !ok2 || !ok3 {
			return nil, errOverflow
		}
		out[i] = s
	}
	return out, nil
}

// Mul is the elementwise product out = A·B (scale: the sum of scales).
type Mul struct{ io }

func (*Mul) Kind() string { return "Mul" }

func (m *Mul) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i := range out {
		p, ok := mulChecked(in[0][i], in[1][i])
		if !ok {
			return nil, errOverflow
		}
		out[i] = p
	}
	return out, nil
}

// Rescale is out = floor((x·M + ⌊D/2⌋)/D) with constants M ≠ 0, D ≥ 1: a
// rounded (half up) multiplication by M/D (Neg is M = −1, D = 1). D has one entry, or one per
// element (average pooling). A rescale by 2^-k is M = 1, D = 2^k; a circuit
// checks it as x·M + ⌊D/2⌋ = out·D + r with 0 ≤ r < D and out within Bits.
type Rescale struct {
	io
	M int64
	D []int64
}

func (*Rescale) Kind() string { return "Rescale" }

func (r *Rescale) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i, x := range in[0] {
		d := r.D[0]
		if len(r.D) > 1 {
			d = r.D[i]
		}
		q, ok := rescaleOne(x, r.M, d)
		if !ok {
			return nil, errOverflow
		}
		out[i] = q
	}
	return out, nil
}

// rescaleOne is floor((x·m + ⌊d/2⌋)/d); the product may exceed int64
// (a large m) as long as the quotient fits.
func rescaleOne(x, m, d int64) (int64, bool) {
	if v, ok := mulChecked(x, m); ok {
		return roundDiv(v, d)
	}
	n := new(big.Int).Mul(big.NewInt(x), big.NewInt(m))
	n.Add(n, big.NewInt(d/2))
	q := new(big.Int)
	q.Div(n, big.NewInt(d)) // Euclidean division = floor for d > 0
	return q.Int64(), q.IsInt64()
}

// DivVar divides two tensors: with N = A·2^ShA and D = B·2^ShB, out is
// N/D rounded half up, floor((N + ⌊D/2⌋)/D) for D > 0 and the same for
// (−N)/(−D) when D < 0. D = 0 is an error.
type DivVar struct {
	io
	ShA, ShB int
}

func (*DivVar) Kind() string { return "DivVar" }

func (d *DivVar) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i := range out {
		n, ok1 := shl(in[0][i], d.ShA)
		den, ok2 := shl(in[1][i], d.ShB)
		if !ok1 || !ok2 {
			return nil, errOverflow
		}
		if den == 0 {
			return nil, fmt.Errorf("division by zero at element %d", i)
		}
		if den < 0 {
			n, den = -n, -den
		}
		q, ok := roundDiv(n, den)
		if !ok {
			return nil, errOverflow
		}
		out[i] = q
	}
	return out, nil
}

// Compare is out = 1 when A·2^Shift[0] (=, <, >, ≤, ≥) B·2^Shift[1], else 0.
type Compare struct {
	io
	Shift [2]int
	Op    model.BinaryKind
}

func (c *Compare) Kind() string { return c.Op.String() }

func (c *Compare) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i := range out {
		x, ok1 := shl(in[0][i], c.Shift[0])
		y, ok2 := shl(in[1][i], c.Shift[1])
		if !ok1 || !ok2 {
			return nil, errOverflow
		}
		var r bool
		switch c.Op {
		case model.Equal:
			r = x == y
		case model.Less:
			r = x < y
		case model.Greater:
			r = x > y
		case model.LessOrEqual:
			r = x <= y
		case model.GreaterOrEqual:
			r = x >= y
		}
		if r {
			out[i] = 1
		}
	}
	return out, nil
}

// Where is out = C ? A·2^Shift[0] : B·2^Shift[1] (C is 0 or 1).
type Where struct {
	io
	Shift [2]int
}

func (*Where) Kind() string { return "Where" }

func (w *Where) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i, c := range in[0] {
		v, sh := in[2][i], w.Shift[1]
		if c != 0 {
			v, sh = in[1][i], w.Shift[0]
		}
		x, ok := shl(v, sh)
		if !ok {
			return nil, errOverflow
		}
		out[i] = x
	}
	return out, nil
}

// Clamp is out = min(max(x, Lo), Hi), each bound optional: Relu is Clamp
// with Lo = 0. ONNX's Clip with min > max gives Hi everywhere, and so does
// this order of operations.
type Clamp struct {
	io
	Lo, Hi       int64
	HasLo, HasHi bool
}

func (c *Clamp) Kind() string {
	if c.HasLo && c.Lo == 0 && !c.HasHi {
		return "Relu"
	}
	return "Clip"
}

func (c *Clamp) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i, x := range in[0] {
		if c.HasLo {
			x = max(x, c.Lo)
		}
		if c.HasHi {
			x = min(x, c.Hi)
		}
		out[i] = x
	}
	return out, nil
}

// LeakyRelu is out = x for x ≥ 0 and floor((x·A + 2^(K−1))/2^K) for x < 0,
// where A/2^K is the slope quantised.
type LeakyRelu struct {
	io
	A int64
	K int
}

func (*LeakyRelu) Kind() string { return "LeakyRelu" }

func (l *LeakyRelu) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i, x := range in[0] {
		if x >= 0 {
			out[i] = x
			continue
		}
		v, ok1 := mulChecked(x, l.A)
		q, ok2 := roundDiv(v, int64(1)<<l.K)
		if !ok1 || !ok2 {
			return nil, errOverflow
		}
		out[i] = q
	}
	return out, nil
}

// Table looks up a nonlinear function: the index is the input moved to the
// table's scale, i = x·2^Up when Up > 0, else floor((x + 2^(Down−1))/2^Down);
// i is clamped to [Lo, Lo+len(Values)−1] — except that with StrictHi an
// index above the domain is an error (Exp, which does not saturate) — and
// out = Values[i−Lo] = round(Fn(i/2^TableScale)·2^OutScale).
type Table struct {
	io
	Fn         fxmath.Func
	Up, Down   int
	Lo         int64
	Values     []int64
	TableScale int
	StrictHi   bool
}

func (t *Table) Kind() string { return "Table(" + t.Fn.String() + ")" }

// Index computes the table index of x before clamping.
func (t *Table) Index(x int64) (int64, bool) {
	if t.Up > 0 {
		return shl(x, t.Up)
	}
	if t.Down > 0 {
		return roundDiv(x, int64(1)<<t.Down)
	}
	return x, true
}

func (t *Table) eval(p *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	hi := t.Lo + int64(len(t.Values)) - 1
	for k, x := range in[0] {
		i, ok := t.Index(x)
		if !ok {
			return nil, errOverflow
		}
		if i > hi && t.StrictHi {
			return nil, fmt.Errorf("%s input %g is above the table's domain (max %g); declare a smaller input range or calibrate",
				t.Fn, float64(x)/float64(int64(1)<<p.Tensors[t.In[0]].Scale), float64(hi)/float64(int64(1)<<t.TableScale))
		}
		i = min(max(i, t.Lo), hi)
		out[k] = t.Values[i-t.Lo]
	}
	return out, nil
}

// Sqrt is the rounded square root y = floor(√N + 1/2) of N = x·2^Up: the
// integer with (2y−1)² ≤ 4N < (2y+1)². x < 0 is an error.
type Sqrt struct {
	io
	Up int
}

func (*Sqrt) Kind() string { return "Sqrt" }

func (s *Sqrt) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i, x := range in[0] {
		if x < 0 {
			return nil, fmt.Errorf("square root of a negative value at element %d", i)
		}
		n := new(big.Int).Lsh(big.NewInt(x), uint(s.Up+2)) // 4N
		y := n.Sqrt(n)                                     // ⌊2√N⌋
		y.Add(y, big.NewInt(1)).Rsh(y, 1)                  // ⌊(⌊2√N⌋+1)/2⌋ = ⌊√N + 1/2⌋
		if !y.IsInt64() {
			return nil, errOverflow
		}
		out[i] = y.Int64()
	}
	return out, nil
}

// Rsqrt is the reciprocal square root y = max{y : y²·x ≤ 2^K}, i.e.
// y²·x ≤ 2^K < (y+1)²·x. x ≤ 0 is an error.
type Rsqrt struct {
	io
	K int
}

func (*Rsqrt) Kind() string { return "Rsqrt" }

func (r *Rsqrt) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(in[0]))
	for i, x := range in[0] {
		if x <= 0 {
			return nil, fmt.Errorf("reciprocal square root of a non-positive value at element %d", i)
		}
		q := new(big.Int).Lsh(big.NewInt(1), uint(r.K))
		q.Quo(q, big.NewInt(x)) // y²·x ≤ 2^K ⇔ y² ≤ ⌊2^K/x⌋
		q.Sqrt(q)
		if !q.IsInt64() {
			return nil, errOverflow
		}
		out[i] = q.Int64()
	}
	return out, nil
}

// ReduceSum is out[j] = Σ_{i ∈ Groups[j]} x[i].
type ReduceSum struct {
	io
	Groups [][]int
}

func (*ReduceSum) Kind() string { return "ReduceSum" }

func (r *ReduceSum) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(r.Groups))
	for j, g := range r.Groups {
		var s int64
		for _, i := range g {
			var ok bool
			if s, ok = addChecked(s, in[0][i]); !ok {
				return nil, errOverflow
			}
		}
		out[j] = s
	}
	return out, nil
}

// ReduceMax is out[j] = max_{i ∈ Groups[j]} x[i]: a circuit checks that
// out[j] ≥ every member and equals exactly one selected member.
type ReduceMax struct {
	io
	Groups [][]int
}

func (*ReduceMax) Kind() string { return "ReduceMax" }

func (r *ReduceMax) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(r.Groups))
	for j, g := range r.Groups {
		if len(g) == 0 {
			return nil, fmt.Errorf("maximum of an empty group (output %d)", j)
		}
		out[j] = in[0][g[argmax(in[0], g, false)]]
	}
	return out, nil
}

// argmax returns the position in g of the first maximum (the last with
// last).
func argmax(x []int64, g []int, last bool) int {
	best := 0
	for p := 1; p < len(g); p++ {
		if v, b := x[g[p]], x[g[best]]; v > b || (last && v == b) {
			best = p
		}
	}
	return best
}

// ArgMax is out[j] = Labels[j][p] where p is the position in Groups[j] of
// the first maximum (the last with Last); without Labels, p itself.
type ArgMax struct {
	io
	Groups [][]int
	Labels [][]int64
	Last   bool
}

func (*ArgMax) Kind() string { return "ArgMax" }

func (a *ArgMax) eval(_ *Program, in [][]int64) ([]int64, error) {
	out := make([]int64, len(a.Groups))
	for j, g := range a.Groups {
		if len(g) == 0 {
			return nil, fmt.Errorf("argmax of an empty group (output %d)", j)
		}
		p := argmax(in[0], g, a.Last)
		out[j] = int64(p)
		if a.Labels != nil {
			out[j] = a.Labels[j][p]
		}
	}
	return out, nil
}

// GatherVar is Gather with run-time indices (input 1): out[k] =
// data[map(indices)[k]]; an index outside the axis is an error.
type GatherVar struct {
	io
	Op       *model.Gather
	Data     model.Value
	IdxShape []int
}

func (*GatherVar) Kind() string { return "Gather" }

func (g *GatherVar) eval(_ *Program, in [][]int64) ([]int64, error) {
	src, err := g.Op.GatherMap(g.Data, in[1], g.IdxShape)
	if err != nil {
		return nil, err
	}
	out := make([]int64, len(src))
	for k, s := range src {
		out[k] = in[0][s]
	}
	return out, nil
}
