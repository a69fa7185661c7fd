package proof

import (
	"bytes"
	"io"
	"math/big"
	"slices"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	groth16bn254 "github.com/consensys/gnark/backend/groth16/bn254"
	plonkbn254 "github.com/consensys/gnark/backend/plonk/bn254"

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
	srs, err := parseSRS(file.Bytes(), true)
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
	if _, err := parseSRS([]byte("not an srs"), true); err == nil {
		t.Fatal("garbage read as an SRS")
	}
}

// cryptoRejections are the errors of the backends' own checks — the
// pairing (Groth16), the commitment proof of knowledge (Groth16's Pedersen
// commitment), the KZG openings and the gate identity (PLONK) — as
// opposed to zkai's length and decoding checks, which all start "proof:".
var cryptoRejections = map[Backend][]string{
	Groth16: {"pairing doesn't match", "proof rejected"},
	Plonk:   {"can't verify opening proof", "algebraic relation does not hold"},
}

// rejectedByCrypto requires a proof that decodes cleanly to be refused
// by the cryptographic check.
func rejectedByCrypto(t *testing.T, b Backend, vk io.WriterTo, proofBytes []byte, public int64, what string) {
	t.Helper()
	if err := checkLength(b, proofBytes); err != nil {
		t.Fatalf("%s: does not even pass the length check: %v", what, err)
	}
	err := Verify(b, vk, proofBytes, []*big.Int{big.NewInt(public)})
	if err == nil {
		t.Fatalf("%s: accepted", what)
	}
	if !slices.Contains(cryptoRejections[b], err.Error()) {
		t.Fatalf("%s: rejected by %q, not by the %s verifier's cryptographic check", what, err, b)
	}
}

// TestTamperReachesCrypto: proofs that decode — a valid proof of other
// public values, or one curve point replaced by another valid point — are
// refused by the pairing / KZG check itself; and a re-randomised Groth16
// proof of the same values verifies, which is why proof bytes are not a
// bundle's identity.
func TestTamperReachesCrypto(t *testing.T) {
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
			p49, _, err := Prove(b, ccs, keys.PK, &square{X: 7, Y: 49})
			if err != nil {
				t.Fatal(err)
			}
			p9, _, err := Prove(b, ccs, keys.PK, &square{X: 3, Y: 9})
			if err != nil {
				t.Fatal(err)
			}
			rejectedByCrypto(t, b, keys.VK, p9, 49, "the proof of 9 for 49")
			rejectedByCrypto(t, b, keys.VK, p49, 9, "the proof of 49 for 9")

			_, _, g1, g2 := bn254.Generators()
			switch b {
			case Groth16:
				points := func(p *groth16bn254.Proof) map[string]*bn254.G1Affine {
					return map[string]*bn254.G1Affine{"Ar": &p.Ar, "Krs": &p.Krs, "Commitments[0]": &p.Commitments[0], "CommitmentPok": &p.CommitmentPok}
				}
				for name := range points(&groth16bn254.Proof{Commitments: make([]bn254.G1Affine, 1)}) {
					rejectedByCrypto(t, b, keys.VK, reencode(t, p49, func(p *groth16bn254.Proof) { *points(p)[name] = g1 }), 49, name+" replaced")
				}
				rejectedByCrypto(t, b, keys.VK, reencode(t, p49, func(p *groth16bn254.Proof) { p.Bs = g2 }), 49, "Bs replaced")

				// Re-randomised: Ar·s and Bs·s⁻¹ pair as before.
				var s, inv fr.Element
				if _, err := s.SetRandom(); err != nil {
					t.Fatal(err)
				}
				inv.Inverse(&s)
				var sb, ib big.Int
				other := reencode(t, p49, func(p *groth16bn254.Proof) {
					p.Ar.ScalarMultiplication(&p.Ar, s.BigInt(&sb))
					p.Bs.ScalarMultiplication(&p.Bs, inv.BigInt(&ib))
				})
				if bytes.Equal(other, p49) {
					t.Fatal("re-randomising changed nothing")
				}
				if err := Verify(b, keys.VK, other, []*big.Int{big.NewInt(49)}); err != nil {
					t.Fatalf("a re-randomised proof of the same values is rejected: %v", err)
				}
			case Plonk:
				points := func(p *plonkbn254.Proof) map[string]*bn254.G1Affine {
					return map[string]*bn254.G1Affine{"L": &p.LRO[0], "R": &p.LRO[1], "O": &p.LRO[2], "Z": &p.Z,
						"H0": &p.H[0], "H1": &p.H[1], "H2": &p.H[2], "Bsb22": &p.Bsb22Commitments[0],
						"batched opening": &p.BatchedProof.H, "shifted opening": &p.ZShiftedOpening.H}
				}
				for name := range points(&plonkbn254.Proof{Bsb22Commitments: make([]bn254.G1Affine, 1)}) {
					rejectedByCrypto(t, b, keys.VK, reencode(t, p49, func(p *plonkbn254.Proof) { *points(p)[name] = g1 }), 49, name+" replaced")
				}
			}
		})
	}
}

// reencode decodes a proof, changes it and encodes it again.
func reencode[P any, PP interface {
	*P
	io.ReaderFrom
	io.WriterTo
}](t *testing.T, data []byte, change func(PP)) []byte {
	t.Helper()
	p := PP(new(P))
	if _, err := p.ReadFrom(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	change(p)
	out, err := Bytes(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
