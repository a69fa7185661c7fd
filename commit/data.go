package commit

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math/big"
	"math/bits"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
)

// Domains of the data-set commitment, zkai-data/1 (see DataShape).
const (
	DomainDataLeaf Domain = 4
	DomainDataNode Domain = 5
	DomainDataRoot Domain = 6
	// DomainCount commits a running count (the hidden figure chained
	// between the shards of a threshold evaluation).
	DomainCount Domain = 7
	// DomainAnswers digests public answers (salt 0: they are not secret; the
	// commitment only makes them one public input).
	DomainAnswers Domain = 8
)

// DataShape is the public description of a committed data set — everything
// the root binds besides the rows. zkai-data/1:
//
// Rows are grouped into leaves of RowsPerLeaf consecutive rows; leaf j holds
// rows [j·R, j·R + R), the last leaf zero-padded to R rows. Leaf j is the
// zkai-commit/1 commitment under DomainDataLeaf, with its own fresh salt, of
// the tensors (features of its R rows, row-major, FeatureBits wide; labels,
// LabelBits wide) — only the labels when Features = 0 (an answer key).
// Leaves are the unit a circuit re-hashes, so a leaf of many rows costs
// one sponge over packed lanes instead of a Merkle path per row
// (about 37 constraints per absorbed element against ≥ 555 per tree level):
// that is what makes a 10,000-answer key gradeable in a second or two.
//
// The leaves form a binary Merkle tree of RFC 6962's shape (the left subtree
// holds the largest power of two of leaves smaller than their count), each
// node the sponge S(tag_node; left, right). The root is
// S(tag_root; tree, Rows, RowsPerLeaf, Features, FeatureBits, LabelBits,
// Scale, LabelScale, schema), where schema is SHA-256 of the column and label names
// (SchemaDigest) truncated to 248 bits. tag_node and tag_root are shape tags
// of one "tensor" of 2 and 9 elements with width 254 — a width no Commit
// accepts — so no node or root can be read as a leaf or any other
// commitment, and a root fixes the row count: no row can be dropped,
// duplicated or padded in.
type DataShape struct {
	Rows        int
	RowsPerLeaf int
	Features    int // values per row; 0 for an answer key (labels only)
	FeatureBits int // lane width of a feature (unused when Features = 0)
	LabelBits   int
	Scale       int // fractional bits of the features
	LabelScale  int // fractional bits of the labels (0 for class indices)
	Columns     []string
	Label       string
}

// MaxRowsPerLeaf bounds a leaf so that its tensors stay of a sane size.
const MaxRowsPerLeaf = 1 << 16

// Check reports what is wrong with a shape, if anything.
func (s *DataShape) Check() error {
	switch {
	case s.Rows < 1:
		return fmt.Errorf("commit: data set has %d rows; at least 1 needed", s.Rows)
	case s.RowsPerLeaf < 1 || s.RowsPerLeaf > MaxRowsPerLeaf:
		return fmt.Errorf("commit: rows per leaf %d out of 1..%d", s.RowsPerLeaf, MaxRowsPerLeaf)
	case s.Features < 0:
		return fmt.Errorf("commit: %d features", s.Features)
	case s.Features != len(s.Columns):
		return fmt.Errorf("commit: %d features but %d column names", s.Features, len(s.Columns))
	case s.Scale < 0 || s.Scale > 62:
		return fmt.Errorf("commit: scale %d out of 0..62", s.Scale)
	case s.LabelScale < 0 || s.LabelScale > 62:
		return fmt.Errorf("commit: label scale %d out of 0..62", s.LabelScale)
	}
	if s.Features > 0 {
		if err := checkBits(s.FeatureBits); err != nil {
			return fmt.Errorf("commit: feature width: %w", err)
		}
	}
	if err := checkBits(s.LabelBits); err != nil {
		return fmt.Errorf("commit: label width: %w", err)
	}
	return nil
}

// Leaves is the number of leaves, ⌈Rows/RowsPerLeaf⌉.
func (s *DataShape) Leaves() int { return (s.Rows + s.RowsPerLeaf - 1) / s.RowsPerLeaf }

// SchemaDigest is SHA-256 of the column names and the label name, each
// length-prefixed, read as a big-endian integer and truncated to 248 bits.
func (s *DataShape) SchemaDigest() *big.Int {
	h := sha256.New()
	h.Write([]byte("zkai-data-schema/1\n"))
	put := func(x string) {
		var n [8]byte
		for i := range n {
			n[i] = byte(uint64(len(x)) >> (56 - 8*i))
		}
		h.Write(n[:])
		h.Write([]byte(x))
	}
	put(s.Label)
	for _, c := range s.Columns {
		put(c)
	}
	d := h.Sum(nil)
	return new(big.Int).SetBytes(d[:31])
}

// LeafTensors returns the tensors of a leaf holding rows x (each Features
// long) and labels y, zero-padded to RowsPerLeaf rows.
func (s *DataShape) LeafTensors(x [][]int64, y []int64) ([]Tensor, error) {
	if len(x) != len(y) && s.Features > 0 || len(y) > s.RowsPerLeaf || len(y) == 0 {
		return nil, fmt.Errorf("commit: a leaf takes 1..%d rows with one label each; got %d rows, %d labels", s.RowsPerLeaf, len(x), len(y))
	}
	labels := make([]int64, s.RowsPerLeaf)
	copy(labels, y)
	if s.Features == 0 {
		return []Tensor{{Values: labels, Bits: s.LabelBits}}, nil
	}
	feats := make([]int64, s.RowsPerLeaf*s.Features)
	for i, row := range x {
		if len(row) != s.Features {
			return nil, fmt.Errorf("commit: row has %d features; the schema has %d", len(row), s.Features)
		}
		copy(feats[i*s.Features:], row)
	}
	return []Tensor{{Values: feats, Bits: s.FeatureBits}, {Values: labels, Bits: s.LabelBits}}, nil
}

// Leaf commits one leaf's rows under its salt.
func (s *DataShape) Leaf(x [][]int64, y []int64, salt *big.Int) (*big.Int, error) {
	ts, err := s.LeafTensors(x, y)
	if err != nil {
		return nil, err
	}
	return Commit(DomainDataLeaf, ts, salt)
}

// LeafCircuit is Leaf inside a circuit: x holds RowsPerLeaf·Features
// feature values (row-major) and y RowsPerLeaf labels, padding included;
// every value is range-checked to its lane width.
func (s *DataShape) LeafCircuit(api frontend.API, x, y []frontend.Variable, salt frontend.Variable) (frontend.Variable, error) {
	if len(y) != s.RowsPerLeaf || len(x) != s.RowsPerLeaf*s.Features {
		return nil, fmt.Errorf("commit: leaf circuit takes %d features and %d labels; got %d and %d",
			s.RowsPerLeaf*s.Features, s.RowsPerLeaf, len(x), len(y))
	}
	ts := []VarTensor{{Values: y, Bits: s.LabelBits}}
	if s.Features > 0 {
		ts = []VarTensor{{Values: x, Bits: s.FeatureBits}, ts[0]}
	}
	return CommitCircuit(api, DomainDataLeaf, ts, salt)
}

// noLaneWidth is the width in the node and root tags: above maxBits, so no
// Commit shape tag equals them.
const noLaneWidth = 254

var (
	nodeTag = shapeTag(DomainDataNode, []shape{{2, noLaneWidth}})
	rootTag = shapeTag(DomainDataRoot, []shape{{9, noLaneWidth}})
)

func hashElems(tag fr.Element, xs ...*big.Int) *big.Int {
	s := newSponge(&tag)
	var e fr.Element
	for _, x := range xs {
		e.SetBigInt(x)
		s.absorb(&e)
	}
	r := s.squeeze()
	return r.BigInt(new(big.Int))
}

var errLeaf = errors.New("leaf is not a field element")

// TreeRoot is the RFC 6962-shaped Merkle root over the leaves.
func TreeRoot(leaves []*big.Int) (*big.Int, error) {
	if len(leaves) == 0 {
		return nil, errors.New("commit: a data tree needs at least one leaf")
	}
	for i, l := range leaves {
		if l == nil || l.Sign() < 0 || l.Cmp(fr.Modulus()) >= 0 {
			return nil, fmt.Errorf("commit: leaf %d: %w", i, errLeaf)
		}
	}
	return treeRoot(leaves), nil
}

func treeRoot(leaves []*big.Int) *big.Int {
	n := len(leaves)
	if n == 1 {
		return leaves[0]
	}
	k := 1 << (bits.Len(uint(n-1)) - 1) // largest power of two < n
	return hashElems(nodeTag, treeRoot(leaves[:k]), treeRoot(leaves[k:]))
}

// Root binds the tree of leaves to the shape. It fails unless there are
// exactly Leaves() leaves.
func (s *DataShape) Root(leaves []*big.Int) (*big.Int, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	if len(leaves) != s.Leaves() {
		return nil, fmt.Errorf("commit: %d leaves; %d rows at %d per leaf make %d", len(leaves), s.Rows, s.RowsPerLeaf, s.Leaves())
	}
	t, err := TreeRoot(leaves)
	if err != nil {
		return nil, err
	}
	n := func(v int) *big.Int { return big.NewInt(int64(v)) }
	return hashElems(rootTag, t, n(s.Rows), n(s.RowsPerLeaf), n(s.Features), n(s.FeatureBits),
		n(s.LabelBits), n(s.Scale), n(s.LabelScale), s.SchemaDigest()), nil
}

// SignedBits is the smallest signed width holding every value (at least 1).
func SignedBits(vs ...int64) int {
	b := 1
	for _, v := range vs {
		if v < 0 {
			v = ^v // −2^(k−1) ≤ v  ⇔  ~v < 2^(k−1)
		}
		b = max(b, bits.Len64(uint64(v))+1)
	}
	return b
}
