// Command zkai proves things about AI models in zero knowledge. This file
// wires the subcommands; each command maps its flags to library calls.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/consensys/gnark/logger"
	"github.com/spf13/cobra"
)

// version is the zkai release, set at build time with -ldflags.
var version = "0.1.0-dev"

func main() {
	logger.Disable() // gnark logs to stdout, which is for results
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI and returns the exit code: 0, or 1 on any error.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.Execute(); err != nil {
		var quiet *silentError
		if !errors.As(err, &quiet) {
			printError(stderr, err)
		}
		return 1
	}
	return 0
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "zkai",
		Short: "Zero-knowledge proofs for AI models",
		Long: `zkai proves in zero knowledge that an output came from a registered ONNX
model, with the weights and the input kept private if you want. It turns the
model into a fixed-point integer program, that program into a circuit, and
runs Groth16 (or PLONK) on BN254.

Start with:
  zkai demo                                   the whole pipeline on a bundled model
  zkai inspect model.onnx                     inputs, outputs, ops, parameters
  zkai run model.onnx --input input.json      fixed-point and float outputs side by side
  zkai eval model.onnx --data data.json       float and fixed-point accuracy

Proving:
  zkai compile model.onnx -o dir              circuit and artifacts (weights private by default)
  zkai setup dir                              keys (the verifier runs this, or a ceremony)
  zkai prove dir --input input.json -o proof.json
  zkai verify proof.json --vk dir/vk          valid / invalid, needs neither model nor pk

Results go to stdout (add --json for scripts), messages to stderr; on error
zkai prints "zkai: error: …" with a hint and exits 1.`,
		Version:       version,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.AddCommand(newInspect(), newRun(), newEval(), newCompile(), newSetup(), newProve(), newVerify(), newBench(), newDemo(), newCommit(), newProveEval(), newKeygen(), newLedger(), newRegistry(), newGrade())
	root.AddCommand(newTrain())
	for _, c := range extraCommands {
		root.AddCommand(c())
	}
	return root
}

// hinted is an error with advice on what to do about it.
type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

func withHint(err error, hint string) error {
	if err == nil {
		return nil
	}
	return &hinted{err, hint}
}

func printError(w io.Writer, err error) {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	fmt.Fprintf(w, "zkai: error: %s\n", msg)
	var h *hinted
	if errors.As(err, &h) {
		fmt.Fprintf(w, "hint: %s\n", h.hint)
		return
	}
	if hint := guessHint(msg); hint != "" {
		fmt.Fprintf(w, "hint: %s\n", hint)
	}
}

// guessHint suggests a next step for errors raised deep in the libraries.
func guessHint(msg string) string {
	switch {
	case strings.Contains(msg, "does not exist"):
		return "check the path; paths are relative to the current directory"
	case strings.Contains(msg, "unknown command"), strings.Contains(msg, "unknown flag"), strings.Contains(msg, "accepts"):
		return "run 'zkai --help' or 'zkai COMMAND --help' for usage"
	case strings.Contains(msg, "declared range"), strings.Contains(msg, "declared bound"):
		return "pass --calibrate DATA (data like your inputs) or a larger --input-range"
	case strings.Contains(msg, "not supported"), strings.Contains(msg, "no fixed-point form"):
		return "see the op table in README.md; 'zkai inspect MODEL' lists every unsupported node"
	case strings.Contains(msg, "not an ONNX model"):
		return "give a .onnx file exported with torch.onnx.export or another ONNX exporter"
	case strings.Contains(msg, "input:"), strings.Contains(msg, "inputs; the model takes"):
		return `inputs use the EZKL layout {"input_data": [[...flattened...]], "input_shapes": [[...]]}, one entry per model input`
	}
	return ""
}

// printJSON writes v as indented JSON.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
