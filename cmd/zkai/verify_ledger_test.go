package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyLedger: verify --ledger accepts a proof only once its model is
// registered in a ledger whose checkpoint the trusted key signed, and
// prints the lineage.
func TestVerifyLedger(t *testing.T) {
	tmp := t.TempDir()
	dir, bundle := filepath.Join(tmp, "iris"), filepath.Join(tmp, "proof.json")
	logDir, logKey, otherKey := filepath.Join(tmp, "log"), filepath.Join(tmp, "log.key"), filepath.Join(tmp, "other.key")
	vk := filepath.Join(dir, "vk")
	must := func(args ...string) string {
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

	// --json: one object, the verdict with the ledger's lineage in it.
	code, stdout := verify(pub, "--json")
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
