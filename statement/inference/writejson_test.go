package inference

import (
	"os"
	"path/filepath"
	"testing"
)

// Regression (issue 8 item 14): an opening written over an existing file
// kept the old file's mode, so one written over a 0644 file stayed
// world-readable.
func TestWriteJSONSetsModeOfExistingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), OpeningFile)
	if err := os.WriteFile(p, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(p, ModelOpening{Format: "zkai-model-opening/1", Commitment: "1", Salt: "2"}, 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("opening written over a 0644 file has mode %v, want 0600", st.Mode().Perm())
	}
}
