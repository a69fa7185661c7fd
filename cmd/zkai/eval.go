package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/evaluate"
)

func newEval() *cobra.Command {
	var (
		data, split, label string
		asJSON, quiet      bool
		sf                 settingsFlags
	)
	cmd := &cobra.Command{
		Use:   "eval MODEL.onnx --data DATA",
		Short: "Float and fixed-point accuracy over a labelled data set",
		Long: `eval runs every row of a labelled data set through the float64 reference and
the fixed-point program and reports both accuracies and how often they agree.

DATA is one of:
  {"x": [[...row...], ...], "y": [label, ...]}
  the fixtures' data.json (choose the split with --split; default test)
  CSV with a header row and a label column (--label NAME; default the last)
Each row is the model's input, flattened.

Prediction: the index of the largest output (first on ties); for a single
output, class 1 when it is ≥ 0.5 after a final Sigmoid, ≥ 0 otherwise.`,
		Example: `  zkai eval testdata/models/lenet5/model.onnx --data testdata/models/lenet5/data.json
  zkai eval model.onnx --data data.csv --label diagnosis --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if data == "" {
				return withHint(fmt.Errorf("--data is required"), "give a labelled data set: --data DATA")
			}
			set, err := dataset.Load(data, dataset.Options{Split: splitFor(data, split), Label: label, RequireLabels: true})
			if err != nil {
				return err
			}
			m, err := sf.open(args[0], nil)
			if err != nil {
				return err
			}
			bar := newBar(cmd, set.Len(), "evaluating", quiet)
			r, err := evaluate.Run(m.Graph, m.Program, set, bar.set)
			bar.finish()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, r)
			}
			fmt.Fprintf(out, "rows            %d\n", r.N)
			fmt.Fprintf(out, "float accuracy  %.4f\n", r.FloatAccuracy)
			fmt.Fprintf(out, "fixed accuracy  %.4f\n", r.FixedAccuracy)
			fmt.Fprintf(out, "agreement       %.4f\n", r.Agreement)
			fmt.Fprintf(out, "max |fixed - float| output %.6g\n", r.MaxAbsError)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&data, "data", "", "labelled data set (JSON or CSV)")
	fl.StringVar(&split, "split", "test", "split of a fixtures data.json: test or train")
	fl.StringVar(&label, "label", "", "CSV label column (default: the last)")
	fl.BoolVar(&asJSON, "json", false, `print one JSON object: {"n", "float_accuracy", "fixed_accuracy", …}`)
	fl.BoolVar(&quiet, "quiet", false, "no progress bar")
	sf.register(cmd, true)
	return cmd
}
