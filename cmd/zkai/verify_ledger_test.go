package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// proveIris compiles, sets up and proves the iris model in tmp and returns
// its directory, the proof bundle, and must, which runs zkai and fails the
// test unless it exits 0.
func proveIris(t *testing.T, tmp string) (dir, bundle string, must func(args ...string) string) {
	dir, bundle = filepath.Join(tmp, "iris"), filepath.Join(tmp, "proof.json")
	must = func(args ...string) string {
		t.Helper()
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
		return stdout
	}
	must("compile", "../../testdata/models/iris_logreg/model.onnx", "-o", dir)
	must("setup", dir)
	must("prove", dir, "--input", "../../testdata/models/iris_logreg/input.json", "-o", bundle)
	return dir, bundle, must
}

// TestVerifyLedger: verify --ledger accepts a proof only once its model is
// registered in a ledger whose checkpoint the trusted key signed, and
// prints the lineage.
func TestVerifyLedger(t *testing.T) {
	tmp := t.TempDir()
	dir, bundle, must := proveIris(t, tmp)
	logDir, logKey, otherKey := filepath.Join(tmp, "log"), filepath.Join(tmp, "log.key"), filepath.Join(tmp, "other.key")
	vk := filepath.Join(dir, "vk")
	pub := strings.TrimSpace(must("keygen", "-o", logKey, "--name", "example.com/log"))
	otherPub := strings.TrimSpace(must("keygen", "-o", otherKey, "--name", "example.com/log"))
	must("ledger", "init", logDir, "--key", logKey)

	verify := func(key string, extra ...string) (int, string) {
		code, stdout, _ := runCLI(t, append([]string{"verify", bundle, "--vk", vk, "--ledger", logDir, "--log-key", key}, extra...)...)
		return code, stdout
	}
	for _, c := range []struct {
		name   string
		before []string // a command run first
		key    string
		code   int
		want   string
	}{
		{"not registered", nil, pub, 1, "invalid: ledger: the proof's model is not registered"},
		{"registered", []string{"registry", "add", "iris", "--ledger", logDir, "--key", logKey, "--model-commitment", filepath.Join(dir, "model.commitment.json"), "--vk", vk}, pub, 0, "0\tmodel       \t"},
		{"untrusted log key", nil, otherPub, 1, "invalid: ledger: the ledger's checkpoint is not signed by the trusted log key"},
		{"log key from a file", nil, writeTemp(t, "log.pub", []byte(pub+"\n")), 0, "is registered"},
		{"no log key", nil, "", 1, "--log-key is required"},
		{"proof recorded", []string{"registry", "record-proof", bundle, "--ledger", logDir, "--key", logKey}, pub, 0, "1\tthis proof"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.before != nil {
				must(c.before...)
			}
			code, stdout := verify(c.key)
			if code != c.code || !strings.Contains(stdout, c.want) {
				t.Fatalf("exit %d, want %d; stdout %q, want it to contain %q", code, c.code, stdout, c.want)
			}
		})
	}

	// Regression (issue 8 item 12): without --state nothing pinned the
	// origin, so another log of the same key passed. --log-origin pins it;
	// without it a warning names the origin taken from the directory.
	code, stdout, stderr := runCLI(t, "verify", bundle, "--vk", vk, "--ledger", logDir, "--log-key", pub, "--log-origin", "example.com/other")
	if want := `invalid: ledger: the log's origin is "example.com/log", not the trusted origin "example.com/other"`; code != 1 || !strings.Contains(stdout, want) {
		t.Fatalf("another origin pinned: exit %d, stdout %q, want %q", code, stdout, want)
	}
	code, stdout, stderr = runCLI(t, "verify", bundle, "--vk", vk, "--ledger", logDir, "--log-key", pub)
	if code != 0 || !strings.Contains(stdout, "of log example.com/log") || !strings.Contains(stderr, "the origin example.com/log was taken from the log directory, not pinned") {
		t.Fatalf("origin not pinned: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, _, stderr = runCLI(t, "verify", bundle, "--vk", vk, "--ledger", logDir, "--log-key", pub, "--log-origin", "example.com/log")
	if code != 0 || strings.Contains(stderr, "not pinned") {
		t.Fatalf("origin pinned: exit %d, stderr %q", code, stderr)
	}

	// --json: one object, the verdict with the ledger's lineage in it.
	code, stdout = verify(pub, "--json")
	var verdict struct {
		Valid  bool `json:"valid"`
		Ledger *struct {
			Entries []struct{ Role string } `json:"entries"`
		} `json:"ledger"`
	}
	if err := json.Unmarshal([]byte(stdout), &verdict); err != nil || !verdict.Valid || code != 0 || verdict.Ledger == nil || len(verdict.Ledger.Entries) != 2 {
		t.Fatalf("verify --json: exit %d, %v: %s", code, err, stdout)
	}
}

// TestVerifyLedgerState: verify --ledger --state trusts the log on first
// use and follows it as it grows; a rolled-back copy, a fork under the same
// key and origin (at the trusted size and larger) and a log under another
// key make the proof invalid with the reason, the state file unchanged.
func TestVerifyLedgerState(t *testing.T) {
	tmp := t.TempDir()
	dir, bundle, must := proveIris(t, tmp)
	logKey, otherKey := filepath.Join(tmp, "log.key"), filepath.Join(tmp, "other.key")
	vk := filepath.Join(dir, "vk")
	pub := strings.TrimSpace(must("keygen", "-o", logKey, "--name", "example.com/log"))
	must("keygen", "-o", otherKey, "--name", "example.com/log")
	dataset := writeTemp(t, "dataset.json", []byte(`{"kind":"dataset","commitment":"0xcd","rows":5}`))
	// newLog makes a log under key (origin example.com/log) holding the
	// dataset entry if diverge, then the model's registration, then as many
	// proof records as records (0 or 1).
	newLog := func(key string, diverge bool, records int) string {
		log := filepath.Join(t.TempDir(), "log")
		must("ledger", "init", log, "--key", key)
		if diverge {
			must("ledger", "append", log, "--key", key, dataset)
		}
		must("registry", "add", "iris", "--ledger", log, "--key", key, "--model-commitment", filepath.Join(dir, "model.commitment.json"), "--vk", vk)
		if records > 0 {
			must("registry", "record-proof", bundle, "--ledger", log, "--key", key)
		}
		return log
	}
	log := newLog(logKey, false, 0)
	backup := filepath.Join(tmp, "backup")
	copyDir(t, log, backup)
	must("registry", "record-proof", bundle, "--ledger", log, "--key", logKey) // size 2

	state := filepath.Join(tmp, "trusted")
	verify := func(logDir string, extra ...string) (int, string, string) {
		return runCLI(t, append([]string{"verify", bundle, "--vk", vk, "--ledger", logDir, "--log-key", pub, "--state", state}, extra...)...)
	}
	if code, stdout, stderr := verify(backup); code != 0 || !strings.Contains(stdout, "under the signed checkpoint of size 1") || !strings.Contains(stderr, "on first use") {
		t.Fatalf("first use: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if code, stdout, stderr := verify(log); code != 0 || !strings.Contains(stdout, "of size 2") || strings.Contains(stderr, "first use") {
		t.Fatalf("grown log: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	for _, c := range []struct {
		name, log, want string
	}{
		{"rollback", backup, "rollback: checkpoint is smaller than the trusted one"},
		{"fork at the trusted size", newLog(logKey, true, 0), "fork: two checkpoints of size 2"},
		{"fork larger than the trusted size", newLog(logKey, true, 1), "fork: checkpoint of size 3 is not consistent"},
		{"another key", newLog(otherKey, false, 1), "signed by the trusted key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := os.ReadFile(state)
			code, stdout, _ := verify(c.log, "--json")
			var v struct {
				Valid  bool
				Reason string
			}
			if err := json.Unmarshal([]byte(stdout), &v); err != nil || code != 1 || v.Valid || !strings.Contains(v.Reason, c.want) || !strings.Contains(v.Reason, "unchanged") {
				t.Fatalf("exit %d, %v: %s; want invalid, the reason containing %q", code, err, stdout, c.want)
			}
			if after, _ := os.ReadFile(state); !bytes.Equal(before, after) {
				t.Fatal("state changed on a refused checkpoint")
			}
		})
	}

	if code, _, stderr := runCLI(t, "verify", bundle, "--vk", vk, "--state", state); code != 1 || !strings.Contains(stderr, "--state goes with --ledger") {
		t.Fatalf("--state without --ledger: exit %d, %s", code, stderr)
	}
}
