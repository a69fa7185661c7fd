package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/ledger/registry"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/evaluation"
	"github.com/zkai-dev/zkai/statement/grade"
	"github.com/zkai-dev/zkai/statement/inference"
)

func newVerify() *cobra.Command {
	var (
		vkPath, expectModel string
		expectData, opening string
		ledgerDir, logKey   string
		ledgerState, origin string
		srsPaths            []string
		asJSON              bool
	)
	cmd := &cobra.Command{
		Use:   "verify PROOF.json --vk VK",
		Short: "Verify a proof bundle (needs neither the model nor the proving key)",
		Long: `verify checks the bundle against the verifying key: the key's sha256 must be
the bundle's vk_digest, every decoded value must equal its proven field
element, and the proof must verify. It prints "valid" and a summary and exits
0, or "invalid: <reason>" and exits 1.

It checks every kind of proof zkai writes, told apart by the file's
statement: inference bundles (zkai prove), evaluation files (zkai prove-eval:
every shard, their order, and the data-set root rebuilt from them) and grades
(zkai grade).

--expect-model takes model.commitment.json (or the commitment itself), or
for public weights the compiled directory's settings.json (or the weights
digest sha256:… that compile prints), and requires the proof to be for that
model; --expect-data takes a data-set or answer-key commitment (or its root)
and requires an evaluation or a grade to be on that set (an inference is on
no data set: it refuses --expect-data). --ledger additionally requires the
model to be a registered version in a ledger whose checkpoint is signed by
--log-key.

--opening PROOF.opening.json (inference with a hashed input or output)
checks that the salts and values there open the bundle's commitments and
shows the opened values.

Everything printed is proven: values and commitments are public inputs, and
names, shapes, scales, widths, visibility and a public-weights model's digest
are bound through the layout digest. The bundle's zkai_version and
gnark_version are informational and not shown.

A PLONK proof is only as sound as its key's SRS: verify judges that itself,
never from the file. A PLONK key made from an SRS given with --srs (a public
ceremony's file you trust; repeatable) is trusted; any other PLONK key gets
an INSECURE warning on stderr and "insecure_setup" in --json. Only the
verifying part of the SRS file is read.`,
		Example: `  zkai verify proof.json --vk mnist/vk
  zkai verify proof.json --vk mnist/vk --expect-model mnist/model.commitment.json --json
  zkai verify eval.json --vk ev/vk --expect-data digits.commitment.json
  zkai verify proof.json --vk iris/vk --srs ceremony.srs   # a PLONK proof`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if vkPath == "" {
				return withHint(fmt.Errorf("--vk is required"), "give the verifying key you trust: --vk DIR/vk")
			}
			if ledgerState != "" && ledgerDir == "" {
				return withHint(fmt.Errorf("--state goes with --ledger"), "add --ledger LOGDIR --log-key PUBKEY, or drop --state")
			}
			bundle, err := readBounded(args[0], proof.MaxBundleBytes)
			if err != nil {
				return err
			}
			vk, err := readBounded(vkPath, proof.MaxVKBytes)
			if err != nil {
				return err
			}
			expect, err := expectedModel(expectModel)
			if err != nil {
				return err
			}
			var trusted []*proof.SRS
			for _, p := range srsPaths {
				s, err := proof.ReadSRSVerifyingKey(p)
				if err != nil {
					return withHint(err, "give the SRS file of the public ceremony you trust")
				}
				trusted = append(trusted, s)
			}
			var kind struct{ Format, Statement string }
			_ = json.Unmarshal(bundle, &kind)
			if opening != "" && (kind.Statement == evaluation.Statement || kind.Statement == grade.Statement) {
				return withHint(fmt.Errorf("--opening opens an inference bundle's hashed input or output; this is a file of the %s statement", kind.Statement), "drop --opening")
			}
			a := verifyArgs{file: bundle, vk: vk, expectModel: expect, expectData: expectData, opening: opening, trusted: trusted}
			var v *verdict
			if verify, ok := verifiers[kind.Statement]; ok {
				if ledgerDir != "" && kind.Statement == grade.Statement {
					return withHint(fmt.Errorf("--ledger checks a model's registration; a grade has no model"), "drop --ledger, or record the key commitment with zkai registry add-dataset")
				}
				v, err = verify(cmd, a)
			} else {
				if expectData != "" {
					return withHint(fmt.Errorf("--expect-data does not apply to an inference bundle: an inference is about no data set"),
						"drop --expect-data; pin the model with --expect-model")
				}
				v, err = verifyInference(bundle, vk, expect, opening, trusted)
			}
			if err != nil {
				return err
			}
			if v.valid && ledgerDir != "" {
				v.checkLedger(bundle, ledgerDir, logKey, origin, ledgerState)
			}
			return v.report(cmd, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&vkPath, "vk", "", "verifying key (DIR/vk)")
	fl.StringVar(&expectModel, "expect-model", "", "model.commitment.json, or a commitment in decimal, the proof must be for")
	fl.StringVar(&expectData, "expect-data", "", "a data-set commitment file (or its root): an evaluation or grade must be on that set")
	fl.StringVar(&opening, "opening", "", "inference: PROOF.opening.json; check it opens the hashed input/output and show the values")
	fl.StringVar(&ledgerDir, "ledger", "", "also require the model to be registered in this ledger (with --log-key); prints its lineage")
	fl.StringVar(&logKey, "log-key", "", "the ledger's verifier key you trust (name+hash+key, or a file holding it)")
	fl.StringVar(&origin, "log-origin", "", "with --ledger: the ledger's checkpoint origin you trust (else the one the log names, pinned by --state after first use)")
	fl.StringVar(&ledgerState, "state", "", "with --ledger: file keeping the last checkpoint this verifier trusted; refuse a log that went back or forked since (as zkai ledger follow)")
	fl.StringArrayVar(&srsPaths, "srs", nil, "PLONK: a public ceremony's SRS file you trust (repeatable); a PLONK key not made from one is flagged insecure")
	fl.BoolVar(&asJSON, "json", false, `print {"valid", "reason", "statement", "vk_digest", "public"}`)
	for _, f := range verifyFlags {
		f(fl)
	}
	return cmd
}

// verdict is what verify reports, whatever the statement: the
// statement's result object (printed with --json, with "ledger" added when
// checked), a summary for people, and warnings for stderr.
type verdict struct {
	valid    bool
	reason   string
	result   any
	summary  func(w io.Writer)
	insecure string
	warnings []string
	lineage  *registry.Lineage
}

// report prints the verdict — one JSON object with --json — and makes an
// invalid proof exit 1.
func (v *verdict) report(cmd *cobra.Command, asJSON bool) error {
	w := cmd.OutOrStdout()
	switch {
	case asJSON:
		b, err := json.Marshal(v.result)
		if err != nil {
			return err
		}
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil {
			return err
		}
		obj["valid"], obj["reason"] = v.valid, v.reason
		if v.lineage != nil {
			obj["ledger"] = v.lineage
		}
		if err := printJSON(w, obj); err != nil {
			return err
		}
	case v.valid:
		fmt.Fprintln(w, "valid")
		v.summary(w)
		if v.lineage != nil {
			printLineage(w, v.lineage)
		}
	default:
		fmt.Fprintf(w, "invalid: %s\n", v.reason)
	}
	if v.insecure != "" {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: INSECURE setup: %s\n", v.insecure)
	}
	for _, warn := range v.warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", warn)
	}
	if !v.valid {
		return errInvalid
	}
	return nil
}

// verifyInference is zkai verify on an inference bundle; openingPath, when
// set, is an opening of its hashed values to check and show.
func verifyInference(bundle, vk []byte, expect, openingPath string, trusted []*proof.SRS) (*verdict, error) {
	var op *inference.Opening
	if openingPath != "" {
		b, err := readBounded(openingPath, proof.MaxBundleBytes)
		if err != nil {
			return nil, err
		}
		op = &inference.Opening{}
		if err := inference.DecodeStrict(b, op); err != nil {
			return nil, fmt.Errorf("%s is not an inference opening: %v", openingPath, err)
		}
	}
	r := inference.Verify(bundle, vk, expect, trusted...)
	v := &verdict{valid: r.Valid, reason: r.Reason, result: r, insecure: r.Insecure}
	shown := r.Public
	if r.Valid && op != nil {
		opened, err := inference.CheckOpening(r.Public, op)
		if err != nil {
			v.valid, v.reason = false, err.Error()
			r.Valid, r.Reason, r.Public = false, err.Error(), nil
			return v, nil
		}
		shown = opened
		r.Public = opened
	}
	v.summary = func(w io.Writer) {
		fmt.Fprintf(w, "  statement %s, vk %s\n", r.Statement, r.VKDigest)
		printPublic(w, shown)
	}
	return v, nil
}

// printPublic prints an inference's proven public values (and opened
// ones, which an opening showed to match their commitment).
func printPublic(w io.Writer, pub *inference.Public) {
	if pub.Model.Weights == circuit.Public {
		fmt.Fprintf(w, "  model: public weights, digest %s\n", pub.Model.WeightsDigest)
	} else {
		fmt.Fprintf(w, "  model commitment %s\n", pub.Model.Commitment)
	}
	for _, side := range []struct {
		what string
		v    *inference.Values
	}{{"input", &pub.Input}, {"output", &pub.Output}} {
		if side.v.Commitment != "" {
			fmt.Fprintf(w, "  %s commitment %s\n", side.what, side.v.Commitment)
		}
		if len(side.v.Tensors) == 0 {
			fmt.Fprintf(w, "  %s %s\n", side.what, side.v.Visibility)
		}
		for _, t := range side.v.Tensors {
			switch {
			case t.Data == nil:
				fmt.Fprintf(w, "  %s %s %v (hashed)\n", side.what, t.Name, t.Shape)
			case side.v.Visibility == circuit.Hashed:
				fmt.Fprintf(w, "  %s %s %v %s (opened: these values and the salt give the commitment)\n", side.what, t.Name, t.Shape, formatFloats(t.Data))
			default:
				fmt.Fprintf(w, "  %s %s %v %s\n", side.what, t.Name, t.Shape, formatFloats(t.Data))
			}
		}
	}
	if pub.Context != nil {
		fmt.Fprintf(w, "  context %q\n", *pub.Context)
	}
}

// errInvalid makes verify exit 1 after printing its own verdict.
var errInvalid = &silentError{"proof is invalid"}

type silentError struct{ msg string }

func (e *silentError) Error() string { return e.msg }

func readBounded(path string, limit int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s does not exist", path)
		}
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes; at most %d accepted", path, st.Size(), limit)
	}
	return os.ReadFile(path)
}

// expectedModel reads --expect-model: a model.commitment.json, a
// public-weights compile's settings.json, or the identity itself (a
// decimal commitment or a sha256: weights digest).
func expectedModel(arg string) (string, error) {
	if arg == "" {
		return "", nil
	}
	st, err := os.Stat(arg)
	if err != nil {
		return arg, nil
	}
	if st.IsDir() {
		return "", withHint(fmt.Errorf("--expect-model %s is a directory", arg), "give DIR/model.commitment.json (private weights) or DIR/settings.json (public weights)")
	}
	b, err := readBounded(arg, 1<<20)
	if err != nil {
		return "", err
	}
	id, err := inference.ExpectedModel(b)
	if err != nil {
		return "", withHint(fmt.Errorf("--expect-model %s: %w", arg, err), "give DIR/model.commitment.json (private weights) or DIR/settings.json (public weights)")
	}
	return id, nil
}
