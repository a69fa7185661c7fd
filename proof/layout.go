package proof

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
)

// A statement's public witness is a list of field elements; what they mean
// (names, shapes, scales, which values are inputs and which outputs, which
// model) is the statement's layout. A verifier shows values with that
// meaning, so the meaning must be proven too, not taken from the bundle.
//
// Every statement circuit therefore has one public input, its first, that
// Define constrains to a constant: LayoutDigest of the layout it was compiled
// for. The verifying key then fixes the layout — a proof verifies only with
// that value — and the verifier recomputes the digest from the layout it
// shows. A bundle relabelled in any way gives another digest and does not
// verify. The cost is one public input and one constraint.

// LayoutDomain separates layout digests from every other hash in zkai.
const LayoutDomain = "zkai-layout/1"

// LayoutDigest is sha256(LayoutDomain ‖ 0 ‖ statement ‖ 0 ‖ json(layout))
// reduced mod the field. layout must marshal deterministically: a struct
// (fields in declaration order) or maps (keys sorted by encoding/json), with
// no floats that depend on formatting choices.
func LayoutDigest(statement string, layout any) (*big.Int, error) {
	b, err := json.Marshal(layout)
	if err != nil {
		return nil, fmt.Errorf("proof: encoding the %s layout: %w", statement, err)
	}
	h := sha256.New()
	h.Write([]byte(LayoutDomain))
	h.Write([]byte{0})
	h.Write([]byte(statement))
	h.Write([]byte{0})
	h.Write(b)
	v := new(big.Int).SetBytes(h.Sum(nil))
	return v.Mod(v, Field()), nil
}
