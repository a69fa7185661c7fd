package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smallSet writes the first n test rows of a fixture's data.json as
// {"x", "y"}, with edit (when not nil) applied to the rows and labels.
func smallSet(t *testing.T, fixture string, n int, edit func(x [][]float64, y []float64) ([][]float64, []float64)) string {
	t.Helper()
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Test struct {
			X [][]float64 `json:"x"`
			Y []float64   `json:"y"`
		} `json:"test"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	x, y := d.Test.X[:n], d.Test.Y[:n]
	if edit != nil {
		x, y = edit(x, y)
	}
	out, _ := json.Marshal(map[string]any{"x": x, "y": y})
	return writeTemp(t, "data.json", out)
}

// TestEvaluationCLI: commit → compile --statement evaluation → setup →
// prove-eval → verify on 16 digits rows, then bad input.
func TestEvaluationCLI(t *testing.T) {
	dir := t.TempDir()
	data := smallSet(t, mlpData, 16, nil)
	c, o, ev := filepath.Join(dir, "c.json"), filepath.Join(dir, "o.json"), filepath.Join(dir, "ev")
	eval := filepath.Join(dir, "eval.json")
	steps := [][]string{
		{"commit", data, "-o", c, "--opening", o, "--rows-per-leaf", "8"},
		{"compile", mlp, "-o", ev, "--statement", "evaluation", "--data-commitment", c, "--weights", "public"},
		{"setup", ev},
		{"prove-eval", ev, "--data", data, "--opening", o, "-o", eval},
	}
	for _, s := range steps {
		if code, _, errs := runCLI(t, s...); code != 0 {
			t.Fatalf("%v: exit %d: %s", s, code, errs)
		}
	}
	code, out, _ := runCLI(t, "verify", eval, "--vk", filepath.Join(ev, "vk"), "--expect-data", c, "--json")
	var r struct {
		Valid  bool
		Public struct {
			N        int
			Accuracy float64
		}
	}
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || !r.Valid || r.Public.N != 16 {
		t.Fatalf("verify: exit %d: %s", code, out)
	}
	code, out, _ = runCLI(t, "eval", mlp, "--data", data, "--settings", filepath.Join(ev, "settings.json"), "--json")
	var e struct {
		FixedAccuracy float64 `json:"fixed_accuracy"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &e) != nil || e.FixedAccuracy != r.Public.Accuracy {
		t.Fatalf("proved accuracy %v; zkai eval --settings says %s", r.Public.Accuracy, out)
	}

	// another data set's commitment is refused by --expect-data
	c2, o2 := filepath.Join(dir, "c2.json"), filepath.Join(dir, "o2.json")
	if code, _, errs := runCLI(t, "commit", data, "-o", c2, "--opening", o2, "--rows-per-leaf", "8"); code != 0 {
		t.Fatal(errs)
	}
	if code, out, _ := runCLI(t, "verify", eval, "--vk", filepath.Join(ev, "vk"), "--expect-data", c2); code != 1 || !strings.HasPrefix(out, "invalid") {
		t.Fatalf("another data set accepted: %d %s", code, out)
	}

	key := writeTemp(t, "key.json", []byte(`{"y": [1, 2, 3]}`))
	kc, ko := filepath.Join(dir, "kc.json"), filepath.Join(dir, "ko.json")
	if code, _, errs := runCLI(t, "commit", key, "-o", kc, "--opening", ko); code != 0 {
		t.Fatal(errs)
	}
	bad := []struct {
		name string
		args []string
		want string
	}{
		{"no data commitment", []string{"compile", mlp, "-o", filepath.Join(dir, "x"), "--statement", "evaluation"}, "--data-commitment"},
		{"unknown statement", []string{"compile", mlp, "-o", filepath.Join(dir, "x"), "--statement", "nonsense"}, "is not a statement zkai knows"},
		{"no model", []string{"compile", "-o", filepath.Join(dir, "x"), "--statement", "evaluation"}, "give MODEL.onnx"},
		{"answer key", []string{"compile", mlp, "-o", filepath.Join(dir, "x"), "--statement", "evaluation", "--data-commitment", kc}, "answer key"},
		{"mse of a classifier", []string{"compile", mlp, "-o", filepath.Join(dir, "x"), "--statement", "evaluation", "--data-commitment", c, "--metric", "mse"}, "mse needs a model with one output value"},
		{"unknown metric", []string{"compile", mlp, "-o", filepath.Join(dir, "x"), "--statement", "evaluation", "--data-commitment", c, "--metric", "auc"}, "not supported"},
		{"threshold above 1", []string{"compile", mlp, "-o", filepath.Join(dir, "x"), "--statement", "evaluation", "--data-commitment", c, "--at-least", "1.5"}, "[0, 1]"},
		{"ragged rows", []string{"prove-eval", ev, "--data", writeTemp(t, "r.json", []byte(`{"x": [[1, 2], [3]], "y": [0, 1]}`)), "--opening", o, "-o", eval}, "same length"},
		{"schema mismatch", []string{"prove-eval", ev, "--data", smallSet(t, mlpData, 16, func(x [][]float64, y []float64) ([][]float64, []float64) {
			for i := range x {
				x[i] = x[i][:63]
			}
			return x, y
		}), "--opening", o, "-o", eval}, "63 features"},
		{"a label changed", []string{"prove-eval", ev, "--data", smallSet(t, mlpData, 16, func(x [][]float64, y []float64) ([][]float64, []float64) {
			y[5] = float64((int(y[5]) + 1) % 10)
			return x, y
		}), "--opening", o, "-o", eval}, "not the committed data set"},
		{"opening of another set", []string{"prove-eval", ev, "--data", data, "--opening", o2, "-o", eval}, "another data set"},
		{"not an evaluation dir", []string{"prove-eval", dir, "--data", data, "--opening", o, "-o", eval}, "settings.json"},
		{"no opening", []string{"prove-eval", ev, "--data", data, "-o", eval}, "--opening is required"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			code, _, errs := runCLI(t, b.args...)
			if code != 1 || !strings.Contains(errs, b.want) || strings.Contains(errs, "goroutine") {
				t.Fatalf("exit %d, stderr %q; want exit 1 and %q", code, errs, b.want)
			}
		})
	}
}

// TestEvaluationLabelsOutOfRange: a committed label the model cannot
// predict is refused before proving.
func TestEvaluationLabelsOutOfRange(t *testing.T) {
	dir := t.TempDir()
	data := smallSet(t, mlpData, 8, func(x [][]float64, y []float64) ([][]float64, []float64) { y[2] = 12; return x, y })
	c, o, ev := filepath.Join(dir, "c.json"), filepath.Join(dir, "o.json"), filepath.Join(dir, "ev")
	for _, s := range [][]string{
		{"commit", data, "-o", c, "--opening", o},
		{"compile", mlp, "-o", ev, "--statement", "evaluation", "--data-commitment", c, "--weights", "public"},
		{"setup", ev},
	} {
		if code, _, errs := runCLI(t, s...); code != 0 {
			t.Fatalf("%v: %s", s, errs)
		}
	}
	code, _, errs := runCLI(t, "prove-eval", ev, "--data", data, "--opening", o, "-o", filepath.Join(dir, "e.json"))
	if code != 1 || !strings.Contains(errs, "y[2] = 12 is out of range") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// TestBenchJSON: zkai bench prints one JSON performance record, for
// inference and, with --data, for the evaluation statement.
func TestBenchJSON(t *testing.T) {
	const iris = "../../testdata/models/iris_logreg"
	for _, tc := range []struct {
		args      []string
		statement string
		rows      int
	}{
		{[]string{"bench", iris + "/model.onnx", "--weights", "public", "--json"}, "inference", 0},
		{[]string{"bench", iris + "/model.onnx", "--weights", "public", "--data", iris + "/data.json", "--rows", "10", "--batch", "8", "--json"}, "evaluation", 10},
	} {
		code, out, errs := runCLI(t, tc.args...)
		var r struct {
			Statement   string  `json:"statement"`
			Rows        int     `json:"rows"`
			Shards      int     `json:"shards"`
			Constraints int     `json:"constraints"`
			ProveS      float64 `json:"prove_s"`
			ProofBytes  int     `json:"proof_bytes"`
		}
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("%v: exit %d: %s %s", tc.args, code, out, errs)
		}
		if r.Statement != tc.statement || r.Rows != tc.rows || r.Constraints == 0 || r.ProveS <= 0 || r.ProofBytes == 0 {
			t.Fatalf("%v: %+v", tc.args, r)
		}
	}
	if code, _, errs := runCLI(t, "bench", iris+"/model.onnx", "--data", iris+"/data.json", "--rows", "1000"); code != 1 || !strings.Contains(errs, "the data set has 45 rows") {
		t.Fatalf("--rows beyond the set: %d %s", code, errs)
	}
}
