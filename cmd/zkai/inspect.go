package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/model/onnx"
	"github.com/zkai-dev/zkai/quant"
)

type inspectReport struct {
	Model string `json:"model"`
	*onnx.Summary
	// Loadable is true when the model converts and lowers to fixed point
	// with default settings; Error says why not.
	Loadable bool   `json:"loadable"`
	Error    string `json:"error,omitempty"`
}

func newInspect() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "inspect MODEL.onnx",
		Short: "Show a model's inputs, outputs, ops, parameters and unsupported nodes",
		Long: `inspect reads an ONNX model and prints its inputs and outputs with shapes
(symbolic dimensions by name), how many nodes of each op it has, its parameter
count, and every node zkai cannot handle yet. It then tries the full
conversion to a fixed-point program and reports whether that works.`,
		Example: `  zkai inspect testdata/models/lenet5/model.onnx
  zkai inspect model.onnx --json | jq .unsupported`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				if os.IsNotExist(err) {
					return fmt.Errorf("model file %s does not exist", args[0])
				}
				return err
			}
			s, err := onnx.Summarize(b)
			if err != nil {
				return err
			}
			r := inspectReport{Model: args[0], Summary: s}
			if g, err := onnx.Load(b, onnx.Options{}); err != nil {
				r.Error = err.Error()
			} else if _, err := quant.Compile(g, nil); err != nil {
				r.Error = err.Error()
			} else {
				r.Loadable = true
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return printJSON(out, r)
			}
			fmt.Fprintf(out, "model       %s (ONNX IR %d, opset %d, %s)\n", args[0], s.IRVersion, s.Opset, s.Producer)
			for _, v := range s.Inputs {
				fmt.Fprintf(out, "input       %s %s %v\n", v.Name, v.DType, v.Shape)
			}
			for _, v := range s.Outputs {
				fmt.Fprintf(out, "output      %s %s %v\n", v.Name, v.DType, v.Shape)
			}
			ops := make([]string, 0, len(s.Ops))
			for op, n := range s.Ops {
				ops = append(ops, fmt.Sprintf("%s×%d", op, n))
			}
			sort.Strings(ops)
			fmt.Fprintf(out, "nodes       %d: %s\n", s.Nodes, strings.Join(ops, ", "))
			fmt.Fprintf(out, "parameters  %d\n", s.Parameters)
			if len(s.Unsupported) == 0 {
				fmt.Fprintln(out, "unsupported none")
			}
			for _, u := range s.Unsupported {
				fmt.Fprintf(out, "unsupported node %q (%s)\n", u.Node, u.Op)
			}
			if r.Loadable {
				fmt.Fprintln(out, "fixed point ok (default settings)")
			} else {
				fmt.Fprintf(out, "fixed point no: %s\n", r.Error)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object")
	return cmd
}
