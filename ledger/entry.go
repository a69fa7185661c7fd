package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"golang.org/x/mod/sumdb/tlog"
)

// EntryVersion is the version of the entry format written by [NewEntry].
const EntryVersion = 1

// EntrySignaturePrefix is prepended to an entry's canonical JSON before its
// submitter signs it. The signed bytes never end in a newline, and a signed
// note's text always does, so an entry signature can never be replayed as a
// checkpoint signature (or the reverse) even by the same key.
const EntrySignaturePrefix = "zkai-ledger entry signature v1\n"

// actionCommitmentPrefix domain-separates action commitments.
const actionCommitmentPrefix = "zkai-ledger action commitment v1\n"

// MaxEntrySize bounds one stored entry.
const MaxEntrySize = 1 << 20

// Entry kinds.
const (
	KindModel   = "model"
	KindDataset = "dataset"
	KindProof   = "proof"
	KindAction  = "action"
)

// An Entry is one record of the log. Stored entries are the RFC 8785
// canonical JSON of this struct, version 1:
//
//	{"body":{…},"kind":"model","sig":"<base64>","submitter":"<verifier key>","time":"<RFC 3339 UTC>","v":1}
//
// body holds the kind's fields ([Model], [Dataset], [ProofRecord], [Action]);
// submitter is the signed-note verifier key of the Ed25519 key that signed it;
// sig is the Ed25519 signature of [EntrySignaturePrefix] followed by the
// canonical JSON of the entry without its "sig" member. The leaf hash of an
// entry is the RFC 6962 leaf hash of those stored bytes.
type Entry struct {
	Version   int             `json:"v"`
	Kind      string          `json:"kind"`
	Time      string          `json:"time"`
	Submitter string          `json:"submitter"`
	Body      json.RawMessage `json:"body"`
	Sig       string          `json:"sig,omitempty"`

	// Value is the decoded body: *Model, *Dataset, *ProofRecord or *Action.
	Value any `json:"-"`
}

// Model registers a model version. Its identity is the weight commitment;
// the digests of the verifying keys of its circuits are recorded beside it.
type Model struct {
	Name             string `json:"name"`
	Version          string `json:"version"`
	WeightCommitment string `json:"weight_commitment,omitempty"`
	VKDigest         string `json:"vk_digest,omitempty"`
	Parent           string `json:"parent,omitempty"` // the parent version, if any
	// Datasets are the commitments of the data sets the version was trained
	// on, if the submitter states them: the data set → model edge of a lineage.
	Datasets []string `json:"datasets,omitempty"`
}

// Dataset records a data-set commitment.
type Dataset struct {
	Name       string          `json:"name,omitempty"`
	Commitment string          `json:"commitment"` // the data set's Merkle root commitment
	Rows       int64           `json:"rows"`
	Schema     json.RawMessage `json:"schema,omitempty"`
}

// ProofRecord records an issued proof by its identity, (vk digest,
// public-input digest): Groth16 proofs can be re-randomised, so the proof
// bytes are not an identity; the bundle digest is recorded beside it.
type ProofRecord struct {
	VKDigest          string          `json:"vk_digest"`
	PublicInputDigest string          `json:"public_input_digest"`
	BundleDigest      string          `json:"bundle_digest"`
	Statement         string          `json:"statement"`
	PublicValues      json.RawMessage `json:"public_values,omitempty"`
	// Model is the identity of the model the proof is about (its weight
	// commitment, or the vk digest for public weights) and Datasets the
	// data-set commitments it uses, copied from its public values: the
	// edges by which a lineage links proof records to models and data sets.
	Model    string   `json:"model,omitempty"`
	Datasets []string `json:"datasets,omitempty"`
	// ModelsOut and DatasetsOut are identities the proof produces (a
	// trained model, a derived data set): the edges out of the proof.
	ModelsOut   []string `json:"models_out,omitempty"`
	DatasetsOut []string `json:"datasets_out,omitempty"`
}

// Action records a hidden action: a salted commitment to its details
// (see [CommitAction]) and the actor's verifier key, which must be the
// submitter's. The opening stays with the actor.
type Action struct {
	Commitment string `json:"commitment"`
	Actor      string `json:"actor"`
}

// ActionOpening opens an action commitment: the salt and the details.
type ActionOpening struct {
	Commitment string          `json:"commitment"`
	Salt       string          `json:"salt"` // base64
	Details    json.RawMessage `json:"details"`
}

const maxField = 512 // longest name, version or digest string

func checkField(name, v string, required bool) error {
	if v == "" {
		if required {
			return fmt.Errorf("%s is required", name)
		}
		return nil
	}
	if len(v) > maxField {
		return fmt.Errorf("%s longer than %d bytes", name, maxField)
	}
	for _, r := range v {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%s contains a non-printable character", name)
		}
	}
	return nil
}

func (m *Model) validate() error {
	for _, f := range []struct {
		n, v string
		req  bool
	}{{"name", m.Name, true}, {"version", m.Version, true}, {"weight_commitment", m.WeightCommitment, false}, {"vk_digest", m.VKDigest, false}, {"parent", m.Parent, false}} {
		if err := checkField(f.n, f.v, f.req); err != nil {
			return err
		}
	}
	if m.WeightCommitment == "" && m.VKDigest == "" {
		return errors.New("a model needs weight_commitment and/or vk_digest")
	}
	return checkList("datasets", m.Datasets)
}

// maxRefs bounds a list of referenced commitments.
const maxRefs = 64

func checkList(name string, vs []string) error {
	if len(vs) > maxRefs {
		return fmt.Errorf("%s: more than %d", name, maxRefs)
	}
	for i, v := range vs {
		if err := checkField(fmt.Sprintf("%s[%d]", name, i), v, true); err != nil {
			return err
		}
	}
	return nil
}

func (d *Dataset) validate() error {
	if err := checkField("name", d.Name, false); err != nil {
		return err
	}
	if err := checkField("commitment", d.Commitment, true); err != nil {
		return err
	}
	if d.Rows < 0 || d.Rows > 1<<53 {
		return fmt.Errorf("rows %d out of range [0, 2^53]", d.Rows)
	}
	return nil
}

func (p *ProofRecord) validate() error {
	for _, f := range []struct{ n, v string }{{"vk_digest", p.VKDigest}, {"public_input_digest", p.PublicInputDigest}, {"bundle_digest", p.BundleDigest}, {"statement", p.Statement}} {
		if err := checkField(f.n, f.v, true); err != nil {
			return err
		}
	}
	if err := checkField("model", p.Model, false); err != nil {
		return err
	}
	for _, l := range []struct {
		n string
		v []string
	}{{"datasets", p.Datasets}, {"models_out", p.ModelsOut}, {"datasets_out", p.DatasetsOut}} {
		if err := checkList(l.n, l.v); err != nil {
			return err
		}
	}
	return nil
}

func (a *Action) validate() error {
	c, err := base64.StdEncoding.DecodeString(a.Commitment)
	if err != nil || len(c) != sha256.Size {
		return errors.New("commitment must be a base64 SHA-256 digest")
	}
	if _, err := verifierPublicKey(a.Actor); err != nil {
		return fmt.Errorf("actor: %w", err)
	}
	return nil
}

type validator interface{ validate() error }

func newBody(kind string) (validator, error) {
	switch kind {
	case KindModel:
		return new(Model), nil
	case KindDataset:
		return new(Dataset), nil
	case KindProof:
		return new(ProofRecord), nil
	case KindAction:
		return new(Action), nil
	}
	return nil, fmt.Errorf("unknown entry kind %q (want model, dataset, proof or action)", kind)
}

func kindOf(body validator) string {
	switch body.(type) {
	case *Model:
		return KindModel
	case *Dataset:
		return KindDataset
	case *ProofRecord:
		return KindProof
	case *Action:
		return KindAction
	}
	return ""
}

// strictUnmarshal decodes JSON into v, rejecting unknown fields and trailing data.
func strictUnmarshal(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

// NewEntry builds, signs and canonicalises an entry of body's kind
// (*Model, *Dataset, *ProofRecord or *Action), submitted by key at time t.
func NewEntry(body any, key *Key, t time.Time) ([]byte, error) {
	v, ok := body.(validator)
	if !ok {
		return nil, fmt.Errorf("entry: unsupported body type %T", body)
	}
	if err := v.validate(); err != nil {
		return nil, fmt.Errorf("entry: %s: %w", kindOf(v), err)
	}
	if a, ok := body.(*Action); ok && a.Actor != key.VerifierKey() {
		return nil, errors.New("entry: action actor must be the submitter's key")
	}
	bb, err := canonicalMarshal(body)
	if err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	e := Entry{Version: EntryVersion, Kind: kindOf(v), Time: t.UTC().Format(time.RFC3339Nano), Submitter: key.VerifierKey(), Body: bb}
	unsigned, err := canonicalMarshal(e)
	if err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	e.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(key.priv, append([]byte(EntrySignaturePrefix), unsigned...)))
	out, err := canonicalMarshal(e)
	if err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	if len(out) > MaxEntrySize {
		return nil, fmt.Errorf("entry: %d bytes, more than %d", len(out), MaxEntrySize)
	}
	return out, nil
}

// ParseEntry parses and verifies a stored entry: canonical JSON of a known
// version and kind, every field valid, no unknown field, and a signature by
// its submitter.
func ParseEntry(b []byte) (*Entry, error) {
	if len(b) > MaxEntrySize {
		return nil, fmt.Errorf("entry: %d bytes, more than %d", len(b), MaxEntrySize)
	}
	c, err := Canonicalize(b)
	if err != nil {
		return nil, fmt.Errorf("entry: malformed: %w", err)
	}
	if !bytes.Equal(c, b) {
		return nil, errors.New("entry: not in RFC 8785 canonical form")
	}
	var e Entry
	if err := strictUnmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("entry: malformed: %w", err)
	}
	if e.Version != EntryVersion {
		return nil, fmt.Errorf("entry: unsupported version %d (want %d)", e.Version, EntryVersion)
	}
	body, err := newBody(e.Kind)
	if err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	if t, err := time.Parse(time.RFC3339Nano, e.Time); err != nil || !strings.HasSuffix(e.Time, "Z") || t.UTC().Format(time.RFC3339Nano) != e.Time {
		return nil, fmt.Errorf("entry: time %q is not an RFC 3339 UTC timestamp", e.Time)
	}
	pub, err := verifierPublicKey(e.Submitter)
	if err != nil {
		return nil, fmt.Errorf("entry: submitter: %w", err)
	}
	sig, err := base64.StdEncoding.DecodeString(e.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, errors.New("entry: malformed signature")
	}
	unsigned := e
	unsigned.Sig = ""
	ub, err := canonicalMarshal(unsigned)
	if err != nil {
		return nil, fmt.Errorf("entry: %w", err)
	}
	if !ed25519.Verify(pub, append([]byte(EntrySignaturePrefix), ub...), sig) {
		return nil, errors.New("entry: signature does not verify with the submitter's key")
	}
	if len(e.Body) == 0 || e.Body[0] != '{' {
		return nil, errors.New("entry: body must be an object")
	}
	if err := strictUnmarshal(e.Body, body); err != nil {
		return nil, fmt.Errorf("entry: %s body: %w", e.Kind, err)
	}
	if err := body.validate(); err != nil {
		return nil, fmt.Errorf("entry: %s: %w", e.Kind, err)
	}
	if a, ok := body.(*Action); ok && a.Actor != e.Submitter {
		return nil, errors.New("entry: action actor is not the submitter")
	}
	// encoding/json matches member names case-insensitively: insist that the
	// stored bytes are exactly what the decoded entry re-encodes to, so one
	// signed entry has one leaf hash.
	if rb, err := canonicalMarshal(body); err != nil || !bytes.Equal(rb, e.Body) {
		return nil, fmt.Errorf("entry: %s body is not in its canonical encoding", e.Kind)
	}
	if rb, err := canonicalMarshal(e); err != nil || !bytes.Equal(rb, b) {
		return nil, errors.New("entry: not in its canonical encoding")
	}
	e.Value = body
	return &e, nil
}

// CommitAction commits to an action's details (any JSON) with a fresh
// 32-byte salt: base64(SHA-256(prefix ‖ salt ‖ canonical JSON of details)).
// The opening goes back to the actor and is never stored in the log.
func CommitAction(details []byte) (*ActionOpening, error) {
	cd, err := Canonicalize(details)
	if err != nil {
		return nil, fmt.Errorf("action details: %w", err)
	}
	salt := make([]byte, 32)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	return &ActionOpening{Commitment: actionCommitment(salt, cd), Salt: base64.StdEncoding.EncodeToString(salt), Details: cd}, nil
}

func actionCommitment(salt, canonDetails []byte) string {
	h := sha256.New()
	h.Write([]byte(actionCommitmentPrefix))
	h.Write(salt)
	h.Write(canonDetails)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// VerifyOpening checks that o opens commitment.
func VerifyOpening(commitment string, o *ActionOpening) error {
	salt, err := base64.StdEncoding.DecodeString(o.Salt)
	if err != nil || len(salt) != 32 {
		return errors.New("opening: malformed salt")
	}
	cd, err := Canonicalize(o.Details)
	if err != nil {
		return fmt.Errorf("opening: details: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(actionCommitment(salt, cd)), []byte(commitment)) != 1 {
		return errors.New("opening: does not match the commitment")
	}
	return nil
}

// BuildEntry turns a submission — JSON with a "kind" and the kind's fields
// at the top level, e.g. {"kind":"model","name":"mnist","version":"1",…} —
// into a signed entry. For an action the submission is
// {"kind":"action","details":<any JSON>}: the entry records only a salted
// commitment, and the returned opening (nil for other kinds) must be kept by
// the submitter.
func BuildEntry(submission []byte, key *Key, t time.Time) ([]byte, *ActionOpening, error) {
	if len(submission) > MaxEntrySize {
		return nil, nil, fmt.Errorf("entry: submission of %d bytes, more than the %d an entry may hold", len(submission), MaxEntrySize)
	}
	var fields map[string]json.RawMessage
	if _, err := Canonicalize(submission); err != nil {
		return nil, nil, fmt.Errorf("entry: malformed: %w", err)
	}
	if err := json.Unmarshal(submission, &fields); err != nil || fields == nil {
		return nil, nil, errors.New("entry: a submission is a JSON object with a \"kind\"")
	}
	var kind string
	if err := json.Unmarshal(fields["kind"], &kind); err != nil || kind == "" {
		return nil, nil, errors.New("entry: missing or malformed \"kind\"")
	}
	delete(fields, "kind")
	if kind == KindAction {
		d, ok := fields["details"]
		if !ok || len(fields) != 1 {
			return nil, nil, errors.New(`entry: an action submission is {"kind":"action","details":…}`)
		}
		o, err := CommitAction(d)
		if err != nil {
			return nil, nil, fmt.Errorf("entry: %w", err)
		}
		b, err := NewEntry(&Action{Commitment: o.Commitment, Actor: key.VerifierKey()}, key, t)
		return b, o, err
	}
	body, err := newBody(kind)
	if err != nil {
		return nil, nil, fmt.Errorf("entry: %w", err)
	}
	rest, _ := json.Marshal(fields)
	if err := strictUnmarshal(rest, body); err != nil {
		return nil, nil, fmt.Errorf("entry: %s: %w", kind, err)
	}
	b, err := NewEntry(body, key, t)
	return b, nil, err
}

// LeafHash returns the RFC 6962 leaf hash of a stored entry.
func LeafHash(entry []byte) []byte {
	h := tlog.RecordHash(entry)
	return h[:]
}
