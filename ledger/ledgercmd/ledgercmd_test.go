package ledgercmd

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/zkai-dev/zkai/ledger"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, _, err := runStderr(t, args...)
	return out, err
}

// runStderr runs a command and returns its stdout and stderr.
func runStderr(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	root := &cobra.Command{Use: "zkai", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(Keygen(), Ledger(), Registry())
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), errb.String(), err
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("zkai %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func write(t *testing.T, dir, name, s string) string {
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFlow(t *testing.T) {
	dir := t.TempDir()
	key, log := filepath.Join(dir, "log.key"), filepath.Join(dir, "log")
	vkey := strings.TrimSpace(mustRun(t, "keygen", "-o", key, "--name", "example.com/log"))
	if _, err := note.NewVerifier(vkey); err != nil {
		t.Fatalf("keygen printed %q: %v", vkey, err)
	}
	mustRun(t, "ledger", "init", log, "--key", key)
	model := write(t, dir, "m.json", `{"kind":"model","name":"mnist","version":"1","weight_commitment":"0xab"}`)
	batch := write(t, dir, "b.jsonl", `{"kind":"dataset","commitment":"0xcd","rows":5}
{"kind":"proof","vk_digest":"a","public_input_digest":"b","bundle_digest":"c","statement":"inference"}
{"kind":"action","details":{"who":"bob"}}
`)
	mustRun(t, "ledger", "append", log, "--key", key, model)
	out := mustRun(t, "ledger", "append", log, "--key", key, "--file", batch, "--json")
	var ap struct {
		Entries []struct {
			Index   int64
			Kind    string
			Opening *ledger.ActionOpening
		}
		TreeSize int64 `json:"tree_size"`
	}
	if err := json.Unmarshal([]byte(out), &ap); err != nil || len(ap.Entries) != 3 || ap.TreeSize != 4 || ap.Entries[2].Opening == nil || ap.Entries[0].Index != 1 {
		t.Fatalf("append --json: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(log, "entries")); bytes.Contains(b, []byte("bob")) {
		t.Fatal("action details stored in the log")
	}

	// prove-inclusion --json verifies with transparency-dev/merkle and sumdb/note only.
	v, _ := note.NewVerifier(vkey)
	h := rfc6962.DefaultHasher
	for i := 0; i < 4; i++ {
		var p struct {
			Index      uint64
			TreeSize   uint64 `json:"tree_size"`
			LeafHash   []byte `json:"leaf_hash"`
			Hashes     [][]byte
			Checkpoint string
		}
		out := mustRun(t, "ledger", "prove-inclusion", log, "--index", string(rune('0'+i)), "--json")
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatal(err)
		}
		n, err := note.Open([]byte(p.Checkpoint), note.VerifierList(v))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(n.Text, "\n")
		root, _ := tlog.ParseHash(lines[2])
		if lines[0] != "example.com/log" || lines[1] != "4" {
			t.Fatalf("checkpoint %q", n.Text)
		}
		if err := proof.VerifyInclusion(h, p.Index, p.TreeSize, p.LeafHash, p.Hashes, root[:]); err != nil {
			t.Fatalf("inclusion %d: %v", i, err)
		}
	}
	var cp struct {
		OldSize, NewSize uint64
		Hashes           [][]byte
		OldCheckpoint    string `json:"old_checkpoint"`
		NewCheckpoint    string `json:"new_checkpoint"`
	}
	out = mustRun(t, "ledger", "prove-consistency", log, "--from", "1", "--json")
	if err := json.Unmarshal([]byte(out), &cp); err != nil {
		t.Fatal(err)
	}
	var roots [2][]byte
	for k, c := range []string{cp.OldCheckpoint, cp.NewCheckpoint} {
		n, err := note.Open([]byte(c), note.VerifierList(v))
		if err != nil {
			t.Fatal(err)
		}
		r, _ := tlog.ParseHash(strings.Split(n.Text, "\n")[2])
		roots[k] = r[:]
	}
	if err := proof.VerifyConsistency(h, 1, 4, cp.Hashes, roots[0], roots[1]); err != nil {
		t.Fatalf("consistency: %v (%s)", err, out)
	}
	for _, args := range [][]string{
		{"ledger", "show", log}, {"ledger", "show", log, "--index", "2", "--json"},
		{"ledger", "checkpoint", log}, {"ledger", "checkpoint", log, "--size", "1", "--json"},
		{"ledger", "audit", log}, {"ledger", "audit", log, "--json"},
		{"ledger", "prove-inclusion", log, "--index", "0"}, {"ledger", "prove-consistency", log, "--from", "0"},
	} {
		mustRun(t, args...)
	}
	// Tampering makes audit fail.
	b, _ := os.ReadFile(filepath.Join(log, "entries"))
	os.WriteFile(filepath.Join(log, "entries"), bytes.Replace(b, []byte("mnist"), []byte("MNIST"), 1), 0o644)
	if _, err := run(t, "ledger", "audit", log); err == nil || !strings.Contains(err.Error(), "entry 0") {
		t.Fatalf("audit of a tampered log: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	key, other, log := filepath.Join(dir, "k"), filepath.Join(dir, "o"), filepath.Join(dir, "log")
	mustRun(t, "keygen", "-o", key)
	mustRun(t, "keygen", "-o", other)
	mustRun(t, "ledger", "init", log, "--key", key)
	garbage := write(t, dir, "g", "not a key")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"keygen", "-o", key}, "already exists"},
		{[]string{"keygen"}, "-o KEYFILE"},
		{[]string{"ledger", "init", log, "--key", key}, "already holds a log"},
		{[]string{"ledger", "init", filepath.Join(dir, "l2"), "--key", garbage}, "malformed"},
		{[]string{"ledger", "init", filepath.Join(dir, "l3"), "--key", key, "--origin", "two words"}, "origin"},
		{[]string{"ledger", "append", log, "--key", other, write(t, dir, "m", `{"kind":"model","name":"a","version":"1","vk_digest":"d"}`)}, "not this log's key"},
		{[]string{"ledger", "append", log, "--key", key, write(t, dir, "u", `{"kind":"weights"}`)}, "unknown entry kind"},
		{[]string{"ledger", "append", log, "--key", key, write(t, dir, "x", `{"kind":"model",`)}, "malformed"},
		{[]string{"ledger", "append", log, "--key", key, write(t, dir, "y", "\x00\xff")}, "malformed"},
		{[]string{"ledger", "append", log, "--key", key}, "exactly one"},
		{[]string{"ledger", "show", filepath.Join(dir, "none")}, "holds no log"},
		{[]string{"ledger", "prove-inclusion", log, "--index", "0"}, "out of range"},
		{[]string{"ledger", "prove-inclusion", log}, "--index is required"},
		{[]string{"ledger", "prove-consistency", log, "--from", "5"}, "past the latest"},
		{[]string{"ledger", "checkpoint", log, "--size", "3"}, "no checkpoint of size 3"},
	} {
		_, err := run(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("zkai %s: %v, want an error containing %q", strings.Join(c.args, " "), err, c.want)
			continue
		}
		if he, ok := err.(*HintError); !ok && !strings.Contains(err.Error(), "unknown") {
			t.Errorf("zkai %s: error without a hint: %v", strings.Join(c.args, " "), he)
		}
	}
}
