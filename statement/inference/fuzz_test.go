package inference

import (
	"math/big"
	"slices"
	"testing"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/proof"
)

// FuzzVerify feeds mutated bundles to Verify: it must never panic, and
// whatever it accepts must carry exactly the honest public values (a
// re-encoded JSON may verify; a different statement must not).
func FuzzVerify(f *testing.F) {
	dir, p := pipeline(f, circuit.Options{Weights: circuit.Private, Input: circuit.Public, Output: circuit.Public}, proof.Groth16, nil)
	vk := readVK(f, dir)
	honest, err := p.Public.Vector()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(marshal(f, p.Bundle))
	f.Add([]byte(`{"format":"zkai-bundle/1","curve":"bn254","statement":"inference","backend":"groth16","public":{},"proof":""}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := Verify(b, vk, "")
		if !r.Valid {
			if r.Reason == "" {
				t.Fatal("invalid without a reason")
			}
			return
		}
		got, err := r.Public.Vector()
		if err != nil || !slices.EqualFunc(got, honest, func(x, y *big.Int) bool { return x.Cmp(y) == 0 }) {
			t.Fatalf("accepted a bundle with other public values: %v", got)
		}
	})
}
