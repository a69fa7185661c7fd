package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const mlpData = "../../testdata/models/digits_mlp/data.json"

func TestCommitCLI(t *testing.T) {
	dir := t.TempDir()
	c, o := filepath.Join(dir, "c.json"), filepath.Join(dir, "o.json")
	code, out, errs := runCLI(t, "commit", mlpData, "-o", c, "--opening", o, "--json")
	if code != 0 {
		t.Fatalf("commit: %d %s", code, errs)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil || got["rows"] != 450.0 {
		t.Fatalf("commit --json printed %q (%v)", out, err)
	}
	if st, err := os.Stat(o); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("opening not private: %v %v", st.Mode(), err)
	}
	if code, out, _ := runCLI(t, "commit", "--verify", mlpData, "--opening", o, "--commitment", c); code != 0 || !strings.HasPrefix(out, "match") {
		t.Fatalf("verify of the committed set: %d %q", code, out)
	}
	// The train split is another data set.
	code, out, _ = runCLI(t, "commit", "--verify", mlpData, "--split", "train", "--opening", o, "--commitment", c)
	if code != 1 || !strings.Contains(out, "mismatch") {
		t.Fatalf("another split matched: %d %q", code, out)
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"no opening", []string{"commit", mlpData, "-o", c}, "--opening is required"},
		{"no output", []string{"commit", mlpData, "--opening", o}, "-o is required"},
		{"ragged rows", []string{"commit", writeTemp(t, "r.json", []byte(`{"x": [[1, 2], [3]], "y": [0, 1]}`)), "-o", c, "--opening", o}, "same length"},
		{"fractional label at label scale 0", []string{"commit", writeTemp(t, "l.json", []byte(`{"x": [[1], [3]], "y": [0, 0.5]}`)), "-o", c, "--opening", o, "--label-scale", "0"}, "not an integer"},
		{"no labels", []string{"commit", writeTemp(t, "n.json", []byte(`{"x": [[1], [3]]}`)), "-o", c, "--opening", o}, "no labels"},
		{"bad key", []string{"commit", writeTemp(t, "k.json", []byte(`{"y": [0, 1.5]}`)), "-o", c, "--opening", o}, "not a class index"},
		{"verify without commitment", []string{"commit", "--verify", mlpData, "--opening", o}, "--commitment"},
		{"not a commitment", []string{"commit", "--verify", mlpData, "--opening", o, "--commitment", o}, "format"},
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
