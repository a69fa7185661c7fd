package commit

import (
	"math/big"
	"testing"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/test"
)

// smallSet is 5 rows of 3 features in leaves of 2 (the last one padded).
func smallSet() (DataShape, [][]int64, []int64) {
	s := DataShape{Rows: 5, RowsPerLeaf: 2, Features: 3, FeatureBits: 6, LabelBits: 3, Scale: 2,
		Columns: []string{"a", "b", "c"}, Label: "y"}
	x := [][]int64{{1, -2, 3}, {4, 5, -6}, {7, 8, 9}, {-10, 11, 12}, {13, -14, 15}}
	y := []int64{0, 1, 2, 3, -4}
	return s, x, y
}

func rootOf(t *testing.T, s DataShape, x [][]int64, y []int64, salts []*big.Int) *big.Int {
	t.Helper()
	var leaves []*big.Int
	for j := 0; j < s.Leaves(); j++ {
		lo, hi := j*s.RowsPerLeaf, min((j+1)*s.RowsPerLeaf, len(y))
		var xs [][]int64
		if x != nil {
			xs = x[lo:hi]
		}
		l, err := s.Leaf(xs, y[lo:hi], salts[j])
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, l)
	}
	r, err := s.Root(leaves)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func saltsN(n int) []*big.Int {
	out := make([]*big.Int, n)
	for i := range out {
		out[i] = big.NewInt(int64(1000 + i))
	}
	return out
}

// TestDataRootPinned pins zkai-data/1: generated once, must never change.
func TestDataRootPinned(t *testing.T) {
	s, x, y := smallSet()
	got := rootOf(t, s, x, y, saltsN(3))
	const want = "17551767877427121445628670864475562122791185869704631365786883042559117427030"
	if got.String() != want {
		t.Fatalf("zkai-data/1 root changed: got %s, want %s", got, want)
	}
}

// TestDataRootBinds changes each thing the root must bind and checks that
// the root changes.
func TestDataRootBinds(t *testing.T) {
	s, x, y := smallSet()
	salts := saltsN(3)
	base := rootOf(t, s, x, y, salts)
	clone := func() ([][]int64, []int64) {
		xx := make([][]int64, len(x))
		for i := range x {
			xx[i] = append([]int64(nil), x[i]...)
		}
		return xx, append([]int64(nil), y...)
	}
	cases := []struct {
		name string
		root func() *big.Int
	}{
		{"one feature", func() *big.Int { xx, yy := clone(); xx[4][2]++; return rootOf(t, s, xx, yy, salts) }},
		{"one label", func() *big.Int { xx, yy := clone(); yy[0] = 1; return rootOf(t, s, xx, yy, salts) }},
		{"rows swapped", func() *big.Int {
			xx, yy := clone()
			xx[0], xx[2], yy[0], yy[2] = xx[2], xx[0], yy[2], yy[0]
			return rootOf(t, s, xx, yy, salts)
		}},
		{"last row dropped", func() *big.Int {
			s2 := s
			s2.Rows = 4
			return rootOf(t, s2, x[:4], y[:4], salts)
		}},
		{"a zero row padded in", func() *big.Int {
			s2 := s
			s2.Rows = 6
			return rootOf(t, s2, append(x[:5:5], []int64{0, 0, 0}), append(y[:5:5], 0), salts)
		}},
		{"salt", func() *big.Int { return rootOf(t, s, x, y, []*big.Int{salts[0], big.NewInt(7), salts[2]}) }},
		{"scale", func() *big.Int { s2 := s; s2.Scale = 3; return rootOf(t, s2, x, y, salts) }},
		{"label scale", func() *big.Int { s2 := s; s2.LabelScale = 1; return rootOf(t, s2, x, y, salts) }},
		{"column name", func() *big.Int {
			s2 := s
			s2.Columns = []string{"a", "b", "d"}
			return rootOf(t, s2, x, y, salts)
		}},
		{"label name", func() *big.Int { s2 := s; s2.Label = "z"; return rootOf(t, s2, x, y, salts) }},
		{"feature width", func() *big.Int { s2 := s; s2.FeatureBits = 7; return rootOf(t, s2, x, y, salts) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root().Cmp(base) == 0 {
				t.Fatal("root did not change")
			}
		})
	}
}

func TestDataShapeErrors(t *testing.T) {
	s, x, y := smallSet()
	bad := []struct {
		name string
		edit func(*DataShape)
	}{
		{"no rows", func(s *DataShape) { s.Rows = 0 }},
		{"zero rows per leaf", func(s *DataShape) { s.RowsPerLeaf = 0 }},
		{"columns mismatch", func(s *DataShape) { s.Columns = s.Columns[:2] }},
		{"label width 0", func(s *DataShape) { s.LabelBits = 0 }},
		{"feature width 65", func(s *DataShape) { s.FeatureBits = 65 }},
		{"negative scale", func(s *DataShape) { s.Scale = -1 }},
		{"label scale 63", func(s *DataShape) { s.LabelScale = 63 }},
	}
	for _, b := range bad {
		s2 := s
		b.edit(&s2)
		if err := s2.Check(); err == nil {
			t.Errorf("%s: accepted", b.name)
		}
	}
	if _, err := s.Leaf(x[:3], y[:3], big.NewInt(1)); err == nil {
		t.Error("a leaf of 3 rows accepted with 2 rows per leaf")
	}
	if _, err := s.Leaf([][]int64{{1, 2}}, y[:1], big.NewInt(1)); err == nil {
		t.Error("a row of 2 features accepted")
	}
	if _, err := s.Leaf(x[:1], []int64{4}, big.NewInt(1)); err == nil {
		t.Error("label 4 accepted at 3 bits")
	}
	if _, err := s.Root(saltsN(2)); err == nil {
		t.Error("2 leaves accepted for 3")
	}
}

func TestTreeShape(t *testing.T) {
	l := saltsN(5)
	got, err := TreeRoot(l)
	if err != nil {
		t.Fatal(err)
	}
	h := func(a, b *big.Int) *big.Int { return hashElems(nodeTag, a, b) }
	// RFC 6962: 5 leaves split 4 + 1.
	want := h(h(h(l[0], l[1]), h(l[2], l[3])), l[4])
	if got.Cmp(want) != 0 {
		t.Fatal("tree is not RFC 6962-shaped")
	}
	if _, err := TreeRoot(nil); err == nil {
		t.Error("empty tree accepted")
	}
}

func TestSignedBits(t *testing.T) {
	for _, c := range []struct {
		vs   []int64
		want int
	}{{nil, 1}, {[]int64{0}, 1}, {[]int64{-1}, 1}, {[]int64{1}, 2}, {[]int64{16}, 6}, {[]int64{-16}, 5}, {[]int64{-17, 3}, 6}} {
		if got := SignedBits(c.vs...); got != c.want {
			t.Errorf("SignedBits(%v) = %d; want %d", c.vs, got, c.want)
		}
	}
}

// leafCircuit checks LeafCircuit against a public leaf commitment.
type leafCircuit struct {
	shape DataShape
	X, Y  []frontend.Variable
	Salt  frontend.Variable
	Leaf  frontend.Variable `gnark:",public"`
}

func (c *leafCircuit) Define(api frontend.API) error {
	l, err := c.shape.LeafCircuit(api, c.X, c.Y, c.Salt)
	if err != nil {
		return err
	}
	api.AssertIsEqual(l, c.Leaf)
	return nil
}

func TestLeafCircuit(t *testing.T) {
	s, x, y := smallSet()
	for _, sh := range []DataShape{s, {Rows: 5, RowsPerLeaf: 2, LabelBits: 3, Label: "y"}} {
		name := "features"
		if sh.Features == 0 {
			name = "labels only"
		}
		t.Run(name, func(t *testing.T) {
			var xs [][]int64
			if sh.Features > 0 {
				xs = x[4:5]
			}
			leaf, err := sh.Leaf(xs, y[4:5], big.NewInt(99)) // the padded last leaf
			if err != nil {
				t.Fatal(err)
			}
			ts, _ := sh.LeafTensors(xs, y[4:5])
			assign := func(edit func(x, y []frontend.Variable)) *leafCircuit {
				c := &leafCircuit{Salt: 99, Leaf: leaf}
				c.Y = vars64(ts[len(ts)-1].Values)
				c.X = []frontend.Variable{}
				if sh.Features > 0 {
					c.X = vars64(ts[0].Values)
				}
				if edit != nil {
					edit(c.X, c.Y)
				}
				return c
			}
			circ := &leafCircuit{shape: sh, X: make([]frontend.Variable, sh.RowsPerLeaf*sh.Features),
				Y: make([]frontend.Variable, sh.RowsPerLeaf)}
			opts := append([]test.TestingOption{
				test.WithValidAssignment(assign(nil)),
				test.WithInvalidAssignment(assign(func(_, y []frontend.Variable) { y[0] = 1 })),
				// A padding row is bound too: nothing can be slipped in.
				test.WithInvalidAssignment(assign(func(_, y []frontend.Variable) { y[1] = 1 })),
			}, checkOpts...)
			if sh.Features > 0 {
				opts = append(opts, test.WithInvalidAssignment(assign(func(x, _ []frontend.Variable) { x[2] = 14 })))
			}
			test.NewAssert(t).CheckCircuit(circ, opts...)
		})
	}
}

func vars64(v []int64) []frontend.Variable {
	out := make([]frontend.Variable, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}
