package inference

import (
	"fmt"
	"math"
	"math/big"
	"slices"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/commit"
	"github.com/zkai-dev/zkai/model"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/quant"
)

// Public is the "public" object of an inference bundle:
//
//	{
//	  "context": "nonce" | null,
//	  "model": {"weights": "private", "commitment": "<decimal>"}
//	         | {"weights": "public", "weights_digest": "sha256:…"},
//	  "input": {"visibility": "private"}
//	         | {"visibility": "public", "tensors": [Tensor…]}
//	         | {"visibility": "hashed", "tensors": [TensorMeta…], "commitment": "<decimal>"},
//	  "output": {"visibility": "public", "tensors": [Tensor…]}
//	          | {"visibility": "hashed", "tensors": [TensorMeta…], "commitment": "<decimal>"}
//	}
//
// A TensorMeta is {"name", "shape", "scale", "bits"}; a Tensor adds "data"
// (floats) and "field" (["<decimal>"…]): field holds the proven integers
// as field elements (negative v as p − |v|), data the same values divided
// by 2^scale.
//
// Everything here is proven. The values and commitments are public
// inputs; the rest — visibility, every tensor's name, shape, scale and
// width, their order, the input/output split and, with public weights, the
// model's digest — is the layout, whose digest (proof.LayoutDigest) is the
// circuit's first public input, constrained to the constant it was compiled
// for. The verifier recomputes that digest from what it shows, so a
// relabelled bundle does not verify. data is checked equal to field.
type Public struct {
	Context *string     `json:"context"`
	Model   ModelPublic `json:"model"`
	Input   Values      `json:"input"`
	Output  Values      `json:"output"`
}

// ModelPublic names the model: by weight commitment (private weights), or
// by the digest of its public weights (WeightsDigest), which the layout
// binds (the verifying key fixes the weights themselves).
type ModelPublic struct {
	Weights       circuit.Visibility `json:"weights"`
	Commitment    string             `json:"commitment,omitempty"`
	WeightsDigest string             `json:"weights_digest,omitempty"`
}

// Check refuses a model named in a way its weight mode does not allow
// (what names the file kind, for the message): a private-weights model by
// a canonical commitment, a public-weights one by a weights digest, never
// both.
func (m *ModelPublic) Check(what string) error {
	switch m.Weights {
	case circuit.Private:
		if m.WeightsDigest != "" {
			return fmt.Errorf("a weights digest in a private-weights %s: the model is named by its commitment, not a digest", what)
		}
		if _, err := proof.ParseField(m.Commitment); err != nil {
			return fmt.Errorf("model commitment: %w", err)
		}
	case circuit.Public:
		if m.Commitment != "" {
			return fmt.Errorf("a model commitment in a public-weights %s: the weights are circuit constants, so the model has no commitment; it is named by its weights digest", what)
		}
		if !proof.IsDigest(m.WeightsDigest) {
			return fmt.Errorf("weights digest %q is not sha256:<64 hex digits>", m.WeightsDigest)
		}
	default:
		return fmt.Errorf("weights %q: want private or public", m.Weights)
	}
	return nil
}

// Values is an input or output side as its visibility reveals it.
type Values struct {
	Visibility circuit.Visibility `json:"visibility"`
	Tensors    []Tensor           `json:"tensors,omitempty"`
	Commitment string             `json:"commitment,omitempty"`
}

// TensorMeta is what gives a tensor's values their meaning.
type TensorMeta struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	Scale int    `json:"scale"`
	Bits  int    `json:"bits"`
}

// Tensor is a public tensor, decoded and as field elements (values are
// absent when the tensor is hashed).
type Tensor struct {
	TensorMeta
	Data  []float64 `json:"data,omitempty"`
	Field []string  `json:"field,omitempty"`
}

// layout is what the layout digest covers: everything that gives the
// public values their meaning, in their order. Private tensors are not
// listed (the circuit fixes them and nothing about them is shown).
type layout struct {
	Weights circuit.Visibility `json:"weights"`
	Model   string             `json:"model,omitempty"` // public weights: WeightsDigest
	Input   sideLayout         `json:"input"`
	Output  sideLayout         `json:"output"`
}

type sideLayout struct {
	Visibility circuit.Visibility `json:"visibility"`
	Tensors    []TensorMeta       `json:"tensors"`
}

func (l *layout) digest() (*big.Int, error) { return proof.LayoutDigest(Statement, l) }

// programLayout is the layout a program compiles to; modelDigest is
// WeightsDigest with public weights, "" otherwise.
func programLayout(p *quant.Program, opt circuit.Options, modelDigest string) *layout {
	side := func(v circuit.Visibility, ids []int) sideLayout {
		s := sideLayout{Visibility: v}
		if v != circuit.Private {
			for _, id := range ids {
				t := p.Tensors[id]
				s.Tensors = append(s.Tensors, TensorMeta{Name: t.Name, Shape: t.Shape, Scale: t.Scale, Bits: t.Bits})
			}
		}
		return s
	}
	return &layout{Weights: opt.Weights, Model: modelDigest, Input: side(opt.Input, p.Inputs), Output: side(opt.Output, p.Outputs)}
}

// layoutOf is a program's layout digest and, with public weights, its
// weights digest: what compile records and prove must find again.
func layoutOf(p *quant.Program, opt circuit.Options) (layout *big.Int, weightsDigest string, err error) {
	if opt.Weights == circuit.Public {
		weightsDigest = WeightsDigest(p)
	}
	layout, err = programLayout(p, opt, weightsDigest).digest()
	return layout, weightsDigest, err
}

// layout is the layout the bundle shows.
func (pub *Public) layout() *layout {
	side := func(v *Values) sideLayout {
		s := sideLayout{Visibility: v.Visibility}
		for _, t := range v.Tensors {
			s.Tensors = append(s.Tensors, t.TensorMeta)
		}
		return s
	}
	return &layout{Weights: pub.Model.Weights, Model: pub.Model.WeightsDigest, Input: side(&pub.Input), Output: side(&pub.Output)}
}

func publicTensors(p *quant.Program, w *quant.Witness, ids []int, withValues bool) []Tensor {
	out := make([]Tensor, len(ids))
	for k, id := range ids {
		t := p.Tensors[id]
		pt := Tensor{TensorMeta: TensorMeta{Name: t.Name, Shape: t.Shape, Scale: t.Scale, Bits: t.Bits}}
		if withValues {
			pt.Data = quant.Dequantize(w.Values[id], t.Scale)
			for _, v := range w.Values[id] {
				pt.Field = append(pt.Field, decimal(new(big.Int).Mod(big.NewInt(v), proof.Field())))
			}
		}
		out[k] = pt
	}
	return out
}

// newPublic describes a proven evaluation.
func newPublic(p *quant.Program, w *quant.Witness, a *circuit.Inference, context *string, modelDigest string) *Public {
	pub := &Public{Context: context, Model: ModelPublic{Weights: a.Opts.Weights, WeightsDigest: modelDigest},
		Input: Values{Visibility: a.Opts.Input}, Output: Values{Visibility: a.Opts.Output}}
	field := func(v any) string { return decimal(v.(*big.Int)) }
	if a.Opts.Weights == circuit.Private {
		pub.Model.Commitment = field(a.ModelCommitment[0])
	}
	if a.Opts.Input != circuit.Private {
		pub.Input.Tensors = publicTensors(p, w, p.Inputs, a.Opts.Input == circuit.Public)
	}
	if a.Opts.Input == circuit.Hashed {
		pub.Input.Commitment = field(a.InputCommitment[0])
	}
	pub.Output.Tensors = publicTensors(p, w, p.Outputs, a.Opts.Output == circuit.Public)
	if a.Opts.Output == circuit.Hashed {
		pub.Output.Commitment = field(a.OutputCommitment[0])
	}
	return pub
}

// Vector checks the public values and returns them as the public witness,
// in the circuit's order: layout digest, context, model commitment, input,
// output. It rejects a bundle that carries a field its visibility does not
// allow or whose decoded data disagree with its field elements, so nobody
// is shown a number that was not proven.
func (pub *Public) Vector() ([]*big.Int, error) {
	if err := pub.Model.Check("bundle"); err != nil {
		return nil, err
	}
	if err := pub.Input.check("input", circuit.Public, circuit.Private, circuit.Hashed); err != nil {
		return nil, err
	}
	if err := pub.Output.check("output", circuit.Public, circuit.Hashed); err != nil {
		return nil, err
	}
	lay, err := pub.layout().digest()
	if err != nil {
		return nil, err
	}
	vec := []*big.Int{lay, ContextField(pub.Context)}
	if pub.Model.Weights == circuit.Private {
		v, err := ParseField(pub.Model.Commitment)
		if err != nil {
			return nil, fmt.Errorf("model commitment: %v", err)
		}
		vec = append(vec, v)
	}
	for _, side := range []struct {
		what string
		v    *Values
	}{{"input", &pub.Input}, {"output", &pub.Output}} {
		vs, err := side.v.vector(side.what)
		if err != nil {
			return nil, err
		}
		vec = append(vec, vs...)
	}
	return vec, nil
}

// check refuses a visibility outside allowed and every field that
// visibility does not allow: tensors of a private side, values of a hashed
// one, a commitment of an uncommitted one.
func (v *Values) check(what string, allowed ...circuit.Visibility) error {
	if !slices.Contains(allowed, v.Visibility) {
		return fmt.Errorf("%s visibility %q: want one of %v", what, v.Visibility, allowed)
	}
	switch {
	case v.Visibility == circuit.Private && len(v.Tensors) > 0:
		return fmt.Errorf("a private %s shows no tensors", what)
	case v.Visibility != circuit.Private && len(v.Tensors) == 0:
		return fmt.Errorf("a %s %s shows its tensors", v.Visibility, what)
	case (v.Visibility == circuit.Hashed) != (v.Commitment != ""):
		return fmt.Errorf("a %s %s has a commitment exactly when it is hashed", v.Visibility, what)
	}
	for _, t := range v.Tensors {
		if (v.Visibility == circuit.Public) != (t.Data != nil || t.Field != nil) {
			return fmt.Errorf("%s %q: a %s tensor shows its values exactly when it is public", what, t.Name, v.Visibility)
		}
	}
	return nil
}

// vector is the side's public values in order (check has passed).
func (v *Values) vector(what string) ([]*big.Int, error) {
	if v.Visibility == circuit.Hashed {
		c, err := ParseField(v.Commitment)
		if err != nil {
			return nil, fmt.Errorf("%s commitment: %v", what, err)
		}
		return []*big.Int{c}, nil
	}
	var vec []*big.Int
	for _, t := range v.Tensors {
		f, _, err := t.values()
		if err != nil {
			return nil, fmt.Errorf("%s %q: %v", what, t.Name, err)
		}
		vec = append(vec, f...)
	}
	return vec, nil
}

// values checks a tensor's data against its field elements and returns
// them as field elements and as signed integers.
func (t *Tensor) values() ([]*big.Int, []int64, error) {
	n := model.Size(t.Shape)
	if len(t.Field) != n || len(t.Data) != n {
		return nil, nil, fmt.Errorf("shape %v needs %d values; data has %d, field %d", t.Shape, n, len(t.Data), len(t.Field))
	}
	if t.Scale < 0 || t.Scale > 62 {
		return nil, nil, fmt.Errorf("scale %d is out of range", t.Scale)
	}
	half := new(big.Int).Rsh(proof.Field(), 1)
	out, ints := make([]*big.Int, n), make([]int64, n)
	for i, s := range t.Field {
		v, err := ParseField(s)
		if err != nil {
			return nil, nil, fmt.Errorf("field[%d]: %v", i, err)
		}
		signed := new(big.Int).Set(v)
		if signed.Cmp(half) > 0 {
			signed.Sub(signed, proof.Field())
		}
		if !signed.IsInt64() || math.Ldexp(float64(signed.Int64()), -t.Scale) != t.Data[i] {
			return nil, nil, fmt.Errorf("data[%d] = %v is not the proven value field[%d] / 2^%d", i, t.Data[i], i, t.Scale)
		}
		out[i], ints[i] = v, signed.Int64()
	}
	return out, ints, nil
}

// Opening is PROOF.opening.json, format zkai-inference-opening/2: what
// opens a bundle's hashed input and output — the committed values and the
// salts. Keep it secret; show it to whom the values may be revealed.
//
//	{"format": "zkai-inference-opening/2",
//	 "input":  {"commitment": "<decimal>", "salt": "<decimal>", "tensors": [Tensor…]},   // hashed input only
//	 "output": {…}}                                                                       // hashed output only
type Opening struct {
	Format string       `json:"format"`
	Input  *SideOpening `json:"input,omitempty"`
	Output *SideOpening `json:"output,omitempty"`
}

// OpeningFormat is the opening file's version tag.
const OpeningFormat = "zkai-inference-opening/2"

// SideOpening opens one commitment.
type SideOpening struct {
	Commitment string   `json:"commitment"`
	Salt       string   `json:"salt"`
	Tensors    []Tensor `json:"tensors"`
}

// CheckOpening checks that op opens the bundle's commitments: for each
// hashed side, the same commitment, tensors with the bundle's names,
// shapes, scales and widths, and values that with the salt recompute the
// commitment. pub must have passed Vector (Verify does that). It returns
// the opened values in the bundle's layout.
func CheckOpening(pub *Public, op *Opening) (*Public, error) {
	if op.Format != OpeningFormat {
		return nil, fmt.Errorf("opening format %q is not supported; supported: %s", op.Format, OpeningFormat)
	}
	if pub.Input.Visibility != circuit.Hashed && pub.Output.Visibility != circuit.Hashed {
		return nil, fmt.Errorf("the bundle commits to no input or output: there is nothing to open")
	}
	opened := *pub
	for _, side := range []struct {
		what   string
		domain commit.Domain
		shown  *Values
		open   *SideOpening
		out    *Values
	}{{"input", commit.DomainInput, &pub.Input, op.Input, &opened.Input}, {"output", commit.DomainOutput, &pub.Output, op.Output, &opened.Output}} {
		hashed := side.shown.Visibility == circuit.Hashed
		switch {
		case !hashed && side.open != nil:
			return nil, fmt.Errorf("the opening opens the %s, which the bundle does not commit to", side.what)
		case !hashed:
			continue
		case side.open == nil:
			return nil, fmt.Errorf("the opening does not open the bundle's %s commitment", side.what)
		}
		if err := side.open.check(side.what, side.domain, side.shown); err != nil {
			return nil, err
		}
		*side.out = Values{Visibility: circuit.Hashed, Tensors: side.open.Tensors, Commitment: side.shown.Commitment}
	}
	return &opened, nil
}

func (o *SideOpening) check(what string, d commit.Domain, shown *Values) error {
	c, err := ParseField(o.Commitment)
	if err != nil {
		return fmt.Errorf("opening: %s commitment: %v", what, err)
	}
	want, err := ParseField(shown.Commitment)
	if err != nil {
		return err
	}
	if c.Cmp(want) != 0 {
		return fmt.Errorf("the opening is for another %s commitment (%s) than the bundle's (%s)", what, o.Commitment, shown.Commitment)
	}
	salt, err := ParseField(o.Salt)
	if err != nil {
		return fmt.Errorf("opening: %s salt: %v", what, err)
	}
	if len(o.Tensors) != len(shown.Tensors) {
		return fmt.Errorf("the opening has %d %s tensors; the bundle commits to %d", len(o.Tensors), what, len(shown.Tensors))
	}
	ts := make([]commit.Tensor, len(o.Tensors))
	for k, t := range o.Tensors {
		m := shown.Tensors[k].TensorMeta
		if t.Name != m.Name || !slices.Equal(t.Shape, m.Shape) || t.Scale != m.Scale || t.Bits != m.Bits {
			return fmt.Errorf("opening: %s tensor %d is %+v; the bundle commits to %+v", what, k, t.TensorMeta, m)
		}
		_, ints, err := t.values()
		if err != nil {
			return fmt.Errorf("opening: %s %q: %v", what, t.Name, err)
		}
		ts[k] = commit.Tensor{Values: ints, Bits: t.Bits}
	}
	h, err := commit.Commit(d, ts, salt)
	if err != nil {
		return fmt.Errorf("opening: %s: %v", what, err)
	}
	if h.Cmp(c) != 0 {
		return fmt.Errorf("the %s salt and values do not open the %s commitment", what, what)
	}
	return nil
}
