package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// A secret written over an existing world-readable file ends up 0600.
func TestWriteSetsModeOfExistingFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "opening.json")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v after writing a secret over a 0644 file, want 0600", st.Mode().Perm())
	}
	if b, _ := os.ReadFile(p); string(b) != "secret" {
		t.Errorf("content %q", b)
	}
	// A public file is 0644 whatever the temporary file's mode was.
	pub := filepath.Join(dir, "checkpoint")
	if err := Write(pub, []byte("public"), 0o644); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(pub); st.Mode().Perm() != 0o644 {
		t.Errorf("public file mode %v, want 0644", st.Mode().Perm())
	}
	des, _ := os.ReadDir(dir)
	if len(des) != 2 {
		t.Errorf("directory holds %d files, want 2 (temporary files left?)", len(des))
	}
}

func TestCreateIsExclusive(t *testing.T) {
	p := filepath.Join(t.TempDir(), "00000000000000000001")
	if err := Create(p, []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Create(p, []byte("second"), 0o644); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over an existing file: %v, want fs.ErrExist", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "first" {
		t.Errorf("existing file changed to %q", b)
	}
	if !IsTemp(".checkpoint.tmp12345") || IsTemp("checkpoint") {
		t.Error("IsTemp")
	}
}
