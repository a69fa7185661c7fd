package grade

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/commit"
	"github.com/zkai-dev/zkai/proof"
)

// Circuit proves that Correct answers out of N match a committed key.
//
// Public, in this order: the layout digest (LayoutDigest of the key shape:
// the vk fixes the shape the verifier shows), the key's leaf commitments (one per leaf), the
// answers digest, Correct. Private: the key labels (N of them; the padding
// of the last leaf is the constant 0, so nothing can be hidden there), the
// per-leaf salts and the answers themselves — they are public to the
// verifier, but carried as one digest, so 10,000 answers cost one public
// input (64 bytes of verifying key) instead of 10,000.
type Circuit struct {
	Layout        frontend.Variable   `gnark:",public"`
	Leaves        []frontend.Variable `gnark:",public"`
	AnswersDigest frontend.Variable   `gnark:",public"`
	Correct       frontend.Variable   `gnark:",public"`

	Key     []frontend.Variable
	Salts   []frontend.Variable
	Answers []frontend.Variable

	shape  commit.DataShape
	layout *big.Int
}

// KeyShape is the answer key's commitment shape: all the circuit depends
// on. It is the "key" object of a grade bundle.
type KeyShape struct {
	Rows        int    `json:"rows"`
	RowsPerLeaf int    `json:"rows_per_leaf"`
	LabelBits   int    `json:"label_bits"`
	Label       string `json:"label"`
	Scale       int    `json:"scale"`
}

// DataShape is the commit.DataShape of a labels-only key.
func (k KeyShape) DataShape() commit.DataShape {
	return commit.DataShape{Rows: k.Rows, RowsPerLeaf: k.RowsPerLeaf, LabelBits: k.LabelBits, Scale: k.Scale,
		Columns: []string{}, Label: k.Label}
}

// NewCircuit is the empty circuit for a key of this shape, to compile.
func NewCircuit(k KeyShape) (*Circuit, error) {
	s := k.DataShape()
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("grade: answer key shape: %w", err)
	}
	layout, err := LayoutDigest(k)
	if err != nil {
		return nil, err
	}
	return &Circuit{
		Layout:  layout,
		Leaves:  make([]frontend.Variable, s.Leaves()),
		Key:     make([]frontend.Variable, s.Rows),
		Salts:   make([]frontend.Variable, s.Leaves()),
		Answers: make([]frontend.Variable, s.Rows),
		shape:   s,
		layout:  layout,
	}, nil
}

// LayoutDigest is the circuit's first public input: proof.LayoutDigest of
// the key shape, the "key" object a grade shows besides the root. The
// circuit's structure fixes the rows, leaf size and label width; the digest
// fixes the label's name and scale too, which enter only the root.
func LayoutDigest(k KeyShape) (*big.Int, error) {
	return proof.LayoutDigest(Statement, k)
}

// Define implements frontend.Circuit.
func (c *Circuit) Define(api frontend.API) error {
	s := c.shape
	n, r := s.Rows, s.RowsPerLeaf
	if len(c.Key) != n || len(c.Answers) != n || len(c.Leaves) != s.Leaves() || len(c.Salts) != s.Leaves() {
		return errors.New("grade: circuit built for another shape (use NewCircuit)")
	}
	// The verifying key fixes the key shape the public values refer to.
	api.AssertIsEqual(c.Layout, c.layout)
	for j := range c.Leaves {
		y := make([]frontend.Variable, r)
		for i := range y {
			if row := j*r + i; row < n {
				y[i] = c.Key[row]
			} else {
				y[i] = 0 // padding: a constant, so the key cannot grow past N rows
			}
		}
		leaf, err := s.LeafCircuit(api, nil, y, c.Salts[j])
		if err != nil {
			return err
		}
		api.AssertIsEqual(leaf, c.Leaves[j])
	}
	// The digest range-checks every answer to the key's lane width, which
	// is what makes the packed digest bind each answer.
	d, err := commit.CommitCircuit(api, commit.DomainAnswers, []commit.VarTensor{{Values: c.Answers, Bits: s.LabelBits}}, 0)
	if err != nil {
		return err
	}
	api.AssertIsEqual(d, c.AnswersDigest)
	hits := make([]frontend.Variable, n)
	for i := range hits {
		hits[i] = api.IsZero(api.Sub(c.Answers[i], c.Key[i]))
	}
	// One n-ary sum: adding one term at a time would rebuild an ever longer
	// linear expression per answer.
	sum := hits[0]
	if n > 1 {
		sum = api.Add(hits[0], hits[1], hits[2:]...)
	}
	api.AssertIsEqual(sum, c.Correct)
	return nil
}

// AnswersDigest is the public digest of the answers:
// commit.Commit(DomainAnswers, [{answers, LabelBits}], salt 0). The answers
// are not secret, so there is no salt; the digest only compresses them into
// one public input.
func AnswersDigest(k KeyShape, answers []int64) (*big.Int, error) {
	return commit.Commit(commit.DomainAnswers, []commit.Tensor{{Values: answers, Bits: k.LabelBits}}, new(big.Int))
}

// CheckAnswers says what is wrong with a submission for this key, if
// anything: the count must be the key's, each answer a non-negative integer
// within the key's label width (no key label lies outside it).
func CheckAnswers(k KeyShape, answers []int64) error {
	if len(answers) != k.Rows {
		return fmt.Errorf("grade: %d answers for a key of %d questions; submit exactly one answer per question", len(answers), k.Rows)
	}
	hi := int64(1)<<(k.LabelBits-1) - 1
	for i, a := range answers {
		if a < 0 || a > hi {
			return fmt.Errorf("grade: answers[%d] = %d is outside 0..%d, the range of the key's %d-bit labels; answers are class indices like the key's", i, a, hi, k.LabelBits)
		}
	}
	return nil
}

// assign fills the circuit's witness from the key, its salts and the
// answers (already checked against the shape), returning the public values.
func assign(k KeyShape, key []int64, salts, leaves []*big.Int, answers []int64) (*Circuit, *big.Int, int, error) {
	c, err := NewCircuit(k)
	if err != nil {
		return nil, nil, 0, err
	}
	digest, err := AnswersDigest(k, answers)
	if err != nil {
		return nil, nil, 0, err
	}
	correct := 0
	for i := range answers {
		c.Key[i], c.Answers[i] = key[i], answers[i]
		if answers[i] == key[i] {
			correct++
		}
	}
	for j := range leaves {
		c.Leaves[j], c.Salts[j] = leaves[j], salts[j]
	}
	c.AnswersDigest, c.Correct = digest, correct
	return c, digest, correct, nil
}
