package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/statement/grade"
)

func init() {
	verifiers[grade.Statement] = func(cmd *cobra.Command, a verifyArgs) (*verdict, error) {
		return verifyGrade(a.file, a.vk, a.expectModel, a.expectData)
	}
}

func newGrade() *cobra.Command {
	var (
		commitment, keyPath, opening, answersPath, out, keys string
		asJSON                                               bool
	)
	cmd := &cobra.Command{
		Use:   "grade --commitment C.json --key KEY.json --opening O.json --answers ANSWERS.json -o GRADE.json",
		Short: "Prove a learner's score against a hidden, committed answer key",
		Long: `grade proves how many of a learner's answers match the answer key committed
in --commitment (zkai commit KEY.json), without revealing the key. The grader
runs it with the key {"y": [...]} and its secret --opening; the learner's
answers {"answers": [...]} go into GRADE.json in the clear, with the proven
number correct and the score. Verify with:

  zkai verify GRADE.json --vk DIR/vk --expect-data C.json

Trust: the circuit depends only on the public commitment (number of
questions, leaf size, label width), so the LEARNER runs
'zkai grade setup --commitment C.json -o DIR' and gives the grader DIR
(circuit and pk; the learner keeps trusting its own vk); the grader proves
with --keys DIR. Without --keys, grade runs the setup itself into
GRADE.keys/ (reused while the shape is the same) — and a setup run by the
grader lets the grader forge any score, so such a grade convinces nobody
else.

Each grade reveals how many answers matched: a learner allowed many
submissions can recover the key one answer at a time. Rate-limit and log them.`,
		Example: `  zkai commit key.json -o key.commitment.json --opening key.opening.json
  # learner: zkai grade setup --commitment key.commitment.json -o gradekeys
  zkai grade --commitment key.commitment.json --key key.json --opening key.opening.json \
      --answers answers.json -o grade.json --keys gradekeys
  # learner: zkai verify grade.json --vk gradekeys/vk --expect-data key.commitment.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if commitment == "" || keyPath == "" || opening == "" || answersPath == "" || out == "" {
				return withHint(fmt.Errorf("--commitment, --key, --opening, --answers and -o are required"),
					"zkai grade --commitment C.json --key KEY.json --opening O.json --answers ANSWERS.json -o GRADE.json")
			}
			c, o, err := datacommit.ReadPair(commitment, opening)
			if err != nil {
				return err
			}
			key, err := dataset.LoadLabels(keyPath, "y")
			if err != nil {
				return err
			}
			answers, err := dataset.LoadLabels(answersPath, "answers")
			if err != nil {
				return err
			}
			k, err := grade.ShapeOf(c)
			if err != nil {
				return err
			}
			ans := make([]int64, len(answers))
			for i, a := range answers {
				ans[i] = int64(a)
			}
			// Before any setup: a bad submission should not cost one.
			if err := grade.CheckAnswers(k, ans); err != nil {
				return err
			}
			if _, _, err := datacommit.Match(c, o, nil, key); err != nil {
				return fmt.Errorf("the key does not open the commitment: %w", err)
			}
			start := time.Now()
			proverSetup := keys == ""
			if proverSetup {
				keys = strings.TrimSuffix(out, ".json") + ".keys"
				if err := ensureGradeSetup(cmd, c, keys); err != nil {
					return err
				}
			}
			stop := spin(cmd, "proving")
			p, err := grade.Prove(keys, c, o, key, answers, version)
			stop()
			if err != nil {
				return err
			}
			if err := writeJSONFile(out, p.Bundle); err != nil {
				return err
			}
			if proverSetup {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: the keys in %s come from a setup run by the grader: %s; the learner should run 'zkai grade setup --commitment %s -o DIR' and you grade with --keys DIR\n",
					keys, grade.Trust, commitment)
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return printJSON(w, map[string]any{"grade": out, "keys": keys, "correct": p.Public.Correct, "n": p.Public.N,
					"score": p.Public.Score, "key_root": p.Public.KeyRoot, "vk_digest": p.Bundle.VKDigest,
					"seconds": time.Since(start).Seconds(), "prover_seconds": p.Backend.Seconds()})
			}
			fmt.Fprintf(w, "score %d/%d (%.2f%%), proved in %v (prover %v) → %s\n", p.Public.Correct, p.Public.N, 100*p.Public.Score,
				time.Since(start).Round(time.Millisecond), p.Backend.Round(time.Millisecond), out)
			fmt.Fprintf(w, "verify: zkai verify %s --vk %s --expect-data %s\n", out, filepath.Join(keys, grade.VKFile), commitment)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&commitment, "commitment", "", "the answer key's public commitment (zkai commit KEY.json)")
	fl.StringVar(&keyPath, "key", "", `the answer key {"y": [answer, ...]}`)
	fl.StringVar(&opening, "opening", "", "the key's secret opening (written by zkai commit)")
	fl.StringVar(&answersPath, "answers", "", `the learner's answers {"answers": [answer, ...]}`)
	fl.StringVarP(&out, "output", "o", "", "grade bundle to write")
	fl.StringVar(&keys, "keys", "", "set-up directory from 'zkai grade setup' (run by the learner)")
	fl.BoolVar(&asJSON, "json", false, "print a JSON summary")
	cmd.AddCommand(newGradeSetup())
	return cmd
}

// ensureGradeSetup runs the setup into dir unless dir already holds one for
// this key shape (a setup costs far more than a proof).
func ensureGradeSetup(cmd *cobra.Command, c *datacommit.Commitment, dir string) error {
	if _, err := grade.Open(dir, c); err == nil {
		return nil
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, grade.SettingsFile)); err != nil {
			return withHint(fmt.Errorf("%s exists and is not a grade setup directory", dir), "pass --keys DIR, or move "+dir+" away")
		}
	}
	stop := spin(cmd, "running setup (compiling the grading circuit)")
	_, err := grade.Setup(c, dir)
	stop()
	return err
}

func newGradeSetup() *cobra.Command {
	var commitment, out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "setup --commitment C.json -o DIR",
		Short: "Compile the grading circuit of a key commitment and run its setup (the learner runs this)",
		Long: `grade setup writes DIR/circuit, DIR/pk, DIR/vk and DIR/settings.json for the
answer key committed in --commitment. The circuit depends only on the public
commitment (number of questions, leaf size, label width), never on the key.

Trust: a Groth16 setup's randomness lets whoever ran it forge proofs, so run
it as the learner (the verifier) and give the grader DIR; keep verifying with
your own DIR/vk.`,
		Example: `  zkai grade setup --commitment key.commitment.json -o gradekeys`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if commitment == "" || out == "" {
				return withHint(fmt.Errorf("--commitment and -o are required"), "zkai grade setup --commitment C.json -o DIR")
			}
			c, err := datacommit.ReadCommitment(commitment)
			if err != nil {
				return err
			}
			stop := spin(cmd, "running setup (compiling the grading circuit)")
			s, err := grade.Setup(c, out)
			stop()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", s.Trust)
			w := cmd.OutOrStdout()
			if asJSON {
				return printJSON(w, s)
			}
			fmt.Fprintf(w, "setup done in %.1fs: %d questions, %d constraints, %d public inputs → %s\n",
				s.SetupSeconds, s.Key.Rows, s.Constraints, s.PublicInputs, out)
			fmt.Fprintf(w, "  vk %s\n", s.VKDigest)
			fmt.Fprintf(w, "next: the grader runs zkai grade ... --keys %s; you verify with --vk %s\n", out, filepath.Join(out, grade.VKFile))
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&commitment, "commitment", "", "the answer key's public commitment")
	fl.StringVarP(&out, "output", "o", "", "directory to write")
	fl.BoolVar(&asJSON, "json", false, "print settings.json's contents")
	return cmd
}

// verifyGrade is verify for a grade bundle: expectData (a key commitment
// file or its root) pins the key.
func verifyGrade(bundle, vk []byte, expectModel, expectData string) (*verdict, error) {
	if expectModel != "" {
		return nil, withHint(fmt.Errorf("--expect-model does not apply to a grade (it has no model)"), "pin the answer key with --expect-data C.json")
	}
	c, root, err := expectedData(expectData)
	if err != nil {
		return nil, err
	}
	r := grade.Verify(bundle, vk, grade.Expect{Key: c, KeyRoot: root})
	v := &verdict{valid: r.Valid, reason: r.Reason, result: r, insecure: r.Insecure, summary: func(w io.Writer) {
		fmt.Fprintf(w, "  statement %s, vk %s\n", r.Statement, r.VKDigest)
		fmt.Fprintf(w, "  score %d/%d (%.2f%%) against answer key %s\n", r.Public.Correct, r.Public.N, 100*r.Public.Score, r.Public.KeyRoot)
	}}
	if r.Valid && expectData == "" {
		v.warnings = append(v.warnings, "no --expect-data: the grade is valid against the key root in the bundle; pass the key commitment you trust to pin it")
	}
	return v, nil
}
