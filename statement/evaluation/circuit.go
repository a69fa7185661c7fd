package evaluation

import (
	"fmt"
	"math/big"
	"math/bits"

	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/commit"
	"github.com/zkai-dev/zkai/quant"
)

// CountBits bounds a running count of correct rows (and the threshold).
const CountBits = 32

// Spec is what a shard circuit is compiled for, besides the program.
type Spec struct {
	// Layout is the layout digest (Info.layoutDigest) the first public
	// input is constrained to: the verifying key fixes it.
	Layout         *big.Int
	Data           commit.DataShape
	LeavesPerShard int
	PrivateWeights bool
	// Threshold selects the threshold form: the count stays hidden,
	// chained between shards as salted commitments, and the last shard
	// proves count ≥ AtLeast.
	Threshold bool
	// Binary is the decision threshold of a one-output model, an integer at
	// the output's scale (evaluate's rule).
	Binary int64
	// InputShift is the model input's scale minus the data's: positive
	// shifts left (exact), negative divides with rounding (checked).
	InputShift int
	// MSE sums squared errors (o·2^OutShift − y·2^LabelShift)², at scale
	// 2^−2·ErrScale, instead of counting correct predictions.
	MSE                            bool
	OutShift, LabelShift, ErrScale int
}

// Rows is the number of row slots in a shard.
func (s *Spec) Rows() int { return s.LeavesPerShard * s.Data.RowsPerLeaf }

// Circuit proves, for one shard of a committed data set, how many of its
// rows the model classifies correctly.
//
// Public: the layout digest (Spec.Layout), the shard's leaf commitments (the verifier rebuilds the data-set
// root from the leaves of all shards), Rows (the real rows in the shard —
// slots past it are padding and not counted), the model commitment with
// private weights, and either Sum (the shard's exact count, or its sum of
// squared errors) or, in the threshold form, Count = (commitment before,
// commitment after, first, final, at-least). With MSE, ErrScale carries the
// error's scale, so the figure a verifier computes from Sum is proven too.
type Circuit struct {
	Program *quant.Program `gnark:"-"`
	Spec    Spec           `gnark:"-"`

	Layout   frontend.Variable   `gnark:",public"`
	Leaves   []frontend.Variable `gnark:",public"`
	Rows     frontend.Variable   `gnark:",public"`
	Model    []frontend.Variable `gnark:",public"`
	Sum      []frontend.Variable `gnark:",public"`
	Count    []frontend.Variable `gnark:",public"`
	ErrScale []frontend.Variable `gnark:",public"`

	X, Y       []frontend.Variable   `gnark:",secret"` // features (row-major) and labels of every slot
	Salts      []frontend.Variable   `gnark:",secret"` // one per leaf
	Weights    [][]frontend.Variable `gnark:",secret"`
	ModelSalt  []frontend.Variable   `gnark:",secret"`
	CountSalts []frontend.Variable   `gnark:",secret"` // threshold: count before, its salt, salt after
}

// Count slots in the threshold form.
const (
	countIn = iota
	countOut
	countFirst
	countFinal
	countAtLeast
	countSlots
)

// NewCircuit allocates the witness slots (for compiling).
func NewCircuit(p *quant.Program, s Spec) (*Circuit, error) {
	if len(p.Inputs) != 1 || len(p.Outputs) < 1 {
		return nil, fmt.Errorf("evaluation: the model takes %d inputs; evaluation feeds one row to one input", len(p.Inputs))
	}
	if n := p.Tensors[p.Inputs[0]].Len(); n != s.Data.Features {
		return nil, fmt.Errorf("evaluation: the model's input has %d values; the data set's rows have %d features", n, s.Data.Features)
	}
	if err := s.Data.Check(); err != nil {
		return nil, err
	}
	if s.LeavesPerShard < 1 {
		return nil, fmt.Errorf("evaluation: %d leaves per shard", s.LeavesPerShard)
	}
	if s.Layout == nil {
		return nil, fmt.Errorf("evaluation: the spec has no layout digest")
	}
	c := &Circuit{Program: p, Spec: s}
	c.Leaves = make([]frontend.Variable, s.LeavesPerShard)
	c.X = make([]frontend.Variable, s.Rows()*s.Data.Features)
	c.Y = make([]frontend.Variable, s.Rows())
	c.Salts = make([]frontend.Variable, s.LeavesPerShard)
	if s.PrivateWeights {
		c.Model = make([]frontend.Variable, 1)
		c.ModelSalt = make([]frontend.Variable, 1)
		c.Weights = make([][]frontend.Variable, len(p.Weights))
		for k, id := range p.Weights {
			c.Weights[k] = make([]frontend.Variable, p.Tensors[id].Len())
		}
	}
	if s.Threshold {
		c.Count = make([]frontend.Variable, countSlots)
		c.CountSalts = make([]frontend.Variable, 3)
	} else {
		c.Sum = make([]frontend.Variable, 1)
	}
	if s.MSE {
		c.ErrScale = make([]frontend.Variable, 1)
		out := p.Tensors[p.Outputs[0]]
		if out.Len() != 1 {
			return nil, fmt.Errorf("evaluation: mse needs a model with one output value (a regressor); this one has %d", out.Len())
		}
		// (Σ over B rows of e²) must stay far below the field size
		if eb := errBits(out.Bits, &s); 2*eb+bits.Len(uint(s.Rows())) > 240 {
			return nil, fmt.Errorf("evaluation: squared errors of %d bits do not fit a field element; lower the scales", 2*eb)
		}
	}
	return c, nil
}

// Define builds the constraints.
func (c *Circuit) Define(api frontend.API) error {
	s, p := &c.Spec, c.Program
	g := circuit.NewGadgets(api)
	R, F := s.Data.RowsPerLeaf, s.Data.Features

	// The verifying key fixes what the public values mean.
	api.AssertIsEqual(c.Layout, s.Layout)

	// The rows are the committed ones: each leaf re-hashed (its lanes
	// range-checked) equals the public leaf.
	for l := range s.LeavesPerShard {
		h, err := s.Data.LeafCircuit(api, c.X[l*R*F:(l+1)*R*F], c.Y[l*R:(l+1)*R], c.Salts[l])
		if err != nil {
			return err
		}
		api.AssertIsEqual(h, c.Leaves[l])
	}

	weights := map[int][]frontend.Variable{}
	if s.PrivateWeights {
		ts := make([]commit.VarTensor, len(p.Weights))
		for k, id := range p.Weights {
			ts[k] = commit.VarTensor{Values: c.Weights[k], Bits: p.Tensors[id].Bits}
			weights[id] = c.Weights[k]
		}
		h, err := commit.CommitCircuit(api, commit.DomainWeights, ts, c.ModelSalt[0])
		if err != nil {
			return err
		}
		api.AssertIsEqual(h, c.Model[0])
	}

	// mask[i] = [i < Rows]: booleans, non-increasing, summing to Rows.
	B := s.Rows()
	mask := make([]frontend.Variable, B)
	for i := range mask {
		// the hint proposes [Rows − 1 − i ≥ 0]; the constraints below admit
		// exactly that mask
		m, err := api.Compiler().NewHint(circuit.SignHint, 1, api.Sub(c.Rows, i+1))
		if err != nil {
			return err
		}
		mask[i] = m[0]
		api.AssertIsBoolean(mask[i])
		if i > 0 {
			api.AssertIsEqual(api.Mul(mask[i], api.Sub(1, mask[i-1])), 0)
		}
	}
	api.AssertIsEqual(api.Add(0, 0, mask...), c.Rows)

	in := p.Tensors[p.Inputs[0]]
	inputs := make([][][]frontend.Variable, B)
	for r := range B {
		x := make([]frontend.Variable, F)
		for j := range F {
			v := c.X[r*F+j]
			switch {
			case s.InputShift > 0:
				v = api.Mul(v, new(big.Int).Lsh(big.NewInt(1), uint(s.InputShift)))
			case s.InputShift < 0:
				var err error
				if v, err = g.RoundShift(v, -s.InputShift, in.Bits); err != nil {
					return err
				}
			}
			x[j] = v
		}
		inputs[r] = [][]frontend.Variable{x}
	}
	build := circuit.BuildBatch
	if s.InputShift >= 0 && s.Data.FeatureBits+s.InputShift <= in.Bits {
		// the leaf commitment checked every lane to FeatureBits; the
		// exact left shift keeps it within the input's width
		build = circuit.BuildBatchBounded
	}
	outs, err := build(api, p, inputs, weights)
	if err != nil {
		return err
	}
	out := p.Tensors[p.Outputs[0]]
	hits := make([]frontend.Variable, B)
	for r := range B {
		if s.MSE {
			e := api.Sub(api.Mul(outs[r][0][0], pow2(s.OutShift)), api.Mul(c.Y[r], pow2(s.LabelShift)))
			hits[r] = api.Mul(mask[r], api.Mul(e, e))
			continue
		}
		pred, err := g.Predict(outs[r][0], out.Bits, s.Binary)
		if err != nil {
			return err
		}
		hits[r] = api.Mul(mask[r], api.IsZero(api.Sub(pred, c.Y[r])))
	}
	if s.MSE {
		api.AssertIsEqual(c.ErrScale[0], s.ErrScale)
	}
	count := api.Add(0, 0, hits...)

	if !s.Threshold {
		api.AssertIsEqual(count, c.Sum[0])
		return nil
	}
	first, final := c.Count[countFirst], c.Count[countFinal]
	api.AssertIsBoolean(first)
	api.AssertIsBoolean(final)
	before := c.CountSalts[0]
	g.CheckNonNeg(before, CountBits)
	api.AssertIsEqual(api.Mul(first, before), 0) // the first shard starts at 0
	hin, err := commitCount(api, before, c.CountSalts[1])
	if err != nil {
		return err
	}
	// a later shard continues the count its predecessor committed to
	api.AssertIsEqual(api.Mul(api.Sub(1, first), api.Sub(hin, c.Count[countIn])), 0)
	after := api.Add(before, count)
	hout, err := commitCount(api, after, c.CountSalts[2])
	if err != nil {
		return err
	}
	api.AssertIsEqual(hout, c.Count[countOut])
	// the last shard proves count ≥ at-least (a non-final shard proves 0 ≥ 0)
	g.CheckNonNeg(api.Mul(final, api.Sub(after, c.Count[countAtLeast])), CountBits)
	g.CheckNonNeg(c.Count[countAtLeast], CountBits)
	return nil
}

func pow2(k int) *big.Int { return new(big.Int).Lsh(big.NewInt(1), uint(k)) }

// errBits bounds the signed error o·2^OutShift − y·2^LabelShift.
func errBits(outBits int, s *Spec) int {
	return max(outBits+s.OutShift, s.Data.LabelBits+s.LabelShift) + 1
}

func commitCount(api frontend.API, v, salt frontend.Variable) (frontend.Variable, error) {
	return commit.CommitCircuit(api, commit.DomainCount, []commit.VarTensor{{Values: []frontend.Variable{v}, Bits: CountBits + 1}}, salt)
}

// CommitCount is commitCount natively.
func CommitCount(v int64, salt *big.Int) (*big.Int, error) {
	return commit.Commit(commit.DomainCount, []commit.Tensor{{Values: []int64{v}, Bits: CountBits + 1}}, salt)
}
