package ledger

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func TestEntryKinds(t *testing.T) {
	key := newTestKey(t, "alice")
	for _, sub := range []string{
		`{"kind":"model","name":"mnist","version":"2","weight_commitment":"0xabc","vk_digest":"sha256:01","parent":"1"}`,
		`{"kind":"model","name":"mnist","version":"3","vk_digest":"sha256:01"}`,
		`{"kind":"dataset","name":"mnist-test","commitment":"0xdef","rows":10000,"schema":{"x":[784],"y":"int"}}`,
		`{"kind":"proof","vk_digest":"sha256:01","public_input_digest":"sha256:02","bundle_digest":"sha256:03","statement":"inference","public_values":{"outputs":[0.5,-1]}}`,
		`{"kind":"action","details":{"user":"bob","did":"read","resource":"/records/17"}}`,
	} {
		b, opening, err := BuildEntry([]byte(sub), key, testTime)
		if err != nil {
			t.Fatalf("BuildEntry(%s): %v", sub, err)
		}
		e, err := ParseEntry(b)
		if err != nil {
			t.Fatalf("ParseEntry(%s): %v", b, err)
		}
		c, _ := Canonicalize(b)
		if !bytes.Equal(c, b) {
			t.Errorf("entry not canonical: %s", b)
		}
		if e.Submitter != key.VerifierKey() || e.Time != "2026-11-25T12:00:00Z" {
			t.Errorf("entry header: %+v", e)
		}
		if e.Kind == KindAction {
			a := e.Value.(*Action)
			if opening == nil || a.Commitment != opening.Commitment {
				t.Fatalf("action without a matching opening")
			}
			if bytes.Contains(b, []byte("bob")) || bytes.Contains(b, []byte(opening.Salt)) {
				t.Errorf("action entry leaks its details or salt: %s", b)
			}
			if err := VerifyOpening(a.Commitment, opening); err != nil {
				t.Errorf("VerifyOpening: %v", err)
			}
			bad := *opening
			bad.Details = json.RawMessage(`{"user":"eve","did":"read","resource":"/records/17"}`)
			if VerifyOpening(a.Commitment, &bad) == nil {
				t.Errorf("opening with other details verified")
			}
		} else if opening != nil {
			t.Errorf("opening for kind %s", e.Kind)
		}
	}
}

func TestBuildEntryErrors(t *testing.T) {
	key := newTestKey(t, "alice")
	for _, c := range []struct{ sub, want string }{
		{`{"kind":"weights","name":"x"}`, "unknown entry kind"},
		{`{"name":"x"}`, `"kind"`},
		{`[1]`, "JSON object"},
		{`{"kind":"model","name":"m","version":"1"}`, "weight_commitment"},
		{`{"kind":"model","name":"m","version":"1","vk_digest":"d","colour":"red"}`, "unknown field"},
		{`{"kind":"dataset","commitment":"c","rows":-1}`, "rows"},
		{`{"kind":"proof","vk_digest":"a"}`, "required"},
		{`{"kind":"action"}`, "details"},
		{`{"kind":"model",`, "malformed"},
		// Regression (issue 8 item 14): these were altered silently.
		{`{"kind":"model","name":"m","Name":"n","version":"1","vk_digest":"d"}`, `members "name" and "Name" differ only in case`},
		{`{"kind":"model","name":"m\udfff","version":"1","vk_digest":"d"}`, "lone surrogate"},
		{`{"kind":"action","details":{"who":"\ud800"}}`, "lone surrogate"},
		// Regression (issue 8 item 14): the size was checked only after
		// canonicalising (a 100 MB entry took 18 s and 1.5 GB to refuse).
		{`{"kind":"dataset","commitment":"` + strings.Repeat("c", MaxEntrySize) + `"}`, "submission of 1048610 bytes, more than the 1048576"},
	} {
		_, _, err := BuildEntry([]byte(c.sub), key, testTime)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("BuildEntry(%.100s) = %.200v, want an error containing %q", c.sub, err, c.want)
		}
	}
}

func TestParseEntryRejects(t *testing.T) {
	alice, mallory := newTestKey(t, "alice"), newTestKey(t, "mallory")
	good := modelEntry(t, alice, 1)
	if _, err := ParseEntry(good); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(good, &m); err != nil {
		t.Fatal(err)
	}
	resign := func(f func(e *Entry), signer *Key) []byte {
		e, _ := ParseEntry(good)
		f(e)
		e.Sig = ""
		u, _ := canonicalMarshal(e)
		e.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(signer.priv, append([]byte(EntrySignaturePrefix), u...)))
		b, _ := canonicalMarshal(e)
		return b
	}
	edit := func(f func(map[string]any)) []byte {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		f(c)
		b, _ := canonicalMarshal(c)
		return b
	}
	for _, c := range []struct {
		name string
		b    []byte
		want string
	}{
		{"signed by another key than the submitter", resign(func(*Entry) {}, mallory), "signature does not verify"},
		{"field edited after signing", bytes.Replace(good, []byte(`"version":"1"`), []byte(`"version":"9"`), 1), "signature does not verify"},
		{"unknown kind", resign(func(e *Entry) { e.Kind = "weights" }, alice), "unknown entry kind"},
		{"other version", resign(func(e *Entry) { e.Version = 2 }, alice), "version"},
		{"non-UTC time", resign(func(e *Entry) { e.Time = "2026-11-25T13:00:00+01:00" }, alice), "time"},
		{"unknown body field", resign(func(e *Entry) { e.Body = json.RawMessage(`{"name":"m","version":"1","vk_digest":"d","x":1}`) }, alice), "unknown field"},
		{"body of another kind", resign(func(e *Entry) { e.Kind = KindDataset }, alice), "dataset"},
		{"action actor not submitter", resign(func(e *Entry) {
			e.Kind = KindAction
			e.Body, _ = canonicalMarshal(&Action{Commitment: base64.StdEncoding.EncodeToString(make([]byte, 32)), Actor: mallory.VerifierKey()})
		}, alice), "actor"},
		{"unknown top-level field", edit(func(c map[string]any) { c["extra"] = 1 }), "unknown field"},
		{"missing signature", edit(func(c map[string]any) { delete(c, "sig") }), "signature"},
		{"malformed submitter", edit(func(c map[string]any) { c["submitter"] = "alice+00000000+AAAA" }), "submitter"},
		{"not canonical", append([]byte(" "), good...), "canonical"},
		{"case-folded member", bytes.Replace(good, []byte(`"kind"`), []byte(`"KIND"`), 1), "canonical"},
		{"malformed", good[:len(good)-1], "malformed"},
		{"empty", nil, "malformed"},
	} {
		_, err := ParseEntry(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: ParseEntry = %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func TestEntrySignatureIsNotANoteSignature(t *testing.T) {
	// The signed bytes of an entry can never be a signed note's text: a
	// note's text ends in a newline, an entry's signed bytes in '}'.
	key := newTestKey(t, "alice")
	b := modelEntry(t, key, 1)
	e, _ := ParseEntry(b)
	e.Sig = ""
	u, _ := canonicalMarshal(e)
	msg := append([]byte(EntrySignaturePrefix), u...)
	if msg[len(msg)-1] == '\n' {
		t.Fatal("entry signature message ends in a newline")
	}
	if _, err := ParseCheckpointBody(msg); err == nil {
		t.Fatal("entry signature message parses as a checkpoint")
	}
}
