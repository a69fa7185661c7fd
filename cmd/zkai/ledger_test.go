package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLedgerBadInput: bad entries, stored entries whose signature fails, a
// checkpoint of another origin and bad registry input each give a
// "zkai: error:" with a hint, exit code 1, and no panic.
func TestLedgerBadInput(t *testing.T) {
	dir := t.TempDir()
	key, log, other := filepath.Join(dir, "log.key"), filepath.Join(dir, "log"), filepath.Join(dir, "other")
	for _, args := range [][]string{
		{"keygen", "-o", key, "--name", "example.com/log"},
		{"ledger", "init", log, "--key", key},
		{"ledger", "init", other, "--key", key, "--origin", "example.com/other"},
		{"ledger", "append", log, "--key", key, writeTemp(t, "m.json", []byte(`{"kind":"model","name":"mnist","version":"1","weight_commitment":"42"}`))},
	} {
		if code, _, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	// A copy of the log whose stored entry no longer matches its signature.
	forged := filepath.Join(dir, "forged")
	copyDir(t, log, forged)
	entries := filepath.Join(forged, "entries")
	b, _ := os.ReadFile(entries)
	os.WriteFile(entries, bytes.Replace(b, []byte(`"42"`), []byte(`"43"`), 1), 0o644)
	// A copy of the log holding the other log's checkpoint: a wrong origin line.
	wrongOrigin := filepath.Join(dir, "wrong-origin")
	copyDir(t, log, wrongOrigin)
	cp, _ := os.ReadFile(filepath.Join(other, "checkpoint"))
	os.WriteFile(filepath.Join(wrongOrigin, "checkpoint"), cp, 0o644)

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"malformed entry JSON", []string{"ledger", "append", log, "--key", key, writeTemp(t, "x.json", []byte(`{"kind":"model",`))}, "malformed"},
		{"unknown kind", []string{"ledger", "append", log, "--key", key, writeTemp(t, "u.json", []byte(`{"kind":"weights"}`))}, "unknown entry kind"},
		{"missing field", []string{"ledger", "append", log, "--key", key, writeTemp(t, "f.json", []byte(`{"kind":"dataset","rows":3}`))}, "commitment is required"},
		{"bad signature", []string{"ledger", "audit", forged}, "signature does not verify"},
		{"bad signature, show", []string{"ledger", "show", forged}, "signature does not verify"},
		{"wrong origin line", []string{"ledger", "checkpoint", wrongOrigin}, `origin "example.com/other"`},
		{"wrong origin line, registry", []string{"registry", "show", "mnist", "--ledger", wrongOrigin}, `origin "example.com/other"`},
		{"registry without --ledger", []string{"registry", "show", "mnist"}, "--ledger is required"},
		{"registry add, not a commitment file", []string{"registry", "add", "m", "--ledger", log, "--key", key, "--model-commitment", writeTemp(t, "c.json", []byte(`{}`))}, "not a model.commitment.json"},
		{"registry add, no identity", []string{"registry", "add", "m", "--ledger", log, "--key", key}, "--model-commitment and/or --vk"},
		{"record-proof of garbage", []string{"registry", "record-proof", writeTemp(t, "p.json", []byte("nope")), "--ledger", log, "--key", key}, "bundle is not valid JSON"},
		{"registry show of an unknown model", []string{"registry", "show", "nobody", "--ledger", log}, "no version of nobody"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, c.args...)
			if code != 1 || !strings.HasPrefix(stderr, "zkai: error: ") || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "\nhint: ") || strings.Contains(stderr, "panic") {
				t.Fatalf("exit %d, stderr %q; want exit 1 and an error containing %q with a hint", code, stderr, c.want)
			}
		})
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}
