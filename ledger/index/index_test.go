package index

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/zkai-dev/zkai/ledger"
)

func TestSyncAndLookup(t *testing.T) {
	skey, _, _ := ledger.GenerateKey("test-log")
	key, err := ledger.ParseKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	l, err := ledger.Init(dir, key, "example.com/index-test")
	if err != nil {
		t.Fatal(err)
	}
	add := func(body any) {
		e, err := ledger.NewEntry(body, key, time.Unix(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := l.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "index.sqlite")
	for _, c := range []struct {
		name   string
		append []any
		key    string
		want   string
	}{
		{"empty log", nil, "kind:model", "[]"},
		{"first model", []any{&ledger.Model{Name: "a", Version: "1", WeightCommitment: "11", VKDigest: "sha256:v"}}, "model:11", "[0]"},
		{"by vk digest", nil, "model:sha256:v", "[0]"},
		{"catch up", []any{&ledger.Dataset{Commitment: "d", Rows: 1}, &ledger.Model{Name: "a", Version: "2", WeightCommitment: "12", Datasets: []string{"d"}}}, "model-name:a", "[0 2]"},
		{"data set users", nil, "uses-dataset:d", "[2]"},
		{"proof identity", []any{&ledger.ProofRecord{VKDigest: "sha256:v", PublicInputDigest: "p", BundleDigest: "b", Statement: "inference", Model: "12"}}, "proof:" + ProofKey("sha256:v", "p"), "[3]"},
		{"proofs of a model", nil, "uses-model:12", "[3]"},
		{"kinds", nil, "kind:model", "[0 2]"},
	} {
		for _, b := range c.append {
			add(b)
		}
		// A fresh handle each time: the index persists and catches up.
		x, err := Open(l, path)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := x.Sync()
		if err != nil {
			t.Fatal(err)
		}
		got, err := x.Lookup(c.key, cp.Size)
		x.Close()
		if err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("%s: Lookup(%q) = %v, %v; want %s", c.name, c.key, got, err, c.want)
		}
	}
}
