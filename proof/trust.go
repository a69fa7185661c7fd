package proof

import (
	"io"

	kzgbn254 "github.com/consensys/gnark-crypto/ecc/bn254/kzg"
	plonkbn254 "github.com/consensys/gnark/backend/plonk/bn254"
)

// Why a setup is untrusted, as UntrustedSetup reports it.
const (
	UntrustedPlonkSRS = "the PLONK verifying key was not made from an SRS you trust (pass the ceremony's SRS with --srs): whoever chose its SRS can forge proofs"
)

// UntrustedSetup is the verifier's own judgement of a verifying key's
// setup: "" when nothing known about the key says it can be forged, or the
// reason it can. It looks only at the key and at what the verifier trusts,
// never at a bundle. A PLONK key is trusted when its KZG part is that of
// one of the trusted SRSs (a public ceremony's); a Groth16 key cannot show
// who ran its setup — the verifier knows whether it ran it (or a ceremony
// did), so it is not judged here.
func UntrustedSetup(b Backend, vk io.WriterTo, trusted []*SRS) string {
	if b != Plonk {
		return ""
	}
	pv, ok := vk.(*plonkbn254.VerifyingKey)
	if !ok {
		return UntrustedPlonkSRS
	}
	for _, s := range trusted {
		c, ok := s.Canonical.(*kzgbn254.SRS)
		if ok && c.Vk.G1.Equal(&pv.Kzg.G1) && c.Vk.G2[0].Equal(&pv.Kzg.G2[0]) && c.Vk.G2[1].Equal(&pv.Kzg.G2[1]) {
			return ""
		}
	}
	return UntrustedPlonkSRS
}
