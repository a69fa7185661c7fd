package registry

import (
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zkai-dev/zkai/ledger"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/edges"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newKey(t testing.TB, name string) *ledger.Key {
	t.Helper()
	skey, _, err := ledger.GenerateKey(name)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ledger.ParseKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newRegistry(t testing.TB) (*Registry, *ledger.Key, string) {
	t.Helper()
	key := newKey(t, "test-log")
	dir := t.TempDir()
	if _, err := ledger.Init(dir, key, "example.com/registry-test"); err != nil {
		t.Fatal(err)
	}
	r, err := Open(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, key, dir
}

// bundle builds a proof bundle (its proof bytes are not a proof: the
// registry never verifies proofs) with the given public object.
func bundle(t testing.TB, statement, vkDigest, public string) []byte {
	t.Helper()
	b, err := proof.NewBundle(statement, proof.Groth16, vkDigest, json.RawMessage(public), []byte("not a proof"), "test")
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const (
	wc1 = "1111" // weight commitments, as decimals
	wc2 = "2222"
	vk1 = "sha256:aa"
	vk2 = "sha256:bb"
)

func model(name, version, parent, wc string) ledger.Model {
	return ledger.Model{Name: name, Version: version, Parent: parent, WeightCommitment: wc}
}

func TestAdd(t *testing.T) {
	r, key, _ := newRegistry(t)
	for _, c := range []struct {
		m       ledger.Model
		version string // registered version, or "" when refused
		err     string
	}{
		{model("mnist", "", "", wc1), "1", ""},
		{model("mnist", "", "1", wc2), "2", ""},
		{model("mnist", "2", "", wc2), "", "mnist version 2 is entry 1"},
		{model("mnist", "v3", "7", wc2), "", `parent version "7" of mnist is not registered`},
		{model("mnist", "v3", "2", wc2), "v3", ""},
		{model("mnist", "", "", wc2), "3", ""}, // the next integer version
		{model("other", "", "", wc1), "1", ""},
		{ledger.Model{Name: "mnist", Version: "9"}, "", "weight_commitment and/or vk_digest"},
	} {
		_, got, _, err := r.Add(c.m, key, t0)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("Add(%+v) = %v, want an error containing %q", c.m, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("Add(%+v): %v", c.m, err)
		case c.err == "" && got.Version != c.version:
			t.Errorf("Add(%+v) registered version %q, want %q", c.m, got.Version, c.version)
		}
	}
	cp, _ := r.Sync()
	vs, err := r.Versions("mnist", cp.Size)
	if err != nil || len(vs) != 4 {
		t.Fatalf("Versions = %d, %v; want 4", len(vs), err)
	}
}

// Registrations racing from several goroutines and handles (as processes
// would) never register one version twice.
func TestAddConcurrent(t *testing.T) {
	_, key, dir := newRegistry(t)
	const writers, each = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := Open(dir, key)
			if err != nil {
				errs <- err
				return
			}
			defer r.Close()
			for i := range each {
				if _, _, _, err := r.Add(model("m", "", "", fmt.Sprint(w*100+i)), key, t0); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	r, _ := Open(dir, nil)
	defer r.Close()
	cp, _ := r.Sync()
	vs, _ := r.Versions("m", cp.Size)
	seen := map[string]bool{}
	for _, v := range vs {
		ver := v.Entry.Value.(*ledger.Model).Version
		if seen[ver] {
			t.Errorf("version %s registered twice", ver)
		}
		seen[ver] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d versions, want %d", len(seen), writers*each)
	}
}

func TestRecordProof(t *testing.T) {
	r, key, _ := newRegistry(t)
	b := bundle(t, "inference", vk1, `{"model":{"weights":"private","commitment":"1111"},"outputs":[{"data":[0.5]}]}`)
	i, rec, _, err := r.RecordProof(b, key, t0)
	if err != nil || rec.Model != wc1 || rec.Statement != "inference" || rec.VKDigest != vk1 {
		t.Fatalf("RecordProof: %v %+v", err, rec)
	}
	// An evaluation file (its shards are bundles) names its model and data.
	ev := []byte(`{"format":"zkai-evaluation/2","statement":"evaluation","vk_digest":"sha256:ee","public":{"data_root":"77","model":{"weights":"private","commitment":"1111"},"accuracy":0.9},"shards":[]}`)
	if _, rec, _, err := r.RecordProof(ev, key, t0); err != nil || rec.Model != wc1 || fmt.Sprint(rec.Datasets) != "[77]" || rec.Statement != "evaluation" {
		t.Fatalf("RecordProof(evaluation): %v %+v", err, rec)
	}
	// A grade names its answer key as its data set.
	gr := bundle(t, "grade", vk1, `{"key_root":"55","n":3,"correct":2}`)
	if _, rec, _, err := r.RecordProof(gr, key, t0); err != nil || fmt.Sprint(rec.Datasets) != "[55]" || rec.Statement != "grade" {
		t.Fatalf("RecordProof(grade): %v %+v", err, rec)
	}
	// The same public values in another bundle (a re-randomised proof, other
	// whitespace): the same identity, not recorded twice.
	again := bundle(t, "inference", vk1, `{"outputs":[{"data":[0.5]}], "model":{"commitment":"1111","weights":"private"}}`)
	if j, _, _, err := r.RecordProof(again, key, t0); !errors.Is(err, ErrExists) || j != i {
		t.Fatalf("recording the same proof again = %d, %v; want %d, ErrExists", j, err, i)
	}
	for _, c := range []struct{ name, bundle, err string }{
		{"not JSON", "{", "not valid JSON"},
		{"no statement", `{"format":"` + proof.BundleFormat + `","curve":"bn254","backend":"groth16","public":{},"proof":""}`, "no statement"},
		{"model not an object", string(bundle(t, "inference", vk1, `{"model":"1111"}`)), "model, data_root or key_root malformed"},
		{"unknown format", `{"format":"zkai-bundle/9","statement":"x","vk_digest":"v","public":{}}`, "is not a proof file zkai records"},
		{"evaluation without public values", `{"format":"zkai-evaluation/2","statement":"evaluation","vk_digest":"v"}`, "lacks"},
		{"public values larger than an entry", `{"format":"zkai-evaluation/2","statement":"evaluation","vk_digest":"v","public":{"x":"` + strings.Repeat("c", ledger.MaxEntrySize) + `"}}`, "public values of 1048584 bytes"},
	} {
		if _, _, _, err := r.RecordProof([]byte(c.bundle), key, t0); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: RecordProof = %.300v, want an error containing %q", c.name, err, c.err)
		}
	}
}

// A statement's own format is recorded through the edges it registers:
// its edges out (a trained model, a derived data set) are recorded too, and
// a reader's refusal is the registry's.
func TestRecordProofOfRegisteredStatement(t *testing.T) {
	edges.Register("zkai-test-edges/1", func(file []byte) (*edges.Edges, error) {
		var f struct {
			Public json.RawMessage `json:"public"`
			Out    string          `json:"out"`
		}
		if err := json.Unmarshal(file, &f); err != nil || f.Out == "" {
			return nil, errors.New("test edges: no out")
		}
		return &edges.Edges{Statement: "test", VKDigest: "sha256:ab", Public: f.Public, Model: "1111", Datasets: []string{"77"}, ModelsOut: []string{f.Out}}, nil
	})
	r, key, _ := newRegistry(t)
	_, rec, _, err := r.RecordProof([]byte(`{"format":"zkai-test-edges/1","public":{"a":1},"out":"2222"}`), key, t0)
	if err != nil || rec.Model != "1111" || fmt.Sprint(rec.Datasets, rec.ModelsOut) != "[77] [2222]" || rec.Statement != "test" {
		t.Fatalf("RecordProof: %v %+v", err, rec)
	}
	if _, _, _, err := r.RecordProof([]byte(`{"format":"zkai-test-edges/1","public":{"a":2}}`), key, t0); err == nil || !strings.Contains(err.Error(), "no out") {
		t.Fatalf("a file its reader refuses: %v", err)
	}
}

// appendEntry appends one submission signed by key.
func appendEntry(t *testing.T, r *Registry, key *ledger.Key, body any) int64 {
	t.Helper()
	e, err := ledger.NewEntry(body, key, t0)
	if err != nil {
		t.Fatal(err)
	}
	i, _, err := r.Log.Append(e)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestCheckLineage(t *testing.T) {
	r, key, _ := newRegistry(t)
	data := &ledger.Dataset{Name: "digits-test", Commitment: "777", Rows: 450}
	late := &ledger.Dataset{Name: "late", Commitment: "888", Rows: 10}
	appendEntry(t, r, key, data)                                                      // 0
	r.Add(ledger.Model{Name: "mnist", WeightCommitment: wc1, VKDigest: vk1}, key, t0) // 1
	r.Add(ledger.Model{Name: "mnist", WeightCommitment: wc2, VKDigest: vk1, Parent: "1", Datasets: []string{"777"}}, key, t0)
	eval := bundle(t, "evaluation", vk2, `{"model":{"weights":"private","commitment":"2222"},"data_root":"777","accuracy":0.9}`)
	evalLate := bundle(t, "evaluation", vk2, `{"model":{"weights":"private","commitment":"2222"},"data_root":"888","accuracy":0.99}`)
	inf := bundle(t, "inference", vk1, `{"model":{"weights":"private","commitment":"2222"},"outputs":[]}`)
	for _, b := range [][]byte{eval, evalLate, inf} { // 3, 4, 5
		if _, _, _, err := r.RecordProof(b, key, t0); err != nil {
			t.Fatal(err)
		}
	}
	appendEntry(t, r, key, late) // 6

	lin, err := r.Check(inf, r.Log.Verifier())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range lin.Entries {
		got = append(got, fmt.Sprintf("%d %s", n.Index, n.Role))
	}
	want := "0 dataset, 1 parent model, 2 model, 3 evaluation, 4 evaluation, 5 this proof, 6 dataset"
	if strings.Join(got, ", ") != want || !lin.Recorded || lin.Model != wc2 || lin.TreeSize != 7 {
		t.Errorf("lineage %s (recorded %v, model %s)\nwant %s", strings.Join(got, ", "), lin.Recorded, lin.Model, want)
	}
	if len(lin.Warnings) != 1 || !strings.Contains(lin.Warnings[0], "data set 888 was logged (entry 6) after entry 4 (evaluation proof)") {
		t.Errorf("warnings %q, want one about data set 888", lin.Warnings)
	}

	// A proof of another vk for the same weights is flagged; an unrecorded
	// proof is reported as such.
	other := bundle(t, "inference", "sha256:cc", `{"model":{"weights":"private","commitment":"1111"}}`)
	lin, err = r.Check(other, r.Log.Verifier())
	if err != nil || lin.Recorded || len(lin.Warnings) != 1 || !strings.Contains(lin.Warnings[0], "sha256:cc is not the vk digest") {
		t.Errorf("other vk: %v, recorded %v, warnings %q", err, lin != nil && lin.Recorded, lin.Warnings)
	}
}

func TestCheckRefuses(t *testing.T) {
	for _, c := range []struct {
		name   string
		bundle string
		setup  func(t *testing.T, r *Registry, dir string) *Registry
		key    func(r *Registry) *ledger.Key
		err    string
	}{
		{name: "unregistered model", bundle: `{"model":{"weights":"private","commitment":"999"}}`, err: "not registered"},
		{name: "public weights, unregistered vk", bundle: `{"model":{"weights":"public"}}`, err: "no version has identity sha256:aa"},
		{name: "checkpoint by another key", bundle: `{"model":{"weights":"private","commitment":"1111"}}`,
			key: func(*Registry) *ledger.Key { return newKey(t, "test-log") }, err: "not signed by the trusted log key"},
		{name: "registration rewritten in storage", bundle: `{"model":{"weights":"private","commitment":"1111"}}`,
			setup: func(t *testing.T, r *Registry, dir string) *Registry {
				// Re-sign entry 0 with other fields; the checkpoint no longer covers it.
				forged, _ := ledger.NewEntry(&ledger.Model{Name: "mnist", Version: "0", WeightCommitment: wc1}, newKey(t, "mallory"), t0)
				rewriteEntry(t, r, dir, 0, forged)
				return r
			}, err: "entry 0 is not included under the signed checkpoint"},
		{name: "stale index of another log", bundle: `{"model":{"weights":"private","commitment":"2222"}}`,
			setup: func(t *testing.T, r *Registry, dir string) *Registry {
				// Index this log, then put a different log under the index:
				// it must be rebuilt, not trusted.
				r.Close()
				other, okey, odir := newRegistry(t)
				other.Add(model("mnist", "", "", wc2), okey, t0)
				other.Close()
				os.Rename(filepath.Join(dir, IndexFile), filepath.Join(odir, IndexFile))
				os.Remove(filepath.Join(dir, IndexFile+"-wal"))
				os.Remove(filepath.Join(dir, IndexFile+"-shm"))
				o, err := Open(odir, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { o.Close() })
				return o
			}, err: ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, key, dir := newRegistry(t)
			if _, _, _, err := r.Add(ledger.Model{Name: "mnist", WeightCommitment: wc1}, key, t0); err != nil {
				t.Fatal(err)
			}
			r.Add(model("mnist", "", "", "3333"), key, t0)
			if _, err := r.Sync(); err != nil {
				t.Fatal(err)
			}
			if c.setup != nil {
				r = c.setup(t, r, dir)
			}
			trusted := r.Log.Verifier()
			if c.key != nil {
				trusted = c.key(r).Verifier()
			}
			_, err := r.Check(bundle(t, "inference", vk1, c.bundle), trusted)
			if c.err == "" && err != nil || c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)) {
				t.Fatalf("Check = %v, want %q", err, c.err)
			}
		})
	}
}

// rewriteEntry replaces entry i in storage and fixes the offsets, as an
// operator rewriting history would; the stored hashes stay.
func rewriteEntry(t *testing.T, r *Registry, dir string, i int64, e []byte) {
	n, _ := r.Log.Size()
	var data, offs []byte
	for j := int64(0); j < n; j++ {
		ej, _ := r.Log.Entry(j, n)
		if j == i {
			ej = e
		}
		data = append(append(data, ej...), '\n')
		offs = binary.BigEndian.AppendUint64(offs, uint64(len(data)))
	}
	if err := os.WriteFile(filepath.Join(dir, "entries"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "offsets"), offs, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestAddDatasetOnce(t *testing.T) {
	r, key, _ := newRegistry(t)
	d := ledger.Dataset{Name: "digits", Commitment: "12345", Rows: 450}
	i, _, err := r.AddDataset(d, key, t0)
	if err != nil || i != 0 {
		t.Fatalf("first record: entry %d, %v", i, err)
	}
	if _, _, err := r.AddDataset(ledger.Dataset{Name: "other", Commitment: "999", Rows: 3}, key, t0); err != nil {
		t.Fatal(err)
	}
	j, _, err := r.AddDataset(d, key, t0.Add(time.Hour))
	if !errors.Is(err, ErrExists) || j != 0 {
		t.Fatalf("second record of the same commitment: entry %d, %v; want ErrExists and entry 0", j, err)
	}
}

// TestCheckAt: under an older checkpoint, a version registered after it is
// not registered yet, and the lineage is that tree's.
func TestCheckAt(t *testing.T) {
	r, key, _ := newRegistry(t)
	r.Add(model("mnist", "", "", wc1), key, t0)
	before, err := r.Log.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	r.Add(model("mnist", "", "", wc2), key, t0)
	b := bundle(t, "inference", vk1, `{"model":{"weights":"private","commitment":"2222"}}`)
	if _, err := r.CheckAt(b, before, r.Log.Verifier()); !errors.Is(err, ErrNotRegistered) {
		t.Errorf("CheckAt before the registration: %v, want ErrNotRegistered", err)
	}
	old := bundle(t, "inference", vk1, `{"model":{"weights":"private","commitment":"1111"}}`)
	if lin, err := r.CheckAt(old, before, r.Log.Verifier()); err != nil || lin.TreeSize != 1 || len(lin.Entries) != 1 {
		t.Errorf("CheckAt of version 1 under size 1: %v, %+v", err, lin)
	}
}

// Regression (issue 8 item 13): the rule that a (name, version) is
// registered once was decided from the index, so an index with the
// version's rows deleted let a second registration in; and a raw append
// bypassed the rule. Both are now checked against the log, and a lineage
// flags a version the log holds twice.
func TestVersionOnceFromTheLog(t *testing.T) {
	r, key, dir := newRegistry(t)
	if _, _, _, err := r.Add(model("mnist", "1", "", wc1), key, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sync(); err != nil {
		t.Fatal(err)
	}
	// Doctor the index: it no longer lists the registered version.
	db, err := sql.Open("sqlite", filepath.Join(dir, IndexFile))
	if err != nil {
		t.Fatal(err)
	}
	if res, err := db.Exec(`DELETE FROM refs WHERE key = 'model-name:mnist'`); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("deleted %d index rows", n)
	}
	db.Close()
	if vs, _ := r.Versions("mnist", 1); len(vs) != 0 {
		t.Fatalf("the doctored index still lists %d versions", len(vs))
	}
	if _, _, _, err := r.Add(model("mnist", "1", "", wc2), key, t0); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "mnist version 1 is entry 0") {
		t.Fatalf("Add of a registered version under a doctored index = %v, want ErrExists naming entry 0", err)
	}
	// An empty version is the next one after those in the log, not the index.
	if _, got, _, err := r.Add(model("mnist", "", "1", wc2), key, t0); err != nil || got.Version != "2" {
		t.Fatalf("Add without a version under a doctored index = %v, %v; want version 2", got, err)
	}

	// Raw appends go through the same rule, within a batch too.
	entry := func(m ledger.Model) []byte {
		e, err := ledger.NewEntry(&m, key, t0)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	size, _ := r.Log.Size()
	for _, c := range []struct {
		name  string
		batch [][]byte
		want  string
	}{
		{"registered version", [][]byte{entry(model("mnist", "2", "", wc1))}, "mnist version 2 is entry 1"},
		{"twice in a batch", [][]byte{entry(model("cifar", "1", "", wc1)), entry(model("cifar", "1", "", wc2))}, fmt.Sprintf("cifar version 1 is entry %d", size)},
		{"unregistered parent", [][]byte{entry(model("cifar", "2", "1", wc1))}, `parent version "1" of cifar is not registered`},
	} {
		if _, _, err := r.Append(c.batch...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Append = %v, want an error containing %q", c.name, err, c.want)
		}
	}
	if n, _ := r.Log.Size(); n != size {
		t.Fatalf("refused appends changed the log size %d → %d", size, n)
	}
	if _, _, err := r.Append(entry(model("cifar", "1", "", wc1)), entry(model("cifar", "2", "1", wc2))); err != nil {
		t.Fatalf("a batch of a version and its child: %v", err)
	}

}

// A writer that skipped the registry's rule (the log itself accepts any
// signed entry): the lineage of either registration flags the repeat.
func TestLineageFlagsRepeatedVersion(t *testing.T) {
	r, key, _ := newRegistry(t)
	if _, _, _, err := r.Add(model("mnist", "1", "", wc1), key, t0); err != nil {
		t.Fatal(err)
	}
	dup := appendEntry(t, r, key, &ledger.Model{Name: "mnist", Version: "1", WeightCommitment: wc2})
	want := fmt.Sprintf("mnist version 1 is registered 2 times (entries 0, %d)", dup)
	for _, wc := range []string{wc1, wc2} {
		lin, err := r.Check(bundle(t, "inference", vk1, `{"model":{"weights":"private","commitment":"`+wc+`"}}`), r.Log.Verifier())
		if err != nil {
			t.Fatal(err)
		}
		if len(lin.Warnings) != 1 || !strings.Contains(lin.Warnings[0], want) {
			t.Errorf("lineage of %s: warnings %q, want one containing %q", wc, lin.Warnings, want)
		}
	}
}

// The uniqueness check reads entries proven under the checkpoint: a log
// whose entries were edited (the version renamed so the scan misses it) is
// refused, not trusted.
func TestVersionCheckRefusesEditedLog(t *testing.T) {
	r, key, dir := newRegistry(t)
	if _, _, _, err := r.Add(model("mnist", "1", "", wc1), key, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Sync(); err != nil { // the index holds entry 0 before it is edited
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "entries"))
	os.WriteFile(filepath.Join(dir, "entries"), []byte(strings.Replace(string(b), `"kind":"model"`, `"kind":"modeL"`, 1)), 0o644)
	if _, _, _, err := r.Add(model("mnist", "1", "", wc2), key, t0); !errors.Is(err, ledger.ErrStorageMismatch) {
		t.Fatalf("Add over an edited log = %v, want ErrStorageMismatch", err)
	}
}
