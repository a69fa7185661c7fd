package grade

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/zkai-dev/zkai/proof"
)

// FuzzVerify: Verify parses untrusted grade bundles; whatever the bytes, it
// returns a verdict (never panics), and a changed bundle is never valid.
func FuzzVerify(f *testing.F) {
	key := []int{1, 0, 2, 3, 1}
	c, o := commitKey(f, key, 2)
	dir := setUp(f, c)
	p, err := Prove(dir, c, o, key, []int{1, 1, 2, 3, 0}, "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	good, err := json.Marshal(p.Bundle)
	if err != nil {
		f.Fatal(err)
	}
	vk := readVK(f, dir)
	if r := Verify(good, vk, Expect{}); !r.Valid {
		f.Fatal(r.Reason)
	}
	f.Add(good)
	f.Add([]byte(`{"format":"zkai-bundle/1","statement":"grade","public":{"n":-1,"answers":[1e99]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		// keep the fuzzer past the vk digest check
		var env proof.Bundle
		if json.Unmarshal(b, &env) == nil && env.VKDigest != "" {
			b = bytes.ReplaceAll(b, []byte(env.VKDigest), []byte(proof.Digest(vk)))
		}
		r := Verify(b, vk, Expect{})
		if r.Valid && !sameBundle(b, good) {
			t.Fatalf("a changed bundle verified: %s", b)
		}
	})
}

// sameBundle reports whether two bundles carry the same public values and
// proof (JSON formatting aside).
func sameBundle(a, b []byte) bool {
	var x, y proof.Bundle
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	var px, py any
	if json.Unmarshal(x.Public, &px) != nil || json.Unmarshal(y.Public, &py) != nil {
		return false
	}
	jx, _ := json.Marshal(px)
	jy, _ := json.Marshal(py)
	return bytes.Equal(jx, jy) && x.Proof == y.Proof
}
