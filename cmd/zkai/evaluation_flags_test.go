package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cli runs each command and requires exit 0, returning the last stdout.
func cli(t *testing.T, cmds ...[]string) string {
	t.Helper()
	var out string
	for _, c := range cmds {
		code, stdout, stderr := runCLI(t, c...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s %s", c, code, stdout, stderr)
		}
		out = stdout
	}
	return out
}

// verifyOut runs zkai verify and returns its exit code and stdout.
func verifyOut(t *testing.T, args ...string) (int, string) {
	t.Helper()
	code, out, _ := runCLI(t, append([]string{"verify"}, args...)...)
	return code, out
}

const (
	irisDir   = "../../testdata/models/iris_logreg"
	creditDir = "../../testdata/models/credit_logreg"
)

// TestEvaluationFlagsCLI: --model-opening names the evaluated model by the
// inference compile's commitment, --at-least proves only the threshold,
// setup --keys-from takes the keys of the same circuit (another threshold)
// and refuses another circuit (another data set), and verify honours
// --expect-data (commitment file or root) and --expect-model on evaluation
// files.
func TestEvaluationFlagsCLI(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	data := smallSet(t, irisDir+"/data.json", 6, nil)
	other := smallSet(t, irisDir+"/data.json", 4, nil)
	model := irisDir + "/model.onnx"
	eval := p("eval.json")
	cli(t,
		[]string{"commit", data, "-o", p("c.json"), "--opening", p("o.json"), "--rows-per-leaf", "2"},
		[]string{"commit", other, "-o", p("c2.json"), "--opening", p("o2.json"), "--rows-per-leaf", "2"},
		[]string{"compile", model, "-o", p("inf")},
	)
	out := cli(t, []string{"compile", model, "-o", p("ev"), "--statement", "evaluation", "--data-commitment", p("c.json"),
		"--batch", "4", "--at-least", "0.5", "--model-opening", p("inf/model.opening.json")})
	var mc struct{ Commitment string }
	b, _ := os.ReadFile(p("inf/model.commitment.json"))
	if json.Unmarshal(b, &mc) != nil || mc.Commitment == "" || !strings.Contains(out, "model commitment "+mc.Commitment) {
		t.Fatalf("--model-opening: the evaluation's model is not the inference's %q: %s", mc.Commitment, out)
	}
	cli(t, []string{"setup", p("ev")}, []string{"prove-eval", p("ev"), "--data", data, "--opening", p("o.json"), "-o", eval})

	var c struct{ Root string }
	b, _ = os.ReadFile(p("c.json"))
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	vk := p("ev/vk")
	code, out := verifyOut(t, eval, "--vk", vk, "--expect-data", p("c.json"), "--expect-model", p("inf/model.commitment.json"))
	if code != 0 || !strings.Contains(out, "accuracy ≥ 0.5000 (at least 3 of 6 rows") || !strings.Contains(out, mc.Commitment) {
		t.Fatalf("--at-least with the expected data and model: exit %d: %s", code, out)
	}
	if code, out := verifyOut(t, eval, "--vk", vk, "--expect-data", c.Root); code != 0 {
		t.Fatalf("--expect-data ROOT: exit %d: %s", code, out)
	}
	for name, args := range map[string][]string{
		"another data set":          {"--expect-data", p("c2.json")},
		"another root":              {"--expect-data", "12345"},
		"another model":             {"--expect-model", "12345"},
		"an edited commitment file": {"--expect-data", relabelled(t, p("c.json"))},
	} {
		if code, out := verifyOut(t, append([]string{eval, "--vk", vk}, args...)...); code != 1 || !strings.Contains(out, "not the expected") {
			t.Errorf("%s: exit %d: %s", name, code, out)
		}
	}

	// the threshold is a public input: another one shares the circuit
	cli(t, []string{"compile", model, "-o", p("ev8"), "--statement", "evaluation", "--data-commitment", p("c.json"),
		"--batch", "4", "--at-least", "0.8", "--model-opening", p("inf/model.opening.json")},
		[]string{"setup", p("ev8"), "--keys-from", p("ev")})
	// another data set is another layout, so another circuit
	cli(t, []string{"compile", model, "-o", p("ev2"), "--statement", "evaluation", "--data-commitment", p("c2.json"),
		"--batch", "4", "--at-least", "0.5", "--model-opening", p("inf/model.opening.json")})
	if code, _, errs := runCLI(t, "setup", p("ev2"), "--keys-from", p("ev")); code != 1 || !strings.Contains(errs, "another circuit") {
		t.Fatalf("keys of another circuit: exit %d: %s", code, errs)
	}
}

// TestEvaluationMSECLI: --metric mse on a one-output model with public
// weights; the compile prints the weights digest that --expect-model takes.
func TestEvaluationMSECLI(t *testing.T) {
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	data := smallSet(t, creditDir+"/data.json", 4, nil)
	eval := p("eval.json")
	cli(t, []string{"commit", data, "-o", p("c.json"), "--opening", p("o.json")})
	out := cli(t, []string{"compile", creditDir + "/model.onnx", "-o", p("ev"), "--statement", "evaluation", "--data-commitment", p("c.json"),
		"--metric", "mse", "--weights", "public"})
	digest := regexp.MustCompile(`public weights (sha256:[0-9a-f]{64})`).FindStringSubmatch(out)
	if digest == nil {
		t.Fatalf("compile printed no weights digest: %s", out)
	}
	cli(t, []string{"setup", p("ev")}, []string{"prove-eval", p("ev"), "--data", data, "--opening", p("o.json"), "-o", eval})
	code, out := verifyOut(t, eval, "--vk", p("ev/vk"), "--expect-data", p("c.json"), "--expect-model", digest[1])
	if code != 0 || !strings.Contains(out, "mse ") || !strings.Contains(out, "over 4 rows") || !strings.Contains(out, digest[1]) {
		t.Fatalf("--metric mse: exit %d: %s", code, out)
	}
	wrong := digest[1][:len(digest[1])-1] + "x"
	if code, out := verifyOut(t, eval, "--vk", p("ev/vk"), "--expect-model", wrong); code != 1 || !strings.Contains(out, "not the expected") {
		t.Fatalf("another weights digest: exit %d: %s", code, out)
	}
}

// relabelled writes a copy of a commitment file with another label name
// (and its root unchanged).
func relabelled(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	c["label"] = "z"
	out, _ := json.Marshal(c)
	return writeTemp(t, "c.json", out)
}
