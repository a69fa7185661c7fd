package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/evaluate"
	"github.com/zkai-dev/zkai/input"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/evaluation"
	"github.com/zkai-dev/zkai/statement/inference"
)

// The bundled demo model: digits_cnn from testdata (Conv×2, MaxPool, Gemm on
// 8×8 digits) with its first 20 test samples and PyTorch's outputs.
var (
	//go:embed demo/digits_cnn.onnx
	demoModel []byte
	//go:embed demo/digits_cnn.reference.json
	demoReference []byte
)

// demoSample is one of the bundled test digits with PyTorch's output.
type demoSample struct {
	Label  int         `json:"label"`
	Input  [][]float64 `json:"input_data"`
	Output [][]float64 `json:"output_data"`
}

func newDemo() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on a bundled model (no files needed)",
		Long: `demo takes a small bundled CNN (digits_cnn: Conv, ReLU, MaxPool, Gemm on 8×8
handwritten digits) through the whole pipeline with timings: fixed-point
conversion checked against PyTorch on 20 test digits, compile with private
(committed) weights, Groth16 setup, prove one digit, verify — and then shows
that a bundle with a tampered output is rejected. Then it commits 8 test
digits and proves the model's accuracy on them without revealing them, and
shows a label changed after committing refused.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.OutOrStdout())
		},
	}
}

func runDemo(out io.Writer) error {
	dir, err := os.MkdirTemp("", "zkai-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "digits_cnn.onnx")
	if err := os.WriteFile(path, demoModel, 0o644); err != nil {
		return err
	}
	var ref struct {
		Samples []demoSample `json:"samples"`
	}
	if err := json.Unmarshal(demoReference, &ref); err != nil {
		return err
	}
	step := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }
	since := func(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

	t := time.Now()
	m, err := engine.Open(path, engine.Options{})
	if err != nil {
		return err
	}
	var agree, correct int
	for _, s := range ref.Samples {
		r, err := m.Run(s.Input)
		if err != nil {
			return err
		}
		fixed := evaluate.Predict(r.Outputs[0].Data, 0)
		if fixed == evaluate.Predict(s.Output[0], 0) {
			agree++
		}
		if fixed == s.Label {
			correct++
		}
	}
	n := len(ref.Samples)
	step("1. fixed point   digits_cnn (%d parameters) as %d integer ops; on %d test digits the class equals PyTorch's %d/%d times, correct %d/%d  [%v]",
		m.Graph.ParamCount(), len(m.Program.Ops), n, agree, n, correct, n, since(t))

	cdir := filepath.Join(dir, "compiled")
	vis := circuit.DefaultOptions()
	t = time.Now()
	c, err := inference.Compile(path, engine.Options{}, vis, proof.Groth16, cdir)
	if err != nil {
		return err
	}
	step("2. compile       %d constraints; weights private, bound to commitment %s…  [%v]", c.Constraints, c.Commitment.Commitment[:16], since(t))

	t = time.Now()
	if _, err := inference.RunSetup(cdir, nil); err != nil {
		return err
	}
	step("3. setup         Groth16 keys (in real use the verifier runs this, or a ceremony)  [%v]", since(t))

	sample := ref.Samples[0]
	t = time.Now()
	ctx := "demo-nonce-1"
	p, err := inference.Prove(cdir, &input.File{Data: sample.Input}, &ctx, version)
	if err != nil {
		return err
	}
	pb, _ := p.Bundle.ProofBytes()
	step("4. prove         digit with label %d → class %d, %d-byte proof; the input stays private  [%v]",
		sample.Label, evaluate.Predict(p.Public.Output.Tensors[0].Data, 0), len(pb), since(t))

	bundle, err := json.Marshal(p.Bundle)
	if err != nil {
		return err
	}
	vk, err := os.ReadFile(filepath.Join(cdir, inference.VKFile))
	if err != nil {
		return err
	}
	t = time.Now()
	r := inference.Verify(bundle, vk, c.Commitment.Commitment)
	if !r.Valid {
		return fmt.Errorf("the demo's proof does not verify: %s", r.Reason)
	}
	step("5. verify        valid: this output came from the committed model  [%v]", since(t))

	// a prover who claims another output: change the first logit and its field element
	var pub inference.Public
	if err := json.Unmarshal(p.Bundle.Public, &pub); err != nil {
		return err
	}
	o := &pub.Output.Tensors[0]
	o.Data[0] += 1
	v, _ := new(big.Int).SetString(o.Field[0], 10)
	v.Add(v, new(big.Int).Lsh(big.NewInt(1), uint(o.Scale)))
	o.Field[0] = v.String()
	forged := *p.Bundle
	if forged.Public, err = json.Marshal(&pub); err != nil {
		return err
	}
	fb, _ := json.Marshal(&forged)
	if r := inference.Verify(fb, vk, ""); r.Valid {
		return fmt.Errorf("a tampered bundle verified; this is a bug")
	} else {
		step("6. tamper        output 0 raised by 1.0 → invalid: %s", r.Reason)
	}
	return demoEvaluation(path, dir, ref.Samples[:8], step, since)
}

// demoEvaluation proves the model's accuracy on committed, hidden test
// digits, then shows a label changed after committing refused. Weights are
// public here to keep the demo's setup short.
func demoEvaluation(model, dir string, samples []demoSample, step func(string, ...any), since func(time.Time) time.Duration) error {
	set := &dataset.Set{Name: "digits-demo"}
	for _, s := range samples {
		set.X = append(set.X, s.Input[0])
		set.Y = append(set.Y, float64(s.Label))
	}
	for j := range set.X[0] {
		set.Columns = append(set.Columns, fmt.Sprintf("x%d", j))
	}
	t := time.Now()
	d, err := datacommit.FromSet(set, datacommit.DefaultOptions())
	if err != nil {
		return err
	}
	c, o, err := datacommit.New(d, set.Name)
	if err != nil {
		return err
	}
	step("7. commit data   %d test digits committed: root %s…; rows and labels stay with their owner  [%v]", len(samples), c.Root[:16], since(t))

	edir := filepath.Join(dir, "evaluation")
	t = time.Now()
	ec, err := evaluation.Compile(model, engine.Options{}, c, evaluation.Options{Weights: circuit.Public}, edir)
	if err != nil {
		return err
	}
	if _, err := inference.RunSetup(edir, nil); err != nil {
		return err
	}
	setup := since(t)
	t = time.Now()
	p, err := evaluation.Prove(edir, set, o, version, nil)
	if err != nil {
		return err
	}
	file, err := json.Marshal(p.File)
	if err != nil {
		return err
	}
	vk, err := os.ReadFile(filepath.Join(edir, inference.VKFile))
	if err != nil {
		return err
	}
	r := evaluation.Verify(file, vk, evaluation.Expect{Data: c})
	if !r.Valid {
		return fmt.Errorf("the demo's evaluation does not verify: %s", r.Reason)
	}
	step("8. evaluate      accuracy %d/%d on the committed digits, proven and verified against the root alone (%d constraints; setup %v)  [%v]",
		*r.Public.Correct, r.Public.N, ec.Constraints, setup, since(t))

	set.Y[0] = float64((int(set.Y[0]) + 1) % 10)
	if _, err := evaluation.Prove(edir, set, o, version, nil); err == nil {
		return fmt.Errorf("an evaluation on a changed label was proven; this is a bug")
	} else {
		step("9. tamper        one label changed after committing → refused: %v", err)
	}
	return nil
}
