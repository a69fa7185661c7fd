package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/statement/inference"
)

const (
	irisModel = "../../testdata/models/iris_logreg/model.onnx"
	irisInput = "../../testdata/models/iris_logreg/input.json"
)

// irisPipeline compiles the iris model with args, sets up and proves; it
// returns the directory and the bundle's path.
func irisPipeline(t *testing.T, args ...string) (dir, bundle string) {
	t.Helper()
	dir, bundle = filepath.Join(t.TempDir(), "iris"), filepath.Join(t.TempDir(), "proof.json")
	for _, a := range [][]string{
		append([]string{"compile", irisModel, "-o", dir}, args...),
		{"setup", dir},
		{"prove", dir, "--input", irisInput, "-o", bundle},
	} {
		if code, out, errs := runCLI(t, a...); code != 0 {
			t.Fatalf("%v: exit %d: %s %s", a, code, out, errs)
		}
	}
	return dir, bundle
}

// verifyJSON runs zkai verify --json and decodes its result.
func verifyJSON(t *testing.T, args ...string) (code int, r *inference.Result, stderr string) {
	t.Helper()
	code, out, stderr := runCLI(t, append([]string{"verify", "--json"}, args...)...)
	r = &inference.Result{}
	if code == 0 || strings.HasPrefix(out, "{") {
		if err := json.Unmarshal([]byte(out), r); err != nil {
			t.Fatalf("verify --json printed %q: %v", out, err)
		}
	}
	return code, r, stderr
}

// TestVisibilityFlags: --input-visibility and --output-visibility go end
// to end through compile → setup → prove → verify, the hashed side shows
// its commitment and labels only, verify --opening opens it (and refuses a
// wrong salt), and --expect-model takes a public-weights settings.json.
func TestVisibilityFlags(t *testing.T) {
	for _, c := range []struct{ in, out, hashed string }{
		{"public", "hashed", "output"},
		{"hashed", "public", "input"},
	} {
		t.Run(c.in+"-"+c.out, func(t *testing.T) {
			dir, bundle := irisPipeline(t, "--weights", "public", "--input-visibility", c.in, "--output-visibility", c.out)
			vk := filepath.Join(dir, "vk")
			code, r, errs := verifyJSON(t, bundle, "--vk", vk, "--expect-model", filepath.Join(dir, "settings.json"))
			if code != 0 || !r.Valid {
				t.Fatalf("verify: exit %d, %+v %s", code, r, errs)
			}
			pub := r.Public
			if string(pub.Input.Visibility) != c.in || string(pub.Output.Visibility) != c.out {
				t.Fatalf("shown visibility %s/%s", pub.Input.Visibility, pub.Output.Visibility)
			}
			side := &pub.Output
			if c.hashed == "input" {
				side = &pub.Input
			}
			if side.Commitment == "" || len(side.Tensors) == 0 || side.Tensors[0].Data != nil {
				t.Fatalf("hashed %s shown as %+v; want a commitment and labels without values", c.hashed, side)
			}

			opening := strings.TrimSuffix(bundle, ".json") + ".opening.json"
			if st, err := os.Stat(opening); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("opening file: %v, %v", st, err)
			}
			code, r, errs = verifyJSON(t, bundle, "--vk", vk, "--opening", opening)
			opened := &r.Public.Output
			if c.hashed == "input" {
				opened = &r.Public.Input
			}
			if code != 0 || len(opened.Tensors) == 0 || len(opened.Tensors[0].Data) == 0 {
				t.Fatalf("verify --opening: exit %d, %+v %s", code, r, errs)
			}
			var op inference.Opening
			b, err := os.ReadFile(opening)
			if err != nil || json.Unmarshal(b, &op) != nil {
				t.Fatal(err)
			}
			wrong := op.Input
			if c.hashed == "output" {
				wrong = op.Output
			}
			// A bundle that cannot be written leaves no opening behind.
			blocked := filepath.Join(t.TempDir(), "p.json")
			if err := os.Mkdir(blocked, 0o755); err != nil {
				t.Fatal(err)
			}
			if code, _, _ := runCLI(t, "prove", dir, "--input", irisInput, "-o", blocked); code != 1 {
				t.Fatalf("prove to a directory: exit %d, want 1", code)
			}
			if _, err := os.Stat(strings.TrimSuffix(blocked, ".json") + ".opening.json"); !os.IsNotExist(err) {
				t.Fatalf("a failed prove left its opening: %v", err)
			}
			// Nor an opening that cannot be written a bundle whose salts are lost.
			lost := filepath.Join(t.TempDir(), "q.json")
			if err := os.Mkdir(strings.TrimSuffix(lost, ".json")+".opening.json", 0o755); err != nil {
				t.Fatal(err)
			}
			if code, _, _ := runCLI(t, "prove", dir, "--input", irisInput, "-o", lost); code != 1 {
				t.Fatalf("prove with an unwritable opening: exit %d, want 1", code)
			}
			if _, err := os.Stat(lost); !os.IsNotExist(err) {
				t.Fatalf("a bundle was written without its opening: %v", err)
			}
			wrong.Salt = "12345"
			bad := writeTemp(t, "bad.opening.json", mustJSON(t, &op))
			code, stdout, _ := runCLI(t, "verify", bundle, "--vk", vk, "--opening", bad)
			if code != 1 || !strings.Contains(stdout, "invalid: the "+c.hashed+" salt and values do not open the "+c.hashed+" commitment") {
				t.Fatalf("wrong salt: exit %d, %q", code, stdout)
			}
		})
	}
	for _, bad := range [][]string{{"--input-visibility", "secret"}, {"--output-visibility", "private"}} {
		code, _, errs := runCLI(t, append([]string{"compile", irisModel, "-o", filepath.Join(t.TempDir(), "x")}, bad...)...)
		if code != 1 || !strings.Contains(errs, "not supported") {
			t.Errorf("%v: exit %d, %s", bad, code, errs)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyInferenceFlags: on an inference bundle --expect-data is an
// error, --opening is refused without a hashed side, --expect-model takes
// a commitment file, and a relabelled bundle (which decodes and parses) is
// refused by the pairing check.
func TestVerifyInferenceFlags(t *testing.T) {
	dir, bundle := irisPipeline(t, "--input-visibility", "public", "--input-range", "2")
	vk := filepath.Join(dir, "vk")
	code, _, errs := runCLI(t, "verify", bundle, "--vk", vk, "--expect-data", "12345")
	if code != 1 || !strings.Contains(errs, "--expect-data does not apply to an inference bundle") {
		t.Fatalf("--expect-data: exit %d, %s", code, errs)
	}
	code, stdout, _ := runCLI(t, "verify", bundle, "--vk", vk, "--opening", writeTemp(t, "o.json", []byte(`{"format": "zkai-inference-opening/2"}`)))
	if code != 1 || !strings.Contains(stdout, "invalid: the bundle commits to no input or output: there is nothing to open") {
		t.Fatalf("--opening without hashed values: exit %d, %q", code, stdout)
	}
	code, _, errs = runCLI(t, "verify", writeTemp(t, "e.json", []byte(`{"statement": "evaluation"}`)), "--vk", vk, "--opening", bundle)
	if code != 1 || !strings.Contains(errs, "this is a file of the evaluation statement") {
		t.Fatalf("--opening with an evaluation: exit %d, %s", code, errs)
	}
	code, stdout, errs = runCLI(t, "verify", bundle, "--vk", vk, "--expect-model", filepath.Join(dir, "model.commitment.json"))
	if code != 0 || !strings.Contains(stdout, "model commitment") || !strings.Contains(stdout, "input input [1 4] [1.6611") {
		t.Fatalf("--expect-model: exit %d, %s %s", code, stdout, errs)
	}
	code, _, errs = runCLI(t, "verify", bundle, "--vk", vk, "--expect-model", filepath.Join(dir, "settings.json"))
	if code != 1 || !strings.Contains(errs, "names no public-weights model") {
		t.Fatalf("--expect-model settings.json of private weights: exit %d, %s", code, errs)
	}
	// relabelled: the output renamed in the file
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	renamed := strings.Replace(string(b), `"name": "output"`, `"name": "approved_credit_limit"`, 1)
	if renamed == string(b) {
		t.Fatal("the bundle names no output \"output\"")
	}
	code, stdout, _ = runCLI(t, "verify", writeTemp(t, "r.json", []byte(renamed)), "--vk", vk)
	if code != 1 || !strings.Contains(stdout, "pairing doesn't match") {
		t.Fatalf("relabelled bundle: exit %d, %q", code, stdout)
	}
}

// TestInputRange: --input-range is part of the circuit (the input's width
// is in its layout), and prove refuses an input outside it.
func TestInputRange(t *testing.T) {
	dirs := map[string]string{}
	for _, r := range []string{"2", "64"} {
		dirs[r] = filepath.Join(t.TempDir(), "c")
		if code, _, errs := runCLI(t, "compile", irisModel, "-o", dirs[r], "--weights", "public", "--input-visibility", "public", "--input-range", r); code != 0 {
			t.Fatal(errs)
		}
	}
	narrow, err := inference.Open(dirs["2"])
	if err != nil {
		t.Fatal(err)
	}
	wide, err := inference.Open(dirs["64"])
	if err != nil {
		t.Fatal(err)
	}
	if narrow.Info.Layout == wide.Info.Layout {
		t.Fatal("--input-range does not change the input's width in the layout")
	}
	if code, _, errs := runCLI(t, "setup", dirs["2"]); code != 0 {
		t.Fatal(errs)
	}
	out := filepath.Join(t.TempDir(), "p.json")
	in := writeTemp(t, "in.json", []byte(`{"input_data": [[2.5, 0, 0, 0]]}`))
	code, _, errs := runCLI(t, "prove", dirs["2"], "--input", in, "-o", out)
	if code != 1 || !strings.Contains(errs, "outside the declared range ±2") {
		t.Fatalf("input outside --input-range: exit %d, %s", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a failed prove wrote a bundle")
	}
}
