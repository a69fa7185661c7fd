package jsonmut

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestAll(t *testing.T) {
	doc := []byte(`{"b":true,"a":[7,"123","sha256:0f",null,0.5]}`)
	ms, err := All(doc)
	if err != nil {
		t.Fatal(err)
	}
	// each mutation is well-formed JSON that differs from the document
	norm := func(b []byte) string {
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s is not JSON: %v", b, err)
		}
		out, _ := json.Marshal(v)
		return string(out)
	}
	orig := norm(doc)
	seen := map[string]bool{}
	for _, m := range ms {
		if norm(m.Doc) == orig {
			t.Errorf("%s %s: no change", m.Path, m.What)
		}
		seen[norm(m.Doc)] = true
	}
	for _, want := range []string{
		`{"a":[8,"123","sha256:0f",null,0.5],"b":true}`,   // number +1
		`{"a":["7","123","sha256:0f",null,0.5],"b":true}`, // number as a string
		`{"a":[7,"124","sha256:0f",null,0.5],"b":true}`,   // decimal string counts up
		`{"a":[7,"0123","sha256:0f",null,0.5],"b":true}`,  // non-canonical decimal
		`{"a":[7,"123","sha256:00",null,0.5],"b":true}`,   // digest stays hex
		`{"a":[7,"123","sha256:0f",0,0.5],"b":true}`,      // null replaced
		`{"a":[7,"123","sha256:0f",null,1.5],"b":true}`,   // float +1
		`{"a":[7,"123","sha256:0f",null,0.5],"b":false}`,  // flipped
		`{"a":["123","sha256:0f",null,0.5],"b":true}`,     // dropped
		`{"a":[7,7,"123","sha256:0f",null,0.5],"b":true}`, // duplicated
		`{"b":true}`, // member deleted
		`{"a":[7,"123","sha256:0f",null,0.5],"b":true,"zz_unknown":1}`, // unknown member
	} {
		if !seen[want] {
			t.Errorf("no mutation gives %s", want)
		}
	}
	// one minimal mutation per leaf that has one (the null has none)
	minimal := map[string]string{}
	for _, m := range ms {
		if m.Minimal {
			if _, dup := minimal[m.Path]; dup {
				t.Errorf("%s: two minimal mutations", m.Path)
			}
			minimal[m.Path] = norm(m.Doc)
		}
	}
	for path, want := range map[string]string{
		"a.0": `{"a":[8,"123","sha256:0f",null,0.5],"b":true}`,
		"a.1": `{"a":[7,"124","sha256:0f",null,0.5],"b":true}`,
		"a.2": `{"a":[7,"123","sha256:00",null,0.5],"b":true}`,
		"a.4": `{"a":[7,"123","sha256:0f",null,1.5],"b":true}`,
		"b":   `{"a":[7,"123","sha256:0f",null,0.5],"b":false}`,
	} {
		if minimal[path] != want {
			t.Errorf("minimal mutation of %s: %s; want %s", path, minimal[path], want)
		}
	}
	if len(minimal) != 5 {
		t.Errorf("%d minimal mutations; want 5", len(minimal))
	}
	again, _ := All(doc)
	for i := range ms {
		if !bytes.Equal(ms[i].Doc, again[i].Doc) || ms[i].Path != again[i].Path {
			t.Fatal("the order of mutations is not fixed")
		}
	}
	if !Match("shards.*.proof", "shards.1.proof") || Match("shards.*.proof", "shards.1.public.proof") {
		t.Fatal("Match")
	}
	if !Under("shards.*.public", "shards.1.public.rows") || !Under("a", "a") || Under("a.b", "a") || Under("shards.*.public", "shards.1.proof") {
		t.Fatal("Under")
	}
}

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	errors int
}

func (r *recorder) Helper()               {}
func (r *recorder) Logf(string, ...any)   {}
func (r *recorder) Errorf(string, ...any) { r.errors++ }
func (r *recorder) Fatalf(string, ...any) { r.errors++ }

// TestCheck: a verifier that accepts a changed value and shows it fails
// the check; one that rejects every change, or ignores an informational
// leaf, passes.
func TestCheck(t *testing.T) {
	doc := []byte(`{"value":7,"version":"1.0"}`)
	shows := func(b []byte) string {
		var v struct{ Value json.Number }
		_ = json.Unmarshal(b, &v)
		return string(v.Value)
	}
	for _, c := range []struct {
		name  string
		check func([]byte) (string, bool)
		fails bool
	}{
		{"accepts everything", func(b []byte) (string, bool) { return shows(b), true }, true},
		{"rejects every change", func(b []byte) (string, bool) { return shows(b), bytes.Equal(b, doc) }, false},
		{"checks value, ignores version", func(b []byte) (string, bool) { return shows(b), shows(b) == "7" }, false},
	} {
		r := &recorder{TB: t}
		Check(r, doc, []string{"version"}, c.check)
		if (r.errors > 0) != c.fails {
			t.Errorf("%s: %d failures; want failing %v", c.name, r.errors, c.fails)
		}
	}
}
