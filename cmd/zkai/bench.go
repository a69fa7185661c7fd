package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/input"
	"github.com/zkai-dev/zkai/model/onnx"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/inference"
)

// benchReport is the performance record `zkai bench` prints.
type benchReport struct {
	Model          string  `json:"model"`
	Backend        string  `json:"backend"`
	Weights        string  `json:"weights"`
	Constraints    int     `json:"constraints"`
	CompileSeconds float64 `json:"compile_s"`
	SetupSeconds   float64 `json:"setup_s"`
	ProveSeconds   float64 `json:"prove_s"`
	// BackendProveSeconds is the backend prover alone (ProveSeconds also
	// loads and checks the model, circuit and key and computes the witness).
	BackendProveSeconds float64 `json:"backend_prove_s"`
	VerifySeconds       float64 `json:"verify_s"`
	ProofBytes          int     `json:"proof_bytes"`
	PKBytes             int64   `json:"pk_bytes"`
	VKBytes             int64   `json:"vk_bytes"`
	PeakRSSBytes        int64   `json:"peak_rss_bytes"`
	// With --data: the evaluation statement over Rows committed rows.
	Statement     string  `json:"statement"`
	Rows          int     `json:"rows,omitempty"`
	Shards        int     `json:"shards,omitempty"`
	RowsPerSecond float64 `json:"rows_per_s,omitempty"`
}

func newBench() *cobra.Command {
	var (
		inputPath, weights, backend string
		data, split                 string
		rows, batch                 int
		asJSON                      bool
	)
	cmd := &cobra.Command{
		Use:   "bench MODEL.onnx [--input INPUT.json]",
		Short: "Measure constraints, compile/setup/prove/verify time, sizes and peak memory",
		Long: `bench runs the whole pipeline once in a temporary directory and reports
constraints, compile/setup/prove/verify seconds, proof/pk/vk bytes and the
process's peak resident memory: the performance record for every change.
Without --input it proves an all-zero input.

With --data it measures the evaluation statement instead: it commits the
first --rows rows of DATA (default all), compiles with --batch rows per shard,
sets up, proves every shard and verifies, and also reports rows per second.`,
		Example: `  zkai bench testdata/models/mnist_mlp/model.onnx --weights public
  zkai bench testdata/models/lenet5/model.onnx --input testdata/models/lenet5/input.json --json
  zkai bench testdata/models/digits_mlp/model.onnx --data testdata/models/digits_mlp/data.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := proof.ParseBackend(backend)
			if err != nil {
				return err
			}
			vis := circuit.Options{Weights: circuit.Visibility(weights), Input: circuit.Private, Output: circuit.Public}
			if err := vis.Validate(); err != nil {
				return err
			}
			r := benchReport{Model: args[0], Backend: string(b), Weights: weights, Statement: inference.Statement}
			if data != "" {
				if err := benchEvaluation(cmd, &r, data, split, rows, batch, vis.Weights, b); err != nil {
					return err
				}
				return printBench(cmd, &r, asJSON)
			}
			var in *input.File
			if inputPath != "" {
				if in, err = input.Load(inputPath); err != nil {
					return err
				}
			} else if in, err = zeroInput(args[0]); err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "zkai-bench-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			log := cmd.ErrOrStderr()
			t := time.Now()
			fmt.Fprintln(log, "compiling…")
			c, err := inference.Compile(args[0], engine.Options{Input: in}, vis, b, dir)
			if err != nil {
				return err
			}
			r.CompileSeconds, r.Constraints = time.Since(t).Seconds(), c.Constraints
			fmt.Fprintf(log, "setup (%d constraints)…\n", c.Constraints)
			t = time.Now()
			if _, err := inference.RunSetup(dir, nil); err != nil {
				return err
			}
			r.SetupSeconds = time.Since(t).Seconds()
			fmt.Fprintln(log, "proving…")
			t = time.Now()
			p, err := inference.Prove(dir, in, nil, version)
			if err != nil {
				return err
			}
			r.ProveSeconds, r.BackendProveSeconds = time.Since(t).Seconds(), p.Backend.Seconds()
			bundle, err := json.Marshal(p.Bundle)
			if err != nil {
				return err
			}
			vk, err := os.ReadFile(filepath.Join(dir, inference.VKFile))
			if err != nil {
				return err
			}
			t = time.Now()
			if v := inference.Verify(bundle, vk, ""); !v.Valid {
				return fmt.Errorf("the benchmark's own proof does not verify: %s", v.Reason)
			}
			r.VerifySeconds = time.Since(t).Seconds()
			pb, _ := p.Bundle.ProofBytes()
			r.ProofBytes = len(pb)
			r.PKBytes, r.VKBytes = fileSize(filepath.Join(dir, inference.PKFile)), int64(len(vk))
			return printBench(cmd, &r, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&inputPath, "input", "", "input file (default: all zeros)")
	fl.StringVar(&weights, "weights", "private", "private or public")
	fl.StringVar(&backend, "backend", "groth16", "groth16 or plonk")
	fl.StringVar(&data, "data", "", "measure the evaluation statement on this labelled data set")
	fl.StringVar(&split, "split", "test", "with --data: split of a fixtures data.json")
	fl.IntVar(&rows, "rows", 0, "with --data: use the first N rows (default all)")
	fl.IntVar(&batch, "batch", 0, "with --data: rows per shard (default min(N, 512))")
	fl.BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}

// printBench adds the peak memory and prints the report.
func printBench(cmd *cobra.Command, r *benchReport, asJSON bool) error {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		r.PeakRSSBytes = ru.Maxrss * 1024 // Linux reports KiB
	}
	w := cmd.OutOrStdout()
	if asJSON {
		return printJSON(w, r)
	}
	fmt.Fprintf(w, "model        %s (%s, weights %s, statement %s)\n", r.Model, r.Backend, r.Weights, r.Statement)
	if r.Rows > 0 {
		fmt.Fprintf(w, "rows         %d in %d shards, %.1f rows/s proven\n", r.Rows, r.Shards, r.RowsPerSecond)
	}
	fmt.Fprintf(w, "constraints  %d\n", r.Constraints)
	fmt.Fprintf(w, "compile      %.3f s\nsetup        %.3f s\nprove        %.3f s (%s prover %.3f s)\nverify       %.4f s\n", r.CompileSeconds, r.SetupSeconds, r.ProveSeconds, r.Backend, r.BackendProveSeconds, r.VerifySeconds)
	fmt.Fprintf(w, "proof        %d B\npk           %d B\nvk           %d B\npeak RSS     %.1f MiB\n", r.ProofBytes, r.PKBytes, r.VKBytes, float64(r.PeakRSSBytes)/(1<<20))
	return nil
}

func fileSize(path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return st.Size()
}

// zeroInput is an all-zero input for every model input.
func zeroInput(modelPath string) (*input.File, error) {
	g, err := onnx.LoadFile(modelPath, onnx.Options{})
	if err != nil {
		return nil, err
	}
	in := &input.File{}
	for _, v := range g.ModelInputs {
		n := 1
		for _, d := range v.Shape {
			n *= d
		}
		in.Data = append(in.Data, make([]float64, n))
		in.Shapes = append(in.Shapes, v.Shape)
	}
	return in, nil
}
