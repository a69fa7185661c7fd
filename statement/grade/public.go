package grade

import (
	"fmt"
	"math/big"

	"github.com/zkai-dev/zkai/proof"
)

// Public is the "public" object of a grade bundle:
//
//	{
//	  "key_root": "<decimal>",          // the answer key's zkai-data/1 root
//	  "key": {"rows", "rows_per_leaf", "label_bits", "label", "scale"},
//	  "n": 10000,                       // questions (= key.rows)
//	  "answers": [2, 0, 1, …],          // the learner's answers, in the clear
//	  "answers_digest": "<decimal>",    // their digest (a public input)
//	  "leaves": ["<decimal>", …],       // the key's leaf commitments (public inputs)
//	  "correct": 7312,                  // the proven count (a public input)
//	  "score": 0.7312                   // correct / n
//	}
//
// Nothing here is taken on trust: Vector recomputes the answers digest from
// the answers and the key root from the leaves and the shape, requires n,
// correct and score to be the proven figures, and puts the layout digest of
// the key shape first (LayoutDigest), so the proof binds the shape shown.
// The envelope's zkai_version and gnark_version are informational.
type Public struct {
	KeyRoot       string   `json:"key_root"`
	Key           KeyShape `json:"key"`
	N             int      `json:"n"`
	Answers       []int64  `json:"answers"`
	AnswersDigest string   `json:"answers_digest"`
	Leaves        []string `json:"leaves"`
	Correct       int      `json:"correct"`
	Score         float64  `json:"score"`
}

// Vector checks the public values against each other and returns the
// public witness in the circuit's order: layout digest, leaves, answers
// digest, correct.
func (p *Public) Vector() ([]*big.Int, error) {
	s := p.Key.DataShape()
	if err := s.Check(); err != nil {
		return nil, fmt.Errorf("key shape: %v", err)
	}
	layout, err := LayoutDigest(p.Key)
	if err != nil {
		return nil, err
	}
	if p.N != p.Key.Rows {
		return nil, fmt.Errorf("n = %d but the key has %d rows", p.N, p.Key.Rows)
	}
	if err := CheckAnswers(p.Key, p.Answers); err != nil {
		return nil, err
	}
	if len(p.Leaves) != s.Leaves() {
		return nil, fmt.Errorf("%d leaves; the key's shape has %d", len(p.Leaves), s.Leaves())
	}
	vec := make([]*big.Int, 0, len(p.Leaves)+3)
	for j, l := range p.Leaves {
		v, err := proof.ParseField(l)
		if err != nil {
			return nil, fmt.Errorf("leaves[%d]: %v", j, err)
		}
		vec = append(vec, v)
	}
	root, err := s.Root(vec)
	if err != nil {
		return nil, err
	}
	if root.String() != p.KeyRoot {
		return nil, fmt.Errorf("the leaves and key shape make root %s, not the bundle's key_root %s", root, p.KeyRoot)
	}
	digest, err := AnswersDigest(p.Key, p.Answers)
	if err != nil {
		return nil, err
	}
	if digest.String() != p.AnswersDigest {
		return nil, fmt.Errorf("the answers digest to %s, not the bundle's answers_digest %s: the answers were changed", digest, p.AnswersDigest)
	}
	if p.Correct < 0 || p.Correct > p.N {
		return nil, fmt.Errorf("correct = %d is outside 0..%d", p.Correct, p.N)
	}
	if want := score(p.Correct, p.N); p.Score != want {
		return nil, fmt.Errorf("score %v is not correct/n = %d/%d = %v", p.Score, p.Correct, p.N, want)
	}
	return append(append([]*big.Int{layout}, vec...), digest, big.NewInt(int64(p.Correct))), nil
}

func score(correct, n int) float64 { return float64(correct) / float64(n) }
