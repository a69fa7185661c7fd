package proof

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"
	kzgbn254 "github.com/consensys/gnark-crypto/ecc/bn254/kzg"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/test/unsafekzg"
)

// LocalSRS is the Source of an SRS that Setup generated itself.
const LocalSRS = "local, insecure: whoever generated it can forge proofs"

// SRS is a BN254 KZG structured reference string for PLONK: its canonical
// half, the points [τⁱ]G1 and the verifying part ([1]G2, [τ]G2, [1]G1 and
// the precomputed pairing lines of the two G2 points).
//
// An SRS file is gnark-crypto's encoding of a kzg.SRS holding that half,
// optionally followed by a second kzg.SRS holding its Lagrange form over a
// power-of-two domain (the layout older zkai and gnark's unsafekzg cache
// write). The Lagrange form decides which circuit a PLONK key encodes, yet a
// forged one looks like any other list of points, so it is never taken on
// trust: ReadSRSFile checks a given one against the canonical points, and Setup
// derives it from them (kzg.ToLagrangeG1) when none of the right size was
// given.
type SRS struct {
	// Digest is "sha256:<hex>" of the canonical half as encoded in the
	// file (a file holding only that half: the file's sha256).
	Digest string
	// Source is the file it was read from, or LocalSRS.
	Source string

	canonical *kzgbn254.SRS
	// lagrange is a Lagrange form checked against canonical (or generated
	// with it); nil when the file held none.
	lagrange []bn254.G1Affine
}

// ReadSRSFile reads a ceremony's SRS file for setup and refuses it unless
// its canonical points are successive powers of one τ starting at its
// [1]G1 and its pairing lines are those of its G2 points; a Lagrange half, when present, must be the
// Lagrange form of the canonical points. The powers are checked with random
// linear combinations, e(Σ rᵢ·[τⁱ]G1, [τ]G2) = e(Σ rᵢ·[τⁱ⁺¹]G1, G2), and the
// Lagrange half likewise: Σ rᵢ·Lᵢ = Σ cⱼ·[τʲ]G1 where c interpolates r
// over the domain; each fails to notice a wrong point with probability
// 1/|Fr|. Length prefixes are checked against the data present before
// decoding, so a corrupt file cannot make the decoder allocate.
func ReadSRSFile(path string) (*SRS, error) {
	return readSRSFile(path, true)
}

// ReadSRSVerifyingKey reads only the verifying part of an SRS file: all a
// verifier needs to judge a key (UntrustedSetup), without decoding and
// checking every point, which setup needs and verification does not.
func ReadSRSVerifyingKey(path string) (*SRS, error) {
	return readSRSFile(path, false)
}

func readSRSFile(path string, points bool) (*SRS, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := parseSRS(data, points)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s.Source = path
	return s, nil
}

func parseSRS(data []byte, points bool) (*SRS, error) {
	c := new(kzgbn254.SRS)
	n, err := decodeKZG(data, c, points, "canonical")
	if err != nil {
		return nil, err
	}
	if err := checkSRSKey(&c.Vk); err != nil {
		return nil, err
	}
	s := &SRS{Digest: Digest(data[:n]), canonical: c}
	if !points {
		return s, nil
	}
	if err := checkPowersOfTau(c); err != nil {
		return nil, err
	}
	rest := data[n:]
	if len(rest) == 0 {
		return s, nil
	}
	l := new(kzgbn254.SRS)
	m, err := decodeKZG(rest, l, true, "Lagrange")
	if err != nil {
		return nil, err
	}
	if m != len(rest) {
		return nil, fmt.Errorf("proof: the SRS file has %d trailing bytes", len(rest)-m)
	}
	if err := checkLagrange(c, l.Pk.G1); err != nil {
		return nil, err
	}
	s.lagrange = l.Pk.G1
	return s, nil
}

// decodeKZG decodes one kzg.SRS at the start of data (only its verifying
// part when points is false) and returns the bytes it spans.
func decodeKZG(data []byte, srs *kzgbn254.SRS, points bool, half string) (int, error) {
	if len(data) < 4 || 4+32*int64(binary.BigEndian.Uint32(data)) > int64(len(data)) {
		return 0, fmt.Errorf("proof: the SRS file is not a BN254 KZG SRS (its %s half is truncated or corrupt)", half)
	}
	var n int64
	var err error
	if points {
		n, err = srs.ReadFrom(bytes.NewReader(data))
	} else {
		end := 4 + 32*int64(binary.BigEndian.Uint32(data))
		n, err = srs.Vk.ReadFrom(bytes.NewReader(data[end:]))
		n += end
	}
	if err != nil {
		return 0, fmt.Errorf("proof: reading the SRS file's %s half: %v", half, err)
	}
	return int(n), nil
}

// checkSRSKey refuses a verifying part that makes every pairing check
// trivial (a point at infinity) or whose precomputed lines — what the KZG
// verifier actually pairs with — are not those of its G2 points.
func checkSRSKey(vk *kzgbn254.VerifyingKey) error {
	if vk.G1.IsInfinity() || vk.G2[0].IsInfinity() || vk.G2[1].IsInfinity() {
		return fmt.Errorf("proof: the SRS's verifying part holds the point at infinity: it is no ceremony's SRS")
	}
	if vk.Lines[0] != bn254.PrecomputeLines(vk.G2[0]) || vk.Lines[1] != bn254.PrecomputeLines(vk.G2[1]) {
		return fmt.Errorf("proof: the SRS's precomputed pairing lines are not those of its G2 points: the file is corrupt or forged")
	}
	return nil
}

// checkPowersOfTau checks that the canonical points are [τⁱ]G1 for the τ
// of the verifying part's [τ]G2 and G1 = [1]G1.
func checkPowersOfTau(c *kzgbn254.SRS) error {
	g := c.Pk.G1
	if len(g) == 0 || !g[0].Equal(&c.Vk.G1) {
		return fmt.Errorf("proof: the SRS's first point is not its verifying part's [1]G1: it is no ceremony's SRS")
	}
	if len(g) == 1 {
		return nil
	}
	r, err := randomScalars(len(g) - 1)
	if err != nil {
		return err
	}
	var a, b bn254.G1Affine
	if _, err := a.MultiExp(g[:len(g)-1], r, ecc.MultiExpConfig{}); err != nil {
		return err
	}
	if _, err := b.MultiExp(g[1:], r, ecc.MultiExpConfig{}); err != nil {
		return err
	}
	b.Neg(&b)
	ok, err := bn254.PairingCheck([]bn254.G1Affine{a, b}, []bn254.G2Affine{c.Vk.G2[1], c.Vk.G2[0]})
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("proof: the SRS's points are not successive powers of one τ (a randomised pairing check failed): it is no ceremony's SRS")
	}
	return nil
}

// checkLagrange checks that l is the Lagrange form of the canonical points
// over the domain of size len(l).
func checkLagrange(c *kzgbn254.SRS, l []bn254.G1Affine) error {
	n := len(l)
	if n == 0 || n&(n-1) != 0 || n > len(c.Pk.G1) {
		return fmt.Errorf("proof: the SRS file's Lagrange half has %d points; a Lagrange form has a power of two of them, at most the %d canonical ones", n, len(c.Pk.G1))
	}
	r, err := randomScalars(n)
	if err != nil {
		return err
	}
	coeffs := make([]fr.Element, n)
	copy(coeffs, r)
	fft.NewDomain(uint64(n)).FFTInverse(coeffs, fft.DIF)
	fft.BitReverse(coeffs)
	var a, b bn254.G1Affine
	if _, err := a.MultiExp(l, r, ecc.MultiExpConfig{}); err != nil {
		return err
	}
	if _, err := b.MultiExp(c.Pk.G1[:n], coeffs, ecc.MultiExpConfig{}); err != nil {
		return err
	}
	if !a.Equal(&b) {
		return fmt.Errorf("proof: the SRS file's Lagrange half is not the Lagrange form of its canonical half: it was tampered with; use the canonical half alone")
	}
	return nil
}

func randomScalars(n int) ([]fr.Element, error) {
	r := make([]fr.Element, n)
	for i := range r {
		if _, err := r[i].SetRandom(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// localSRS generates an SRS for ccs with a τ that this process knows.
func localSRS(ccs constraint.ConstraintSystem) (*SRS, error) {
	c, l, err := unsafekzg.NewSRS(ccs)
	if err != nil {
		return nil, fmt.Errorf("proof: generating a local SRS: %w", err)
	}
	cs, ok1 := c.(*kzgbn254.SRS)
	ls, ok2 := l.(*kzgbn254.SRS)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("proof: the local SRS is not on %s", Curve)
	}
	b, err := Bytes(cs)
	if err != nil {
		return nil, err
	}
	return &SRS{Digest: Digest(b), Source: LocalSRS, canonical: cs, lagrange: ls.Pk.G1}, nil
}

// forDomain returns the canonical points and the Lagrange form PLONK's
// setup needs for a domain of n points.
func (s *SRS) forDomain(n uint64) (canonical, lagrange *kzgbn254.SRS, err error) {
	g := s.canonical.Pk.G1
	if uint64(len(g)) < n+3 {
		return nil, nil, fmt.Errorf("proof: the SRS has %d points; this circuit (a domain of %d) needs %d: use a larger ceremony SRS", len(g), n, n+3)
	}
	l := s.lagrange
	if uint64(len(l)) != n {
		if l, err = kzgbn254.ToLagrangeG1(g[:n]); err != nil {
			return nil, nil, fmt.Errorf("proof: deriving the SRS's Lagrange form: %w", err)
		}
	}
	vk := s.canonical.Vk
	return &kzgbn254.SRS{Pk: kzgbn254.ProvingKey{G1: g[:n+3]}, Vk: vk},
		&kzgbn254.SRS{Pk: kzgbn254.ProvingKey{G1: l}, Vk: vk}, nil
}
