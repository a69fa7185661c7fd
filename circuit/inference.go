package circuit

import (
	"fmt"
	"math/big"

	"github.com/consensys/gnark/frontend"

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

// Inference is the gnark circuit of "these outputs come from this program
// on some input": the program's ops as constraints, inputs and outputs with
// the chosen visibility. Its shape depends only on the program's
// architecture and scales (and, with public weights, on the weights), never
// on private values, so anyone can compile it and run setup.
type Inference struct {
	Program *quant.Program `gnark:"-"`
	Opts    Options        `gnark:"-"`

	PublicInput  [][]frontend.Variable `gnark:",public"`
	PrivateInput [][]frontend.Variable `gnark:",secret"`
	Weights      [][]frontend.Variable `gnark:",secret"`
	Output       [][]frontend.Variable `gnark:",public"`
}

// NewInference allocates the circuit's witness slots (for compiling).
func NewInference(p *quant.Program, opt Options) (*Inference, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	c := &Inference{Program: p, Opts: opt}
	ins := make([][]frontend.Variable, len(p.Inputs))
	for k, id := range p.Inputs {
		ins[k] = make([]frontend.Variable, p.Tensors[id].Len())
	}
	if opt.Input == Public {
		c.PublicInput = ins
	} else {
		c.PrivateInput = ins
	}
	if opt.Weights == Private {
		for _, id := range p.Weights {
			c.Weights = append(c.Weights, make([]frontend.Variable, len(p.Consts[id])))
		}
	}
	c.Output = make([][]frontend.Variable, len(p.Outputs))
	for k, id := range p.Outputs {
		c.Output[k] = make([]frontend.Variable, p.Tensors[id].Len())
	}
	return c, nil
}

// Define builds the constraints.
func (c *Inference) Define(api frontend.API) error {
	ins := c.PublicInput
	if c.Opts.Input != Public {
		ins = c.PrivateInput
	}
	weights := map[int][]frontend.Variable{}
	if c.Opts.Weights == Private {
		for k, id := range c.Program.Weights {
			weights[id] = c.Weights[k]
		}
	}
	outs, err := Build(api, c.Program, ins, weights)
	if err != nil {
		return err
	}
	for k := range outs {
		for i, v := range outs[k] {
			api.AssertIsEqual(c.Output[k][i], v)
		}
	}
	return nil
}

// Assign fills the witness from an evaluation of the program.
func (c *Inference) Assign(w *quant.Witness) *Inference {
	a := &Inference{Program: c.Program, Opts: c.Opts}
	ins := make([][]frontend.Variable, len(c.Program.Inputs))
	for k, id := range c.Program.Inputs {
		ins[k] = vars(w.Values[id])
	}
	if c.Opts.Input == Public {
		a.PublicInput = ins
	} else {
		a.PrivateInput = ins
	}
	if c.Opts.Weights == Private {
		for _, id := range c.Program.Weights {
			a.Weights = append(a.Weights, vars(w.Values[id]))
		}
	}
	for _, id := range c.Program.Outputs {
		a.Output = append(a.Output, vars(w.Values[id]))
	}
	return a
}

func vars(v []int64) []frontend.Variable {
	out := make([]frontend.Variable, len(v))
	for i, x := range v {
		out[i] = big.NewInt(x)
	}
	return out
}
