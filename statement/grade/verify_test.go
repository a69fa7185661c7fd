package grade

import (
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/internal/jsonmut"
	"github.com/zkai-dev/zkai/proof"
)

// proven is a graded test key: its commitment, vk and valid bundle.
func proven(t *testing.T) (*datacommit.Commitment, []byte, []byte) {
	t.Helper()
	c, o := commitKey(t, testKey, 4)
	dir := setUp(t, c)
	p, err := Prove(dir, c, o, testKey, testAnswers, "test")
	if err != nil {
		t.Fatal(err)
	}
	return c, readVK(t, dir), marshal(t, p.Bundle)
}

// TestLayoutBinding: the key's label name and scale enter only the root,
// which the verifier recomputes from the shape it shows; the layout digest
// makes the proof bind them, so a relabelled bundle with a consistent root
// does not verify.
func TestLayoutBinding(t *testing.T) {
	_, vk, good := proven(t)
	relabel := func(edit func(k *KeyShape)) []byte {
		var b proof.Bundle
		if err := json.Unmarshal(good, &b); err != nil {
			t.Fatal(err)
		}
		var pub Public
		if err := json.Unmarshal(b.Public, &pub); err != nil {
			t.Fatal(err)
		}
		edit(&pub.Key)
		s := pub.Key.DataShape()
		leaves := make([]*big.Int, len(pub.Leaves))
		for i, l := range pub.Leaves {
			leaves[i], _ = new(big.Int).SetString(l, 10)
		}
		root, err := s.Root(leaves)
		if err != nil {
			t.Fatal(err)
		}
		pub.KeyRoot = root.String()
		b.Public = marshal(t, &pub)
		return marshal(t, &b)
	}
	for name, bundle := range map[string][]byte{
		"label renamed": relabel(func(k *KeyShape) { k.Label = "approved" }),
		"scale changed": relabel(func(k *KeyShape) { k.Scale = 3 }),
	} {
		if r := Verify(bundle, vk, Expect{}); r.Valid || !strings.Contains(r.Reason, "the proof does not verify") {
			t.Errorf("%s: valid %v, reason %q; want the proof to fail", name, r.Valid, r.Reason)
		}
	}
}

// TestExpectKey: an expected key commitment must match the grade in root
// and shape: a commitment file whose shape was edited keeps its root but is
// not the key.
func TestExpectKey(t *testing.T) {
	c, vk, good := proven(t)
	if r := Verify(good, vk, Expect{Key: c}); !r.Valid {
		t.Fatal(r.Reason)
	}
	edited := *c
	edited.Label = "z"
	other, _ := commitKey(t, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 4)
	for name, k := range map[string]*datacommit.Commitment{"shape edited": &edited, "another key": other} {
		if r := Verify(good, vk, Expect{Key: k}); r.Valid || !strings.Contains(r.Reason, "not the expected") {
			t.Errorf("%s: valid %v, reason %q", name, r.Valid, r.Reason)
		}
	}
}

// TestMutations changes every leaf of a valid grade bundle, one at a time:
// each change is rejected or leaves the verdict unchanged (jsonmut.Check). The same for the key commitment passed as --expect-data,
// whose name no grade shows.
func TestMutations(t *testing.T) {
	c, vk, good := proven(t)
	check := func(what string, doc []byte, informational []string, verify func([]byte) (*Result, error)) {
		t.Run(what, func(t *testing.T) {
			jsonmut.Check(t, doc, informational, func(b []byte) (string, bool) {
				r, err := verify(b)
				if err != nil {
					return err.Error(), false
				}
				return string(marshal(t, r)), r.Valid
			})
		})
	}
	check("bundle", good, []string{"zkai_version", "gnark_version"}, func(b []byte) (*Result, error) {
		return Verify(b, vk, Expect{}), nil
	})
	check("key commitment", marshal(t, c), []string{"name"}, func(b []byte) (*Result, error) {
		path := filepath.Join(t.TempDir(), "c.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		k, err := datacommit.ReadCommitment(path)
		if err != nil {
			return nil, err
		}
		return Verify(good, vk, Expect{Key: k}), nil
	})
}
