package inference

import (
	"fmt"
	"math"
	"math/big"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/quant"
)

// Public is the "public" object of an inference bundle:
//
//	{
//	  "context": "nonce" | null,
//	  "model": {"weights": "private", "commitment": "<decimal>"} | {"weights": "public"},
//	  "input": {"visibility": "private"}
//	         | {"visibility": "public", "tensors": [Tensor…]}
//	         | {"visibility": "hashed", "commitment": "<decimal>"},
//	  "outputs": [Tensor…],                 // public outputs
//	  "output_commitment": "<decimal>"      // instead, with hashed outputs
//	}
//
// A Tensor is {"name", "shape", "scale", "data": [floats], "field":
// ["<decimal>"…]}: field holds the proven integers as field elements
// (negative v as p − |v|), data the same values divided by 2^scale.
type Public struct {
	Context          *string     `json:"context"`
	Model            ModelPublic `json:"model"`
	Input            InputPublic `json:"input"`
	Outputs          []Tensor    `json:"outputs"`
	OutputCommitment string      `json:"output_commitment,omitempty"`
}

// ModelPublic names the model: by weight commitment, or public weights
// (then the verifying key itself fixes the weights).
type ModelPublic struct {
	Weights    circuit.Visibility `json:"weights"`
	Commitment string             `json:"commitment,omitempty"`
}

// InputPublic reveals the input as its visibility allows.
type InputPublic struct {
	Visibility circuit.Visibility `json:"visibility"`
	Tensors    []Tensor           `json:"tensors,omitempty"`
	Commitment string             `json:"commitment,omitempty"`
}

// Tensor is a public tensor, decoded and as field elements.
type Tensor struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	Scale int       `json:"scale"`
	Data  []float64 `json:"data"`
	Field []string  `json:"field"`
}

func publicTensors(p *quant.Program, w *quant.Witness, ids []int) []Tensor {
	out := make([]Tensor, len(ids))
	for k, id := range ids {
		t := p.Tensors[id]
		pt := Tensor{Name: t.Name, Shape: t.Shape, Scale: t.Scale, Data: quant.Dequantize(w.Values[id], t.Scale)}
		for _, v := range w.Values[id] {
			pt.Field = append(pt.Field, decimal(new(big.Int).Mod(big.NewInt(v), proof.Field())))
		}
		out[k] = pt
	}
	return out
}

// newPublic describes a proven evaluation.
func newPublic(p *quant.Program, w *quant.Witness, a *circuit.Inference, context *string) *Public {
	pub := &Public{Context: context, Model: ModelPublic{Weights: a.Opts.Weights}, Input: InputPublic{Visibility: a.Opts.Input}}
	field := func(v any) string { return decimal(v.(*big.Int)) }
	if a.Opts.Weights == circuit.Private {
		pub.Model.Commitment = field(a.ModelCommitment[0])
	}
	switch a.Opts.Input {
	case circuit.Public:
		pub.Input.Tensors = publicTensors(p, w, p.Inputs)
	case circuit.Hashed:
		pub.Input.Commitment = field(a.InputCommitment[0])
	}
	if a.Opts.Output == circuit.Public {
		pub.Outputs = publicTensors(p, w, p.Outputs)
	} else {
		pub.OutputCommitment = field(a.OutputCommitment[0])
	}
	return pub
}

// Vector checks the public values and returns them as the public witness,
// in the circuit's order: context, model commitment, input, output. It
// rejects a bundle whose decoded data disagree with its field elements, so
// nobody is shown a number that was not proven.
func (pub *Public) Vector() ([]*big.Int, error) {
	vec := []*big.Int{ContextField(pub.Context)}
	one := func(what, s string) error {
		v, err := ParseField(s)
		if err != nil {
			return fmt.Errorf("%s: %v", what, err)
		}
		vec = append(vec, v)
		return nil
	}
	switch pub.Model.Weights {
	case circuit.Private:
		if err := one("model commitment", pub.Model.Commitment); err != nil {
			return nil, err
		}
	case circuit.Public:
		if pub.Model.Commitment != "" {
			return nil, fmt.Errorf("a public-weights model has no commitment")
		}
	default:
		return nil, fmt.Errorf("model weights %q: want public or private", pub.Model.Weights)
	}
	switch pub.Input.Visibility {
	case circuit.Public:
		if len(pub.Input.Tensors) == 0 {
			return nil, fmt.Errorf("public input has no tensors")
		}
		for _, t := range pub.Input.Tensors {
			v, err := t.vector()
			if err != nil {
				return nil, fmt.Errorf("input %q: %v", t.Name, err)
			}
			vec = append(vec, v...)
		}
	case circuit.Hashed:
		if err := one("input commitment", pub.Input.Commitment); err != nil {
			return nil, err
		}
	case circuit.Private:
	default:
		return nil, fmt.Errorf("input visibility %q: want public, private or hashed", pub.Input.Visibility)
	}
	if (pub.OutputCommitment == "") == (len(pub.Outputs) == 0) {
		return nil, fmt.Errorf("a bundle has either outputs or an output commitment")
	}
	for _, t := range pub.Outputs {
		v, err := t.vector()
		if err != nil {
			return nil, fmt.Errorf("output %q: %v", t.Name, err)
		}
		vec = append(vec, v...)
	}
	if pub.OutputCommitment != "" {
		if err := one("output commitment", pub.OutputCommitment); err != nil {
			return nil, err
		}
	}
	return vec, nil
}

// vector checks a tensor's data against its field elements.
func (t *Tensor) vector() ([]*big.Int, error) {
	n := model.Size(t.Shape)
	if len(t.Field) != n || len(t.Data) != n {
		return nil, fmt.Errorf("shape %v needs %d values; data has %d, field %d", t.Shape, n, len(t.Data), len(t.Field))
	}
	if t.Scale < 0 || t.Scale > 62 {
		return nil, fmt.Errorf("scale %d is out of range", t.Scale)
	}
	half := new(big.Int).Rsh(proof.Field(), 1)
	out := make([]*big.Int, n)
	for i, s := range t.Field {
		v, err := ParseField(s)
		if err != nil {
			return nil, fmt.Errorf("field[%d]: %v", i, err)
		}
		signed := new(big.Int).Set(v)
		if signed.Cmp(half) > 0 {
			signed.Sub(signed, proof.Field())
		}
		if !signed.IsInt64() || math.Ldexp(float64(signed.Int64()), -t.Scale) != t.Data[i] {
			return nil, fmt.Errorf("data[%d] = %v is not the proven value field[%d] / 2^%d", i, t.Data[i], i, t.Scale)
		}
		out[i] = v
	}
	return out, nil
}
