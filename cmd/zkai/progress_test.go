package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoProgressOffTerminal: with stderr not a terminal (a buffer, a file), eval and the spinner write no
// carriage-return frames, only plain lines.
func TestNoProgressOffTerminal(t *testing.T) {
	code, stdout, stderr := runCLI(t, "eval", "../../testdata/models/iris_logreg/model.onnx", "--data", "../../testdata/models/iris_logreg/data.json", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.ContainsRune(stderr, '\r') || stderr != "" || !strings.HasPrefix(stdout, "{") {
		t.Fatalf("eval without --quiet wrote progress frames to a non-terminal stderr: %q", stderr)
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminal(f) {
		t.Fatal("a regular file counts as a terminal")
	}
	cmd := newEval()
	cmd.SetErr(f)
	if b := newBar(cmd, 10, "x", false); b != nil {
		t.Fatal("a progress bar on a regular file")
	}
	spin(cmd, "proving")()
	b, _ := os.ReadFile(f.Name())
	if string(b) != "proving…\n" {
		t.Fatalf("spinner off a terminal wrote %q", b)
	}
}
