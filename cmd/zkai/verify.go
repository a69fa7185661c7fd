package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/ledger/registry"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/evaluation"
	"github.com/zkai-dev/zkai/statement/grade"
	"github.com/zkai-dev/zkai/statement/inference"
)

func newVerify() *cobra.Command {
	var (
		vkPath, expectModel string
		expectData          string
		ledgerDir, logKey   string
		ledgerState         string
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

--expect-model takes model.commitment.json (or the commitment itself) and
requires the proof to be for that model; --expect-data takes a data-set or
answer-key commitment (or its root) and requires an evaluation or a grade to
be on that set. --ledger additionally requires the model to be a registered
version in a ledger whose checkpoint is signed by --log-key.

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
			var v *verdict
			switch kind.Statement {
			case evaluation.Statement:
				v, err = verifyEvaluation(bundle, vk, expect, expectData, trusted)
			case grade.Statement:
				if ledgerDir != "" {
					return withHint(fmt.Errorf("--ledger checks a model's registration; a grade has no model"), "drop --ledger, or record the key commitment with zkai registry add-dataset")
				}
				v, err = verifyGrade(bundle, vk, expect, expectData)
			default:
				v = verifyInference(bundle, vk, expect, trusted)
			}
			if err != nil {
				return err
			}
			if v.valid && ledgerDir != "" {
				v.checkLedger(bundle, ledgerDir, logKey, ledgerState)
			}
			return v.report(cmd, asJSON)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&vkPath, "vk", "", "verifying key (DIR/vk)")
	fl.StringVar(&expectModel, "expect-model", "", "model.commitment.json, or a commitment in decimal, the proof must be for")
	fl.StringVar(&expectData, "expect-data", "", "a data-set commitment file (or its root): an evaluation must be on that set")
	fl.StringVar(&ledgerDir, "ledger", "", "also require the model to be registered in this ledger (with --log-key); prints its lineage")
	fl.StringVar(&logKey, "log-key", "", "the ledger's verifier key you trust (name+hash+key, or a file holding it)")
	fl.StringVar(&ledgerState, "state", "", "with --ledger: file keeping the last checkpoint this verifier trusted; refuse a log that went back or forked since (as zkai ledger follow)")
	fl.StringArrayVar(&srsPaths, "srs", nil, "PLONK: a public ceremony's SRS file you trust (repeatable); a PLONK key not made from one is flagged insecure")
	fl.BoolVar(&asJSON, "json", false, `print {"valid", "reason", "statement", "vk_digest", "public"}`)
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

// verifyInference is zkai verify on an inference bundle.
func verifyInference(bundle, vk []byte, expect string, trusted []*proof.SRS) *verdict {
	r := inference.Verify(bundle, vk, expect, trusted...)
	return &verdict{valid: r.Valid, reason: r.Reason, result: r, insecure: r.Insecure, summary: func(w io.Writer) {
		fmt.Fprintf(w, "  statement %s, vk %s\n", r.Statement, r.VKDigest)
		if r.Public.Model.Commitment != "" {
			fmt.Fprintf(w, "  model commitment %s\n", r.Public.Model.Commitment)
		} else {
			fmt.Fprintln(w, "  model: public weights (fixed by the verifying key)")
		}
		for _, o := range r.Public.Outputs {
			fmt.Fprintf(w, "  output %s %v %s\n", o.Name, o.Shape, formatFloats(o.Data))
		}
		if r.Public.Context != nil {
			fmt.Fprintf(w, "  context %q\n", *r.Public.Context)
		}
	}}
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

// expectedModel reads --expect-model: a commitment file or a decimal.
func expectedModel(arg string) (string, error) {
	if arg == "" {
		return "", nil
	}
	if b, err := os.ReadFile(arg); err == nil {
		var mc inference.ModelCommitment
		if err := json.Unmarshal(b, &mc); err != nil || mc.Commitment == "" {
			return "", fmt.Errorf("%s is not a model.commitment.json", arg)
		}
		return mc.Commitment, nil
	}
	return arg, nil
}

// spin shows an indeterminate progress bar on stderr while long work runs
// (one line of text when stderr is not a terminal).
