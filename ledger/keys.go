package ledger

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// algEd25519 is the signed-note algorithm byte for Ed25519 keys.
const algEd25519 = 1

// GenerateKey returns a new Ed25519 key pair in the signed-note encodings:
// skey is "PRIVATE+KEY+name+hash+key" (keep it secret) and vkey is
// "name+hash+key", the verifier key to publish.
func GenerateKey(name string) (skey, vkey string, err error) {
	return note.GenerateKey(rand.Reader, name)
}

// Key is an Ed25519 key in the signed-note encoding. It signs a log's
// checkpoints (as a note.Signer) and its submitter's entries (with the entry
// domain-separation prefix, see [EntrySignaturePrefix]).
type Key struct {
	signer note.Signer
	priv   ed25519.PrivateKey
	vkey   string
}

// ParseKey parses a signer key as written by [GenerateKey].
func ParseKey(skey string) (*Key, error) {
	skey = strings.TrimSpace(skey)
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("signer key: %w", err)
	}
	parts := strings.SplitN(skey, "+", 5) // PRIVATE+KEY+name+hash+key
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algEd25519 {
		return nil, errors.New("signer key: not an Ed25519 key")
	}
	priv := ed25519.NewKeyFromSeed(raw[1:])
	vkey, err := note.NewEd25519VerifierKey(s.Name(), priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("signer key: %w", err)
	}
	return &Key{signer: s, priv: priv, vkey: vkey}, nil
}

// Signer returns the key as a note signer, for checkpoints.
func (k *Key) Signer() note.Signer { return k.signer }

// Name returns the key's name.
func (k *Key) Name() string { return k.signer.Name() }

// VerifierKey returns the public verifier key, "name+hash+key".
func (k *Key) VerifierKey() string { return k.vkey }

// Verifier returns the note verifier of the key's public half.
func (k *Key) Verifier() note.Verifier {
	v, err := note.NewVerifier(k.vkey)
	if err != nil {
		panic(err) // built from a valid key above
	}
	return v
}

// verifierPublicKey returns the Ed25519 public key inside a verifier key,
// after checking the key's name and hash with note.NewVerifier.
func verifierPublicKey(vkey string) (ed25519.PublicKey, error) {
	if _, err := note.NewVerifier(vkey); err != nil {
		return nil, err
	}
	parts := strings.SplitN(vkey, "+", 3) // name+hash+key
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != algEd25519 {
		return nil, errors.New("not an Ed25519 verifier key")
	}
	return ed25519.PublicKey(raw[1:]), nil
}
