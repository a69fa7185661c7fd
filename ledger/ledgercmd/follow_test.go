package ledgercmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newFollowedLog creates a log under key with origin example.com/log and
// appends n model entries whose versions start at from, so that two logs
// with different from diverge.
func newFollowedLog(t *testing.T, key string, from, n int) string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	mustRun(t, "ledger", "init", log, "--key", key, "--origin", "example.com/log")
	appendEntries(t, log, key, from, n)
	return log
}

func appendEntries(t *testing.T, log, key string, from, n int) {
	t.Helper()
	var b strings.Builder
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, `{"kind":"model","name":"m","version":"%d","vk_digest":"d%d"}`+"\n", i, i)
	}
	mustRun(t, "ledger", "append", log, "--key", key, "--file", write(t, t.TempDir(), "e.jsonl", b.String()))
}

// TestFollow: ledger follow trusts a log on first use and follows it as it
// grows; a rolled-back copy, a fork of the same key and origin (at the
// trusted size and larger) and a log under another key are refused with an
// error naming what happened, and the state file is left as it was.
func TestFollow(t *testing.T) {
	dir := t.TempDir()
	key, other := filepath.Join(dir, "log.key"), filepath.Join(dir, "other.key")
	pub := strings.TrimSpace(mustRun(t, "keygen", "-o", key, "--name", "example.com/log"))
	mustRun(t, "keygen", "-o", other, "--name", "example.com/log")
	log := newFollowedLog(t, key, 0, 2)
	backup := filepath.Join(dir, "backup")
	if err := os.CopyFS(backup, os.DirFS(log)); err != nil {
		t.Fatal(err)
	}
	appendEntries(t, log, key, 2, 2) // size 4

	follow := func(state, logDir string, extra ...string) (string, error) {
		return run(t, append([]string{"ledger", "follow", logDir, "--log-key", pub, "--state", state}, extra...)...)
	}

	// A growing log: first use, then forward, then unchanged; --json.
	state := filepath.Join(dir, "trusted")
	for _, c := range []struct{ log, want string }{
		{backup, "trusted on first use: example.com/log at size 2"},
		{log, "size 2 → 4: consistent"},
		{log, "size 4 → 4: unchanged"},
	} {
		if out, err := follow(state, c.log); err != nil || !strings.Contains(out, c.want) {
			t.Fatalf("follow %s: %v, output %q, want %q", c.log, err, out, c.want)
		}
	}
	appendEntries(t, log, key, 4, 1)
	out, err := follow(state, log, "--json")
	var js struct {
		FirstUse bool   `json:"first_use"`
		OldSize  *int64 `json:"old_size"`
		NewSize  int64  `json:"new_size"`
	}
	if err != nil || json.Unmarshal([]byte(out), &js) != nil || js.FirstUse || js.OldSize == nil || *js.OldSize != 4 || js.NewSize != 5 {
		t.Fatalf("follow --json: %v: %s", err, out)
	}

	for _, c := range []struct {
		name, log, want string
	}{
		{"rollback", backup, "rollback: checkpoint is smaller than the trusted one"},
		{"fork at the trusted size", newFollowedLog(t, key, 100, 5), "fork: two checkpoints of size 5"},
		{"fork larger than the trusted size", newFollowedLog(t, key, 100, 7), "fork: checkpoint of size 7 is not consistent with the trusted one of size 5"},
		{"another key", newFollowedLog(t, other, 0, 7), "not a checkpoint of log \"example.com/log\" signed by the trusted key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before, _ := os.ReadFile(state)
			_, err := follow(state, c.log)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "unchanged") {
				t.Fatalf("%v, want an error containing %q", err, c.want)
			}
			if _, ok := err.(*HintError); !ok {
				t.Errorf("error without a hint: %v", err)
			}
			if after, _ := os.ReadFile(state); !bytes.Equal(before, after) {
				t.Fatal("state changed on a refused checkpoint")
			}
		})
	}

	// A first use under another key trusts nothing.
	fresh := filepath.Join(dir, "fresh")
	if _, err := follow(fresh, newFollowedLog(t, other, 0, 1)); err == nil {
		t.Fatal("first use accepted a log under another key")
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Fatalf("state written on a refused first use: %v", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ledger", "follow", log, "--state", state}, "--log-key is required"},
		{[]string{"ledger", "follow", log, "--log-key", "nonsense", "--state", state}, "not a verifier key"},
		{[]string{"ledger", "follow", log, "--log-key", key, "--state", state}, "secret signer key"},
		{[]string{"ledger", "follow", log, "--log-key", pub}, "--state is required"},
		{[]string{"ledger", "follow", log, "--log-key", pub, "--state", write(t, dir, "junk", "junk")}, "client state"},
	} {
		if _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("zkai %s: %v, want an error containing %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}
