package main

import (
	"os"
	"path/filepath"
	"testing"
)

// Regression (issue 8 item 14): an opening written over an existing file
// kept that file's mode (os.WriteFile sets it only when it creates), so a
// secret written over a 0644 file stayed world-readable.
func TestOpeningOverExistingFileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	c, o := filepath.Join(dir, "c.json"), filepath.Join(dir, "o.json")
	if err := os.WriteFile(o, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "commit", mlpData, "-o", c, "--opening", o); code != 0 {
		t.Fatalf("commit: %d %s", code, errs)
	}
	st, err := os.Stat(o)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("opening written over a 0644 file has mode %v, want 0600", st.Mode().Perm())
	}
}
