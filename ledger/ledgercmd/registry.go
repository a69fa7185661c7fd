package ledgercmd

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/ledger"
	"github.com/zkai-dev/zkai/ledger/registry"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/inference"
)

const hintLedgerFlag = "name the log directory: --ledger LOGDIR (create one with 'zkai ledger init LOGDIR --key KEYFILE')"

// Registry returns "zkai registry" and its subcommands.
func Registry() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Model registry and lineage, kept in a ledger",
		Long: `The registry records model versions in a ledger (see 'zkai ledger'). A
model's identity is its weight commitment (model.commitment.json from
'zkai compile' with private weights) or, for public weights, the sha256 of
its verifying key; the vk digests of its circuits are recorded beside it.

  zkai registry add mnist --ledger LOG --key log.key --model-commitment mnist/model.commitment.json --vk mnist/vk
  zkai registry record-proof proof.json --ledger LOG --key log.key
  zkai registry show mnist --ledger LOG
  zkai verify proof.json --vk mnist/vk --ledger LOG --log-key "$(cat log.pub)"

verify --ledger then requires the proof's model to be a registered version
under a checkpoint signed by the trusted log key, and prints the lineage:
data sets, model versions and proofs that reference each other, in log order.`,
	}
	cmd.AddCommand(registryAddCmd(), addDatasetCmd(), registryShowCmd(), recordProofCmd())
	return cmd
}

// openRegistry opens the registry of --ledger, read-only or, to write,
// with the log key (--key); a writer gets the submitter's key that signs
// new entries (--submitter-key, default the log key).
func openRegistry(warn io.Writer, dir string, write bool, keyPath, subPath string) (*registry.Registry, *ledger.Key, error) {
	if dir == "" {
		return nil, nil, hint(errors.New("--ledger is required"), hintLedgerFlag)
	}
	var key, sub *ledger.Key
	if write {
		var err error
		if key, err = readKey(warn, keyPath); err != nil {
			return nil, nil, err
		}
		sub = key
		if subPath != "" {
			if sub, err = readKey(warn, subPath); err != nil {
				return nil, nil, err
			}
		}
	}
	if _, err := openLog(dir, key); err != nil {
		return nil, nil, err
	}
	r, err := registry.Open(dir, key)
	if err != nil {
		return nil, nil, hint(err, "run 'zkai ledger audit "+dir+"'")
	}
	return r, sub, nil
}

// maxCommitmentFile bounds model.commitment.json, a few short fields.
const maxCommitmentFile = 64 << 10

// readModelCommitment reads model.commitment.json as 'zkai compile' writes it.
func readModelCommitment(path string) (string, error) {
	b, _, err := readFileMax(path, maxCommitmentFile, "a model.commitment.json")
	if err != nil {
		return "", hint(err, "give the model.commitment.json that 'zkai compile --weights private' wrote")
	}
	var mc inference.ModelCommitment
	if err := json.Unmarshal(b, &mc); err != nil || mc.Format != "zkai-model-commitment/1" || mc.Commitment == "" {
		return "", hint(fmt.Errorf("%s is not a model.commitment.json (zkai-model-commitment/1)", path), "give the model.commitment.json that 'zkai compile --weights private' wrote")
	}
	return mc.Commitment, nil
}

// vkDigest is the "sha256:<hex>" of a verifying key file, as bundles carry it.
func vkDigest(path string) (string, error) {
	b, _, err := readFileMax(path, proof.MaxVKBytes, "a verifying key")
	if err != nil {
		return "", hint(err, "give the verifying key written by 'zkai setup' (DIR/vk)")
	}
	return proof.Digest(b), nil
}

func registryAddCmd() *cobra.Command {
	var logDir, keyPath, subPath, commitPath, vkPath string
	var m ledger.Model
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add NAME --ledger LOGDIR --key KEYFILE (--model-commitment FILE | --vk VK) [--version V] [--parent V]",
		Short: "Register a model version; returns once a checkpoint covers it",
		Long: `add records a version of model NAME: its weight commitment (--model-commitment,
the model.commitment.json of 'zkai compile') and/or the digest of a verifying
key (--vk; for public weights it is the model's identity). --version defaults
to the next integer; a version is registered once per name, and --parent
must be a registered version. --dataset names the commitment of a data set
the version was trained on (repeatable): the data set → model edge of its
lineage.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m.Name = args[0]
			var err error
			if commitPath == "" && vkPath == "" {
				return hint(errors.New("give --model-commitment and/or --vk"), "a model is identified by its weight commitment (private weights) or its verifying key (public weights)")
			}
			if commitPath != "" {
				if m.WeightCommitment, err = readModelCommitment(commitPath); err != nil {
					return err
				}
			}
			if vkPath != "" {
				if m.VKDigest, err = vkDigest(vkPath); err != nil {
					return err
				}
			}
			r, sub, err := openRegistry(cmd.ErrOrStderr(), logDir, true, keyPath, subPath)
			if err != nil {
				return err
			}
			defer r.Close()
			i, added, cp, err := r.Add(m, sub, time.Now())
			if err != nil {
				return hint(err, "'zkai registry show "+m.Name+" --ledger "+logDir+"' lists the registered versions")
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"index": i, "model": added, "tree_size": cp.Size, "checkpoint": string(cp.Note)})
			}
			fmt.Fprintf(cmd.OutOrStdout(), "registered %s version %s (entry %d, tree size %d)\n", added.Name, added.Version, i, cp.Size)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&logDir, "ledger", "", "the log directory")
	fl.StringVar(&keyPath, "key", "", "the log's signer key file")
	fl.StringVar(&subPath, "submitter-key", "", "the submitter's key file, signing the entry (default: --key)")
	fl.StringVar(&commitPath, "model-commitment", "", "model.commitment.json (from zkai compile)")
	fl.StringVar(&vkPath, "vk", "", "a verifying key of the model's circuit (its sha256 is recorded)")
	fl.StringVar(&m.Version, "version", "", "version (default: the next integer)")
	fl.StringVar(&m.Parent, "parent", "", "the registered version this one derives from")
	fl.StringArrayVar(&m.Datasets, "dataset", nil, "commitment of a data set the version was trained on (repeatable)")
	fl.BoolVar(&asJSON, "json", false, `print {"index", "model", "tree_size", "checkpoint"}`)
	return cmd
}

func registryShowCmd() *cobra.Command {
	var logDir string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show NAME --ledger LOGDIR",
		Short: "List the registered versions of a model",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, _, err := openRegistry(cmd.ErrOrStderr(), logDir, false, "", "")
			if err != nil {
				return err
			}
			defer r.Close()
			cp, err := r.Sync()
			if err != nil {
				return hint(err, "run 'zkai ledger audit "+logDir+"'")
			}
			vs, err := r.Versions(args[0], cp.Size)
			if err != nil {
				return hint(err, "run 'zkai ledger audit "+logDir+"'")
			}
			type shown struct {
				Index     int64         `json:"index"`
				Time      string        `json:"time"`
				Submitter string        `json:"submitter"`
				Model     *ledger.Model `json:"model"`
			}
			list := []shown{}
			for _, v := range vs {
				list = append(list, shown{v.Index, v.Entry.Time, v.Entry.Submitter, v.Entry.Value.(*ledger.Model)})
			}
			w := cmd.OutOrStdout()
			if asJSON {
				return printJSON(w, map[string]any{"name": args[0], "tree_size": cp.Size, "versions": list})
			}
			if len(list) == 0 {
				return hint(fmt.Errorf("no version of %s is registered in %s", args[0], logDir), "register one with 'zkai registry add "+args[0]+" --ledger "+logDir+" --key KEYFILE --model-commitment FILE'")
			}
			for _, v := range list {
				fmt.Fprintf(w, "%s version %s\tentry %d\t%s\tby %s\n", v.Model.Name, v.Model.Version, v.Index, v.Time, strings.SplitN(v.Submitter, "+", 2)[0])
				if v.Model.Parent != "" {
					fmt.Fprintf(w, "  parent %s\n", v.Model.Parent)
				}
				if v.Model.WeightCommitment != "" {
					fmt.Fprintf(w, "  weight commitment %s\n", v.Model.WeightCommitment)
				}
				if v.Model.VKDigest != "" {
					fmt.Fprintf(w, "  vk %s\n", v.Model.VKDigest)
				}
				for _, d := range v.Model.Datasets {
					fmt.Fprintf(w, "  trained on %s\n", d)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&logDir, "ledger", "", "the log directory")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"name", "tree_size", "versions": [{"index", "time", "submitter", "model"}]}`)
	return cmd
}

func addDatasetCmd() *cobra.Command {
	var logDir, keyPath, subPath, name string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add-dataset COMMITMENT.json --ledger LOGDIR --key KEYFILE",
		Short: "Record a data-set (or answer-key) commitment; returns once a checkpoint covers it",
		Long: `add-dataset logs the public commitment written by 'zkai commit': its root, row
count and schema (column names, scale, lane widths) — never data. Record a
data set before any evaluation on it: verify --ledger flags a data set logged
after the evaluation that uses it. A commitment is recorded once.`,
		Example: `  zkai commit data.json -o digits.c.json --opening digits.o.json
  zkai registry add-dataset digits.c.json --ledger LOG --key auditor.key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := datacommit.ReadCommitment(args[0])
			if err != nil {
				return hint(err, "give the public commitment written by 'zkai commit -o'")
			}
			schema, err := json.Marshal(map[string]any{"construction": c.Construction, "columns": c.Columns, "label": c.Label,
				"scale": c.Scale, "feature_bits": c.FeatureBits, "label_bits": c.LabelBits, "rows_per_leaf": c.RowsPerLeaf})
			if err != nil {
				return err
			}
			d := ledger.Dataset{Name: cmp.Or(name, c.Name), Commitment: c.Root, Rows: int64(c.Rows), Schema: schema}
			r, sub, err := openRegistry(cmd.ErrOrStderr(), logDir, true, keyPath, subPath)
			if err != nil {
				return err
			}
			defer r.Close()
			i, cp, err := r.AddDataset(d, sub, time.Now())
			existed := errors.Is(err, registry.ErrExists)
			if err != nil && !existed {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"index": i, "already_recorded": existed, "dataset": d, "tree_size": cp.Size})
			}
			verb := "recorded"
			if existed {
				verb = "already recorded"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s data set %s (%d rows) as entry %d\n", verb, d.Commitment, d.Rows, i)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&logDir, "ledger", "", "the log directory")
	fl.StringVar(&keyPath, "key", "", "the log's signer key file")
	fl.StringVar(&subPath, "submitter-key", "", "the submitter's key file, signing the entry (default: --key)")
	fl.StringVar(&name, "name", "", "a name for the data set (default: the commitment's)")
	fl.BoolVar(&asJSON, "json", false, `print {"index", "already_recorded", "dataset", "tree_size"}`)
	return cmd
}

func recordProofCmd() *cobra.Command {
	var logDir, keyPath, subPath string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "record-proof PROOF.json --ledger LOGDIR --key KEYFILE",
		Short: "Record an issued proof (bundle or evaluation file) by its identity (vk digest, public-input digest)",
		Long: `record-proof logs a proof record of a bundle: its vk digest and the digest of
its public values (its identity: Groth16 proofs can be re-randomised, so the
proof bytes are none), the bundle's sha256, its statement and public values,
and the model and data sets it refers to (public.model.commitment, else the vk
digest; public.data_root). A proof already recorded is not recorded twice.
It does not verify the proof: run 'zkai verify' for that.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, _, err := readFileMax(args[0], proof.MaxBundleBytes, "a proof bundle")
			if err != nil {
				return hint(err, "give the bundle written by 'zkai prove'")
			}
			r, sub, err := openRegistry(cmd.ErrOrStderr(), logDir, true, keyPath, subPath)
			if err != nil {
				return err
			}
			defer r.Close()
			i, rec, cp, err := r.RecordProof(b, sub, time.Now())
			existed := errors.Is(err, registry.ErrExists)
			if err != nil && !existed {
				return hint(err, "give the bundle written by 'zkai prove'")
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), map[string]any{"index": i, "already_recorded": existed, "record": rec, "tree_size": cp.Size})
			}
			verb := "recorded"
			if existed {
				verb = "already recorded"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s proof as entry %d (model %s)\n", verb, rec.Statement, i, rec.Model)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&logDir, "ledger", "", "the log directory")
	fl.StringVar(&keyPath, "key", "", "the log's signer key file")
	fl.StringVar(&subPath, "submitter-key", "", "the submitter's key file, signing the entry (default: --key)")
	fl.BoolVar(&asJSON, "json", false, `print {"index", "already_recorded", "record", "tree_size"}`)
	return cmd
}
