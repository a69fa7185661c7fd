package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/internal/atomicfile"
)

func newCommit() *cobra.Command {
	var (
		out, opening, commitment, split, label string
		scale, labelScale, perLeaf             int
		verify, asJSON                         bool
	)
	cmd := &cobra.Command{
		Use:   "commit DATA -o COMMITMENT.json --opening OPENING.json",
		Short: "Commit a labelled data set or an answer key (public root, secret opening)",
		Long: `commit fixes a data set before anyone proves anything about it: it writes a
public commitment (the zkai-data/1 root, the row count, the column names, the
fixed-point scale and lane widths — no data) and a secret opening (one random
salt per leaf of rows). With the data, the opening re-derives the root; without
it the commitment reveals nothing about the rows.

DATA is what zkai eval takes — {"x": [[...], ...], "y": [...]}, the fixtures'
data.json (--split), CSV with a label column (--label) — or an answer key
{"y": [answer, ...]} (labels only; see zkai grade).

Features are stored as round(x·2^scale). The default scale is the smallest
0..16 at which every value is exact (so nothing is rounded), else 16. Labels
get their own scale by the same rule: 0 for class indices, more for
regression targets (zkai compile --metric mse). Rows are
grouped into leaves of at most 256 rows (--rows-per-leaf); each leaf is hashed
as a whole inside proofs.

Trust: an evaluation on a committed set means something only if the set was
committed by someone the verifier trusts to have chosen it (an auditor, a
grader) before the model was evaluated; record both in the ledger.

--verify re-derives the root from DATA and --opening and compares it with
--commitment: exit 0 when they match, 1 (naming what differs) otherwise.`,
		Example: `  zkai commit testdata/models/digits_mlp/data.json -o digits.commitment.json --opening digits.opening.json
  zkai commit KEY.json -o key.commitment.json --opening key.opening.json
  zkai commit --verify data.csv --label class --opening o.json --commitment c.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opening == "" {
				return withHint(fmt.Errorf("--opening is required"), "name the secret opening file: --opening OPENING.json")
			}
			set, key, err := loadCommittable(args[0], split, label)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if verify {
				if commitment == "" {
					return withHint(fmt.Errorf("--verify needs --commitment"), "give the public commitment: --commitment COMMITMENT.json")
				}
				c, o, err := datacommit.ReadPair(commitment, opening)
				if err != nil {
					return err
				}
				if _, _, err := datacommit.Match(c, o, set, key); err != nil {
					if asJSON {
						_ = printJSON(w, map[string]any{"match": false, "reason": err.Error()})
					} else {
						fmt.Fprintf(w, "mismatch: %v\n", err)
					}
					return errInvalid
				}
				if asJSON {
					return printJSON(w, map[string]any{"match": true, "root": c.Root, "rows": c.Rows})
				}
				fmt.Fprintf(w, "match: %d rows, root %s\n", c.Rows, c.Root)
				return nil
			}
			if out == "" {
				return withHint(fmt.Errorf("-o is required"), "name the public commitment file: -o COMMITMENT.json")
			}
			opt := datacommit.Options{Scale: scale, LabelScale: labelScale, RowsPerLeaf: perLeaf}
			var d *datacommit.Data
			name := ""
			if set != nil {
				d, err = datacommit.FromSet(set, opt)
				name = set.Name
			} else {
				d, err = datacommit.FromLabels(key, opt)
			}
			if err != nil {
				return err
			}
			c, o, err := datacommit.New(d, name)
			if err != nil {
				return err
			}
			cb, _ := json.MarshalIndent(c, "", "  ")
			ob, _ := json.MarshalIndent(o, "", "  ")
			if err := writeFile(out, append(cb, '\n')); err != nil {
				return err
			}
			if err := atomicfile.Write(opening, append(ob, '\n'), 0o600); err != nil {
				return fmt.Errorf("cannot write %s: %w", opening, err)
			}
			if asJSON {
				return printJSON(w, c)
			}
			kind := fmt.Sprintf("%d features at scale 2^%d (%d-bit lanes)", len(c.Columns), c.Scale, c.FeatureBits)
			if len(c.Columns) == 0 {
				kind = "answer key"
			}
			fmt.Fprintf(w, "committed %d rows, %s, %d-bit labels, %d leaves of %d rows\n", c.Rows, kind, c.LabelBits, d.Shape.Leaves(), c.RowsPerLeaf)
			fmt.Fprintf(w, "root %s\n", c.Root)
			fmt.Fprintf(w, "wrote %s (public) and %s (secret: keep it with the data)\n", out, opening)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&out, "output", "o", "", "public commitment file to write")
	fl.StringVar(&opening, "opening", "", "secret opening file (written; read with --verify)")
	fl.StringVar(&commitment, "commitment", "", "with --verify: the commitment to check against")
	fl.BoolVar(&verify, "verify", false, "check DATA + --opening against --commitment instead of committing")
	fl.StringVar(&split, "split", "test", "split of a fixtures data.json: test or train")
	fl.StringVar(&label, "label", "", "CSV label column (default: the last)")
	fl.IntVar(&scale, "scale", -1, "fractional bits of the features (default: smallest exact 0..16, else 16)")
	fl.IntVar(&labelScale, "label-scale", -1, "fractional bits of the labels (default: 0 for integer labels such as classes, else as --scale)")
	fl.IntVar(&perLeaf, "rows-per-leaf", 0, "rows per leaf (default: at most 256, leaves as even as possible)")
	fl.BoolVar(&asJSON, "json", false, "print the commitment (or the --verify verdict) as JSON")
	return cmd
}

// loadCommittable reads a data set, or an answer key {"y": [...]} (a JSON
// object with "y" and neither "x" nor splits).
func loadCommittable(path, split, label string) (*dataset.Set, []int, error) {
	if b, err := os.ReadFile(path); err == nil {
		var top map[string]json.RawMessage
		if json.Unmarshal(b, &top) == nil && top["y"] != nil && top["x"] == nil {
			key, err := dataset.LoadLabels(path, "y")
			return nil, key, err
		}
	}
	set, err := dataset.Load(path, dataset.Options{Split: splitFor(path, split), Label: label, RequireLabels: true})
	return set, nil, err
}
