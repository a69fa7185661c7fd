package commit

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	nativep2 "github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
	"github.com/consensys/gnark/backend"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/frontend/cs/scs"
	"github.com/consensys/gnark/logger"
	circuitp2 "github.com/consensys/gnark/std/permutation/poseidon2"
	"github.com/consensys/gnark/test"
)

func init() { logger.Disable() }

// checkOpts keeps CheckCircuit to the test engine plus the Groth16 solver on
// BN254.
var checkOpts = []test.TestingOption{
	test.WithCurves(ecc.BN254),
	test.WithBackends(backend.GROTH16),
	test.NoFuzzing(),
}

// commitCircuitT asserts that the commitment of Tensors (of widths bits, in
// domain) under Salt equals the public Expected.
type commitCircuitT struct {
	Tensors  [][]frontend.Variable
	Salt     frontend.Variable
	Expected frontend.Variable `gnark:",public"`

	domain       Domain
	bits         []int
	noRangeCheck bool
}

func (c *commitCircuitT) Define(api frontend.API) error {
	ts := make([]VarTensor, len(c.Tensors))
	for i := range ts {
		ts[i] = VarTensor{Values: c.Tensors[i], Bits: c.bits[i]}
	}
	// The checked circuit is the exported CommitCircuit itself, so the
	// soundness tests and the constraint counts guard what callers use.
	var got frontend.Variable
	var err error
	if c.noRangeCheck {
		got, err = commitCircuit(api, c.domain, ts, c.Salt, false)
	} else {
		got, err = CommitCircuit(api, c.domain, ts, c.Salt)
	}
	if err != nil {
		return err
	}
	api.AssertIsEqual(got, c.Expected)
	return nil
}

// shapeOf returns the circuit for tensors' shape.
func shapeOf(d Domain, ts []Tensor) *commitCircuitT {
	c := &commitCircuitT{domain: d, Tensors: make([][]frontend.Variable, len(ts)), bits: make([]int, len(ts))}
	for i, t := range ts {
		c.Tensors[i] = make([]frontend.Variable, len(t.Values))
		c.bits[i] = t.Bits
	}
	return c
}

// assign returns an assignment of values (int64 or *big.Int per value).
func assign(values [][]any, salt, expected *big.Int) *commitCircuitT {
	a := &commitCircuitT{Tensors: make([][]frontend.Variable, len(values)), Salt: salt, Expected: expected}
	for i, vs := range values {
		a.Tensors[i] = make([]frontend.Variable, len(vs))
		for j, v := range vs {
			a.Tensors[i][j] = v
		}
	}
	return a
}

func valuesOf(ts []Tensor) [][]any {
	out := make([][]any, len(ts))
	for i, t := range ts {
		out[i] = make([]any, len(t.Values))
		for j, v := range t.Values {
			out[i][j] = v
		}
	}
	return out
}

// referenceCommit re-implements zkai-commit/1 straight from the package doc,
// sharing no code with Commit: explicit header, big.Int packing, explicit
// zero padding.
func referenceCommit(d Domain, ts []Tensor, salt *big.Int) *big.Int {
	perm := nativep2.NewPermutation(16, 8, 57)
	sponge := func(capacity *big.Int, msg []*big.Int) *big.Int {
		for len(msg)%15 != 0 {
			msg = append(msg, new(big.Int))
		}
		var st [16]fr.Element
		st[15].SetBigInt(capacity)
		for b := 0; b < len(msg); b += 15 {
			for j := range 15 {
				var e fr.Element
				e.SetBigInt(msg[b+j])
				st[j].Add(&st[j], &e)
			}
			if err := perm.Permutation(st[:]); err != nil {
				panic(err)
			}
		}
		return st[0].BigInt(new(big.Int))
	}
	v, _ := new(big.Int).SetString("7a6b61692d636f6d6d69742f31", 16)
	header := []*big.Int{v, new(big.Int).SetUint64(uint64(d)), big.NewInt(int64(len(ts)))}
	for _, t := range ts {
		header = append(header, big.NewInt(int64(len(t.Values))), big.NewInt(int64(t.Bits)))
	}
	tag := sponge(new(big.Int), header)

	msg := []*big.Int{salt}
	for _, t := range ts {
		k := 252 / t.Bits
		half := new(big.Int).Lsh(big.NewInt(1), uint(t.Bits-1))
		for start := 0; start < len(t.Values); start += k {
			e := new(big.Int)
			for i := start; i < min(start+k, len(t.Values)); i++ {
				lane := new(big.Int).Add(big.NewInt(t.Values[i]), half)
				e.Add(e, lane.Lsh(lane, uint(t.Bits*(i-start))))
			}
			msg = append(msg, e)
		}
	}
	return sponge(tag, msg)
}

func TestGenIsPinned(t *testing.T) {
	// The vectors' inputs come from gen; pin a few of its outputs so that the
	// inputs are fully specified.
	got := fmt.Sprint(gen(4, 17, 1), gen(2, 64, 1), gen(3, 4, 3))
	want := "[8724 32215 61735 -7293] [-7995527694508729151 -4689498862643123097] [-7 3 1]"
	if got != want {
		t.Fatalf("gen changed: %s, want %s", got, want)
	}
}

func TestVectorsNative(t *testing.T) {
	for _, v := range vectors() {
		got, err := Commit(v.domain, v.tensors, v.salt)
		if err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		if got.String() != v.want {
			t.Errorf("%s: Commit = %s, want %s", v.name, got, v.want)
		}
		if ref := referenceCommit(v.domain, v.tensors, v.salt); ref.String() != v.want {
			t.Errorf("%s: reference = %s, want %s", v.name, ref, v.want)
		}
	}
}

func TestVectorsCircuit(t *testing.T) {
	for _, v := range vectors() {
		t.Run(v.name, func(t *testing.T) {
			want := dec(v.want)
			wrong := new(big.Int).Add(want, big.NewInt(1))
			test.NewAssert(t).CheckCircuit(shapeOf(v.domain, v.tensors), append([]test.TestingOption{
				test.WithValidAssignment(assign(valuesOf(v.tensors), v.salt, want)),
				test.WithInvalidAssignment(assign(valuesOf(v.tensors), v.salt, wrong)),
			}, checkOpts...)...)
		})
	}
}

// permCircuit checks gnark's in-circuit Poseidon2 (t = 16) against given
// outputs.
type permCircuit struct {
	In  [width]frontend.Variable
	Out [width]frontend.Variable `gnark:",public"`
}

func (c *permCircuit) Define(api frontend.API) error {
	p, err := circuitp2.NewPoseidon2FromParameters(api, width, fullRounds, partialRounds)
	if err != nil {
		return err
	}
	st := c.In
	if err := p.Permutation(st[:]); err != nil {
		return err
	}
	for i := range st {
		api.AssertIsEqual(st[i], c.Out[i])
	}
	return nil
}

// TestPermutationSameOnBothSides shows that the native and in-circuit
// permutations (so their round constants and matrices) agree, and pins the
// native one to a known answer.
func TestPermutationSameOnBothSides(t *testing.T) {
	var kat [width]fr.Element
	for i := range kat {
		kat[i].SetUint64(uint64(i))
	}
	states := [][width]fr.Element{kat}
	for range 3 {
		var s [width]fr.Element
		for i := range s {
			s[i].MustSetRandom()
		}
		states = append(states, s)
	}
	assert := test.NewAssert(t)
	for n, in := range states {
		out := in
		if err := permutation().Permutation(out[:]); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			// Pinned from gnark-crypto v0.21.0: guards against a change of
			// the upstream constants, which would change every commitment.
			const want = "7129053404014098913941583447102076532611276040718594073862066403012892177215"
			if got := out[0].String(); got != want {
				t.Fatalf("Poseidon2 t=16 of (0..15): state[0] = %s, want %s", got, want)
			}
		}
		var good, bad permCircuit
		for i := range in {
			good.In[i], good.Out[i] = in[i].String(), out[i].String()
			bad.In[i], bad.Out[i] = in[i].String(), out[i].String()
		}
		bad.Out[width-1] = in[width-1].String()
		assert.CheckCircuit(&permCircuit{}, append([]test.TestingOption{
			test.WithValidAssignment(&good), test.WithInvalidAssignment(&bad),
		}, checkOpts...)...)
	}
}

// widthCircuit is one bare Poseidon2 permutation of width t.
type widthCircuit struct {
	State     []frontend.Variable
	t, rf, rp int
}

func (c *widthCircuit) Define(api frontend.API) error {
	p, err := circuitp2.NewPoseidon2FromParameters(api, c.t, c.rf, c.rp)
	if err != nil {
		return err
	}
	st := append([]frontend.Variable(nil), c.State...)
	if err := p.Permutation(st); err != nil {
		return err
	}
	api.AssertIsEqual(st[0], st[1])
	return nil
}

// TestWidthChoice measures R1CS constraints per absorbed element (one
// permutation per rate = t − 1 elements) for the widths gnark supports on
// BN254, and checks that the chosen width is the cheapest. Round numbers:
// t = 4, 8, 12, 16 are the only ones gnark-crypto accepts for its
// HorizenLabs constants; t = 2 is gnark's default 2-to-1 instance and t = 3
// the instance of gnark-crypto's own tests (keys derived from a seed), for
// comparison.
func TestWidthChoice(t *testing.T) {
	cands := [][3]int{{2, 6, 50}, {3, 8, 56}, {4, 8, 56}, {8, 8, 57}, {12, 8, 57}, {width, fullRounds, partialRounds}}
	best, bestCost := 0, math.Inf(1)
	for _, c := range cands {
		circ := &widthCircuit{State: make([]frontend.Variable, c[0]), t: c[0], rf: c[1], rp: c[2]}
		cs, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, circ)
		if err != nil {
			t.Fatal(err)
		}
		n := cs.GetNbConstraints() - 1 // the final assertion
		per := float64(n) / float64(c[0]-1)
		t.Logf("t=%2d rF=%d rP=%d: %d constraints per permutation, %.1f per absorbed element", c[0], c[1], c[2], n, per)
		if per < bestCost {
			best, bestCost = c[0], per
		}
		if c[0] == width && n != 555 {
			t.Errorf("t=16 permutation: %d constraints, pinned 555", n)
		}
	}
	if best != width {
		t.Errorf("cheapest width is %d, construction uses %d", best, width)
	}
}

func TestSoundness(t *testing.T) {
	salt := dec("1234567890123456789012345678901234567890")
	commit := func(d Domain, ts []Tensor) *big.Int {
		c, err := Commit(d, ts, salt)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ts := []Tensor{{Values: []int64{-128, 51 - 128, 5, 127}, Bits: 8}, {Values: gen(20, 17, 9), Bits: 17}}
	good := assign(valuesOf(ts), salt, commit(DomainWeights, ts))

	t.Run("wrong value", func(t *testing.T) {
		bad := assign(valuesOf(ts), salt, commit(DomainWeights, ts))
		bad.Tensors[1][7] = ts[1].Values[7] + 1
		test.NewAssert(t).CheckCircuit(shapeOf(DomainWeights, ts), append([]test.TestingOption{
			test.WithValidAssignment(good), test.WithInvalidAssignment(bad)}, checkOpts...)...)
	})
	t.Run("wrong salt", func(t *testing.T) {
		bad := assign(valuesOf(ts), new(big.Int).Add(salt, big.NewInt(1)), commit(DomainWeights, ts))
		test.NewAssert(t).CheckCircuit(shapeOf(DomainWeights, ts), append([]test.TestingOption{
			test.WithValidAssignment(good), test.WithInvalidAssignment(bad)}, checkOpts...)...)
	})
	t.Run("different domain", func(t *testing.T) {
		// The Input-domain commitment of the same values and salt does not
		// verify in a Weights-domain circuit.
		bad := assign(valuesOf(ts), salt, commit(DomainInput, ts))
		test.NewAssert(t).CheckCircuit(shapeOf(DomainWeights, ts), append([]test.TestingOption{
			test.WithValidAssignment(good), test.WithInvalidAssignment(bad)}, checkOpts...)...)
	})

	// Lane overflow: a witness whose packed field element equals that of the
	// committed values, but with one lane outside [0, 2^Bits) and its
	// neighbour compensating. Without range checks it would verify.
	lanes := []struct {
		name      string
		bits      int
		good, bad []any // the committed values; the forged witness
	}{
		// 8 bits: lanes (0, 52) vs (256, 51): value 128 is one above the width.
		{"one above, 8-bit", 8, []any{int64(-128), int64(52 - 128), int64(5)}, []any{int64(128), int64(51 - 128), int64(5)}},
		// 8 bits: lanes (255, 51) vs (−1, 52): value −129 is one below.
		{"one below, 8-bit", 8, []any{int64(127), int64(51 - 128), int64(5)}, []any{int64(-129), int64(52 - 128), int64(5)}},
		// 8 bits, two lanes packed into one: lanes (133, 137) vs
		// (133 + 137·2^8, 0) — the packed element is the same.
		{"two lanes in one, 8-bit", 8, []any{int64(5), int64(9)}, []any{int64(133 + 137*256 - 128), int64(-128)}},
		// 17 bits, middle lane: lanes (7, 0, 9) vs (7, 2^17, 8).
		{"one above, 17-bit middle lane", 17,
			[]any{int64(7 - 65536), int64(-65536), int64(9 - 65536)},
			[]any{int64(7 - 65536), int64(65536), int64(8 - 65536)}},
		// 64 bits: lanes (0, 2^62) vs (2^64, 2^62 − 1): value 2^63.
		{"one above, 64-bit", 64,
			[]any{int64(math.MinInt64), int64(-(1 << 62))},
			[]any{new(big.Int).Lsh(big.NewInt(1), 63), int64(-(1 << 62)) - 1}},
	}
	for _, l := range lanes {
		t.Run(l.name, func(t *testing.T) {
			gv := make([]int64, len(l.good))
			for i, v := range l.good {
				gv[i] = v.(int64)
			}
			tsl := []Tensor{{Values: gv, Bits: l.bits}}
			want := commit(DomainWeights, tsl)
			goodA := assign([][]any{l.good}, salt, want)
			badA := assign([][]any{l.bad}, salt, want)

			// Without range checks the forged witness verifies: the test
			// below is not vacuous.
			unchecked := shapeOf(DomainWeights, tsl)
			unchecked.noRangeCheck = true
			if err := test.IsSolved(unchecked, badA, ecc.BN254.ScalarField()); err != nil {
				t.Fatalf("forged witness should pass without range checks: %v", err)
			}
			test.NewAssert(t).CheckCircuit(shapeOf(DomainWeights, tsl), append([]test.TestingOption{
				test.WithValidAssignment(goodA), test.WithInvalidAssignment(badA)}, checkOpts...)...)
		})
	}
}

func TestCommitErrors(t *testing.T) {
	p := fr.Modulus()
	one := big.NewInt(1)
	cases := []struct {
		name string
		ts   []Tensor
		salt *big.Int
		err  error
	}{
		{"bits 0", []Tensor{{Values: []int64{0}, Bits: 0}}, one, errBits},
		{"bits 65", []Tensor{{Values: []int64{0}, Bits: 65}}, one, errBits},
		{"bits 0, empty", []Tensor{{Bits: 0}}, one, errBits},
		{"bits -1 in second tensor", []Tensor{{Values: []int64{0}, Bits: 8}, {Bits: -1}}, one, errBits},
		{"8-bit 128", []Tensor{{Values: []int64{0, 128}, Bits: 8}}, one, errValue},
		{"8-bit -129", []Tensor{{Values: []int64{-129}, Bits: 8}}, one, errValue},
		{"1-bit 1", []Tensor{{Values: []int64{-1, 0, 1}, Bits: 1}}, one, errValue},
		{"63-bit 2^62", []Tensor{{Values: []int64{1 << 62}, Bits: 63}}, one, errValue},
		{"salt p", []Tensor{{Values: []int64{0}, Bits: 8}}, new(big.Int).Set(p), errSalt},
		{"salt p+1", nil, new(big.Int).Add(p, one), errSalt},
		{"salt -1", nil, big.NewInt(-1), errSalt},
		{"salt nil", nil, nil, errSalt},
	}
	for _, c := range cases {
		if _, err := Commit(DomainWeights, c.ts, c.salt); !errors.Is(err, c.err) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.err)
		}
	}
	// The extremes are accepted.
	for _, ts := range [][]Tensor{
		{{Values: []int64{-1, 0}, Bits: 1}},
		{{Values: []int64{math.MinInt64, math.MaxInt64}, Bits: 64}},
		{{Values: []int64{-(1 << 62), 1<<62 - 1}, Bits: 63}},
	} {
		if _, err := Commit(DomainWeights, ts, new(big.Int).Sub(p, one)); err != nil {
			t.Errorf("%v: %v", ts, err)
		}
	}
}

func TestCommitCircuitErrors(t *testing.T) {
	for _, bits := range []int{0, 65} {
		c := &commitCircuitT{Tensors: [][]frontend.Variable{make([]frontend.Variable, 2)}, bits: []int{bits}}
		if _, err := frontend.Compile(ecc.BN254.ScalarField(), r1cs.NewBuilder, c); !errors.Is(err, errBits) {
			t.Errorf("bits %d: compile err = %v, want %v", bits, err, errBits)
		}
	}
	c := &commitCircuitT{Tensors: [][]frontend.Variable{make([]frontend.Variable, 2)}, bits: []int{8}}
	if _, err := frontend.Compile(ecc.BLS12_381.ScalarField(), r1cs.NewBuilder, c); err == nil {
		t.Error("compiled over BLS12-381")
	}
}

// TestBinding checks that changes to the data, its shape, the domain or the
// salt change the commitment.
func TestBinding(t *testing.T) {
	salt := big.NewInt(99)
	base := []Tensor{{Values: []int64{3, -4, 5, 0, 7}, Bits: 8}}
	c0, err := Commit(DomainWeights, base, salt)
	if err != nil {
		t.Fatal(err)
	}
	variants := map[string]struct {
		d    Domain
		ts   []Tensor
		salt *big.Int
	}{
		"other salt":        {DomainWeights, base, big.NewInt(100)},
		"other domain":      {DomainInput, base, salt},
		"swapped values":    {DomainWeights, []Tensor{{Values: []int64{-4, 3, 5, 0, 7}, Bits: 8}}, salt},
		"trailing zero":     {DomainWeights, []Tensor{{Values: []int64{3, -4, 5, 0, 7, 0}, Bits: 8}}, salt},
		"dropped last":      {DomainWeights, []Tensor{{Values: []int64{3, -4, 5, 0}, Bits: 8}}, salt},
		"split in two":      {DomainWeights, []Tensor{{Values: []int64{3, -4}, Bits: 8}, {Values: []int64{5, 0, 7}, Bits: 8}}, salt},
		"extra empty":       {DomainWeights, []Tensor{base[0], {Bits: 8}}, salt},
		"wider":             {DomainWeights, []Tensor{{Values: []int64{3, -4, 5, 0, 7}, Bits: 9}}, salt},
		"one value changed": {DomainWeights, []Tensor{{Values: []int64{3, -4, 5, 1, 7}, Bits: 8}}, salt},
	}
	seen := map[string]string{c0.String(): "base"}
	for name, v := range variants {
		c, err := Commit(v.d, v.ts, v.salt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if prev, ok := seen[c.String()]; ok {
			t.Errorf("%s and %s commit to the same value", name, prev)
		}
		seen[c.String()] = name
	}

	// Only the lengths in the tag separate these: value −2^(Bits−1) is lane 0,
	// so appending it leaves every packed element unchanged.
	a, _ := Commit(DomainWeights, []Tensor{{Values: []int64{3, -128}, Bits: 8}}, salt)
	b, _ := Commit(DomainWeights, []Tensor{{Values: []int64{3}, Bits: 8}}, salt)
	if a.Cmp(b) == 0 {
		t.Error("appending a zero lane does not change the commitment")
	}
	// Zero-padding of the last block: salt + 13 elements + a zero element
	// (a full block) against salt + 13 elements (padded with one zero).
	shorter := gen(13*31, 8, 1)
	padded := append(append([]int64(nil), shorter...), make([]int64, 31)...)
	for i := range 31 {
		padded[13*31+i] = -128 // lane 0
	}
	a, _ = Commit(DomainWeights, []Tensor{{Values: padded, Bits: 8}}, salt)
	b, _ = Commit(DomainWeights, []Tensor{{Values: shorter, Bits: 8}}, salt)
	if a.Cmp(b) == 0 {
		t.Error("a zero element filling the last block is not bound")
	}
}

func TestNewSalt(t *testing.T) {
	a, err := NewSalt()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSalt()
	if err != nil {
		t.Fatal(err)
	}
	if a.Cmp(b) == 0 {
		t.Error("two salts are equal")
	}
	for _, s := range []*big.Int{a, b} {
		if s.Sign() < 0 || s.Cmp(fr.Modulus()) >= 0 {
			t.Errorf("salt %s not in [0, p)", s)
		}
	}
	ts := []Tensor{{Values: []int64{1, 2, 3}, Bits: 4}}
	ca, _ := Commit(DomainInput, ts, a)
	cb, _ := Commit(DomainInput, ts, b)
	if ca.Cmp(cb) == 0 {
		t.Error("different salts give the same commitment")
	}
}

func TestPackedLen(t *testing.T) {
	cases := []struct {
		ts   []Tensor
		want int
	}{
		{nil, 0},
		{[]Tensor{{Bits: 8}}, 0},
		{[]Tensor{{Values: make([]int64, 1), Bits: 1}}, 1},
		{[]Tensor{{Values: make([]int64, 252), Bits: 1}}, 1},
		{[]Tensor{{Values: make([]int64, 253), Bits: 1}}, 2},
		{[]Tensor{{Values: make([]int64, 14), Bits: 17}, {Values: make([]int64, 15), Bits: 17}}, 3},
		{[]Tensor{{Values: make([]int64, 7), Bits: 64}}, 3}, // 3 lanes per element
		{[]Tensor{{Values: make([]int64, 101770), Bits: 17}}, 7270},
		{[]Tensor{{Values: make([]int64, 3), Bits: 65}}, -1},
	}
	for _, c := range cases {
		if got := PackedLen(c.ts); got != c.want {
			t.Errorf("PackedLen(%d tensors) = %d, want %d", len(c.ts), got, c.want)
		}
	}
}

// mlpShape is the weights of a 784-128-10 MLP, all 17-bit: 101,770 values,
// committed as one tensor per weight matrix and bias.
func mlpShape() []Tensor {
	ts := []Tensor{
		{Values: gen(784*128, 17, 11), Bits: 17},
		{Values: gen(128, 17, 12), Bits: 17},
		{Values: gen(128*10, 17, 13), Bits: 17},
		{Values: gen(10, 17, 14), Bits: 17},
	}
	return ts
}

// TestConstraintCounts pins constraint counts (they are deterministic) so a
// regression in the gadget or in gnark shows. The MLP's PLONK count
// (2,583,388) is left to BenchmarkCommitMLP: it takes long to compile.
func TestConstraintCounts(t *testing.T) {
	small := []Tensor{{Values: make([]int64, 250), Bits: 17}}
	count := func(b frontend.NewBuilder, ts []Tensor) int {
		cs, err := frontend.Compile(ecc.BN254.ScalarField(), b, shapeOf(DomainWeights, ts))
		if err != nil {
			t.Fatal(err)
		}
		return cs.GetNbConstraints()
	}
	if n := count(r1cs.NewBuilder, small); n != 2429 {
		t.Errorf("17-bit x 250: R1CS %d, pinned 2429", n)
	}
	if n := count(scs.NewBuilder, small); n != 11023 {
		t.Errorf("17-bit x 250: PLONK %d, pinned 11023", n)
	}
	if testing.Short() {
		return
	}
	if n := count(r1cs.NewBuilder, mlpShape()); n != 604245 {
		t.Errorf("MLP 101,770 x 17-bit: R1CS %d, pinned 604245", n)
	}
}

// BenchmarkCommitMLP reports the constraints and the solver time of
// CommitCircuit for the 101,770 17-bit weights of a 784-128-10 MLP:
//
//	go test ./commit/ -run '^$' -bench CommitMLP -benchtime 3x
func BenchmarkCommitMLP(b *testing.B) {
	ts := mlpShape()
	salt := dec("1234567890123456789012345678901234567890")
	want, err := Commit(DomainWeights, ts, salt)
	if err != nil {
		b.Fatal(err)
	}
	w, err := frontend.NewWitness(assign(valuesOf(ts), salt, want), ecc.BN254.ScalarField())
	if err != nil {
		b.Fatal(err)
	}
	for _, bk := range []struct {
		name string
		b    frontend.NewBuilder
	}{{"r1cs", r1cs.NewBuilder[constraint.U64]}, {"plonk", scs.NewBuilder[constraint.U64]}} {
		b.Run(bk.name, func(b *testing.B) {
			cs, err := frontend.Compile(ecc.BN254.ScalarField(), bk.b, shapeOf(DomainWeights, ts))
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := cs.Solve(w); err != nil {
					b.Fatal(err)
				}
			}
			// After the loop: ResetTimer drops reported metrics.
			b.ReportMetric(float64(cs.GetNbConstraints()), "constraints")
		})
	}
}

// BenchmarkCommitNativeMLP times Commit on the same weights.
func BenchmarkCommitNativeMLP(b *testing.B) {
	ts := mlpShape()
	salt := big.NewInt(1)
	for range b.N {
		if _, err := Commit(DomainWeights, ts, salt); err != nil {
			b.Fatal(err)
		}
	}
}
