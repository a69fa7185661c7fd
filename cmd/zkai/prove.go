package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/internal/atomicfile"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/evaluation"
	"github.com/zkai-dev/zkai/statement/inference"
)

func newCompile() *cobra.Command {
	var (
		out, weights, inVis, outVis, backend string
		sf                                   settingsFlags
		statement                            string
	)
	cmd := &cobra.Command{
		Use:   "compile MODEL.onnx -o DIR",
		Short: "Compile a model into a circuit (step 1 of compile → setup → prove → verify)",
		Long: `compile converts the model to its fixed-point program and that program to a
circuit, writing named files into DIR:

  DIR/settings.json          fixed-point settings, visibility, backend, digests
  DIR/model.onnx             the model, so proving needs nothing else
  DIR/circuit                the constraint system
  DIR/model.commitment.json  (private weights) the weight commitment: the model's public identity
  DIR/model.opening.json     (private weights) its salt — keep it secret

--weights private (default) keeps the weights secret, bound to the public
commitment; --weights public makes them circuit constants (fast, but the
verifying key reveals them). The circuit depends only on the architecture and
scales, so the verifier can compile it and run setup itself.

--statement evaluation compiles instead the proof of the model's accuracy on
a committed data set (--data-commitment, from zkai commit): the circuit
depends on the data set's shape and the shard size (--batch). See
zkai prove-eval --help.`,
		Example: `  zkai compile testdata/models/mnist_mlp/model.onnx -o mnist
  zkai compile model.onnx -o out --weights public --input-visibility public
  zkai compile model.onnx -o out --calibrate data.json --backend plonk
  zkai compile model.onnx -o ev --statement evaluation --data-commitment c.json --at-least 0.9`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return withHint(fmt.Errorf("-o DIR is required"), "name the directory to write: zkai compile MODEL -o DIR")
			}
			vis := circuit.Options{Weights: circuit.Visibility(weights), Input: circuit.Visibility(inVis), Output: circuit.Visibility(outVis)}
			if err := vis.Validate(); err != nil {
				return err
			}
			b, err := proof.ParseBackend(backend)
			if err != nil {
				return err
			}
			if st, ok := compileStatements[statement]; ok {
				return st.run(cmd, args, compileContext{Out: out, Backend: b, Weights: vis.Weights,
					Engine: func() (engine.Options, error) { return sf.engineOptions(nil) }})
			}
			if statement != "inference" {
				return withHint(fmt.Errorf("--statement %q is not a statement zkai knows", statement), "want one of: "+statementNames())
			}
			if err := needModel("inference", args); err != nil {
				return err
			}
			eopt, err := sf.engineOptions(nil)
			if err != nil {
				return err
			}
			start := time.Now()
			stop := spin(cmd, "compiling the circuit")
			c, err := inference.Compile(args[0], eopt, vis, b, out)
			stop()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "compiled %s → %s in %v\n", args[0], out, time.Since(start).Round(time.Millisecond))
			fmt.Fprintf(w, "  %d constraints, %d public inputs, backend %s, weights %s, input %s, output %s\n",
				c.Constraints, c.Info.PublicInputs, b, vis.Weights, vis.Input, vis.Output)
			if c.Commitment != nil {
				fmt.Fprintf(w, "  model commitment %s (in %s; its salt in %s: keep it secret)\n", c.Commitment.Commitment, inference.CommitmentFile, inference.OpeningFile)
			} else {
				fmt.Fprintf(w, "  model: public weights, digest %s (in %s)\n", c.Info.WeightsDigest, inference.SettingsFile)
			}
			fmt.Fprintf(w, "next: zkai setup %s\n", out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&out, "output", "o", "", "directory to write")
	fl.StringVar(&weights, "weights", "private", "private (committed, hidden) or public (circuit constants)")
	fl.StringVar(&inVis, "input-visibility", "private", "public, private or hashed (a salted commitment)")
	fl.StringVar(&outVis, "output-visibility", "public", "public or hashed (a salted commitment)")
	fl.StringVar(&backend, "backend", "groth16", "groth16 or plonk")
	sf.register(cmd, false)
	fl.StringVar(&statement, "statement", "inference", "what to prove: "+statementNames()+" (each statement's flags say which they serve)")
	for _, name := range sortedStatements() {
		compileStatements[name].flags(fl)
	}
	return cmd
}

func newSetup() *cobra.Command {
	var srsPath, keysFrom string
	cmd := &cobra.Command{
		Use:   "setup DIR",
		Short: "Generate the proving and verifying keys of a compiled directory",
		Long: `setup writes DIR/pk and DIR/vk and records their sha256 digests in
DIR/settings.json.

Trust: a Groth16 setup's randomness lets whoever ran it forge proofs, so a
single-party setup is only meaningful when the VERIFIER runs it (the circuit
holds no secrets, so the verifier can compile the model and run setup itself)
or when it is replaced by a multi-party ceremony. PLONK needs a universal SRS
from a public ceremony (--srs FILE: its canonical half, [τⁱ]G1 and [1]G2,
[τ]G2, checked to be powers of one τ; a Lagrange half after it is checked,
never trusted, and derived when absent); without one a local SRS is
generated, and verifiers flag its keys as insecure unless they trust it.
settings.json records the SRS digest and source.

--keys-from VDIR takes the keys of the verifier's own directory instead:
the verifier compiles the architecture with the prover's settings.json (the
circuit does not depend on the weights), runs setup, and hands over VDIR's pk
and vk; zkai checks both directories hold the same circuit.`,
		Example: `  zkai setup mnist
  zkai setup out --srs ceremony.srs   # PLONK with a ceremony's SRS
  # verifier: zkai compile arch.onnx -o vdir --settings mnist/settings.json && zkai setup vdir
  zkai setup mnist --keys-from vdir`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if srsPath != "" && keysFrom != "" {
				return fmt.Errorf("--srs and --keys-from exclude each other")
			}
			var srs *proof.SRS
			if srsPath != "" {
				var err error
				if srs, err = proof.ReadSRSFile(srsPath); err != nil {
					return withHint(err, "give the SRS file a public ceremony published (gnark-crypto encoding of its canonical half)")
				}
			}
			if setup, ok := setupStatements[dirStatement(args[0])]; ok {
				if keysFrom != "" {
					return withHint(fmt.Errorf("--keys-from is for inference and evaluation directories"), "run zkai setup on the verifier's own directory")
				}
				return setup(cmd, args[0], srs)
			}
			start := time.Now()
			var si *inference.SetupInfo
			var err error
			if keysFrom != "" {
				si, err = inference.ImportKeys(args[0], keysFrom)
			} else {
				stop := spin(cmd, "running setup")
				si, err = inference.RunSetup(args[0], srs)
				stop()
			}
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "setup done in %v: %s/pk, %s/vk\n", time.Since(start).Round(time.Millisecond), args[0], args[0])
			fmt.Fprintf(w, "  vk %s\n  pk %s\n", si.VKDigest, si.PKDigest)
			if si.SRSDigest != "" {
				fmt.Fprintf(w, "  srs %s (%s)\n", si.SRSDigest, si.SRSSource)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", si.Trust)
			if si.Insecure != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: INSECURE: %s\n", si.Insecure)
			}
			if d, err := inference.OpenDir(args[0]); err == nil && d.Info.Statement == evaluation.Statement {
				fmt.Fprintf(w, "next: zkai prove-eval %s --data DATA --opening OPENING.json -o EVAL.json\n", args[0])
			} else {
				fmt.Fprintf(w, "next: zkai prove %s --input INPUT.json -o proof.json\n", args[0])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&srsPath, "srs", "", "PLONK: the KZG SRS of a public ceremony (gnark-crypto encoding of its canonical half; a Lagrange half after it is checked)")
	cmd.Flags().StringVar(&keysFrom, "keys-from", "", "take pk and vk from the verifier's compiled directory")
	return cmd
}

func newProve() *cobra.Command {
	var (
		inputPath, out, context string
		asJSON                  bool
	)
	cmd := &cobra.Command{
		Use:   "prove DIR --input INPUT.json -o PROOF.json",
		Short: "Prove one inference with a compiled, set-up directory",
		Long: `prove runs the fixed-point program on the input, proves it, and writes the
bundle PROOF.json (see README: bundle format), the one file a verifier needs
besides DIR/vk. It prints the proven outputs, which equal what
'zkai run MODEL --settings DIR/settings.json' prints. INPUT.json is read as
by run (a model without inputs needs none); with output_data, prove also
reports the largest difference from it.

--context binds a caller-chosen string (a nonce) into the proof against
replay. When the input or output is hashed, their salts go to
PROOF.opening.json with the values they hide — never into the bundle.`,
		Example: `  zkai prove mnist --input testdata/models/mnist_mlp/input.json -o proof.json
  zkai prove mnist --input in.json -o proof.json --context "request-42"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return withHint(fmt.Errorf("-o is required"), "zkai prove DIR --input INPUT.json -o PROOF.json")
			}
			in, err := loadInput(filepath.Join(args[0], inference.ModelFile), inputPath)
			if err != nil {
				return err
			}
			var ctx *string
			if cmd.Flags().Changed("context") {
				ctx = &context
			}
			start := time.Now()
			stop := spin(cmd, "proving")
			p, err := inference.Prove(args[0], in, ctx, version)
			stop()
			if err != nil {
				return err
			}
			if in.Outputs != nil {
				if err := p.Result.CompareOutputData(in.Outputs); err != nil {
					return err
				}
			}
			// The opening first: a bundle whose salts were lost could never
			// be opened, while an opening without its bundle is removed.
			if p.Opening != nil {
				ob, _ := json.MarshalIndent(p.Opening, "", "  ")
				if err := atomicfile.Write(openingPath(out), append(ob, '\n'), 0o600); err != nil {
					return err
				}
			}
			if err := writeJSONFile(out, p.Bundle); err != nil {
				if p.Opening != nil {
					os.Remove(openingPath(out))
				}
				return err
			}
			w := cmd.OutOrStdout()
			if asJSON {
				report := map[string]any{"proof": out, "seconds": time.Since(start).Seconds(), "public": p.Public}
				if e := p.Result.OutputData; e != nil {
					report["output_data"] = e
				}
				return printJSON(w, report)
			}
			fmt.Fprintf(w, "proved in %v (prover %v) → %s\n", time.Since(start).Round(time.Millisecond), p.Backend.Round(time.Millisecond), out)
			printPublic(w, p.Public)
			printOutputData(w, p.Result)
			if p.Opening != nil {
				fmt.Fprintf(w, "  hashed values and their salts in %s (keep it secret; zkai verify --opening checks it)\n", openingPath(out))
			}
			if p.Insecure != "" {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: INSECURE setup: %s\n", p.Insecure)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&inputPath, "input", "", "input file (EZKL layout)")
	fl.StringVarP(&out, "output", "o", "", "bundle file to write")
	fl.StringVar(&context, "context", "", "string to bind into the proof (e.g. a nonce)")
	fl.BoolVar(&asJSON, "json", false, "print a JSON summary")
	return cmd
}

// openingPath is PROOF.opening.json beside PROOF.json.
func openingPath(bundle string) string {
	return strings.TrimSuffix(bundle, ".json") + ".opening.json"
}
