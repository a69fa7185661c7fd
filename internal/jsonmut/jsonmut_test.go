package jsonmut

import (
	"encoding/json"
	"testing"
)

func TestAll(t *testing.T) {
	ms, err := All([]byte(`{"b":true,"a":[7,"123","sha256:0f","yes",null,0.5]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a.0": `7`, "a.1": `"123"`, "a.2": `"sha256:0f"`, "a.3": `"yes"`, "a.4": `null`, "a.5": `0.5`, "b": `true`,
	}
	got := map[string]string{
		"a.0": `8`, "a.1": `"124"`, "a.2": `"sha256:00"`, "a.3": `"yfs"`, "a.4": `0`, "a.5": `1.5`, "b": `false`,
	}
	if len(ms) != len(want) {
		t.Fatalf("%d mutations; want %d", len(ms), len(want))
	}
	for _, m := range ms {
		var doc struct {
			A []json.RawMessage
			B json.RawMessage
		}
		if err := json.Unmarshal(m.Doc, &doc); err != nil {
			t.Fatal(err)
		}
		leaf := string(doc.B)
		if m.Path != "b" {
			i := int(m.Path[2] - '0')
			leaf = string(doc.A[i])
		}
		if leaf != got[m.Path] {
			t.Errorf("%s: %s became %s; want %s", m.Path, want[m.Path], leaf, got[m.Path])
		}
	}
	if !Match("shards.*.proof", "shards.1.proof") || Match("shards.*.proof", "shards.1.public.proof") {
		t.Fatal("Match")
	}
}
