package evaluation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"

	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/inference"
)

// File is EVAL.json, format zkai-evaluation/2: the claimed figure and the
// data set and model it is about, plus one zkai-bundle/2 per shard
// (statement "evaluation-shard"). Every figure in "public" is recomputed
// by the verifier from the shards' proven values, and everything else it
// shows is bound by the layout digest, each shard's first public input
// (Info.layoutDigest), which the verifier recomputes from "public".
//
//	{
//	  "format": "zkai-evaluation/2", "statement": "evaluation", "vk_digest": "sha256:…",
//	  "public": {"metric": "accuracy", "n": 450, "accuracy": 0.96, "correct": 432,
//	             ("accuracy_at_least": 0.9, "correct_at_least": 405 instead, in the threshold form;
//	              "mse", "sse", "err_scale" with the mse)
//	             "data_root": "<decimal>", "data": {the data-set commitment},
//	             "circuit": {"leaves_per_shard": 2, "binary_threshold": 0, "input_shift": 0, ("out_shift", "label_shift")},
//	             "model": {"weights": "private", "commitment": "<decimal>"} | {"weights": "public", "weights_digest": "sha256:…"}},
//	  "shards": [{zkai-bundle/2, "public": {"shard": k, "rows": n_k, "leaves": ["<decimal>"…],
//	              "model": "<decimal>", "correct": c_k | "count": {"in", "out", "first", "final", "at_least"}}}, …]
//	}
//
// zkai-evaluation/1 bound neither its layout nor, with public weights, its
// model, and carried the prover's word on the setup's trust: it is refused.
// Informational (bound by nothing, never shown as proven): each shard's
// zkai_version and gnark_version.
type File struct {
	Format    string          `json:"format"`
	Statement string          `json:"statement"`
	VKDigest  string          `json:"vk_digest"`
	Public    Aggregate       `json:"public"`
	Shards    []*proof.Bundle `json:"shards"`
}

// formatV1 is the refused first version of the file format.
const formatV1 = "zkai-evaluation/1"

// Aggregate is the evaluation's claim.
type Aggregate struct {
	Metric          string                `json:"metric"`
	N               int                   `json:"n"`
	Accuracy        *float64              `json:"accuracy,omitempty"`
	Correct         *int                  `json:"correct,omitempty"`
	MSE             *float64              `json:"mse,omitempty"`
	SSE             string                `json:"sse,omitempty"`       // sum of squared errors, an integer at scale 2^−2·err_scale
	ErrScale        *int                  `json:"err_scale,omitempty"` // the errors' scale
	AccuracyAtLeast *float64              `json:"accuracy_at_least,omitempty"`
	AtLeast         *int                  `json:"correct_at_least,omitempty"`
	DataRoot        string                `json:"data_root"`
	Data            datacommit.Commitment `json:"data"`
	Circuit         Form                  `json:"circuit"`
	Model           inference.ModelPublic `json:"model"`
}

// ShardPublic is a shard bundle's "public" object.
type ShardPublic struct {
	Shard    int          `json:"shard"`
	Rows     int          `json:"rows"`
	Leaves   []string     `json:"leaves"`
	Model    string       `json:"model,omitempty"`
	Correct  *int64       `json:"correct,omitempty"`
	SSE      string       `json:"sse,omitempty"`
	ErrScale *int         `json:"err_scale,omitempty"`
	Count    *CountPublic `json:"count,omitempty"`

	sum *big.Int // the shard's count or sum of squared errors, known to the prover
}

// CountPublic is the threshold form's chained, hidden count.
type CountPublic struct {
	In      string `json:"in"`  // commitment to the count before this shard ("0" for the first)
	Out     string `json:"out"` // commitment to the count after it
	First   bool   `json:"first"`
	Final   bool   `json:"final"`
	AtLeast int    `json:"at_least"`
}

// vector is the shard's public witness, in the circuit's field order.
func (sp *ShardPublic) vector(spec *Spec) ([]*big.Int, error) {
	if len(sp.Leaves) != spec.LeavesPerShard {
		return nil, fmt.Errorf("%d leaves; the circuit takes %d", len(sp.Leaves), spec.LeavesPerShard)
	}
	v := []*big.Int{spec.Layout}
	for i, l := range sp.Leaves {
		x, err := inference.ParseField(l)
		if err != nil {
			return nil, fmt.Errorf("leaves[%d]: %w", i, err)
		}
		v = append(v, x)
	}
	v = append(v, big.NewInt(int64(sp.Rows)))
	if spec.PrivateWeights {
		x, err := inference.ParseField(sp.Model)
		if err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
		v = append(v, x)
	} else if sp.Model != "" {
		return nil, fmt.Errorf("a model commitment in a public-weights proof")
	}
	switch {
	case spec.Threshold:
		if sp.Count == nil || sp.Correct != nil {
			return nil, fmt.Errorf("want a hidden count (threshold form), not an exact one")
		}
		in, err := inference.ParseField(sp.Count.In)
		if err != nil {
			return nil, err
		}
		out, err := inference.ParseField(sp.Count.Out)
		if err != nil {
			return nil, err
		}
		v = append(v, in, out, big.NewInt(int64(boolInt(sp.Count.First))), big.NewInt(int64(boolInt(sp.Count.Final))), big.NewInt(int64(sp.Count.AtLeast)))
	case spec.MSE:
		if sp.Correct != nil || sp.Count != nil || sp.ErrScale == nil {
			return nil, fmt.Errorf("want a sum of squared errors and its scale")
		}
		sse, err := inference.ParseField(sp.SSE)
		if err != nil {
			return nil, fmt.Errorf("sse: %w", err)
		}
		v = append(v, sse, big.NewInt(int64(*sp.ErrScale)))
	default:
		if sp.Correct == nil || sp.Count != nil || *sp.Correct < 0 || sp.SSE != "" || sp.ErrScale != nil {
			return nil, fmt.Errorf("want an exact, non-negative count")
		}
		v = append(v, big.NewInt(*sp.Correct))
	}
	return v, nil
}

// Result is what Verify reports.
type Result = proof.Verdict[*Aggregate]

// Expect is what a verifier trusts besides its verifying key; each field
// set must hold of the evaluation.
type Expect struct {
	// Data is the data set's commitment (zkai commit): the evaluation's
	// must be this one, field for field.
	Data *datacommit.Commitment
	// DataRoot is the data set's root, when only that is at hand.
	DataRoot string
	// Model is the model's identity: its weight commitment (private
	// weights) or its weights digest (public weights).
	Model string
	// SRS are the PLONK SRSs the verifier trusts (proof.UntrustedSetup).
	SRS []*proof.SRS
}

// Verify checks an evaluation file against the verifying key: every shard
// proof, the shards' order and coverage, the data-set root rebuilt from
// their leaves, the layout and the claimed figure, and what the caller
// expects. Whether the setup is insecure is judged from the key and the
// trusted PLONK SRSs (proof.UntrustedSetup), never from the file.
func Verify(fileBytes, vkBytes []byte, e Expect) *Result {
	res := &Result{Statement: Statement}
	fail := func(format string, args ...any) *Result {
		res.Reason = fmt.Sprintf(format, args...)
		return res
	}
	var env struct{ Format string }
	if json.Unmarshal(fileBytes, &env) == nil && env.Format == formatV1 {
		return fail("evaluation format %s is no longer accepted: its proofs do not bind the layout they show nor, with public weights, the model; prove again with this zkai (format %s)", formatV1, Format)
	}
	var f File
	dec := json.NewDecoder(bytes.NewReader(fileBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return fail("not an evaluation file: %v", err)
	}
	if dec.More() {
		return fail("the evaluation file has trailing data after its JSON object")
	}
	res.VKDigest, res.Public = f.VKDigest, &f.Public
	if f.Format != Format || f.Statement != Statement {
		return fail("format %q statement %q; want %q %q", f.Format, f.Statement, Format, Statement)
	}
	if got := proof.Digest(vkBytes); got != f.VKDigest {
		return fail("the verifying key's digest %s is not the file's %s: the proof is for another circuit or key", got, f.VKDigest)
	}
	agg := &f.Public
	if err := agg.Data.Validate(); err != nil {
		return fail("data commitment: %v", err)
	}
	if agg.DataRoot != agg.Data.Root {
		return fail("the claim's data root %s is not its data commitment's %s", agg.DataRoot, agg.Data.Root)
	}
	if agg.N != agg.Data.Rows {
		return fail("the claim's row count n = %d is not its data commitment's %d rows", agg.N, agg.Data.Rows)
	}
	if e.Data != nil {
		if d := e.Data.Diff(&agg.Data); d != "" {
			return fail("the evaluation is on data set %s, not the expected %s (they differ in %s)", agg.DataRoot, e.Data.Root, d)
		}
	}
	if e.DataRoot != "" && agg.DataRoot != e.DataRoot {
		return fail("the evaluation is on data set %s, not the expected %s", agg.DataRoot, e.DataRoot)
	}
	if err := agg.Model.Check("evaluation"); err != nil {
		return fail("%v", err)
	}
	if agg.Model.Match(e.Model) != nil {
		return fail("the evaluation is of model %q (%s weights), not the expected %q", agg.Model.Identity(), agg.Model.Weights, e.Model)
	}
	if agg.Metric != MetricAccuracy && agg.Metric != MetricMSE {
		return fail("metric %q is not supported", agg.Metric)
	}
	threshold := agg.AtLeast != nil
	mse := agg.Metric == MetricMSE
	if mse && (threshold || agg.ErrScale == nil) {
		return fail("an mse claim needs its error scale and no threshold")
	}
	s := agg.Data.Shape()
	if l := agg.Circuit.LeavesPerShard; l < 1 || l > s.Leaves() {
		return fail("%d leaves per shard; the data set has %d leaves", l, s.Leaves())
	}
	in := layout(&agg.Data, agg.Circuit.LeavesPerShard)
	in.Metric, in.Form, in.AtLeast = agg.Metric, agg.Circuit, agg.AtLeast
	if mse {
		in.ErrScale = *agg.ErrScale
	}
	spec, err := in.spec(agg.Model)
	if err != nil {
		return fail("%v", err)
	}
	if len(f.Shards) != in.Shards {
		return fail("%d shards; %d rows in leaves of %d at %d leaves per shard make %d", len(f.Shards), s.Rows, s.RowsPerLeaf, in.LeavesPerShard, in.Shards)
	}
	var backend proof.Backend
	var vk io.WriterTo
	var leaves []*big.Int
	total := new(big.Int)
	prevOut := ""
	for k, sb := range f.Shards {
		b, err := shardBundle(sb)
		if err != nil {
			return fail("shard %d: %v", k, err)
		}
		if k == 0 {
			backend = b.Backend
			if vk, err = proof.ReadVK(backend, vkBytes); err != nil {
				return fail("%v", err)
			}
			res.Insecure = proof.UntrustedSetup(backend, vk, e.SRS)
		}
		if b.Statement != ShardStatement || b.VKDigest != f.VKDigest || b.Backend != backend {
			return fail("shard %d: statement %q, vk %s, backend %s; want %q under the file's vk and the first shard's backend", k, b.Statement, b.VKDigest, b.Backend, ShardStatement)
		}
		var sp ShardPublic
		d := json.NewDecoder(bytes.NewReader(b.Public))
		d.DisallowUnknownFields()
		if err := d.Decode(&sp); err != nil {
			return fail("shard %d: public values: %v", k, err)
		}
		rows, real := in.shardRange(k)
		if sp.Shard != k || sp.Rows != rows {
			return fail("shard %d claims to be shard %d with %d rows; shard %d has %d rows: shards are missing, repeated or out of order", k, sp.Shard, sp.Rows, k, rows)
		}
		if spec.PrivateWeights && sp.Model != agg.Model.Commitment {
			return fail("shard %d is about model %s, not the claimed %s", k, sp.Model, agg.Model.Commitment)
		}
		if mse && (sp.ErrScale == nil || *sp.ErrScale != *agg.ErrScale) {
			return fail("shard %d: its error scale is not the claim's", k)
		}
		vec, err := sp.vector(&spec)
		if err != nil {
			return fail("shard %d: %v", k, err)
		}
		pb, err := b.ProofBytes()
		if err != nil {
			return fail("shard %d: %v", k, err)
		}
		if err := proof.Verify(backend, vk, pb, vec); err != nil {
			return fail("shard %d: the proof does not verify: %v", k, err)
		}
		leaves = append(leaves, vec[1:1+real]...)
		if threshold {
			c := sp.Count
			if c.First != (k == 0) || c.Final != (k == len(f.Shards)-1) || c.AtLeast != *agg.AtLeast {
				return fail("shard %d: the count chain's first/final flags or threshold are wrong", k)
			}
			if k == 0 && c.In != "0" {
				return fail("shard 0 starts the count from commitment %s, not from \"0\"", c.In)
			}
			if k > 0 && c.In != prevOut {
				return fail("shard %d does not continue the count committed by shard %d", k, k-1)
			}
			prevOut = c.Out
		} else {
			total.Add(total, vec[len(vec)-1-boolInt(mse)]) // the proven sum
		}
	}
	root, err := s.Root(leaves)
	if err != nil {
		return fail("%v", err)
	}
	if root.String() != agg.DataRoot {
		return fail("the shards' rows are not the committed data set: their leaves give root %s, not %s", root, agg.DataRoot)
	}
	// the figure shown must be the one the proven sum gives
	var want Aggregate
	errScale := 0
	if mse {
		errScale = *agg.ErrScale
	}
	want.N, want.Metric = agg.N, agg.Metric
	if err := want.setFigure(total, agg.AtLeast, errScale); err != nil {
		return fail("%v", err)
	}
	if !sameFigure(agg, &want) {
		return fail("the claimed figure does not match the proven one (%s over %d rows)", total, agg.N)
	}
	res.Valid, res.Reason = true, "every shard verifies and together they cover the committed data set"
	return res
}

// shardBundle checks a shard's envelope as a bundle read on its own would
// be (proof.ParseBundle): format, curve, backend, proof encoding.
func shardBundle(b *proof.Bundle) (*proof.Bundle, error) {
	if b == nil {
		return nil, fmt.Errorf("missing")
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, err
	}
	return proof.ParseBundle(raw)
}

// setFigure fills the claim from the proven total: the exact count and
// accuracy, the threshold alone, or the sum of squared errors and the mse.
func (a *Aggregate) setFigure(total *big.Int, atLeast *int, errScale int) error {
	n := float64(a.N)
	a.Correct, a.Accuracy, a.AtLeast, a.AccuracyAtLeast, a.MSE, a.SSE, a.ErrScale = nil, nil, nil, nil, nil, "", nil
	switch {
	case atLeast != nil:
		t := *atLeast
		acc := float64(t) / n
		a.AtLeast, a.AccuracyAtLeast = &t, &acc
	case a.Metric == MetricMSE:
		// SSE / N / 2^(2·errScale), rounded once to float64
		q := new(big.Float).SetPrec(200).SetInt(total)
		q.Quo(q, new(big.Float).SetInt64(int64(a.N)))
		m, _ := q.SetMantExp(q, -2*errScale).Float64()
		es := errScale
		a.MSE, a.SSE, a.ErrScale = &m, total.String(), &es
	default:
		if !total.IsInt64() || total.Int64() > int64(a.N) {
			return fmt.Errorf("a count of %s over %d rows", total, a.N)
		}
		c := int(total.Int64())
		acc := float64(c) / n
		a.Correct, a.Accuracy = &c, &acc
	}
	return nil
}

// sameFigure compares the figures of two claims.
func sameFigure(a, b *Aggregate) bool {
	eqI := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqF := func(x, y *float64) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eqI(a.Correct, b.Correct) && eqF(a.Accuracy, b.Accuracy) && eqI(a.AtLeast, b.AtLeast) &&
		eqF(a.AccuracyAtLeast, b.AccuracyAtLeast) && eqF(a.MSE, b.MSE) && a.SSE == b.SSE && eqI(a.ErrScale, b.ErrScale)
}
