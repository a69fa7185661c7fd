package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/evaluate"
	"github.com/zkai-dev/zkai/input"
	"github.com/zkai-dev/zkai/model/onnx"
)

func newRun() *cobra.Command {
	var (
		inputPath string
		asJSON    bool
		sf        settingsFlags
	)
	cmd := &cobra.Command{
		Use:   "run MODEL.onnx --input INPUT.json",
		Short: "Run the fixed-point program and the float reference on one input",
		Long: `run converts the model to a fixed-point integer program (the exact computation
a proof checks) and runs it beside the float64 reference, printing both outputs
and the largest difference.

INPUT.json uses the EZKL layout, one entry per model input in graph order:
  {"input_data": [[...flattened values...]], "input_shapes": [[1, 784]]}
input_shapes is optional: without it the shape comes from the model, a batch
dimension from the number of values; EZKL's shapes without the batch dimension
are read with a batch of 1. Integer inputs (axes, indices) are plain numbers,
boolean ones true/false; an input that an op needs constant (a Reshape's shape,
a Clip bound) is fixed into the program. A model without inputs runs without
--input. With output_data (a reference run's outputs) run also reports the
largest difference from it.

Without --scale, --calibrate or --settings one deterministic default is used,
so run, eval and compile agree. --save-settings records the choice.`,
		Example: `  zkai run testdata/models/mnist_mlp/model.onnx --input testdata/models/mnist_mlp/input.json
  zkai run model.onnx --input input.json --calibrate data.json --save-settings settings.json
  zkai run model.onnx --input input.json --settings settings.json --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in, err := loadInput(args[0], inputPath)
			if err != nil {
				return err
			}
			m, err := sf.open(args[0], in)
			if err != nil {
				return err
			}
			r, err := m.Run(m.Input.Data)
			if err != nil {
				return err
			}
			if m.Input.Outputs != nil {
				if err := r.CompareOutputData(m.Input.Outputs); err != nil {
					return err
				}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, r)
			}
			thr := evaluate.Threshold(m.Graph)
			for i, o := range r.Outputs {
				f := r.FloatOutputs[i]
				fmt.Fprintf(out, "output %s %v\n", o.Name, o.Shape)
				fmt.Fprintf(out, "  fixed  %s\n", formatFloats(o.Data))
				fmt.Fprintf(out, "  float  %s\n", formatFloats(f.Data))
				if i == 0 && len(o.Shape) <= 2 && (len(o.Shape) == 0 || o.Shape[0] == 1) {
					fmt.Fprintf(out, "  class  fixed %d, float %d\n", evaluate.Predict(o.Data, thr), evaluate.Predict(f.Data, thr))
				}
			}
			fmt.Fprintf(out, "max |fixed - float| = %.6g (scale 2^-%d, %s)\n", r.MaxAbsError, m.Settings.Scale, m.Settings.Calibration)
			printOutputData(out, r)
			return nil
		},
	}
	cmd.Flags().StringVar(&inputPath, "input", "", "input file (EZKL layout)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print one JSON object: {"outputs", "float_outputs", "max_abs_error", "output_data"}`)
	sf.register(cmd, true)
	return cmd
}

// formatFloats prints up to 12 values compactly.
func formatFloats(v []float64) string {
	s := "["
	for i, x := range v {
		if i == 12 {
			s += fmt.Sprintf(" … %d more", len(v)-12)
			break
		}
		if i > 0 {
			s += " "
		}
		s += fmt.Sprintf("%.5g", x)
	}
	return s + "]"
}

// loadInput reads the input file at path; without one, a model that has no
// inputs gets the empty input.
func loadInput(modelPath, path string) (*input.File, error) {
	if path != "" {
		return input.Load(path)
	}
	decl, err := onnx.DeclaredInputs(modelPath)
	if err != nil {
		return nil, err
	}
	for _, d := range decl {
		if !d.Initialized {
			return nil, withHint(fmt.Errorf("--input is required: the model takes input %s", d), "give the input as --input INPUT.json (EZKL layout)")
		}
	}
	return &input.File{Data: [][]float64{}}, nil
}

// printOutputData prints how far a run is from the input file's output_data, when it had one.
func printOutputData(w io.Writer, r *engine.RunResult) {
	if e := r.OutputData; e != nil {
		fmt.Fprintf(w, "against output_data: max |fixed - output_data| = %.6g, max |float - output_data| = %.6g\n", e.Fixed, e.Float)
	}
}
