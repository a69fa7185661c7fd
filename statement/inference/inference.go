// Package inference is the statement "this output came from the registered
// model on some input": it compiles a model into a directory of artifacts
// (EZKL-style named files), runs setup, proves one input and verifies a
// bundle with nothing but the verifying key.
//
// A compiled directory holds:
//
//	settings.json            fixed-point settings plus a "compile" section (statement,
//	                         backend, visibility, model and circuit digests) and, after
//	                         setup, a "setup" section (key digests, SRS provenance)
//	model.onnx               the model, so proving needs nothing else
//	circuit                  the constraint system (gnark serialization)
//	model.commitment.json    private weights: the public weight commitment (the model's identity)
//	model.opening.json       private weights: its salt — keep it secret
//	pk, vk                   after setup
//
// With public weights the model's identity is WeightsDigest, recorded in
// settings.json. Every circuit's first public input is its layout digest
// (proof.LayoutDigest over the visibility, the shown tensors' names,
// shapes, scales and widths in order, and the public weights' digest), so
// a verifier shows names and meanings the proof binds (see Public).
package inference

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/internal/atomicfile"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/quant"
)

// Statement is the bundle's statement name.
const Statement = "inference"

// File names inside a compiled directory.
const (
	SettingsFile   = "settings.json"
	ModelFile      = "model.onnx"
	CircuitFile    = "circuit"
	CommitmentFile = "model.commitment.json"
	OpeningFile    = "model.opening.json"
	PKFile         = "pk"
	VKFile         = "vk"
)

// CompileInfo is settings.json's "compile" section.
type CompileInfo struct {
	Statement     string          `json:"statement"`
	Backend       proof.Backend   `json:"backend"`
	Visibility    circuit.Options `json:"visibility"`
	ModelDigest   string          `json:"model_digest"`
	CircuitDigest string          `json:"circuit_digest"`
	Constraints   int             `json:"constraints"`
	PublicInputs  int             `json:"public_inputs"`
	// Layout is the layout digest the circuit is compiled for (decimal;
	// its first public input).
	Layout string `json:"layout,omitempty"`
	// WeightsDigest is a public-weights model's identity (WeightsDigest).
	WeightsDigest string `json:"weights_digest,omitempty"`
}

// SetupInfo is settings.json's "setup" section.
type SetupInfo struct {
	PKDigest string `json:"pk_digest"`
	VKDigest string `json:"vk_digest"`
	// Trust says who must have run the setup for proofs to mean anything.
	Trust string `json:"trust"`
	// Insecure is set when the setup can be forged by its runner in a way
	// no verifier can accept (a locally generated PLONK SRS).
	Insecure string `json:"insecure,omitempty"`
	// SRSDigest and SRSSource identify the PLONK SRS the keys were made
	// from: the sha256 of its canonical half, and the file it was read from
	// or proof.LocalSRS.
	SRSDigest string `json:"srs_digest,omitempty"`
	SRSSource string `json:"srs_source,omitempty"`
}

// ModelCommitment is model.commitment.json: public, the model's identity.
type ModelCommitment struct {
	Format      string `json:"format"` // zkai-model-commitment/1
	Scheme      string `json:"scheme"` // zkai-commit/1
	Commitment  string `json:"commitment"`
	ModelDigest string `json:"model_digest"`
	Weights     int    `json:"weights"`
}

// ModelCommitmentFormat is model.commitment.json's version tag.
const ModelCommitmentFormat = "zkai-model-commitment/1"

// ExpectedModel reads the model identity a verifier trusts from a file it
// holds: a model.commitment.json (private weights: the commitment; its
// model_digest and weights count are informational) or the settings.json
// of a public-weights compile (the weights digest in its compile section;
// every statement that names a model shares CompileInfo). It returns what
// Verify's expectModel takes.
func ExpectedModel(b []byte) (string, error) {
	var mc ModelCommitment
	if err := DecodeStrict(b, &mc); err == nil {
		if mc.Format != ModelCommitmentFormat || mc.Scheme != "zkai-commit/1" {
			return "", fmt.Errorf("a model commitment of format %q, scheme %q; want %s, zkai-commit/1", mc.Format, mc.Scheme, ModelCommitmentFormat)
		}
		if _, err := ParseField(mc.Commitment); err != nil {
			return "", fmt.Errorf("commitment: %v", err)
		}
		return mc.Commitment, nil
	}
	s, err := quant.ParseSettings(b)
	if err != nil {
		return "", fmt.Errorf("neither a model.commitment.json nor a compiled directory's settings.json")
	}
	var ci CompileInfo
	if raw, ok := s.Extra["compile"]; !ok || DecodeStrict(raw, &ci) != nil {
		return "", fmt.Errorf("a settings.json without a valid compile section")
	}
	if ci.Visibility.Weights != circuit.Public || !proof.IsDigest(ci.WeightsDigest) {
		return "", fmt.Errorf("the settings.json of a %s compile with %s weights names no public-weights model", ci.Statement, ci.Visibility.Weights)
	}
	return ci.WeightsDigest, nil
}

// DecodeStrict decodes one JSON value from b into v, refusing unknown
// fields and trailing data.
func DecodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// ModelOpening is model.opening.json: the salt; keep it secret.
type ModelOpening struct {
	Format     string `json:"format"` // zkai-model-opening/1
	Commitment string `json:"commitment"`
	Salt       string `json:"salt"`
}

// ContextField binds a caller-chosen context string (a nonce against
// replay) as a field element: sha256("zkai-context/1\x00" ‖ s) mod p, or 0
// when there is none.
func ContextField(s *string) *big.Int {
	if s == nil {
		return new(big.Int)
	}
	h := sha256.Sum256(append([]byte("zkai-context/1\x00"), *s...))
	v := new(big.Int).SetBytes(h[:])
	return v.Mod(v, proof.Field())
}

// WriteJSON writes v indented, with the given file mode even over an
// existing file (an opening written 0600 over a 0644 file must not stay
// world-readable), whole or not at all.
func WriteJSON(path string, v any, mode os.FileMode) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, append(b, '\n'), mode); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// ReadJSON decodes the JSON file at path into v.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return fmt.Errorf("%s does not exist; is %s a compiled directory (zkai compile)?", path, filepath.Dir(path))
		}
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s is not valid JSON: %v", path, err)
	}
	return nil
}

func decimal(v *big.Int) string { return v.String() }

// ParseField reads an untrusted decimal field element in canonical form
// (proof.ParseField).
func ParseField(s string) (*big.Int, error) { return proof.ParseField(s) }
