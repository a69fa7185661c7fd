// Package evaluation is the statement "the committed model classifies
// `correct` of the N rows of a committed, hidden data set correctly" (or,
// in the threshold form, "at least t of them"; or, for a one-output model,
// "its squared errors against the labels sum to S" — the MSE):
// tamper-proof metrics that reveal neither the data nor, with private
// weights, the model.
//
// # Shards
//
// A data set committed with zkai-data/1 (package commit, DataShape) is a
// Merkle tree over leaves of R rows. An evaluation circuit takes a shard of
// L consecutive leaves (B = L·R row slots), re-hashes each leaf from the
// private rows and salts and exposes the leaf commitments as public inputs;
// it runs the fixed-point program on every row, with linear layers batched
// over the shard by a Freivalds check (circuit.BuildBatch), applies
// evaluate's prediction rule and counts the rows whose prediction equals
// the label, masking the padding slots past the public row count.
//
// A verifier takes all the shards' bundles, checks each proof, and rebuilds
// the data-set root from their leaves (in shard order): a dropped,
// duplicated, reordered or foreign shard — or a changed row, which changes
// its leaf — gives another root. Exact form: each shard's count is public
// and the verifier adds them up. Threshold form: the count stays hidden —
// each shard takes the salted commitment its predecessor produced, adds its
// own count and commits to the sum; the first starts from 0 and the last
// proves sum ≥ t — so no partial figure leaks.
//
// # Semantics
//
// The model is evaluated on the committed fixed-point values: each feature,
// stored at the data's scale s_d, is brought to the model input's scale s_m
// exactly (s_m ≥ s_d) or with quant's rounded rescale (s_m < s_d). When the
// data are exact at s_m — the default commitment scale makes them exact at
// the smallest scale possible — this is the input zkai eval quantises, so
// the proven accuracy equals zkai eval's fixed-point accuracy exactly.
//
// # Trust
//
// The prover knows both the model and the data, so an evaluation means
// something only if the data-set commitment came from someone the verifier
// trusts to have chosen the data (an auditor, a grader), fixed before the
// evaluation: the ledger records both, in order. A Groth16 setup must be run
// by the verifier (or a ceremony), as for inference.
package evaluation

import (
	"fmt"
	"math"
	"math/big"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/inference"
)

// Statement names evaluation files and shard bundles.
const (
	Statement      = "evaluation"
	ShardStatement = "evaluation-shard"
	Format         = "zkai-evaluation/2"
	// DataCommitmentFile is the data-set commitment copied into a compiled
	// directory.
	DataCommitmentFile = "data.commitment.json"
)

// Info is settings.json's "evaluation" section.
type Info struct {
	Data   datacommit.Commitment `json:"data"`
	Metric string                `json:"metric"` // accuracy or mse
	Form
	RowsPerShard int `json:"rows_per_shard"`
	Shards       int `json:"shards"`
	// AtLeast is the threshold form's minimum count of correct rows; nil
	// for the exact form.
	AtLeast *int `json:"at_least,omitempty"`
	// MSE: the error o·2^OutShift − y·2^LabelShift is at scale
	// 2^−ErrScale, the sum of squared errors at 2^−2·ErrScale.
	ErrScale int `json:"err_scale,omitempty"`
}

// Form is how a shard circuit cuts and scores the data, as compiled: an
// evaluation file carries it ("circuit") so that the verifier can recompute
// the layout digest the proofs bind.
type Form struct {
	LeavesPerShard int   `json:"leaves_per_shard"`
	Binary         int64 `json:"binary_threshold"`
	InputShift     int   `json:"input_shift"`
	OutShift       int   `json:"out_shift,omitempty"`
	LabelShift     int   `json:"label_shift,omitempty"`
}

// spec is the circuit's compile-time description for the model m, its
// layout digest included.
func (in *Info) spec(m inference.ModelPublic) (Spec, error) {
	digest, err := in.layoutDigest(m)
	if err != nil {
		return Spec{}, err
	}
	return Spec{Layout: digest, Data: in.Data.Shape(), LeavesPerShard: in.LeavesPerShard, PrivateWeights: m.Weights == circuit.Private,
		Threshold: in.AtLeast != nil, Binary: in.Binary, InputShift: in.InputShift,
		MSE: in.Metric == MetricMSE, OutShift: in.OutShift, LabelShift: in.LabelShift, ErrScale: in.ErrScale}, nil
}

// layoutDigest is the shard circuit's first public input (proof.LayoutDigest):
// it covers everything that gives the shards' public values their meaning
// and that a verifier shows — the data-set commitment (root, shape, schema,
// name), the metric and form, the circuit's constants, the weight mode and,
// with public weights, the model's identity (its weights digest). The
// threshold's value and a private model's commitment are public inputs of
// their own, so they are not in it.
func (in *Info) layoutDigest(m inference.ModelPublic) (*big.Int, error) {
	return proof.LayoutDigest(ShardStatement, struct {
		Data          datacommit.Commitment `json:"data"`
		Metric        string                `json:"metric"`
		Threshold     bool                  `json:"threshold"`
		Circuit       Form                  `json:"circuit"`
		ErrScale      int                   `json:"err_scale"`
		Weights       circuit.Visibility    `json:"weights"`
		WeightsDigest string                `json:"weights_digest"`
	}{in.Data, in.Metric, in.AtLeast != nil, in.Form, in.ErrScale, m.Weights, m.WeightsDigest})
}

// shardRange is shard k's real rows and leaves.
func (in *Info) shardRange(k int) (rows, leaves int) {
	s := in.Data.Shape()
	rows = min(in.RowsPerShard, s.Rows-k*in.RowsPerShard)
	leaves = min(in.LeavesPerShard, s.Leaves()-k*in.LeavesPerShard)
	return rows, leaves
}

// Options are compile choices.
type Options struct {
	// Batch is the number of rows per shard (rounded up to whole leaves);
	// 0 picks min(N, 512).
	Batch int
	// Metric is "accuracy" (default) or "mse" (mean squared error of a
	// one-output model against regression targets).
	Metric string
	// AtLeast, when set, proves accuracy ≥ *AtLeast (a fraction in [0, 1])
	// without revealing the exact figure.
	AtLeast *float64
	Weights circuit.Visibility
	Backend proof.Backend
	// ModelOpening reuses the salt of an inference compile's
	// model.opening.json, so both proofs name the model by the same
	// commitment.
	ModelOpening string
}

// Metrics.
const (
	MetricAccuracy = "accuracy"
	MetricMSE      = "mse"
)

func plan(c *datacommit.Commitment, opt Options) (*Info, error) {
	metric := opt.Metric
	if metric == "" {
		metric = MetricAccuracy
	}
	switch {
	case metric != MetricAccuracy && metric != MetricMSE:
		return nil, fmt.Errorf("metric %q is not supported; supported: accuracy, mse", opt.Metric)
	case metric == MetricMSE && opt.AtLeast != nil:
		return nil, fmt.Errorf("--at-least applies to accuracy; the mse is proven exactly")
	case metric == MetricAccuracy && c.LabelScale != 0:
		return nil, fmt.Errorf("the data set's labels are fractional (label scale 2^-%d): accuracy needs class indices; use --metric mse for regression targets", c.LabelScale)
	}
	s := c.Shape()
	batch := opt.Batch
	if batch == 0 {
		batch = min(s.Rows, 512)
	}
	if batch < 1 {
		return nil, fmt.Errorf("--batch %d: a shard needs at least one row", batch)
	}
	in := layout(c, min((batch+s.RowsPerLeaf-1)/s.RowsPerLeaf, s.Leaves()))
	in.Metric = metric
	if opt.AtLeast != nil {
		t := *opt.AtLeast
		if !(t >= 0 && t <= 1) {
			return nil, fmt.Errorf("--at-least %v: want an accuracy in [0, 1]", t)
		}
		n := int(math.Ceil(t * float64(s.Rows)))
		in.AtLeast = &n
	}
	return in, nil
}

// layout cuts the committed set into shards of the given number of leaves.
func layout(c *datacommit.Commitment, leaves int) *Info {
	s := c.Shape()
	return &Info{Data: *c, Form: Form{LeavesPerShard: leaves}, RowsPerShard: leaves * s.RowsPerLeaf, Shards: (s.Leaves() + leaves - 1) / leaves}
}

// checkLabels rejects labels the model cannot predict.
func checkLabels(y []int64, classes int) error {
	for i, v := range y {
		if v < 0 || v >= int64(classes) {
			return fmt.Errorf("label y[%d] = %d is out of range: the model predicts classes 0..%d", i, v, classes-1)
		}
	}
	return nil
}
