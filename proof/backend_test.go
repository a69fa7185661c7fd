package proof

import (
	"bytes"
	"math/big"
	"testing"

	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/rangecheck"
	"github.com/consensys/gnark/test/unsafekzg"
)

// square proves knowledge of x with x² = Y and x in 8 bits (the range check
// adds gnark's commitment, as every zkai circuit has one).
type square struct {
	X frontend.Variable
	Y frontend.Variable `gnark:",public"`
}

func (c *square) Define(api frontend.API) error {
	rangecheck.New(api).Check(c.X, 8)
	api.AssertIsEqual(api.Mul(c.X, c.X), c.Y)
	return nil
}

func TestRoundTripAndTamper(t *testing.T) {
	for _, b := range []Backend{Groth16, Plonk} {
		t.Run(string(b), func(t *testing.T) {
			ccs, err := Compile(b, &square{})
			if err != nil {
				t.Fatal(err)
			}
			keys, err := Setup(b, ccs, nil)
			if err != nil {
				t.Fatal(err)
			}
			if keys.Insecure != (b == Plonk) {
				t.Fatalf("insecure = %v", keys.Insecure)
			}
			proofBytes, _, err := Prove(b, ccs, keys.PK, &square{X: 7, Y: 49})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s proof %d bytes", b, len(proofBytes))
			vkBytes, err := Bytes(keys.VK)
			if err != nil {
				t.Fatal(err)
			}
			vk, err := ReadVK(b, vkBytes)
			if err != nil {
				t.Fatal(err)
			}
			if err := Verify(b, vk, proofBytes, []*big.Int{big.NewInt(49)}); err != nil {
				t.Fatalf("valid proof rejected: %v", err)
			}
			if Verify(b, vk, proofBytes, []*big.Int{big.NewInt(50)}) == nil {
				t.Fatal("wrong public value accepted")
			}
			for i := range proofBytes {
				bad := bytes.Clone(proofBytes)
				bad[i] ^= 0x01
				if Verify(b, vk, bad, []*big.Int{big.NewInt(49)}) == nil {
					t.Fatalf("proof with byte %d flipped accepted", i)
				}
			}
			for _, bad := range [][]byte{proofBytes[:len(proofBytes)-1], append(bytes.Clone(proofBytes), 0), nil} {
				if Verify(b, vk, bad, []*big.Int{big.NewInt(49)}) == nil {
					t.Fatalf("proof of %d bytes accepted", len(bad))
				}
			}
		})
	}
}

// TestPlonkSRSFile: a PLONK setup from an SRS file (as a ceremony would
// publish it) is not marked insecure, and its proofs verify.
func TestPlonkSRSFile(t *testing.T) {
	ccs, err := Compile(Plonk, &square{})
	if err != nil {
		t.Fatal(err)
	}
	c, l, err := unsafekzg.NewSRS(ccs)
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	if _, err := c.WriteTo(&file); err != nil {
		t.Fatal(err)
	}
	if _, err := l.WriteTo(&file); err != nil {
		t.Fatal(err)
	}
	srs, err := ReadSRS(&file)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := Setup(Plonk, ccs, srs)
	if err != nil {
		t.Fatal(err)
	}
	if keys.Insecure {
		t.Fatal("a setup from an SRS file is marked insecure")
	}
	pb, _, err := Prove(Plonk, ccs, keys.PK, &square{X: 3, Y: 9})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(Plonk, keys.VK, pb, []*big.Int{big.NewInt(9)}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSRS(bytes.NewReader([]byte("not an srs"))); err == nil {
		t.Fatal("garbage read as an SRS")
	}
}
