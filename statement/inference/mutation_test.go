package inference

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/proof"
)

// bundleInformational lists the leaves of an inference bundle that no
// proof binds: Verify never shows them (its result holds the statement,
// the vk digest and the public values, all checked or proven).
var bundleInformational = []string{"zkai_version", "gnark_version"}

// commitmentInformational lists the leaves of model.commitment.json that
// ExpectedModel does not read.
var commitmentInformational = []string{"model_digest", "weights"}

// mutation is one changed copy of a JSON document.
type mutation struct {
	path string // dot-separated keys and indices of the changed leaf
	what string
	doc  []byte
}

// mutations returns every one-leaf change of the JSON document b: numbers
// ±1, doubled, negated, or of another type; strings extended, shortened,
// emptied, zero-prefixed, or a number; booleans flipped; nulls replaced;
// array elements dropped and duplicated; object fields deleted; an
// unknown field added to every object.
func mutations(t testing.TB, b []byte) []mutation {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		t.Fatal(err)
	}
	var out []mutation
	emit := func(path, what string, doc any) {
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, mutation{path, what, b})
	}
	var walk func(v any, path string, set func(any) any)
	walk = func(v any, path string, set func(any) any) {
		switch x := v.(type) {
		case json.Number:
			if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				for _, y := range []int64{i + 1, i - 1, 2*i + 1, -i - 1} {
					emit(path, "number "+strconv.FormatInt(y, 10), set(json.Number(strconv.FormatInt(y, 10))))
				}
			} else {
				f, _ := x.Float64()
				for _, y := range []float64{f + 1, f - 1, 2*f + 1, -f - 1} {
					emit(path, "number", set(json.Number(strconv.FormatFloat(y, 'g', -1, 64))))
				}
			}
			emit(path, "string", set(string(x)))
		case string:
			alts := []any{x + "1", "", "0" + x, 7}
			if x != "" {
				alts = append(alts, x[:len(x)-1])
			}
			for _, y := range alts {
				emit(path, "changed string", set(y))
			}
		case bool:
			emit(path, "flipped", set(!x))
		case nil:
			for _, y := range []any{"x", json.Number("0"), []any{}, map[string]any{}} {
				emit(path, "null replaced", set(y))
			}
		case []any:
			for i := range x {
				emit(path+"."+strconv.Itoa(i), "dropped", set(slices.Delete(slices.Clone(x), i, i+1)))
				emit(path+"."+strconv.Itoa(i), "duplicated", set(slices.Insert(slices.Clone(x), i, x[i])))
				walk(x[i], path+"."+strconv.Itoa(i), func(y any) any {
					c := slices.Clone(x)
					c[i] = y
					return set(c)
				})
			}
			emit(path, "null", set(nil))
		case map[string]any:
			for k := range x {
				p := strings.TrimPrefix(path+"."+k, ".")
				emit(p, "deleted", set(with(x, k, deleted)))
				walk(x[k], p, func(y any) any { return set(with(x, k, y)) })
			}
			emit(path, "unknown field", set(with(x, "zz_unknown", json.Number("1"))))
		}
	}
	walk(root, "", func(v any) any { return v })
	return out
}

// deleted, given to with, deletes the key.
var deleted = new(struct{})

// with is a copy of m with m[k] = v, or without k when v is deleted.
func with(m map[string]any, k string, v any) map[string]any {
	c := make(map[string]any, len(m)+1)
	for key, val := range m {
		c[key] = val
	}
	if v == any(deleted) {
		delete(c, k)
	} else {
		c[k] = v
	}
	return c
}

// checkMutations requires every one-leaf mutation of doc to be rejected
// (check returns ok = false), to show exactly what the honest document
// shows, or to be on a leaf listed as informational.
func checkMutations(t *testing.T, doc []byte, informational []string, check func([]byte) (shown string, ok bool)) {
	t.Helper()
	honest, ok := check(doc)
	if !ok {
		t.Fatal("the honest document is rejected")
	}
	ms := mutations(t, doc)
	accepted := 0
	for _, m := range ms {
		shown, ok := check(m.doc)
		if !ok {
			continue
		}
		accepted++
		top, _, _ := strings.Cut(m.path, ".")
		if shown != honest && !slices.Contains(informational, top) {
			t.Errorf("%s %s: accepted and shows\n%s\ninstead of\n%s", m.path, m.what, shown, honest)
		}
	}
	t.Logf("%d mutations, %d accepted (informational leaves or an unchanged result)", len(ms), accepted)
}

// TestMutation: change every leaf of valid inference bundles, and of the
// model files a verifier reads (model.commitment.json, a public-weights
// settings.json), one at a time: each change is rejected, or what the
// verifier shows is unchanged, or the leaf is informational.
func TestMutation(t *testing.T) {
	for _, vis := range []circuit.Options{
		{Weights: circuit.Public, Input: circuit.Public, Output: circuit.Public},
		{Weights: circuit.Private, Input: circuit.Hashed, Output: circuit.Hashed},
	} {
		t.Run(string(vis.Weights)+"-"+string(vis.Input)+"-"+string(vis.Output), func(t *testing.T) {
			ctx := "nonce"
			dir, p := pipeline(t, vis, proof.Groth16, &ctx)
			vk := readVK(t, dir)
			verifyWith := func(expect string) func([]byte) (string, bool) {
				return func(b []byte) (string, bool) {
					r := Verify(b, vk, expect)
					return string(marshal(t, r)), r.Valid
				}
			}
			checkMutations(t, marshal(t, p.Bundle), bundleInformational, verifyWith(""))

			// the file naming the expected model
			file, informational := SettingsFile, []string(nil)
			if vis.Weights == circuit.Private {
				file, informational = CommitmentFile, commitmentInformational
			}
			doc, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			bundle := marshal(t, p.Bundle)
			checkMutations(t, doc, informational, func(b []byte) (string, bool) {
				id, err := ExpectedModel(b)
				if err != nil {
					return "", false
				}
				shown, ok := verifyWith(id)(bundle)
				return id + " " + shown, ok
			})
		})
	}
}
