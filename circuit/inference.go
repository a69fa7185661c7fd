package circuit

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/commit"
	"github.com/zkai-dev/zkai/quant"
)

// Visibility of a tensor in the statement.
type Visibility string

const (
	Public  Visibility = "public"
	Private Visibility = "private"
	// Hashed: private values bound to a public salted commitment.
	Hashed Visibility = "hashed"
)

// Options choose what the inference statement reveals.
type Options struct {
	Weights Visibility // public (circuit constants) or private (witness, committed)
	Input   Visibility // public, private or hashed
	Output  Visibility // public or hashed
}

// DefaultOptions: private weights, private input, public output.
func DefaultOptions() Options { return Options{Weights: Private, Input: Private, Output: Public} }

// Validate checks the option values.
func (o Options) Validate() error {
	if o.Weights != Public && o.Weights != Private {
		return fmt.Errorf("circuit: weights visibility %q is not supported; supported: public, private", o.Weights)
	}
	if o.Input != Public && o.Input != Private && o.Input != Hashed {
		return fmt.Errorf("circuit: input visibility %q is not supported; supported: public, private, hashed", o.Input)
	}
	if o.Output != Public && o.Output != Hashed {
		return fmt.Errorf("circuit: output visibility %q is not supported; supported: public, hashed", o.Output)
	}
	return nil
}

// Inference is the gnark circuit of "these outputs come from this model on
// some input": the program's ops as constraints, with inputs, weights and
// outputs revealed, hidden or committed as Options say. Its shape depends
// only on the program's architecture and scales (and, with public weights,
// on the weights), never on private values, so anyone can compile it and
// run setup.
//
// Public values, in this order (the order of a proof's public witness):
// Layout (the layout digest: what gives the other values their meaning,
// constrained to the constant LayoutDigest, so the verifying key fixes it),
// Context (a caller-chosen nonce; 0 for none), ModelCommitment (private
// weights), PublicInput or InputCommitment, Output or OutputCommitment.
// Commitments are zkai-commit/1 (package commit) under a secret salt.
type Inference struct {
	Program *quant.Program `gnark:"-"`
	Opts    Options        `gnark:"-"`
	// LayoutDigest is the statement's digest of the names, shapes, scales,
	// widths, roles and visibility of the public values (and, with public
	// weights, the model's identity); the caller computes it (package
	// statement/inference) so that this package stays below proof.
	LayoutDigest *big.Int `gnark:"-"`

	Layout           frontend.Variable     `gnark:",public"`
	Context          frontend.Variable     `gnark:",public"`
	ModelCommitment  []frontend.Variable   `gnark:",public"`
	PublicInput      [][]frontend.Variable `gnark:",public"`
	InputCommitment  []frontend.Variable   `gnark:",public"`
	Output           [][]frontend.Variable `gnark:",public"`
	OutputCommitment []frontend.Variable   `gnark:",public"`

	PrivateInput [][]frontend.Variable `gnark:",secret"`
	Weights      [][]frontend.Variable `gnark:",secret"`
	HiddenOutput [][]frontend.Variable `gnark:",secret"`
	Salts        []frontend.Variable   `gnark:",secret"` // model, input, output (those committed)
}

// NewInference allocates the circuit's witness slots (for compiling) for
// the layout digest layout.
func NewInference(p *quant.Program, opt Options, layout *big.Int) (*Inference, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if layout == nil {
		return nil, fmt.Errorf("circuit: the inference circuit needs its layout digest")
	}
	c := &Inference{Program: p, Opts: opt, LayoutDigest: layout}
	ins := tensorSlots(p, p.Inputs)
	if opt.Input == Public {
		c.PublicInput = ins
	} else {
		c.PrivateInput = ins
	}
	if opt.Input == Hashed {
		c.InputCommitment = make([]frontend.Variable, 1)
	}
	if opt.Weights == Private {
		c.Weights = tensorSlots(p, p.Weights)
		c.ModelCommitment = make([]frontend.Variable, 1)
	}
	if opt.Output == Public {
		c.Output = tensorSlots(p, p.Outputs)
	} else {
		c.HiddenOutput = tensorSlots(p, p.Outputs)
		c.OutputCommitment = make([]frontend.Variable, 1)
	}
	c.Salts = make([]frontend.Variable, len(c.ModelCommitment)+len(c.InputCommitment)+len(c.OutputCommitment))
	return c, nil
}

func tensorSlots(p *quant.Program, ids []int) [][]frontend.Variable {
	out := make([][]frontend.Variable, len(ids))
	for k, id := range ids {
		out[k] = make([]frontend.Variable, p.Tensors[id].Len())
	}
	return out
}

// varTensors pairs witness values with their tensors' declared widths.
func varTensors(p *quant.Program, ids []int, vals [][]frontend.Variable) []commit.VarTensor {
	ts := make([]commit.VarTensor, len(ids))
	for k, id := range ids {
		ts[k] = commit.VarTensor{Values: vals[k], Bits: p.Tensors[id].Bits}
	}
	return ts
}

// Define builds the constraints.
func (c *Inference) Define(api frontend.API) error {
	// the layout is a constant of the circuit: a proof verifies only with
	// the digest of the layout it was compiled for (one constraint)
	api.AssertIsEqual(c.Layout, c.LayoutDigest)
	// bind the context: a public input that no constraint touches would
	// not be part of the Groth16 verification equation
	api.AssertIsEqual(api.Mul(c.Context, c.Context), api.Mul(c.Context, c.Context))
	p := c.Program
	salt := 0
	commitTo := func(d commit.Domain, ids []int, vals [][]frontend.Variable, public frontend.Variable) error {
		h, err := commit.CommitCircuit(api, d, varTensors(p, ids, vals), c.Salts[salt])
		if err != nil {
			return err
		}
		salt++
		api.AssertIsEqual(h, public)
		return nil
	}
	weights := map[int][]frontend.Variable{}
	if c.Opts.Weights == Private {
		// the commitment range-checks every weight to its declared width
		if err := commitTo(commit.DomainWeights, p.Weights, c.Weights, c.ModelCommitment[0]); err != nil {
			return err
		}
		for k, id := range p.Weights {
			weights[id] = c.Weights[k]
		}
	}
	ins := c.PublicInput
	if c.Opts.Input != Public {
		ins = c.PrivateInput
	}
	if c.Opts.Input == Hashed {
		if err := commitTo(commit.DomainInput, p.Inputs, ins, c.InputCommitment[0]); err != nil {
			return err
		}
	}
	outs, err := Build(api, p, ins, weights)
	if err != nil {
		return err
	}
	claimed := c.Output
	if c.Opts.Output == Hashed {
		claimed = c.HiddenOutput
		if err := commitTo(commit.DomainOutput, p.Outputs, claimed, c.OutputCommitment[0]); err != nil {
			return err
		}
	}
	for k := range outs {
		for i, v := range outs[k] {
			api.AssertIsEqual(claimed[k][i], v)
		}
	}
	return nil
}

// Secrets are the salts of the committed values (zero when not committed).
type Secrets struct {
	ModelSalt, InputSalt, OutputSalt *big.Int
}

// Assign fills a full assignment from an evaluation of the program, the
// context as a field element, and the salts. It also returns the
// commitments it binds (nil when not committed).
func (c *Inference) Assign(w *quant.Witness, context *big.Int, s Secrets) (*Inference, error) {
	p := c.Program
	a := &Inference{Program: p, Opts: c.Opts, LayoutDigest: c.LayoutDigest, Layout: c.LayoutDigest, Context: context}
	commitTo := func(d commit.Domain, ids []int, salt *big.Int) (*big.Int, error) {
		ts := make([]commit.Tensor, len(ids))
		for k, id := range ids {
			ts[k] = commit.Tensor{Values: w.Values[id], Bits: p.Tensors[id].Bits}
		}
		a.Salts = append(a.Salts, salt)
		return commit.Commit(d, ts, salt)
	}
	if c.Opts.Weights == Private {
		a.Weights = values(w, p.Weights)
		h, err := commitTo(commit.DomainWeights, p.Weights, s.ModelSalt)
		if err != nil {
			return nil, err
		}
		a.ModelCommitment = []frontend.Variable{h}
	}
	ins := values(w, p.Inputs)
	if c.Opts.Input == Public {
		a.PublicInput = ins
	} else {
		a.PrivateInput = ins
	}
	if c.Opts.Input == Hashed {
		h, err := commitTo(commit.DomainInput, p.Inputs, s.InputSalt)
		if err != nil {
			return nil, err
		}
		a.InputCommitment = []frontend.Variable{h}
	}
	if c.Opts.Output == Public {
		a.Output = values(w, p.Outputs)
	} else {
		a.HiddenOutput = values(w, p.Outputs)
		h, err := commitTo(commit.DomainOutput, p.Outputs, s.OutputSalt)
		if err != nil {
			return nil, err
		}
		a.OutputCommitment = []frontend.Variable{h}
	}
	return a, nil
}

func values(w *quant.Witness, ids []int) [][]frontend.Variable {
	out := make([][]frontend.Variable, len(ids))
	for k, id := range ids {
		out[k] = vars(w.Values[id])
	}
	return out
}

func vars(v []int64) []frontend.Variable {
	out := make([]frontend.Variable, len(v))
	for i, x := range v {
		out[i] = big.NewInt(x)
	}
	return out
}
