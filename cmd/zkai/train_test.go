package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	creditModel = "../../testdata/models/credit_logreg/model.onnx"
	creditData  = "../../testdata/models/credit_logreg/data.json"
	irisData    = "../../testdata/models/iris_logreg/data.json"
)

// TestTrainCLI trains the credit model, checks the report, and evaluates
// the trained ONNX with the saved settings: its fixed-point accuracy on the
// training rows is the one training reported for the last epoch, since the
// weights quantise back to the trained integers.
func TestTrainCLI(t *testing.T) {
	dir := t.TempDir()
	out, set := filepath.Join(dir, "trained.onnx"), filepath.Join(dir, "settings.json")
	code, stdout, errs := runCLI(t, "train", creditModel, "--data", creditData, "--epochs", "2", "--batch", "32", "--lr", "0.5",
		"-o", out, "--save-settings", set, "--json")
	if code != 0 {
		t.Fatalf("train: exit %d: %s", code, errs)
	}
	if errs != "" {
		t.Errorf("train wrote to stderr off a terminal: %q", errs)
	}
	var r trainReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("--json printed %q: %v", stdout, err)
	}
	if r.Loss != "bce" || r.LRFixed != 32768 || r.Rows != 1500 || r.StepsPerEpoch != 46 || len(r.Epochs) != 2 {
		t.Fatalf("report %+v", r)
	}
	last := r.Epochs[1]
	if math.Abs(last.FixedAccuracy-last.FloatAccuracy) > 0.01 || last.FixedAccuracy < 0.8 {
		t.Fatalf("last epoch: fixed %.4f, float %.4f", last.FixedAccuracy, last.FloatAccuracy)
	}
	code, stdout, errs = runCLI(t, "eval", out, "--data", creditData, "--split", "train", "--settings", set, "--json", "--quiet")
	if code != 0 {
		t.Fatalf("eval of the trained model: %d %s", code, errs)
	}
	var ev struct {
		Fixed float64 `json:"fixed_accuracy"`
	}
	if err := json.Unmarshal([]byte(stdout), &ev); err != nil || ev.Fixed != last.FixedAccuracy {
		t.Fatalf("eval fixed accuracy %v (%v); training reported %v", ev.Fixed, err, last.FixedAccuracy)
	}
	// text output: one line per epoch
	code, stdout, _ = runCLI(t, "train", creditModel, "--data", creditData, "--epochs", "2", "--lr", "0.5", "-o", out)
	if code != 0 || strings.Count(stdout, "\n") != 5 || !strings.Contains(stdout, "fixed acc") || !strings.Contains(stdout, "wrote "+out) {
		t.Fatalf("text output (exit %d):\n%s", code, stdout)
	}
}

// TestTrainOrder: the same seed writes the same model byte for byte;
// another seed, or a data commitment's root, another one.
func TestTrainOrder(t *testing.T) {
	dir := t.TempDir()
	trainTo := func(name string, extra ...string) []byte {
		t.Helper()
		p := filepath.Join(dir, name)
		args := append([]string{"train", irisModel, "--data", irisData, "--batch", "8", "--lr", "0.2", "-o", p}, extra...)
		if code, _, errs := runCLI(t, args...); code != 0 {
			t.Fatalf("train %v: %s", extra, errs)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	c, o := filepath.Join(dir, "c.json"), filepath.Join(dir, "o.json")
	if code, _, errs := runCLI(t, "commit", irisData, "--split", "train", "-o", c, "--opening", o); code != 0 {
		t.Fatal(errs)
	}
	a, b := trainTo("a.onnx", "--seed", "1"), trainTo("b.onnx", "--seed", "1")
	other, rooted := trainTo("c.onnx", "--seed", "2"), trainTo("d.onnx", "--seed", "1", "--data-commitment", c)
	if !bytes.Equal(a, b) {
		t.Fatal("the same seed wrote different models")
	}
	if bytes.Equal(a, other) || bytes.Equal(a, rooted) {
		t.Fatal("another seed or a data root wrote the same model")
	}
}

// TestTrainErrors: each bad call exits 1 with one error line and writes
// nothing.
func TestTrainErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.onnx")
	c, o := filepath.Join(dir, "c.json"), filepath.Join(dir, "o.json")
	if code, _, errs := runCLI(t, "commit", irisData, "-o", c, "--opening", o); code != 0 { // the test split
		t.Fatal(errs)
	}
	for _, b := range []struct {
		name string
		args []string
		want string
	}{
		{"no data", []string{"train", irisModel, "-o", out}, "--data is required"},
		{"no output", []string{"train", irisModel, "--data", irisData}, "-o is required"},
		{"conv", []string{"train", "../../testdata/models/digits_cnn/model.onnx", "--data", "../../testdata/models/digits_cnn/data.json", "-o", out}, "(Conv) has no backward rule"},
		{"loss", []string{"train", irisModel, "--data", irisData, "--loss", "hinge", "-o", out}, `loss "hinge"`},
		{"bce on three classes", []string{"train", irisModel, "--data", irisData, "--loss", "bce", "-o", out}, "binary cross-entropy needs one output"},
		{"batch", []string{"train", irisModel, "--data", irisData, "--batch", "1000", "-o", out}, "no batch of 1000"},
		{"learning rate", []string{"train", irisModel, "--data", irisData, "--lr", "-1", "-o", out}, "learning rate -1"},
		{"epochs", []string{"train", irisModel, "--data", irisData, "--epochs", "0", "-o", out}, "--epochs 0"},
		{"commitment of another split", []string{"train", irisModel, "--data", irisData, "--data-commitment", c, "-o", out}, "the data commitment has 45 rows"},
		{"weights outgrow", []string{"train", creditModel, "--data", creditData, "--lr", "5000", "--weight-headroom", "0", "-o", out}, "raise the weight headroom"},
	} {
		t.Run(b.name, func(t *testing.T) {
			code, _, errs := runCLI(t, b.args...)
			if code != 1 || !strings.Contains(errs, b.want) || !strings.HasPrefix(errs, "zkai: error:") {
				t.Fatalf("exit %d, stderr %q; want exit 1 and %q", code, errs, b.want)
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("a failed train wrote its output")
			}
		})
	}
}
