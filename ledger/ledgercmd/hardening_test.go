package ledgercmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/ledger"
)

// newLog makes a key (its secret file 0600) and a log under it with origin
// example.com/log holding one model entry; it returns the key file, the
// public key and the log directory.
func newLog(t *testing.T, dir, name string) (key, pub, log string) {
	t.Helper()
	key, log = filepath.Join(dir, name+".key"), filepath.Join(dir, name)
	pub = strings.TrimSpace(mustRun(t, "keygen", "-o", key, "--name", "example.com/log"))
	mustRun(t, "ledger", "init", log, "--key", key, "--origin", "example.com/log")
	mustRun(t, "ledger", "append", log, "--key", key, write(t, dir, name+".m.json", `{"kind":"model","name":"mnist","version":"1","weight_commitment":"0xab"}`))
	return key, pub, log
}

// Regression (issue 8 item 12): audit checked a log against the key its
// own log.json names, so a directory replaced wholesale — log.json and
// checkpoints re-signed by another key — passed. With --log-key and
// --origin it fails; without, it passes only with a note saying so, and
// the output names the key and origin used.
func TestAuditPinsKeyAndOrigin(t *testing.T) {
	dir := t.TempDir()
	_, pub, log := newLog(t, dir, "log")
	_, mallory, replaced := newLog(t, dir, "replaced") // same name and origin, another key

	out, stderr, err := runStderr(t, "ledger", "audit", replaced)
	if err != nil || !strings.Contains(out, "log key "+mallory+" (named by "+filepath.Join(replaced, "log.json")+", not pinned)") ||
		!strings.Contains(out, "origin example.com/log (named by") || !strings.Contains(stderr, "a directory replaced wholesale passes too") {
		t.Fatalf("unpinned audit of the replaced log: %v\nstdout %s\nstderr %s", err, out, stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ledger", "audit", replaced, "--log-key", pub}, "the log names the verifier key " + mallory + ", not the trusted key " + pub},
		{[]string{"ledger", "audit", log, "--log-key", pub, "--origin", "example.com/other"}, `the log's origin is "example.com/log", not the trusted origin "example.com/other"`},
		{[]string{"ledger", "follow", log, "--log-key", pub, "--state", filepath.Join(dir, "st"), "--origin", "example.com/other"}, `not the trusted origin "example.com/other"`},
	} {
		if _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("zkai %s: %v, want an error containing %q", strings.Join(c.args, " "), err, c.want)
		}
	}
	out, stderr, err = runStderr(t, "ledger", "audit", log, "--log-key", pub, "--origin", "example.com/log")
	if err != nil || !strings.Contains(out, "log key "+pub+" (pinned by --log-key)\norigin example.com/log (pinned by --origin)") || stderr != "" {
		t.Fatalf("pinned audit: %v\nstdout %s\nstderr %s", err, out, stderr)
	}
	var rep struct {
		KeyPinned    bool   `json:"key_pinned"`
		OriginPinned bool   `json:"origin_pinned"`
		VerifierKey  string `json:"verifier_key"`
	}
	out = mustRun(t, "ledger", "audit", log, "--log-key", pub, "--json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil || !rep.KeyPinned || rep.OriginPinned || rep.VerifierKey != pub {
		t.Fatalf("audit --json: %v %+v", err, rep)
	}
	out = mustRun(t, "ledger", "follow", log, "--log-key", pub, "--state", filepath.Join(dir, "st2"))
	if !strings.Contains(out, "origin example.com/log (taken from the log directory: pin it with --origin)") {
		t.Errorf("follow on first use without --origin: %s", out)
	}
}

// Regression (issue 8 item 14): a secret key given inline to --log-key was
// echoed in the error.
func TestLogKeySecretNotEchoed(t *testing.T) {
	dir := t.TempDir()
	key, _, log := newLog(t, dir, "log")
	b, _ := os.ReadFile(key)
	skey := strings.TrimSpace(string(b))
	secret := skey[strings.LastIndex(skey, "+")+1:]
	for _, arg := range []string{skey, " " + skey + "\n", strings.ToLower(skey), skey[len("PRIVATE+KEY+"):]} {
		_, stderr, err := runStderr(t, "ledger", "follow", log, "--log-key", arg, "--state", filepath.Join(dir, "st"))
		var he *HintError
		if err == nil || !errors.As(err, &he) {
			t.Fatalf("--log-key with a secret key: %v", err)
		}
		if all := err.Error() + he.Hint + stderr; strings.Contains(strings.ToLower(all), strings.ToLower(secret)) {
			t.Errorf("the secret key is echoed: %s", all)
		}
	}
	if _, err := run(t, "ledger", "follow", log, "--log-key", skey, "--state", filepath.Join(dir, "st")); err == nil || !strings.Contains(err.Error(), "the --log-key value is a secret signer key") {
		t.Errorf("inline secret key: %v", err)
	}
	if _, err := run(t, "ledger", "follow", log, "--log-key", key, "--state", filepath.Join(dir, "st")); err == nil || !strings.Contains(err.Error(), "--log-key file "+key+" is a secret signer key") {
		t.Errorf("secret key file: %v", err)
	}
}

// Regression (issue 8 item 14): key files were read without a size limit
// (--key /dev/zero never returned) and a secret key readable by others was
// used without a word.
func TestKeyFileLimitsAndMode(t *testing.T) {
	dir := t.TempDir()
	key, _, log := newLog(t, dir, "log")
	entry := write(t, dir, "d.json", `{"kind":"dataset","commitment":"0xcd","rows":5}`)
	for _, args := range [][]string{
		{"ledger", "append", log, "--key", "/dev/zero", entry},
		{"ledger", "follow", log, "--log-key", "/dev/zero", "--state", filepath.Join(dir, "st")},
	} {
		if _, err := run(t, args...); err == nil || !strings.Contains(err.Error(), "/dev/zero holds more than 4096 bytes") {
			t.Errorf("zkai %s: %v, want a refusal naming the 4096-byte limit", strings.Join(args, " "), err)
		}
	}
	_, stderr, err := runStderr(t, "ledger", "append", log, "--key", key, entry)
	if err != nil || stderr != "" {
		t.Fatalf("append with a 0600 key: %v, stderr %q", err, stderr)
	}
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = runStderr(t, "ledger", "append", log, "--key", key, entry)
	if err != nil || !strings.Contains(stderr, "zkai: warning: the secret key file "+key+" may be read by others than its owner (mode 0644); run 'chmod 600") {
		t.Fatalf("append with a 0644 key: %v, stderr %q", err, stderr)
	}
}

// Regression (issue 8 item 14): an entry's size was checked only after
// parsing it (a 100 MB entry took 18 s and 1.5 GB to refuse). The read is
// bounded: a 100 MB file (sparse, so the test writes nothing) is refused
// after reading 1 MiB.
func TestEntrySizeBoundedBeforeParsing(t *testing.T) {
	dir := t.TempDir()
	key, _, log := newLog(t, dir, "log")
	big := filepath.Join(dir, "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(100 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"ledger", "append", log, "--key", key, big}, big + " holds more than 1048576 bytes: not an entry"},
		{[]string{"ledger", "append", log, "--key", key, "--file", big}, big + ": line 1 holds more than the 1048576 bytes an entry may"},
		{[]string{"registry", "record-proof", big, "--ledger", log, "--key", key}, big + " holds more than 67108864 bytes: not a proof bundle"},
		{[]string{"registry", "add", "m", "--ledger", log, "--key", key, "--vk", "/dev/zero"}, "/dev/zero holds more than"},
		{[]string{"registry", "add", "m", "--ledger", log, "--key", key, "--model-commitment", "/dev/zero"}, "/dev/zero holds more than 65536 bytes"},
	} {
		if _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("zkai %s: %v, want an error containing %q", strings.Join(c.args, " "), err, c.want)
		}
	}
}

// Regression (issue 8 item 14): show --json re-indented (and HTML-escaped)
// the stored entries, so what it printed was not what the leaf hash is of.
func TestShowJSONPrintsStoredBytes(t *testing.T) {
	dir := t.TempDir()
	key, _, log := newLog(t, dir, "log")
	mustRun(t, "ledger", "append", log, "--key", key, write(t, dir, "m2.json", `{"kind":"model","name":"a<b>&c","version":"1","vk_digest":"d","datasets":["x","y"]}`))
	var shown struct {
		Entries []struct {
			LeafHash []byte          `json:"leaf_hash"`
			Entry    json.RawMessage `json:"entry"`
		}
	}
	if err := json.Unmarshal([]byte(mustRun(t, "ledger", "show", log, "--json")), &shown); err != nil || len(shown.Entries) != 2 {
		t.Fatalf("show --json: %v", err)
	}
	l, err := ledger.Open(log, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range shown.Entries {
		stored, _ := l.Entry(int64(i), 2)
		if !bytes.Equal(e.Entry, stored) || !bytes.Equal(ledger.LeafHash(e.Entry), e.LeafHash) {
			t.Errorf("entry %d shown as\n%s\nstored as\n%s", i, e.Entry, stored)
		}
	}
}

// Regression (issue 8 item 13): 'ledger append' bypassed the registry's
// rule that a (name, version) is registered once.
func TestAppendKeepsRegistryRules(t *testing.T) {
	dir := t.TempDir()
	key, _, log := newLog(t, dir, "log") // mnist version 1 is entry 0
	again := write(t, dir, "again.json", `{"kind":"model","name":"mnist","version":"1","weight_commitment":"0xcd"}`)
	if _, err := run(t, "ledger", "append", log, "--key", key, again); err == nil || !strings.Contains(err.Error(), "mnist version 1 is entry 0") {
		t.Fatalf("append of a registered version: %v", err)
	}
	batch := write(t, dir, "b.jsonl", `{"kind":"model","name":"cifar","version":"1","vk_digest":"d"}
{"kind":"model","name":"cifar","version":"1","vk_digest":"e"}
`)
	if _, err := run(t, "ledger", "append", log, "--key", key, "--file", batch); err == nil || !strings.Contains(err.Error(), "cifar version 1 is entry 1") {
		t.Fatalf("append of a version twice in a batch: %v", err)
	}
	if out := mustRun(t, "ledger", "show", log); !strings.Contains(out, "1 entries") {
		t.Fatalf("refused appends changed the log:\n%s", out)
	}
}

// registry add-dataset and registry show had no CLI test (issue 8 item 9).
func TestRegistryAddDatasetAndShow(t *testing.T) {
	dir := t.TempDir()
	key, _, log := newLog(t, dir, "log") // mnist version 1, weight commitment 0xab
	d, err := datacommit.FromLabels([]int{0, 1, 1, 0, 2}, datacommit.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := datacommit.New(d, "answers")
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := json.Marshal(c)
	cpath := write(t, dir, "answers.c.json", string(cb))

	out := mustRun(t, "registry", "add-dataset", cpath, "--ledger", log, "--key", key)
	if want := "recorded data set " + c.Root + " (5 rows) as entry 1\n"; out != want {
		t.Fatalf("add-dataset printed %q, want %q", out, want)
	}
	var again struct {
		Index   int64 `json:"index"`
		Already bool  `json:"already_recorded"`
		Dataset struct {
			Name       string `json:"name"`
			Commitment string `json:"commitment"`
			Rows       int64  `json:"rows"`
			Schema     struct {
				Construction string `json:"construction"`
			} `json:"schema"`
		} `json:"dataset"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "registry", "add-dataset", cpath, "--ledger", log, "--key", key, "--json")), &again); err != nil {
		t.Fatal(err)
	}
	if again.Index != 1 || !again.Already || again.Dataset.Name != "answers" || again.Dataset.Commitment != c.Root || again.Dataset.Rows != 5 ||
		again.Dataset.Schema.Construction != datacommit.Construction {
		t.Fatalf("add-dataset of a recorded commitment: %+v", again)
	}
	if _, err := run(t, "registry", "add-dataset", write(t, dir, "bad.json", `{"format":"zkai-data-commitment/1"}`), "--ledger", log, "--key", key); err == nil || !strings.Contains(err.Error(), "datacommit") {
		t.Errorf("add-dataset of a malformed commitment: %v", err)
	}

	mustRun(t, "registry", "add", "mnist", "--ledger", log, "--key", key, "--vk", write(t, dir, "vk", "not really a vk"), "--parent", "1", "--dataset", c.Root)
	out = mustRun(t, "registry", "show", "mnist", "--ledger", log)
	for _, want := range []string{"mnist version 1\tentry 0\t", "  weight commitment 0xab\n", "mnist version 2\tentry 2\t", "  parent 1\n", "  vk sha256:", "  trained on " + c.Root + "\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("registry show lacks %q:\n%s", want, out)
		}
	}
	var shown struct {
		Name     string `json:"name"`
		TreeSize int64  `json:"tree_size"`
		Versions []struct {
			Index int64         `json:"index"`
			Model *ledger.Model `json:"model"`
		} `json:"versions"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "registry", "show", "mnist", "--ledger", log, "--json")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Name != "mnist" || shown.TreeSize != 3 || len(shown.Versions) != 2 || shown.Versions[1].Model.Version != "2" || shown.Versions[1].Model.Parent != "1" {
		t.Fatalf("registry show --json: %+v", shown)
	}
	if _, err := run(t, "registry", "show", "cifar", "--ledger", log); err == nil || !strings.Contains(err.Error(), "no version of cifar is registered") {
		t.Errorf("registry show of an unknown model: %v", err)
	}
}
