package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/evaluation"
	"github.com/zkai-dev/zkai/statement/inference"
)

func init() {
	compileStatements["evaluation"] = compileStatement{
		model: true,
		flags: func(fl *pflag.FlagSet) {
			flagString(fl, "data-commitment", "", "evaluation, training …: the data set's commitment (zkai commit)")
			flagInt(fl, "batch", 0, "evaluation: rows per shard proof, rounded up to whole leaves (default min(N, 512))")
			flagString(fl, "metric", "accuracy", "evaluation: accuracy (classifiers) or mse (one-output models against regression targets)")
			flagFloat(fl, "at-least", -1, "evaluation: prove accuracy ≥ this fraction without revealing the exact figure")
			flagString(fl, "model-opening", "", "evaluation: an inference compile's model.opening.json, so both name the model by the same commitment")
		},
		run: compileEvaluation,
	}
	verifiers[evaluation.Statement] = func(cmd *cobra.Command, a verifyArgs) (*verdict, error) {
		return verifyEvaluation(a.file, a.vk, a.expectModel, a.expectData, a.trusted)
	}
}

// compileEvaluation is zkai compile --statement evaluation.
func compileEvaluation(cmd *cobra.Command, args []string, cc compileContext) error {
	if err := needModel("evaluation", args); err != nil {
		return err
	}
	model, out, weights, b := args[0], cc.Out, cc.Weights, cc.Backend
	fl := cmd.Flags()
	var f struct {
		dataCommitment, metric, modelOpening string
		batch                                int
		atLeast                              float64
	}
	f.dataCommitment, _ = fl.GetString("data-commitment")
	f.metric, _ = fl.GetString("metric")
	f.modelOpening, _ = fl.GetString("model-opening")
	f.batch, _ = fl.GetInt("batch")
	f.atLeast, _ = fl.GetFloat64("at-least")
	if f.dataCommitment == "" {
		return withHint(fmt.Errorf("--statement evaluation needs --data-commitment"), "commit the data set first: zkai commit DATA -o C.json --opening O.json")
	}
	eopt, err := cc.Engine()
	if err != nil {
		return err
	}
	data, err := datacommit.ReadCommitment(f.dataCommitment)
	if err != nil {
		return err
	}
	opt := evaluation.Options{Batch: f.batch, Metric: f.metric, Weights: weights, Backend: b, ModelOpening: f.modelOpening}
	if f.atLeast >= 0 {
		opt.AtLeast = &f.atLeast
	}
	start := time.Now()
	stop := spin(cmd, "compiling the evaluation circuit")
	c, err := evaluation.Compile(model, eopt, data, opt, out)
	stop()
	if err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "compiled the evaluation of %s on %d committed rows → %s in %v\n", model, data.Rows, out, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(w, "  %d constraints per shard, %d shards of %d rows, backend %s, weights %s\n",
		c.Constraints, c.Info.Shards, c.Info.RowsPerShard, b, weights)
	if c.Commitment != nil {
		fmt.Fprintf(w, "  model commitment %s\n", c.Commitment.Commitment)
	} else {
		fmt.Fprintf(w, "  model: public weights %s (zkai verify --expect-model takes it)\n", c.WeightsDigest)
	}
	fmt.Fprintf(w, "next: zkai setup %s, then zkai prove-eval %s --data DATA --opening OPENING.json -o EVAL.json\n", out, out)
	return nil
}

func newProveEval() *cobra.Command {
	var (
		out, data, opening, split, label string
		asJSON                           bool
	)
	cmd := &cobra.Command{
		Use:   "prove-eval DIR --data DATA --opening OPENING.json -o EVAL.json",
		Short: "Prove a model's accuracy on a committed, hidden data set",
		Long: `prove-eval runs the model compiled in DIR (zkai compile --statement evaluation)
over every row of the committed data set and proves, shard by shard, how many
it classifies correctly — or, compiled with --at-least, only that the accuracy
reaches the threshold. DATA and OPENING must be the committed set and its
opening (zkai commit): any other data are refused before proving.

EVAL.json (zkai-evaluation/2) holds the claim and one proof per shard; check
it with zkai verify EVAL.json --vk DIR/vk. It reveals the data-set root, the
row count and the figure — no row, no label, and with private weights no
weight.`,
		Example: `  zkai commit testdata/models/digits_mlp/data.json -o c.json --opening o.json
  zkai compile testdata/models/digits_mlp/model.onnx -o ev --statement evaluation --data-commitment c.json
  zkai setup ev
  zkai prove-eval ev --data testdata/models/digits_mlp/data.json --opening o.json -o eval.json
  zkai verify eval.json --vk ev/vk --expect-data c.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case data == "":
				return withHint(fmt.Errorf("--data is required"), "give the committed data set: --data DATA")
			case opening == "":
				return withHint(fmt.Errorf("--opening is required"), "give the data set's opening (written by zkai commit --opening)")
			case out == "":
				return withHint(fmt.Errorf("-o is required"), "name the evaluation file to write: -o EVAL.json")
			}
			set, err := dataset.Load(data, dataset.Options{Split: splitFor(data, split), Label: label, RequireLabels: true})
			if err != nil {
				return err
			}
			o, err := datacommit.ReadOpening(opening)
			if err != nil {
				return err
			}
			start := time.Now()
			errw := cmd.ErrOrStderr()
			p, err := evaluation.Prove(args[0], set, o, version, func(k, n int) {
				fmt.Fprintf(errw, "proving shard %d of %d…\n", k+1, n)
			})
			if err != nil {
				return err
			}
			if err := writeJSONFile(out, p.File); err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return printJSON(w, p.File.Public)
			}
			printAggregate(w, &p.File.Public)
			fmt.Fprintf(w, "proved %d shards in %v (prover %v); wrote %s\n", len(p.File.Shards),
				time.Since(start).Round(time.Millisecond), p.Backend.Round(time.Millisecond), out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&out, "output", "o", "", "evaluation file to write")
	fl.StringVar(&data, "data", "", "the committed data set (JSON or CSV, as for zkai commit)")
	fl.StringVar(&opening, "opening", "", "the data set's opening (zkai commit --opening)")
	fl.StringVar(&split, "split", "test", "split of a fixtures data.json: test or train")
	fl.StringVar(&label, "label", "", "CSV label column (default: the last)")
	fl.BoolVar(&asJSON, "json", false, "print the proven claim as JSON")
	return cmd
}

func printAggregate(w io.Writer, a *evaluation.Aggregate) {
	if a.Accuracy != nil {
		fmt.Fprintf(w, "  accuracy %.4f (%d of %d rows)\n", *a.Accuracy, *a.Correct, a.N)
	} else if a.MSE != nil {
		fmt.Fprintf(w, "  mse %.6g over %d rows (sum of squared errors %s at 2^-%d)\n", *a.MSE, a.N, a.SSE, 2**a.ErrScale)
	} else if a.AccuracyAtLeast != nil {
		fmt.Fprintf(w, "  accuracy ≥ %.4f (at least %d of %d rows; the exact figure stays hidden)\n", *a.AccuracyAtLeast, *a.AtLeast, a.N)
	}
	fmt.Fprintf(w, "  data set root %s\n", a.DataRoot)
	if a.Model.Weights == circuit.Private {
		fmt.Fprintf(w, "  model commitment %s\n", a.Model.Commitment)
	} else {
		fmt.Fprintf(w, "  model: public weights %s (fixed by the verifying key)\n", a.Model.WeightsDigest)
	}
}

// verifyEvaluation is zkai verify on an evaluation file.
func verifyEvaluation(file, vk []byte, expectModel, expectData string, trusted []*proof.SRS) (*verdict, error) {
	c, root, err := expectedData(expectData)
	if err != nil {
		return nil, err
	}
	r := evaluation.Verify(file, vk, evaluation.Expect{Data: c, DataRoot: root, Model: expectModel, SRS: trusted})
	return &verdict{valid: r.Valid, reason: r.Reason, result: r, insecure: r.Insecure, summary: func(w io.Writer) {
		fmt.Fprintf(w, "  statement %s, vk %s\n", r.Statement, r.VKDigest)
		printAggregate(w, r.Public)
	}}, nil
}

// expectedData reads --expect-data: a commitment file (whose every field
// the proof's copy must match) or a root in decimal.
func expectedData(arg string) (*datacommit.Commitment, string, error) {
	if arg == "" {
		return nil, "", nil
	}
	if _, err := os.Stat(arg); err == nil {
		c, err := datacommit.ReadCommitment(arg)
		if err != nil {
			return nil, "", err
		}
		return c, "", nil
	}
	return nil, arg, nil
}

// benchEvaluation is zkai bench --data: the evaluation statement over the
// first rows of a data set, measured step by step into r.
func benchEvaluation(cmd *cobra.Command, r *benchReport, data, split string, rows, batch int, weights circuit.Visibility, b proof.Backend) error {
	set, err := dataset.Load(data, dataset.Options{Split: splitFor(data, split), RequireLabels: true})
	if err != nil {
		return err
	}
	if rows < 0 || rows > set.Len() {
		return fmt.Errorf("--rows %d: the data set has %d rows", rows, set.Len())
	}
	if rows > 0 {
		set.X, set.Y = set.X[:rows], set.Y[:rows]
	}
	d, err := datacommit.FromSet(set, datacommit.DefaultOptions())
	if err != nil {
		return err
	}
	c, o, err := datacommit.New(d, set.Name)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "zkai-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log := cmd.ErrOrStderr()
	r.Statement, r.Rows = evaluation.Statement, set.Len()
	fmt.Fprintf(log, "compiling the evaluation of %d rows…\n", r.Rows)
	t := time.Now()
	comp, err := evaluation.Compile(r.Model, engine.Options{}, c, evaluation.Options{Batch: batch, Weights: weights, Backend: b}, dir)
	if err != nil {
		return err
	}
	r.CompileSeconds, r.Constraints, r.Shards = time.Since(t).Seconds(), comp.Constraints, comp.Info.Shards
	fmt.Fprintf(log, "setup (%d constraints per shard)…\n", comp.Constraints)
	t = time.Now()
	if _, err := inference.RunSetup(dir, nil); err != nil {
		return err
	}
	r.SetupSeconds = time.Since(t).Seconds()
	t = time.Now()
	p, err := evaluation.Prove(dir, set, o, version, func(k, n int) { fmt.Fprintf(log, "proving shard %d of %d…\n", k+1, n) })
	if err != nil {
		return err
	}
	r.ProveSeconds, r.BackendProveSeconds = time.Since(t).Seconds(), p.Backend.Seconds()
	r.RowsPerSecond = float64(r.Rows) / r.ProveSeconds
	file, err := json.Marshal(p.File)
	if err != nil {
		return err
	}
	vk, err := os.ReadFile(filepath.Join(dir, inference.VKFile))
	if err != nil {
		return err
	}
	t = time.Now()
	if v := evaluation.Verify(file, vk, evaluation.Expect{Data: c}); !v.Valid {
		return fmt.Errorf("the benchmark's own evaluation does not verify: %s", v.Reason)
	}
	r.VerifySeconds = time.Since(t).Seconds()
	pb, _ := p.File.Shards[0].ProofBytes()
	r.ProofBytes = len(pb) * len(p.File.Shards)
	r.PKBytes, r.VKBytes = fileSize(filepath.Join(dir, inference.PKFile)), int64(len(vk))
	return nil
}
