package proof

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bn254"
	plonkbn254 "github.com/consensys/gnark/backend/plonk/bn254"
)

// TestUntrustedSetup: a PLONK key is trusted only when its whole KZG part
// is a trusted SRS's — a local SRS, another SRS, or a key whose pairing
// lines (what its verifier pairs with) are another point's are judged
// insecure; Groth16 keys are not judged.
func TestUntrustedSetup(t *testing.T) {
	c, l := ceremonySRS(t)
	path := filepath.Join(t.TempDir(), "ceremony.srs")
	if err := os.WriteFile(path, srsFile(t, c, l), 0o644); err != nil {
		t.Fatal(err)
	}
	srs, err := ReadSRSFile(path)
	if err != nil {
		t.Fatal(err)
	}
	trusted, err := ReadSRSVerifyingKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if srs.Source != path || trusted.Digest != srs.Digest || srs.Digest != Digest(srsFile(t, c, nil)) {
		t.Fatalf("source %q, digests %s and %s", srs.Source, srs.Digest, trusted.Digest)
	}
	ccs, err := Compile(Plonk, &square{})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := Setup(Plonk, ccs, srs)
	if err != nil {
		t.Fatal(err)
	}
	local, err := Setup(Plonk, ccs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !local.Insecure || local.SRS.Source != LocalSRS {
		t.Fatalf("local setup: insecure %v, source %q", local.Insecure, local.SRS.Source)
	}
	relined := *keys.VK.(*plonkbn254.VerifyingKey)
	relined.Kzg.Lines[1] = bn254.PrecomputeLines(relined.Kzg.G2[0])
	for _, tc := range []struct {
		name    string
		vk      io.WriterTo
		trusted []*SRS
		want    string
	}{
		{"ceremony key, ceremony SRS", keys.VK, []*SRS{trusted}, ""},
		{"ceremony key, among others", keys.VK, []*SRS{local.SRS, srs}, ""},
		{"ceremony key, nothing trusted", keys.VK, nil, UntrustedPlonkSRS},
		{"local key", local.VK, []*SRS{trusted}, UntrustedPlonkSRS},
		{"local key, its own SRS trusted", local.VK, []*SRS{local.SRS}, ""},
		{"ceremony key, other pairing lines", &relined, []*SRS{trusted}, UntrustedPlonkSRS},
	} {
		if got := UntrustedSetup(Plonk, tc.vk, tc.trusted); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	g, err := Compile(Groth16, &square{})
	if err != nil {
		t.Fatal(err)
	}
	gk, err := Setup(Groth16, g, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := UntrustedSetup(Groth16, gk.VK, nil); got != "" {
		t.Fatalf("groth16 judged %q", got)
	}
}
