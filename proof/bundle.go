package proof

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"runtime/debug"
)

// BundleFormat is the version tag of a proof bundle.
const BundleFormat = "zkai-bundle/2"

// Bundle is the one file a verifier needs besides the verifying key.
//
// Format zkai-bundle/2 (JSON):
//
//	{
//	  "format": "zkai-bundle/2",
//	  "zkai_version": "0.1.0", "gnark_version": "v0.16.1",
//	  "statement": "inference",          // what is proven; selects the layout of "public"
//	  "backend": "groth16", "curve": "bn254",
//	  "vk_digest": "sha256:…",           // the verifying key this proof is for
//	  "public": {…},                     // the statement's named public values, decoded and as field elements
//	  "proof": "<base64>"                // gnark's compressed proof encoding
//	}
//
// The verifier rebuilds the public witness from the field elements in
// "public" and rejects a bundle whose decoded values disagree with them.
// The first public input is the statement's layout digest (LayoutDigest):
// the names, shapes, scales and roles the verifier shows are recomputed into
// it, so the proof binds them. Whether the setup can be trusted is the
// verifier's judgement (UntrustedSetup), never the bundle's word.
//
// zkai-bundle/1 bound neither the layout nor the setup's trust; it is
// refused with a hint to prove again.
// A bundle's identity is (vk_digest, digest of the public values): Groth16
// proofs can be re-randomised, so the proof bytes are not an identity.
type Bundle struct {
	Format       string          `json:"format"`
	ZkaiVersion  string          `json:"zkai_version"`
	GnarkVersion string          `json:"gnark_version"`
	Statement    string          `json:"statement"`
	Backend      Backend         `json:"backend"`
	Curve        string          `json:"curve"`
	VKDigest     string          `json:"vk_digest"`
	Public       json.RawMessage `json:"public"`
	Proof        string          `json:"proof"`
}

// MaxBundleBytes bounds a bundle read from an untrusted source.
const MaxBundleBytes = 1 << 26

// ParseBundle decodes and checks a bundle's envelope.
func ParseBundle(b []byte) (*Bundle, error) {
	if len(b) > MaxBundleBytes {
		return nil, fmt.Errorf("bundle is %d bytes; at most %d accepted", len(b), MaxBundleBytes)
	}
	var bd Bundle
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&bd); err != nil {
		return nil, fmt.Errorf("bundle is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("bundle has trailing data after the JSON object")
	}
	switch {
	case bd.Format == "zkai-bundle/1":
		return nil, fmt.Errorf("bundle format zkai-bundle/1 is no longer accepted: its proofs do not bind the names, shapes and scales they show; prove again with this zkai (format %s)", BundleFormat)
	case bd.Format != BundleFormat:
		return nil, fmt.Errorf("bundle format %q is not supported; supported: %s", bd.Format, BundleFormat)
	case bd.Curve != Curve:
		return nil, fmt.Errorf("bundle curve %q is not supported; supported: %s", bd.Curve, Curve)
	case bd.Statement == "":
		return nil, fmt.Errorf("bundle names no statement")
	case len(bd.Public) == 0:
		return nil, fmt.Errorf("bundle has no public values")
	}
	if _, err := ParseBackend(string(bd.Backend)); err != nil {
		return nil, err
	}
	if _, err := bd.ProofBytes(); err != nil {
		return nil, err
	}
	return &bd, nil
}

// ProofBytes decodes the proof.
func (b *Bundle) ProofBytes() ([]byte, error) {
	p, err := base64.StdEncoding.Strict().DecodeString(b.Proof)
	if err != nil {
		return nil, fmt.Errorf("bundle proof is not base64: %v", err)
	}
	return p, nil
}

// NewBundle fills the envelope around a statement's public values.
func NewBundle(statement string, backend Backend, vkDigest string, public any, proofBytes []byte, zkaiVersion string) (*Bundle, error) {
	pub, err := json.Marshal(public)
	if err != nil {
		return nil, err
	}
	return &Bundle{Format: BundleFormat, ZkaiVersion: zkaiVersion, GnarkVersion: GnarkVersion(), Statement: statement,
		Backend: backend, Curve: Curve, VKDigest: vkDigest, Public: pub,
		Proof: base64.StdEncoding.EncodeToString(proofBytes)}, nil
}

// GnarkVersion is the gnark module version this binary was built with.
func GnarkVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/consensys/gnark" {
				return d.Version
			}
		}
	}
	return "v0.16.1"
}

// Verdict is what a statement's verifier reports: valid or why not, and the
// public values it checked (P is the statement's public layout).
type Verdict[P any] struct {
	Valid     bool   `json:"valid"`
	Reason    string `json:"reason"`
	Statement string `json:"statement"`
	VKDigest  string `json:"vk_digest"`
	Insecure  string `json:"insecure_setup,omitempty"`
	Public    P      `json:"public"`
}
