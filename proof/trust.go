package proof

import (
	"io"

	plonkbn254 "github.com/consensys/gnark/backend/plonk/bn254"
)

// Why a setup is untrusted, as UntrustedSetup reports it.
const (
	UntrustedPlonkSRS = "the PLONK verifying key was not made from an SRS you trust (pass the ceremony's SRS with --srs): whoever chose its SRS can forge proofs"
)

// UntrustedSetup is the verifier's own judgement of a verifying key's
// setup: "" when nothing known about the key says it can be forged, or the
// reason it can. It looks only at the key and at what the verifier trusts,
// never at a bundle. A PLONK key is trusted when its KZG part — [1]G1,
// [1]G2, [τ]G2 and the precomputed pairing lines its verifier actually
// uses — is exactly that of one of the trusted SRSs (a public ceremony's);
// a Groth16 key cannot show who ran its setup — the verifier knows whether
// it ran it (or a ceremony did), so it is not judged here.
func UntrustedSetup(b Backend, vk io.WriterTo, trusted []*SRS) string {
	if b != Plonk {
		return ""
	}
	pv, ok := vk.(*plonkbn254.VerifyingKey)
	if !ok {
		return UntrustedPlonkSRS
	}
	for _, s := range trusted {
		if pv.Kzg == s.canonical.Vk {
			return ""
		}
	}
	return UntrustedPlonkSRS
}
