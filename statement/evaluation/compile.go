package evaluation

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/commit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/evaluate"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/quant"
	"github.com/zkai-dev/zkai/statement/inference"
)

// Compiled is the result of Compile.
type Compiled struct {
	Dir        string
	Info       *Info
	Commitment *inference.ModelCommitment // private weights only
	// WeightsDigest is the model's identity with public weights
	// (inference.WeightsDigest), bound by the layout digest.
	WeightsDigest string
	Constraints   int
}

// Compile writes an evaluation directory: the inference layout (settings.json,
// model.onnx, circuit, model commitment and opening) plus the data-set
// commitment, with an "evaluation" section in settings.json. Setup is the
// inference statement's (inference.RunSetup).
func Compile(modelPath string, eopt engine.Options, data *datacommit.Commitment, opt Options, dir string) (*Compiled, error) {
	if err := data.Validate(); err != nil {
		return nil, fmt.Errorf("data commitment: %w", err)
	}
	if len(data.Columns) == 0 {
		return nil, fmt.Errorf("the data commitment is an answer key (labels only); evaluation needs rows of features — use zkai grade for answer keys")
	}
	if opt.Weights == "" {
		opt.Weights = circuit.Private
	}
	if opt.Backend == "" {
		opt.Backend = proof.Groth16
	}
	if opt.Weights != circuit.Private && opt.Weights != circuit.Public {
		return nil, fmt.Errorf("--weights %q: want private or public", opt.Weights)
	}
	modelBytes, err := os.ReadFile(modelPath)
	if err != nil {
		return nil, err
	}
	m, info, err := prepare(modelPath, eopt, data, opt)
	if err != nil {
		return nil, err
	}
	p := m.Program
	model := modelClaim(p, opt.Weights)
	spec, err := info.spec(model)
	if err != nil {
		return nil, err
	}
	c, err := NewCircuit(p, spec)
	if err != nil {
		return nil, err
	}
	ccs, ccsBytes, err := inference.WriteCircuit(dir, opt.Backend, c, modelBytes)
	if err != nil {
		return nil, err
	}
	if err := inference.WriteJSON(filepath.Join(dir, DataCommitmentFile), data, 0o644); err != nil {
		return nil, err
	}
	res := &Compiled{Dir: dir, Info: info, Constraints: ccs.GetNbConstraints(), WeightsDigest: model.WeightsDigest}
	ci := &inference.CompileInfo{Statement: Statement, Backend: opt.Backend,
		Visibility:  circuit.Options{Weights: opt.Weights, Input: circuit.Private, Output: circuit.Public},
		ModelDigest: proof.Digest(modelBytes), CircuitDigest: proof.Digest(ccsBytes),
		Constraints: ccs.GetNbConstraints(), PublicInputs: ccs.GetNbPublicVariables() - 1}
	if opt.Weights == circuit.Private {
		if res.Commitment, err = commitModel(p, ci.ModelDigest, opt.ModelOpening, dir); err != nil {
			return nil, err
		}
	}
	if m.Settings.Extra == nil {
		m.Settings.Extra = map[string]json.RawMessage{}
	}
	if m.Settings.Extra[Statement], err = json.Marshal(info); err != nil {
		return nil, err
	}
	return res, inference.SaveSettings(dir, m.Settings, ci, nil)
}

// prepare opens the model for evaluating the committed data and plans the
// shards: the circuit's whole compile-time description.
func prepare(modelPath string, eopt engine.Options, data *datacommit.Commitment, opt Options) (*engine.Model, *Info, error) {
	info, err := plan(data, opt)
	if err != nil {
		return nil, nil, err
	}
	if eopt.InputRange == 0 && eopt.SettingsFile == "" && eopt.CalibrateSet == nil {
		// The commitment bounds every committed value by its lane width:
		// declaring that range (not the default 65536) narrows every
		// activation's bound, and so every range check, downstream.
		eopt.InputRange = math.Ldexp(1, data.FeatureBits-1-data.Scale)
	}
	m, err := engine.Open(modelPath, eopt)
	if err != nil {
		return nil, nil, err
	}
	p := m.Program
	if len(p.Inputs) != 1 {
		return nil, nil, fmt.Errorf("the model takes %d run-time inputs; evaluation feeds one row to one input", len(p.Inputs))
	}
	info.InputShift = p.Tensors[p.Inputs[0]].Scale - data.Scale
	out := p.Tensors[p.Outputs[0]]
	if out.Len() == 1 {
		info.Binary = binaryThreshold(evaluate.Threshold(m.Graph), out.Scale)
	}
	if info.Metric == MetricMSE {
		// errors at the finer of the output's and the labels' scales: both
		// sides are shifted left, exactly
		info.ErrScale = max(out.Scale, data.LabelScale)
		info.OutShift, info.LabelShift = info.ErrScale-out.Scale, info.ErrScale-data.LabelScale
	}
	return m, info, nil
}

// modelClaim names the model of p in weight mode w, as far as compiling
// knows it: with public weights by its weights digest; a private model's
// commitment is filled in by the prover.
func modelClaim(p *quant.Program, w circuit.Visibility) inference.ModelPublic {
	m := inference.ModelPublic{Weights: w}
	if w == circuit.Public {
		m.WeightsDigest = inference.WeightsDigest(p)
	}
	return m
}

// commitModel writes the model commitment and opening, reusing an
// inference compile's salt when given its opening.
func commitModel(p *quant.Program, modelDigest, openingPath, dir string) (*inference.ModelCommitment, error) {
	o := inference.ModelOpening{Format: "zkai-model-opening/1"}
	if openingPath != "" {
		if err := inference.ReadJSON(openingPath, &o); err != nil {
			return nil, err
		}
	} else {
		salt, err := commit.NewSalt()
		if err != nil {
			return nil, err
		}
		o.Salt = salt.String()
	}
	salt, err := inference.ParseField(o.Salt)
	if err != nil {
		return nil, fmt.Errorf("%s: salt: %w", openingPath, err)
	}
	h, err := commit.Commit(commit.DomainWeights, inference.WeightTensors(p), salt)
	if err != nil {
		return nil, err
	}
	if openingPath != "" && o.Commitment != h.String() {
		return nil, fmt.Errorf("%s opens commitment %s, but this model's weights (with these settings) commit to %s under its salt: compile with the same model and --settings as the inference", openingPath, o.Commitment, h)
	}
	o.Commitment = h.String()
	mc := &inference.ModelCommitment{Format: "zkai-model-commitment/1", Scheme: "zkai-commit/1", Commitment: o.Commitment,
		ModelDigest: modelDigest, Weights: p.Stats().Weights}
	if err := inference.WriteJSON(filepath.Join(dir, inference.CommitmentFile), mc, 0o644); err != nil {
		return nil, err
	}
	return mc, inference.WriteJSON(filepath.Join(dir, inference.OpeningFile), o, 0o600)
}

// binaryThreshold is the integer t with out ≥ t ⇔ out·2^−scale ≥ thr.
func binaryThreshold(thr float64, scale int) int64 {
	v, _ := quant.Quantize(thr, scale)
	for float64(v) < thr*float64(int64(1)<<scale) {
		v++
	}
	for float64(v-1) >= thr*float64(int64(1)<<scale) {
		v--
	}
	return v
}
