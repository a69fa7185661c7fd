package proof

import (
	"bytes"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark-crypto/ecc/bn254"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/fft"
	kzgbn254 "github.com/consensys/gnark-crypto/ecc/bn254/kzg"
	plonkbn254 "github.com/consensys/gnark/backend/plonk/bn254"
	csbn254 "github.com/consensys/gnark/constraint/bn254"
	"github.com/consensys/gnark/frontend"
)

// ceremonySRS stands for a public ceremony's SRS: 2^9 canonical points
// (more than the test circuits need, as a ceremony's file has) and the
// Lagrange form over the first 2^8, the layout older zkai read.
func ceremonySRS(t *testing.T) (*kzgbn254.SRS, []bn254.G1Affine) {
	t.Helper()
	c, err := kzgbn254.NewSRS(1<<9, big.NewInt(987654321))
	if err != nil {
		t.Fatal(err)
	}
	l, err := kzgbn254.ToLagrangeG1(c.Pk.G1[:1<<8])
	if err != nil {
		t.Fatal(err)
	}
	return c, l
}

// srsFile encodes a canonical half and, when l is not nil, a Lagrange half.
func srsFile(t *testing.T, c *kzgbn254.SRS, l []bn254.G1Affine) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if l != nil {
		if _, err := (&kzgbn254.SRS{Pk: kzgbn254.ProvingKey{G1: l}, Vk: c.Vk}).WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// clone deep-copies a canonical half so a test can forge it.
func clone(c *kzgbn254.SRS) *kzgbn254.SRS {
	d := *c
	d.Pk.G1 = append([]bn254.G1Affine(nil), c.Pk.G1...)
	return &d
}

func keyBytes(t *testing.T, k *Keys) (pk, vk []byte) {
	t.Helper()
	pk, err := PKBytes(k.PK)
	if err != nil {
		t.Fatal(err)
	}
	vk, err = Bytes(k.VK)
	if err != nil {
		t.Fatal(err)
	}
	return pk, vk
}

// TestSRSLagrangeDerived: keys from a canonical-only file (Lagrange form
// derived) and from a file with both halves (Lagrange form checked) are
// byte-identical, and identical to gnark's setup fed the genuine halves.
func TestSRSLagrangeDerived(t *testing.T) {
	c, l := ceremonySRS(t)
	ccs, err := Compile(Plonk, &square{})
	if err != nil {
		t.Fatal(err)
	}
	var want [2][]byte
	// gnark directly, with the genuine halves at the circuit's domain.
	n := ecc.NextPowerOfTwo(uint64(ccs.GetNbConstraints() + ccs.GetNbPublicVariables()))
	gl, err := kzgbn254.ToLagrangeG1(c.Pk.G1[:n])
	if err != nil {
		t.Fatal(err)
	}
	gpk, gvk, err := plonkbn254.Setup(ccs.(*csbn254.SparseR1CS), *c, kzgbn254.SRS{Pk: kzgbn254.ProvingKey{G1: gl}, Vk: c.Vk})
	if err != nil {
		t.Fatal(err)
	}
	want[0], want[1] = keyBytes(t, &Keys{PK: gpk, VK: gvk})
	for _, file := range [][]byte{srsFile(t, c, nil), srsFile(t, c, l), srsFile(t, c, gl)} {
		srs, err := parseSRS(file, true)
		if err != nil {
			t.Fatal(err)
		}
		keys, err := Setup(Plonk, ccs, srs)
		if err != nil {
			t.Fatal(err)
		}
		pk, vk := keyBytes(t, keys)
		if !bytes.Equal(pk, want[0]) || !bytes.Equal(vk, want[1]) {
			t.Fatalf("keys from a %d-byte SRS file differ from the genuine SRS's", len(file))
		}
		if keys.Insecure || UntrustedSetup(Plonk, keys.VK, []*SRS{srs}) != "" {
			t.Fatal("a key from the trusted SRS is judged insecure")
		}
	}
	if d := Digest(srsFile(t, c, nil)); d != mustReadSRS(t, srsFile(t, c, l)).Digest {
		t.Fatalf("the SRS digest is not the sha256 of its canonical half %s", d)
	}
}

func mustReadSRS(t *testing.T, file []byte) *SRS {
	t.Helper()
	s, err := parseSRS(file, true)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSRSForged: files that are not a ceremony's SRS are refused, each for
// its own reason.
func TestSRSForged(t *testing.T) {
	c, l := ceremonySRS(t)
	var g1 bn254.G1Affine
	g1.Add(&c.Pk.G1[0], &c.Pk.G1[0])
	swapped := append([]bn254.G1Affine(nil), l...)
	swapped[1], swapped[2] = swapped[2], swapped[1]
	for _, tc := range []struct {
		name, reason string
		forge        func(c *kzgbn254.SRS) []bn254.G1Affine
	}{
		{"one point is not a power of τ", "not successive powers of one τ", func(c *kzgbn254.SRS) []bn254.G1Affine {
			c.Pk.G1[7].Add(&c.Pk.G1[7], &c.Pk.G1[0])
			return nil
		}},
		{"the last point is not a power of τ", "not successive powers of one τ", func(c *kzgbn254.SRS) []bn254.G1Affine {
			c.Pk.G1[len(c.Pk.G1)-1] = c.Pk.G1[1]
			return nil
		}},
		{"[1]G1 is not the first point", "first point is not", func(c *kzgbn254.SRS) []bn254.G1Affine {
			c.Vk.G1 = g1
			return nil
		}},
		{"pairing lines of another G2 point", "pairing lines", func(c *kzgbn254.SRS) []bn254.G1Affine {
			c.Vk.Lines[1] = bn254.PrecomputeLines(c.Vk.G2[0])
			return nil
		}},
		{"τ = 0", "point at infinity", func(c *kzgbn254.SRS) []bn254.G1Affine {
			c.Vk.G2[1].SetInfinity()
			c.Vk.Lines[1] = bn254.PrecomputeLines(c.Vk.G2[1])
			return nil
		}},
		{"tampered Lagrange half", "not the Lagrange form", func(c *kzgbn254.SRS) []bn254.G1Affine { return swapped }},
		{"Lagrange half of no domain", "power of two", func(c *kzgbn254.SRS) []bn254.G1Affine { return l[:3] }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := clone(c)
			lag := tc.forge(f)
			_, err := parseSRS(srsFile(t, f, lag), true)
			if err == nil || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("got %v; want a refusal saying %q", err, tc.reason)
			}
		})
	}
	for _, bad := range [][]byte{nil, []byte("not an srs"), srsFile(t, c, nil)[:100], append(srsFile(t, c, l), 0)} {
		if _, err := parseSRS(bad, true); err == nil {
			t.Fatalf("%d bytes of garbage read as an SRS", len(bad))
		}
	}
}

// eqConst asserts that its public Y is the constant k; pad adds
// multiplications so the domain has room for the forgery below.
type eqConst struct {
	Y, X frontend.Variable `gnark:",public"`
	k    int
}

func (c *eqConst) Define(api frontend.API) error {
	api.AssertIsEqual(c.Y, c.k)
	x := c.X
	for range 12 {
		x = api.Mul(x, x)
	}
	api.AssertIsDifferent(x, 0)
	return nil
}

// TestSRSForgedCircuit is the attack of issue 8: a file whose canonical
// half is genuine and whose Lagrange half is computed from public data
// alone makes the keys of a circuit asserting Y = 5 accept a proof of
// Y = 7 made with the genuine keys of the circuit asserting Y = 7. The test
// first shows the forgery works when gnark is handed that Lagrange half,
// then that the file is refused and that keys from its canonical half
// reject the proof.
func TestSRSForgedCircuit(t *testing.T) {
	c, _ := ceremonySRS(t)
	ccs5, err := Compile(Plonk, &eqConst{k: 5})
	if err != nil {
		t.Fatal(err)
	}
	ccs7, err := Compile(Plonk, &eqConst{k: 7})
	if err != nil {
		t.Fatal(err)
	}
	n := int(ecc.NextPowerOfTwo(uint64(ccs5.GetNbConstraints() + ccs5.GetNbPublicVariables())))
	genuine, err := kzgbn254.ToLagrangeG1(c.Pk.G1[:n])
	if err != nil {
		t.Fatal(err)
	}
	forged := forgeLagrange(t, ccs5, ccs7, genuine)

	// The attack, with gnark handed the forged half.
	_, vk5, err := plonkbn254.Setup(ccs5.(*csbn254.SparseR1CS), *c, kzgbn254.SRS{Pk: kzgbn254.ProvingKey{G1: forged}, Vk: c.Vk})
	if err != nil {
		t.Fatal(err)
	}
	srs := mustReadSRS(t, srsFile(t, c, nil))
	keys7, err := Setup(Plonk, ccs7, srs)
	if err != nil {
		t.Fatal(err)
	}
	proof7, _, err := Prove(Plonk, ccs7, keys7.PK, &eqConst{Y: 7, X: 3})
	if err != nil {
		t.Fatal(err)
	}
	public := []*big.Int{big.NewInt(7), big.NewInt(3)}
	if err := Verify(Plonk, vk5, proof7, public); err != nil {
		t.Fatalf("the forgery does not work, so this test shows nothing: %v", err)
	}

	// zkai: the file is refused, and keys from its canonical half reject.
	if _, err := parseSRS(srsFile(t, c, forged), true); err == nil || !strings.Contains(err.Error(), "not the Lagrange form") {
		t.Fatalf("the forged SRS file: got %v; want a refusal", err)
	}
	keys5, err := Setup(Plonk, ccs5, srs)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(Plonk, keys5.VK, proof7, public); err == nil {
		t.Fatal("a proof of Y = 7 verifies against the circuit asserting Y = 5")
	}
}

// forgeLagrange returns points L' with commit(selectors of a, L') =
// commit(selectors of b, L) for every selector and permutation polynomial
// the verifying key commits to: L' = L + dᵢ·Lⱼ, where j is the row whose
// constant differs and the scalars d solve a small linear system.
func forgeLagrange(t *testing.T, a, b any, l []bn254.G1Affine) []bn254.G1Affine {
	t.Helper()
	domain := fft.NewDomain(uint64(len(l)))
	ta := plonkbn254.NewTrace(a.(*csbn254.SparseR1CS), domain)
	tb := plonkbn254.NewTrace(b.(*csbn254.SparseR1CS), domain)
	if len(ta.Qcp) != 0 {
		t.Fatal("the circuits must have no commitment")
	}
	cols := func(tr *plonkbn254.Trace) [][]fr.Element {
		return [][]fr.Element{tr.Ql.Coefficients(), tr.Qr.Coefficients(), tr.Qm.Coefficients(), tr.Qo.Coefficients(),
			tr.S1.Coefficients(), tr.S2.Coefficients(), tr.S3.Coefficients(), tr.Qk.Coefficients()}
	}
	ca, cb := cols(ta), cols(tb)
	j := -1
	for p := range ca {
		for i := range ca[p] {
			if !ca[p][i].Equal(&cb[p][i]) {
				if p != len(ca)-1 || j != -1 {
					t.Fatalf("the circuits differ beyond one constant (column %d row %d)", p, i)
				}
				j = i
			}
		}
	}
	if j < 0 {
		t.Fatal("the circuits are identical")
	}
	// Σᵢ colₚ(a)ᵢ·dᵢ = 0 for every column but Qk, and (Qk(b)ⱼ − Qk(a)ⱼ) for Qk.
	rows := make([][]fr.Element, len(ca))
	for p := range ca {
		rows[p] = append(append([]fr.Element(nil), ca[p]...), fr.Element{})
	}
	rows[len(ca)-1][len(l)].Sub(&cb[len(ca)-1][j], &ca[len(ca)-1][j])
	d := solve(t, rows)
	out := append([]bn254.G1Affine(nil), l...)
	for i := range out {
		var s big.Int
		var p bn254.G1Affine
		p.ScalarMultiplication(&l[j], d[i].BigInt(&s))
		out[i].Add(&out[i], &p)
	}
	return out
}

// solve returns a solution of the augmented system rows (Gaussian
// elimination over Fr, free variables zero).
func solve(t *testing.T, rows [][]fr.Element) []fr.Element {
	t.Helper()
	nv := len(rows[0]) - 1
	pivots := []int{}
	r := 0
	for col := 0; col < nv && r < len(rows); col++ {
		p := -1
		for i := r; i < len(rows); i++ {
			if !rows[i][col].IsZero() {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		var inv fr.Element
		inv.Inverse(&rows[r][col])
		for k := range rows[r] {
			rows[r][k].Mul(&rows[r][k], &inv)
		}
		for i := range rows {
			if i != r && !rows[i][col].IsZero() {
				f := rows[i][col]
				for k := range rows[i] {
					var m fr.Element
					m.Mul(&f, &rows[r][k])
					rows[i][k].Sub(&rows[i][k], &m)
				}
			}
		}
		pivots = append(pivots, col)
		r++
	}
	for i := r; i < len(rows); i++ {
		if !rows[i][nv].IsZero() {
			t.Fatal("the forgery's linear system has no solution")
		}
	}
	d := make([]fr.Element, nv)
	for i, col := range pivots {
		d[col] = rows[i][nv]
	}
	return d
}

// BenchmarkSRS reports what checking an SRS costs at setup (the
// powers-of-τ check, the Lagrange-half check, deriving the Lagrange form
// instead) and at verification (reading only the verifying part):
//
//	go test ./proof -run '^$' -bench SRS -benchtime 3x
func BenchmarkSRS(b *testing.B) {
	for _, k := range []int{10, 14} {
		n := 1 << k
		c, err := kzgbn254.NewSRS(uint64(n+3), big.NewInt(987654321))
		if err != nil {
			b.Fatal(err)
		}
		l, err := kzgbn254.ToLagrangeG1(c.Pk.G1[:n])
		if err != nil {
			b.Fatal(err)
		}
		var file bytes.Buffer
		if _, err := c.WriteTo(&file); err != nil {
			b.Fatal(err)
		}
		path := filepath.Join(b.TempDir(), "srs")
		if err := os.WriteFile(path, file.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
		for _, bc := range []struct {
			name string
			run  func() error
		}{
			{"powers-of-tau", func() error { return checkPowersOfTau(c) }},
			{"lagrange-check", func() error { return checkLagrange(c, l) }},
			{"lagrange-derive", func() error { _, err := kzgbn254.ToLagrangeG1(c.Pk.G1[:n]); return err }},
			{"read-for-setup", func() error { _, err := ReadSRSFile(path); return err }},
			{"read-for-verify", func() error { _, err := ReadSRSVerifyingKey(path); return err }},
		} {
			b.Run(fmt.Sprintf("%s/2^%d", bc.name, k), func(b *testing.B) {
				for range b.N {
					if err := bc.run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
