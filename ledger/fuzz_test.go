package ledger

import (
	"testing"
)

func FuzzParseEntry(f *testing.F) {
	key := newTestKey(f, "alice")
	for _, sub := range []string{
		`{"kind":"model","name":"mnist","version":"2","weight_commitment":"0xabc","parent":"1"}`,
		`{"kind":"dataset","commitment":"0xdef","rows":10,"schema":{"x":[784]}}`,
		`{"kind":"proof","vk_digest":"a","public_input_digest":"b","bundle_digest":"c","statement":"inference","public_values":[1.5]}`,
		`{"kind":"action","details":{"x":1}}`,
	} {
		b, _, err := BuildEntry([]byte(sub), key, testTime)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`[[[[`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseEntry(b)
		if err != nil {
			return
		}
		// Whatever parses is canonical and re-encodes to itself.
		if c, err := Canonicalize(b); err != nil || string(c) != string(b) {
			t.Fatalf("accepted a non-canonical entry")
		}
		if e.Value == nil {
			t.Fatal("accepted entry without a body")
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	key := newTestKey(f, "log")
	cp, err := SignCheckpoint(Checkpoint{Origin: "example.com/log", Size: 5, Hash: emptyRoot()}, key.Signer())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(cp.Note)
	f.Add([]byte("example.com/log\n5\nAAAA\n\n— log abc\n"))
	f.Add([]byte(""))
	v := key.Verifier()
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := ParseCheckpointBody(b); err == nil {
			if c2, err := ParseCheckpointBody(c.Body()); err != nil || c2.Size != c.Size || c2.Hash != c.Hash || c2.Origin != c.Origin {
				t.Fatalf("checkpoint body does not round-trip: %q", b)
			}
		}
		if c, err := OpenCheckpoint(b, "example.com/log", v); err == nil && c.Origin != "example.com/log" {
			t.Fatal("wrong origin accepted")
		}
	})
}

func FuzzCanonicalize(f *testing.F) {
	f.Add([]byte(`{"b":[1,2.5e10,-0.0001],"a":"\u00e9\n"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Canonicalize(b)
		if err != nil {
			return
		}
		c2, err := Canonicalize(c)
		if err != nil || string(c2) != string(c) {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", b, c, c2, err)
		}
	})
}
