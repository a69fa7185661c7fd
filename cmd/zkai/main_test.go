package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/statement/inference"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// writeTemp writes a file in the test's temp dir and returns its path.
func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const (
	mlp      = "../../testdata/models/digits_mlp/model.onnx"
	mlpInput = "../../testdata/models/digits_mlp/input.json"
)

// TestBadInput: every bad input gives one "zkai: error:" line (plus an
// optional hint), exit code 1, and no Go stack trace.
func TestBadInput(t *testing.T) {
	model, err := os.ReadFile(mlp)
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i*i)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing model", []string{"run", "nope.onnx", "--input", mlpInput}, "does not exist"},
		{"missing input", []string{"run", mlp, "--input", "nope.json"}, "does not exist"},
		{"no input flag", []string{"run", mlp}, "--input is required"},
		{"random bytes", []string{"run", writeTemp(t, "r.onnx", random), "--input", mlpInput}, "onnx"},
		{"truncated model", []string{"run", writeTemp(t, "t.onnx", model[:len(model)/2]), "--input", mlpInput}, "onnx"},
		{"empty model", []string{"inspect", writeTemp(t, "e.onnx", nil)}, "not an ONNX model"},
		{"wrong length", []string{"run", mlp, "--input", writeTemp(t, "i.json", []byte(`{"input_data": [[1, 2, 3]]}`))}, "needs 64"},
		{"NaN string", []string{"run", mlp, "--input", writeTemp(t, "n.json", []byte(`{"input_data": [["NaN"]]}`))}, "NaN"},
		{"bare NaN", []string{"run", mlp, "--input", writeTemp(t, "b.json", []byte(`{"input_data": [[NaN]]}`))}, "input"},
		{"huge value", []string{"run", mlp, "--input", writeTemp(t, "h.json", []byte(`{"input_data": [[1e300`+strings.Repeat(",0", 63)+`]]}`))}, "range"},
		{"too many inputs", []string{"run", mlp, "--input", writeTemp(t, "m.json", []byte(`{"input_data": [[0], [0]]}`))}, "inputs"},
		{"not json", []string{"run", mlp, "--input", writeTemp(t, "x.json", []byte(`hello`))}, "input"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"unknown flag", []string{"run", "--frob"}, "unknown flag"},
		{"bad settings", []string{"run", mlp, "--input", mlpInput, "--settings", writeTemp(t, "s.json", []byte(`{"format": "zkai-settings/9"}`))}, "settings format"},
		{"two settings sources", []string{"run", mlp, "--input", mlpInput, "--scale", "8", "--settings", "x.json"}, "choose one"},
		{"eval without labels", []string{"eval", mlp, "--data", writeTemp(t, "d.json", []byte(`{"x": [[1]]}`)), "--quiet"}, "label"},
		{"eval ragged data", []string{"eval", mlp, "--data", writeTemp(t, "d2.json", []byte(`{"x": [[1], [1, 2]], "y": [0, 1]}`)), "--quiet"}, "dataset"},
		{"model is a directory", []string{"inspect", t.TempDir()}, "directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			if code != 1 {
				t.Fatalf("exit code %d; want 1 (stderr %q)", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if !strings.HasPrefix(lines[0], "zkai: error: ") || len(lines) > 2 || (len(lines) == 2 && !strings.HasPrefix(lines[1], "hint: ")) {
				t.Fatalf("stderr is not one error line plus an optional hint:\n%s", stderr)
			}
			if !strings.Contains(lines[0], c.want) {
				t.Fatalf("error %q does not mention %q", lines[0], c.want)
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Fatalf("stack trace printed:\n%s", stderr)
			}
		})
	}
}

func TestRunJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "run", mlp, "--input", mlpInput, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r map[string]json.RawMessage
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
	}
	for _, k := range []string{"outputs", "float_outputs", "max_abs_error", "output_data"} {
		if r[k] == nil {
			t.Errorf("missing key %q", k)
		}
	}
	if len(r) != 4 {
		t.Errorf("keys %v; want exactly outputs, float_outputs, max_abs_error, output_data (the fixture has output_data)", r)
	}
	type output struct {
		Name  string    `json:"name"`
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	}
	var outs, floats []output
	if err := json.Unmarshal(r["outputs"], &outs); err != nil || len(outs) != 1 || outs[0].Name != "output" || len(outs[0].Data) != 10 {
		t.Fatalf("outputs = %s (%v)", r["outputs"], err)
	}
	if err := json.Unmarshal(r["float_outputs"], &floats); err != nil || len(floats) != 1 || len(floats[0].Data) != 10 {
		t.Fatalf("float_outputs = %s (%v)", r["float_outputs"], err)
	}
	// output_data reports the largest differences from the file's output_data, recomputed here.
	var got struct {
		Fixed *float64 `json:"fixed_max_abs_error"`
		Float *float64 `json:"float_max_abs_error"`
	}
	var file struct {
		Output [][]float64 `json:"output_data"`
	}
	b, err := os.ReadFile(mlpInput)
	if err != nil || json.Unmarshal(b, &file) != nil || len(file.Output) != 1 || len(file.Output[0]) != 10 {
		t.Fatalf("fixture %s has no output_data of 10 values (%v)", mlpInput, err)
	}
	if err := json.Unmarshal(r["output_data"], &got); err != nil || got.Fixed == nil || got.Float == nil {
		t.Fatalf("output_data = %s (%v)", r["output_data"], err)
	}
	var fixed, float float64
	for j, w := range file.Output[0] {
		fixed = max(fixed, math.Abs(outs[0].Data[j]-w))
		float = max(float, math.Abs(floats[0].Data[j]-w))
	}
	if *got.Fixed != fixed || *got.Float != float || float > 1e-4 {
		t.Errorf("output_data = %s; want fixed %v, float %v (float64 vs the float32 reference within 1e-4)", r["output_data"], fixed, float)
	}
}

// TestSettingsRoundTrip: settings saved by one run reproduce its outputs
// exactly in another.
func TestSettingsRoundTrip(t *testing.T) {
	settings := filepath.Join(t.TempDir(), "settings.json")
	data := "../../testdata/models/digits_mlp/data.json"
	code, first, stderr := runCLI(t, "run", mlp, "--input", mlpInput, "--calibrate", data, "--save-settings", settings, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, second, stderr := runCLI(t, "run", mlp, "--input", mlpInput, "--settings", settings, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if first != second {
		t.Fatalf("outputs differ:\n%s\n%s", first, second)
	}
	_, dflt, _ := runCLI(t, "run", mlp, "--input", mlpInput, "--json")
	if dflt == first {
		t.Fatal("calibrated and default outputs are identical; calibration changed nothing")
	}
}

func TestEvalAndInspectJSON(t *testing.T) {
	code, stdout, stderr := runCLI(t, "eval", "../../testdata/models/iris_logreg/model.onnx", "--data", "../../testdata/models/iris_logreg/data.json", "--json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var e struct {
		N     int     `json:"n"`
		Float float64 `json:"float_accuracy"`
		Fixed float64 `json:"fixed_accuracy"`
	}
	if err := json.Unmarshal([]byte(stdout), &e); err != nil || e.N != 45 || e.Float < 0.9 || e.Fixed < 0.88 {
		t.Fatalf("eval --json = %s (%v)", stdout, err)
	}
	code, stdout, stderr = runCLI(t, "inspect", "../../testdata/models/lenet5/model_dynamic_batch.onnx", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var in struct {
		Inputs []struct {
			Shape []any `json:"shape"`
		} `json:"inputs"`
		Ops        map[string]int `json:"ops"`
		Parameters int            `json:"parameters"`
		Loadable   bool           `json:"loadable"`
	}
	if err := json.Unmarshal([]byte(stdout), &in); err != nil {
		t.Fatal(err)
	}
	if in.Parameters != 61706 || in.Ops["Conv"] != 2 || !in.Loadable || in.Inputs[0].Shape[0] != "batch" {
		t.Fatalf("inspect --json = %s", stdout)
	}
}

func TestDemo(t *testing.T) {
	code, stdout, stderr := runCLI(t, "demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "equals PyTorch's 20/20") || !strings.Contains(stdout, "valid: this output") || !strings.Contains(stdout, "→ invalid") ||
		!strings.Contains(stdout, "accuracy 8/8 on the committed digits") || !strings.Contains(stdout, "→ refused: datacommit: the data are not the committed") {
		t.Fatalf("demo output:\n%s", stdout)
	}
}

// TestProvePipeline drives compile → setup → prove → verify through the
// CLI, checks that run --settings reproduces the proven outputs exactly,
// and that verify exits 1 on a tampered bundle and a wrong model.
func TestProvePipeline(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "iris")
	model := "../../testdata/models/iris_logreg/model.onnx"
	in := "../../testdata/models/iris_logreg/input.json"
	bundle := filepath.Join(t.TempDir(), "proof.json")
	for _, args := range [][]string{
		{"compile", model, "-o", dir},
		{"setup", dir},
		{"prove", dir, "--input", in, "-o", bundle, "--context", "n1"},
	} {
		if code, _, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	code, stdout, stderr := runCLI(t, "verify", bundle, "--vk", filepath.Join(dir, "vk"), "--expect-model", filepath.Join(dir, "model.commitment.json"), "--json")
	if code != 0 {
		t.Fatalf("verify: exit %d: %s %s", code, stdout, stderr)
	}
	var v inference.Result
	if err := json.Unmarshal([]byte(stdout), &v); err != nil || !v.Valid {
		t.Fatalf("verify --json = %s (%v)", stdout, err)
	}
	code, stdout, stderr = runCLI(t, "run", model, "--input", in, "--settings", filepath.Join(dir, "settings.json"), "--json")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	var r struct {
		Outputs []struct {
			Data []float64 `json:"data"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatal(err)
	}
	for i, x := range r.Outputs[0].Data {
		if x != v.Public.Output.Tensors[0].Data[i] {
			t.Fatalf("run --settings output %d = %v; the proof says %v", i, x, v.Public.Output.Tensors[0].Data[i])
		}
	}
	// tampered: a different decoded value
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"context": "n1"`) {
		t.Fatal("the bundle does not show its context")
	}
	tampered := writeTemp(t, "t.json", []byte(strings.Replace(string(b), `"context": "n1"`, `"context": "n2"`, 1)))
	code, stdout, _ = runCLI(t, "verify", tampered, "--vk", filepath.Join(dir, "vk"))
	if code != 1 || !strings.HasPrefix(stdout, "invalid: ") {
		t.Fatalf("tampered context: exit %d, %q", code, stdout)
	}
	code, stdout, _ = runCLI(t, "verify", bundle, "--vk", filepath.Join(dir, "vk"), "--expect-model", "12345")
	if code != 1 || !strings.Contains(stdout, "not the expected") {
		t.Fatalf("wrong model: exit %d, %q", code, stdout)
	}
	code, _, stderr = runCLI(t, "verify", writeTemp(t, "x.json", []byte("{")), "--vk", filepath.Join(dir, "vk"))
	if code != 1 || strings.Contains(stderr, "panic") {
		t.Fatalf("bad bundle: exit %d, %q", code, stderr)
	}
}

// TestVerifierSetup: the verifier compiles the architecture (here with
// other weights) using the prover's settings.json, runs setup, and the
// prover proves with the verifier's keys (setup --keys-from).
func TestVerifierSetup(t *testing.T) {
	prover, verifier := filepath.Join(t.TempDir(), "p"), filepath.Join(t.TempDir(), "v")
	bundle := filepath.Join(t.TempDir(), "proof.json")
	for _, args := range [][]string{
		{"compile", "../../testdata/models/iris_logreg/model.onnx", "-o", prover},
		{"compile", "../../testdata/perturbed/iris_logreg.onnx", "-o", verifier, "--settings", filepath.Join(prover, "settings.json")},
		{"setup", verifier},
		{"setup", prover, "--keys-from", verifier},
		{"prove", prover, "--input", "../../testdata/models/iris_logreg/input.json", "-o", bundle},
		{"verify", bundle, "--vk", filepath.Join(verifier, "vk"), "--expect-model", filepath.Join(prover, "model.commitment.json")},
	} {
		if code, stdout, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s %s", args, code, stdout, stderr)
		}
	}
	// a directory of another circuit is refused
	other := filepath.Join(t.TempDir(), "o")
	if code, _, stderr := runCLI(t, "compile", "../../testdata/models/iris_logreg/model.onnx", "-o", other, "--weights", "public"); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runCLI(t, "setup", other, "--keys-from", verifier); code != 1 || !strings.Contains(stderr, "another circuit") {
		t.Fatalf("keys of another circuit: exit %d, %s", code, stderr)
	}
}
