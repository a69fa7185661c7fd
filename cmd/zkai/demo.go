package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/evaluate"
)

// The bundled demo model: digits_cnn from testdata (Conv×2, MaxPool, Gemm on
// 8×8 digits) with its first 20 test samples and PyTorch's outputs.
var (
	//go:embed demo/digits_cnn.onnx
	demoModel []byte
	//go:embed demo/digits_cnn.reference.json
	demoReference []byte
)

func newDemo() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run the pipeline on a bundled model (no files needed)",
		Long: `demo loads a small bundled CNN (digits_cnn: Conv, ReLU, MaxPool, Gemm on 8×8
handwritten digits), converts it to a fixed-point integer program, and runs
the program on 20 test digits beside the float reference and PyTorch's own
outputs, with timings.`,
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
		Samples []struct {
			Label  int         `json:"label"`
			Input  [][]float64 `json:"input_data"`
			Output [][]float64 `json:"output_data"`
		} `json:"samples"`
	}
	if err := json.Unmarshal(demoReference, &ref); err != nil {
		return err
	}

	t0 := time.Now()
	m, err := engine.Open(path, engine.Options{})
	if err != nil {
		return err
	}
	st := m.Program.Stats()
	fmt.Fprintf(out, "1. loaded digits_cnn (%d nodes, %d parameters) and compiled it to fixed point in %v\n",
		len(m.Graph.Nodes), m.Graph.ParamCount(), time.Since(t0).Round(time.Millisecond))
	fmt.Fprintf(out, "   %d integer ops, values at scale 2^-%d, widest value %d bits\n", len(m.Program.Ops), m.Settings.Scale, st.MaxBits)

	t1 := time.Now()
	var correct, agree int
	maxErr := 0.0
	for _, s := range ref.Samples {
		r, err := m.Run(s.Input)
		if err != nil {
			return err
		}
		fixed := evaluate.Predict(r.Outputs[0].Data, 0)
		torch := evaluate.Predict(s.Output[0], 0)
		if fixed == s.Label {
			correct++
		}
		if fixed == torch {
			agree++
		}
		for j, x := range r.Outputs[0].Data {
			if d := x - s.Output[0][j]; d > maxErr || -d > maxErr {
				maxErr = max(d, -d)
			}
		}
	}
	n := len(ref.Samples)
	fmt.Fprintf(out, "2. ran %d test digits exactly in integers in %v\n", n, time.Since(t1).Round(time.Millisecond))
	fmt.Fprintf(out, "   fixed-point class = PyTorch class on %d/%d, correct on %d/%d\n", agree, n, correct, n)
	fmt.Fprintf(out, "   max |fixed - PyTorch| logit difference %.4f\n", maxErr)
	fmt.Fprintln(out, "3. this integer program is exactly what a zero-knowledge circuit checks;")
	fmt.Fprintln(out, "   try: zkai inspect / run / eval on the models in testdata/models")
	return nil
}
