// Package proof compiles circuits and runs setup, proving and verification
// behind one backend-agnostic API: Groth16 on BN254 by default, PLONK (KZG)
// as an option. Keys use gnark's own serialization and are identified by
// their sha256 digests.
//
// Trust: a Groth16 setup's trapdoor lets whoever ran it forge proofs, so a
// single-party setup must be run by the verifier (or replaced by a
// multi-party ceremony). PLONK needs a universal SRS from a public ceremony;
// an SRS generated locally (Setup with no SRS) is marked insecure. BN254
// gives about 100 bits of security.
//
// Verifying reads untrusted bytes: proofs must have the exact length the
// key implies and keys are size-bounded before gnark's decoders see them.
package proof

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"

	"github.com/consensys/gnark-crypto/ecc"
	"github.com/consensys/gnark/backend/groth16"
	"github.com/consensys/gnark/backend/plonk"
	"github.com/consensys/gnark/backend/witness"
	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/frontend/cs/r1cs"
	"github.com/consensys/gnark/frontend/cs/scs"
)

// Backend is a proving system.
type Backend string

const (
	Groth16 Backend = "groth16"
	Plonk   Backend = "plonk"
)

// Curve is the only curve zkai uses.
const Curve = "bn254"

// ParseBackend validates a backend name.
func ParseBackend(s string) (Backend, error) {
	switch Backend(s) {
	case Groth16, Plonk:
		return Backend(s), nil
	}
	return "", fmt.Errorf("proof: backend %q is not supported; supported: groth16, plonk", s)
}

// Field is BN254's scalar field modulus.
func Field() *big.Int { return ecc.BN254.ScalarField() }

// Compile builds the constraint system of a circuit for a backend.
func Compile(b Backend, c frontend.Circuit) (constraint.ConstraintSystem, error) {
	var ccs constraint.ConstraintSystem
	var err error
	if b == Plonk {
		ccs, err = frontend.Compile(Field(), scs.NewBuilder, c)
	} else {
		ccs, err = frontend.Compile(Field(), r1cs.NewBuilder, c)
	}
	if err != nil {
		return nil, fmt.Errorf("proof: compiling the circuit: %w", err)
	}
	return ccs, nil
}

// Keys is a proving/verifying key pair.
type Keys struct {
	Backend Backend
	PK      io.WriterTo
	VK      io.WriterTo
	// Insecure is set when the PLONK SRS was generated locally.
	Insecure bool
	// SRS is the PLONK SRS the keys were made from (nil for Groth16).
	SRS *SRS
}

// Setup runs the backend's setup. For PLONK, srs (ReadSRSFile) comes from a
// public ceremony; nil generates one locally and marks the keys insecure.
// The Lagrange form PLONK needs is never taken on trust: it is derived from
// the canonical points, or was checked against them when the SRS was read.
func Setup(b Backend, ccs constraint.ConstraintSystem, srs *SRS) (*Keys, error) {
	switch b {
	case Groth16:
		pk, vk, err := groth16.Setup(ccs)
		if err != nil {
			return nil, fmt.Errorf("proof: groth16 setup: %w", err)
		}
		return &Keys{Backend: b, PK: pk, VK: vk}, nil
	case Plonk:
		insecure := srs == nil
		if insecure {
			var err error
			if srs, err = localSRS(ccs); err != nil {
				return nil, err
			}
		}
		canonical, lagrange, err := srs.forDomain(ecc.NextPowerOfTwo(uint64(ccs.GetNbConstraints() + ccs.GetNbPublicVariables())))
		if err != nil {
			return nil, err
		}
		pk, vk, err := plonk.Setup(ccs, canonical, lagrange)
		if err != nil {
			return nil, fmt.Errorf("proof: plonk setup: %w", err)
		}
		return &Keys{Backend: b, PK: pk, VK: vk, Insecure: insecure, SRS: srs}, nil
	}
	return nil, fmt.Errorf("proof: unknown backend %q", b)
}

// Prove proves a full assignment and returns the proof bytes and the
// public witness.
func Prove(b Backend, ccs constraint.ConstraintSystem, pk io.WriterTo, assignment frontend.Circuit) ([]byte, witness.Witness, error) {
	full, err := frontend.NewWitness(assignment, Field())
	if err != nil {
		return nil, nil, fmt.Errorf("proof: building the witness: %w", err)
	}
	var p io.WriterTo
	switch b {
	case Groth16:
		p, err = groth16.Prove(ccs, pk.(groth16.ProvingKey), full)
	case Plonk:
		p, err = plonk.Prove(ccs, pk.(plonk.ProvingKey), full)
	default:
		return nil, nil, fmt.Errorf("proof: unknown backend %q", b)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("proof: proving: %w", err)
	}
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf); err != nil {
		return nil, nil, err
	}
	pub, err := full.Public()
	if err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), pub, nil
}

// MaxVKBytes bounds a verifying key read from an untrusted source.
const MaxVKBytes = 1 << 24

// ReadVK decodes a verifying key, refusing oversized input.
func ReadVK(b Backend, data []byte) (io.WriterTo, error) {
	if len(data) > MaxVKBytes {
		return nil, fmt.Errorf("proof: verifying key is %d bytes; at most %d accepted", len(data), MaxVKBytes)
	}
	switch b {
	case Groth16:
		vk := groth16.NewVerifyingKey(ecc.BN254)
		if _, err := vk.ReadFrom(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("proof: not a groth16 bn254 verifying key: %v", err)
		}
		return vk, nil
	case Plonk:
		vk := plonk.NewVerifyingKey(ecc.BN254)
		if _, err := vk.ReadFrom(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("proof: not a plonk bn254 verifying key: %v", err)
		}
		return vk, nil
	}
	return nil, fmt.Errorf("proof: unknown backend %q", b)
}

// maxCommitments bounds the commitment counts a proof may announce.
const maxCommitments = 64

// checkLength reads the length prefixes of a serialized BN254 proof (gnark's
// compressed encoding: 32-byte G1 points and field elements, 64-byte G2
// points, big-endian uint32 slice lengths) and requires the data to be
// exactly as long as they imply, so that a corrupted prefix can never make
// the decoder allocate.
func checkLength(b Backend, data []byte) error {
	count := func(off int) (int, error) {
		if len(data) < off+4 {
			return 0, fmt.Errorf("proof: proof is truncated (%d bytes)", len(data))
		}
		n := int(binary.BigEndian.Uint32(data[off : off+4]))
		if n > maxCommitments {
			return 0, fmt.Errorf("proof: proof announces %d commitments; at most %d are possible", n, maxCommitments)
		}
		return n, nil
	}
	var want int
	switch b {
	case Groth16: // Ar, Bs, Krs, [commitments], PoK
		n, err := count(32 + 64 + 32)
		if err != nil {
			return err
		}
		want = 128 + 4 + 32*n + 32
	case Plonk: // LRO, Z, H, batched H, [claimed values], shifted H and value, [bsb22]
		n1, err := count(8 * 32)
		if err != nil {
			return err
		}
		off := 8*32 + 4 + 32*n1 + 64
		n2, err := count(off)
		if err != nil {
			return err
		}
		want = off + 4 + 32*n2
	default:
		return fmt.Errorf("proof: unknown backend %q", b)
	}
	if len(data) != want {
		return fmt.Errorf("proof: proof is %d bytes; its layout requires exactly %d", len(data), want)
	}
	return nil
}

// Verify checks proof bytes against a verifying key and public values
// (field elements in the circuit's public order).
func Verify(b Backend, vk io.WriterTo, proofBytes []byte, public []*big.Int) error {
	pw, err := witness.New(Field())
	if err != nil {
		return err
	}
	ch := make(chan any, len(public))
	for _, v := range public {
		if v.Sign() < 0 || v.Cmp(Field()) >= 0 {
			return fmt.Errorf("proof: public value %v is not a field element", v)
		}
		ch <- v
	}
	close(ch)
	if err := pw.Fill(len(public), 0, ch); err != nil {
		return fmt.Errorf("proof: public values: %v", err)
	}
	if err := checkLength(b, proofBytes); err != nil {
		return err
	}
	switch b {
	case Groth16:
		p := groth16.NewProof(ecc.BN254)
		if err := readExact(p, proofBytes); err != nil {
			return err
		}
		return groth16.Verify(p, vk.(groth16.VerifyingKey), pw)
	case Plonk:
		p := plonk.NewProof(ecc.BN254)
		if err := readExact(p, proofBytes); err != nil {
			return err
		}
		return plonk.Verify(p, vk.(plonk.VerifyingKey), pw)
	}
	return fmt.Errorf("proof: unknown backend %q", b)
}

// readExact decodes a proof and requires every byte to be consumed and the
// re-encoding to be identical, so truncated or padded proofs are refused.
func readExact(p interface {
	io.ReaderFrom
	io.WriterTo
}, data []byte) (err error) {
	n, err := p.ReadFrom(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("proof: malformed proof: %v", err)
	}
	if int(n) != len(data) {
		return fmt.Errorf("proof: proof has %d trailing bytes", len(data)-int(n))
	}
	var buf bytes.Buffer
	if _, err := p.WriteTo(&buf); err != nil || !bytes.Equal(buf.Bytes(), data) {
		return fmt.Errorf("proof: proof is not in canonical form")
	}
	return nil
}

// Digest is "sha256:<hex>" of serialized bytes.
func Digest(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// IsDigest reports whether s has Digest's form: "sha256:" and 64
// lowercase hex digits.
func IsDigest(s string) bool {
	h, ok := strings.CutPrefix(s, "sha256:")
	return ok && len(h) == 64 && strings.Trim(h, "0123456789abcdef") == ""
}

// Bytes serializes a key or proof.
func Bytes(w io.WriterTo) ([]byte, error) {
	var buf bytes.Buffer
	if _, err := w.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadCCS decodes a constraint system written by WriteTo.
func ReadCCS(b Backend, r io.Reader) (constraint.ConstraintSystem, error) {
	var ccs constraint.ConstraintSystem
	switch b {
	case Groth16:
		ccs = groth16.NewCS(ecc.BN254)
	case Plonk:
		ccs = plonk.NewCS(ecc.BN254)
	default:
		return nil, fmt.Errorf("proof: unknown backend %q", b)
	}
	if _, err := ccs.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("proof: reading the constraint system: %v", err)
	}
	return ccs, nil
}

// PKBytes serializes a proving key uncompressed (gnark's raw encoding):
// larger than the compressed form but read without a square root per
// point, which otherwise dominates proving time for small circuits.
func PKBytes(pk io.WriterTo) ([]byte, error) {
	raw, ok := pk.(interface {
		WriteRawTo(io.Writer) (int64, error)
	})
	if !ok {
		return nil, fmt.Errorf("proof: proving key %T has no raw encoding", pk)
	}
	var buf bytes.Buffer
	if _, err := raw.WriteRawTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadPK decodes a proving key written by PKBytes. The raw decoder skips
// the subgroup checks, so the caller must trust the bytes: check their
// digest against the one recorded at setup first.
func ReadPK(b Backend, r io.Reader) (io.WriterTo, error) {
	var pk interface {
		io.WriterTo
		UnsafeReadFrom(io.Reader) (int64, error)
	}
	switch b {
	case Groth16:
		pk = groth16.NewProvingKey(ecc.BN254)
	case Plonk:
		pk = plonk.NewProvingKey(ecc.BN254)
	default:
		return nil, fmt.Errorf("proof: unknown backend %q", b)
	}
	if _, err := pk.UnsafeReadFrom(r); err != nil {
		return nil, fmt.Errorf("proof: reading the proving key: %v", err)
	}
	return pk, nil
}

// WriteKeys writes the proving and verifying keys to pkPath and vkPath and
// returns their digests, which a statement's settings record so that a
// verifier's vk can be matched to the compiled directory.
func WriteKeys(k *Keys, pkPath, vkPath string) (pkDigest, vkDigest string, err error) {
	pk, err := PKBytes(k.PK)
	if err != nil {
		return "", "", err
	}
	vk, err := Bytes(k.VK)
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(pkPath, pk, 0o644); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(vkPath, vk, 0o644); err != nil {
		return "", "", err
	}
	return Digest(pk), Digest(vk), nil
}
