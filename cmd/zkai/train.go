package main

import (
	"fmt"
	"math/big"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/model/onnx"
	"github.com/zkai-dev/zkai/train"
)

// trainEpoch is one epoch's line of `zkai train`.
type trainEpoch struct {
	train.EpochStats
	FixedAccuracy float64 `json:"fixed_accuracy"`
	FloatAccuracy float64 `json:"float_accuracy"`
	Seconds       float64 `json:"seconds"`
}

// trainReport is what `zkai train --json` prints.
type trainReport struct {
	Model         string       `json:"model"`
	Output        string       `json:"output"`
	Loss          string       `json:"loss"`
	LR            float64      `json:"lr"`
	LRFixed       int64        `json:"lr_fixed"` // η = lr_fixed / 2^lr_scale
	LRScale       int          `json:"lr_scale"`
	GradScale     int          `json:"grad_scale"`
	Batch         int          `json:"batch"`
	Seed          uint64       `json:"seed"`
	DataRoot      string       `json:"data_root,omitempty"`
	Rows          int          `json:"rows"`
	StepsPerEpoch int          `json:"steps_per_epoch"`
	Epochs        []trainEpoch `json:"epochs"`
}

func newTrain() *cobra.Command {
	var (
		data, split, label, out, loss, commitment, saveSettings string
		epochs, batch, headroom                                 int
		lr                                                      float64
		seed                                                    uint64
		asJSON, quiet                                           bool
		sf                                                      settingsFlags
	)
	cmd := &cobra.Command{
		Use:   "train MODEL.onnx --data DATA --epochs E --batch B --lr η -o TRAINED.onnx",
		Short: "Fixed-point mini-batch SGD (the semantics a training proof checks), beside float64",
		Long: `train runs mini-batch SGD on the model's fixed-point program with exact integer
semantics (package train documents every rounding), and the same loop in
float64 as the reference, then writes TRAINED.onnx: the model with its weights
replaced by the fixed-point ones, dequantised exactly.

Models: Gemm/MatMul (+ bias), Relu, LeakyRelu, Sigmoid, Tanh, Flatten/Reshape,
ending in Softmax (loss ce), Sigmoid (bce) or logits (a Softmax or Sigmoid head
is added for training). --loss mse trains on 2(ŷ − y) instead.

Order: epoch e visits the rows in a permutation derived from --seed and the
root of --data-commitment (a zkai commit file of DATA; none: a zero root), in
n/B steps of B rows (the last n mod B rows of each order are skipped).

Weights keep the scale recorded in the settings, lowered by --weight-headroom
bits so that they can grow; compile the trained model with the settings saved
by --save-settings and it quantises to exactly the trained integers.`,
		Example: `  zkai train testdata/models/credit_logreg/model.onnx --data testdata/models/credit_logreg/data.json \
      --epochs 3 --batch 32 --lr 0.5 -o credit.trained.onnx --save-settings credit.settings.json
  zkai train digits.onnx --data digits.json --calibrate digits.json --loss ce --seed 7 -o out.onnx --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case data == "":
				return withHint(fmt.Errorf("--data is required"), "give a labelled training set: --data DATA")
			case out == "":
				return withHint(fmt.Errorf("-o is required"), "name the trained model: -o TRAINED.onnx")
			case epochs < 1:
				return withHint(fmt.Errorf("--epochs %d", epochs), "train at least one epoch")
			}
			set, err := dataset.Load(data, dataset.Options{Split: splitFor(data, split), Label: label, RequireLabels: true})
			if err != nil {
				return err
			}
			var root *big.Int
			if commitment != "" {
				c, err := datacommit.ReadCommitment(commitment)
				if err != nil {
					return err
				}
				if c.Rows != set.Len() {
					return withHint(fmt.Errorf("the data commitment has %d rows; DATA has %d", c.Rows, set.Len()), "give the commitment of this data set and split (zkai commit)")
				}
				if root, err = c.RootInt(); err != nil {
					return err
				}
			}
			m, err := sf.open(args[0], nil)
			if err != nil {
				return err
			}
			tr, err := train.New(m.Graph, m.Settings, train.Config{Loss: train.Loss(loss), LR: lr, Batch: batch, Headroom: headroom})
			if err != nil {
				return err
			}
			d, err := tr.Prepare(set)
			if err != nil {
				return err
			}
			if d.Len() < batch {
				return withHint(fmt.Errorf("%d rows make no batch of %d", d.Len(), batch), "lower --batch")
			}
			orig, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			r := &trainReport{Model: args[0], Output: out, Loss: string(tr.Loss()), LR: lr, LRFixed: tr.LR(), LRScale: train.LRScale,
				GradScale: tr.GradScale(), Batch: batch, Seed: seed, Rows: d.Len(), StepsPerEpoch: d.Len() / batch}
			if root != nil {
				r.DataRoot = root.String()
			}
			w := cmd.OutOrStdout()
			if !asJSON {
				fmt.Fprintf(w, "training  %s: loss %s, %d rows, batch %d (%d steps per epoch), lr %g (%d/2^%d), seed %d\n",
					args[0], r.Loss, r.Rows, batch, r.StepsPerEpoch, lr, r.LRFixed, r.LRScale, seed)
				fmt.Fprintf(w, "%-6s %-11s %-11s %-10s %-10s %s\n", "epoch", "fixed loss", "float loss", "fixed acc", "float acc", "time")
			}
			for e := range epochs {
				start := time.Now()
				st, err := tr.Epoch(d, e, seed, root, trainProgress(cmd, quiet, e, r.StepsPerEpoch))
				if err != nil {
					return err
				}
				fixed, float, err := tr.Accuracy(d)
				if err != nil {
					return err
				}
				ep := trainEpoch{EpochStats: *st, FixedAccuracy: fixed, FloatAccuracy: float, Seconds: time.Since(start).Seconds()}
				r.Epochs = append(r.Epochs, ep)
				if !asJSON {
					fmt.Fprintf(w, "%-6d %-11.4f %-11.4f %-10.4f %-10.4f %.2fs\n", ep.Epoch, ep.FixedLoss, ep.FloatLoss, fixed, float, ep.Seconds)
				}
			}
			b, err := onnx.ReplaceInitializers(orig, tr.Weights())
			if err != nil {
				return err
			}
			if saveSettings != "" {
				sb, err := tr.Settings().Marshal()
				if err != nil {
					return err
				}
				if err := writeFile(saveSettings, append(sb, '\n')); err != nil {
					return err
				}
			}
			if err := writeFile(out, b); err != nil {
				return err
			}
			if asJSON {
				return printJSON(w, r)
			}
			fmt.Fprintf(w, "wrote %s\n", out)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&data, "data", "", "labelled training set (JSON or CSV, as zkai eval reads)")
	fl.StringVar(&split, "split", "train", "split of a fixtures data.json: train or test")
	fl.StringVar(&label, "label", "", "CSV label column (default: the last)")
	fl.StringVarP(&out, "out", "o", "", "write the trained model to this ONNX file")
	fl.IntVar(&epochs, "epochs", 1, "passes over the data")
	fl.IntVar(&batch, "batch", 32, "rows per SGD step")
	fl.Float64Var(&lr, "lr", 0.1, "learning rate η (carried as round(η·2^16)/2^16)")
	fl.StringVar(&loss, "loss", "", "ce, bce or mse (default: ce after Softmax or with several outputs, bce otherwise)")
	fl.Uint64Var(&seed, "seed", 0, "public seed of the data order")
	fl.StringVar(&commitment, "data-commitment", "", "zkai commit file of DATA: its root joins the seed in the data order")
	fl.IntVar(&headroom, "weight-headroom", 2, "bits by which weights may outgrow the largest initial one")
	fl.StringVar(&saveSettings, "save-settings", "", "write the training settings to FILE (compile the trained model with --settings FILE)")
	fl.BoolVar(&asJSON, "json", false, `print one JSON object: {"loss", "lr_fixed", "epochs": [{"fixed_loss", "fixed_accuracy", …}], …}`)
	fl.BoolVar(&quiet, "quiet", false, "no progress bar")
	sf.register(cmd, false)
	return cmd
}

// trainProgress is a per-epoch progress bar on a terminal, nil otherwise.
func trainProgress(cmd *cobra.Command, quiet bool, epoch, steps int) func(step, steps int) {
	f, ok := cmd.ErrOrStderr().(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	bar := progressbar.NewOptions(steps, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(fmt.Sprintf("epoch %d", epoch+1)),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	return func(step, _ int) {
		_ = bar.Set(step)
		if step == steps {
			_ = bar.Finish()
		}
	}
}
