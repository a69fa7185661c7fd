// Package grade is the hidden-answer-key statement: "these answers score
// Correct out of N against the committed key", proven by the grader (who
// holds the key and its opening) to a learner who sees only the key's public
// commitment (datacommit, zkai-data/1, labels only).
//
// The circuit re-hashes every leaf of the key from the private labels and
// salts and exposes the leaf commitments; the verifier recomputes the root
// from them natively, so the circuit pays no Merkle hashing at all. The
// learner's answers are public but enter as one digest. The circuit depends
// only on the commitment's shape (N, rows per leaf, label width), never on
// the key, so the learner can compile it and run setup — and should: a
// Groth16 setup run by the grader lets the grader forge any score.
//
// A set-up directory holds:
//
//	settings.json   statement "grade", the key shape, circuit, pk and vk digests, trust note
//	circuit         the constraint system (gnark serialization)
//	pk, vk          Groth16 keys
//
// What a grade reveals: the answers, the score and the key's shape. Every
// graded submission reveals how many answers matched, so a learner who may
// submit many times can recover the key an answer at a time: rate-limit and
// log submissions.
package grade

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/proof"
)

// Statement is the bundle's statement name.
const Statement = "grade"

// File names inside a set-up directory.
const (
	SettingsFile = "settings.json"
	CircuitFile  = "circuit"
	PKFile       = "pk"
	VKFile       = "vk"
)

// SettingsFormat tags settings.json.
const SettingsFormat = "zkai-grade-settings/1"

// Trust says who must run setup for a grade to mean anything.
const Trust = "groth16: whoever ran this setup can forge a grade of any score for this key shape; only the learner (the verifier) or a multi-party ceremony may run it"

// Settings is a set-up directory's settings.json.
type Settings struct {
	Format        string        `json:"format"`
	Statement     string        `json:"statement"`
	Backend       proof.Backend `json:"backend"`
	Key           KeyShape      `json:"key"`
	CircuitDigest string        `json:"circuit_digest"`
	Constraints   int           `json:"constraints"`
	PublicInputs  int           `json:"public_inputs"`
	PKDigest      string        `json:"pk_digest"`
	VKDigest      string        `json:"vk_digest"`
	Trust         string        `json:"trust"`
	// SetupSeconds is how long compiling and setup took, for the record.
	SetupSeconds float64 `json:"setup_seconds"`
}

// ShapeOf returns the shape of an answer-key commitment, refusing a
// commitment of a data set with features.
func ShapeOf(c *datacommit.Commitment) (KeyShape, error) {
	if err := c.Validate(); err != nil {
		return KeyShape{}, fmt.Errorf("grade: commitment: %w", err)
	}
	if len(c.Columns) != 0 || c.FeatureBits != 0 {
		return KeyShape{}, fmt.Errorf("grade: the commitment is a data set with %d feature columns, not an answer key; commit the key with zkai commit KEY.json ({\"y\": [...]})", len(c.Columns))
	}
	if c.LabelScale != 0 {
		return KeyShape{}, fmt.Errorf("grade: the key's answers are fractional (label scale 2^-%d); an answer key holds integer answers", c.LabelScale)
	}
	return KeyShape{Rows: c.Rows, RowsPerLeaf: c.RowsPerLeaf, LabelBits: c.LabelBits, Label: c.Label, Scale: c.Scale}, nil
}

// Setup compiles the grading circuit for a key commitment's shape and runs
// a Groth16 setup, writing dir (see the package doc). Only the public
// commitment is needed, so the learner can run it.
func Setup(c *datacommit.Commitment, dir string) (*Settings, error) {
	k, err := ShapeOf(c)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	circ, err := NewCircuit(k)
	if err != nil {
		return nil, err
	}
	ccs, err := proof.Compile(proof.Groth16, circ)
	if err != nil {
		return nil, err
	}
	keys, err := proof.Setup(proof.Groth16, ccs, nil)
	if err != nil {
		return nil, err
	}
	files := map[string]func() ([]byte, error){
		CircuitFile: func() ([]byte, error) { return proof.Bytes(ccs) },
		PKFile:      func() ([]byte, error) { return proof.PKBytes(keys.PK) },
		VKFile:      func() ([]byte, error) { return proof.Bytes(keys.VK) },
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	digests := map[string]string{}
	for name, encode := range files {
		b, err := encode()
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, fmt.Errorf("cannot write %s: %w", filepath.Join(dir, name), err)
		}
		digests[name] = proof.Digest(b)
	}
	s := &Settings{Format: SettingsFormat, Statement: Statement, Backend: proof.Groth16, Key: k,
		CircuitDigest: digests[CircuitFile], Constraints: ccs.GetNbConstraints(), PublicInputs: ccs.GetNbPublicVariables() - 1,
		PKDigest: digests[PKFile], VKDigest: digests[VKFile], Trust: Trust, SetupSeconds: time.Since(start).Seconds()}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, SettingsFile), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("cannot write %s: %w", filepath.Join(dir, SettingsFile), err)
	}
	return s, nil
}

// Open reads a set-up directory's settings and checks that they are for
// the shape of commitment c.
func Open(dir string, c *datacommit.Commitment) (*Settings, error) {
	k, err := ShapeOf(c)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, SettingsFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("grade: %s has no %s; run zkai grade setup --commitment COMMITMENT.json -o %s", dir, SettingsFile, dir)
	}
	var s Settings
	if err := json.Unmarshal(b, &s); err != nil || s.Format != SettingsFormat || s.Statement != Statement {
		return nil, fmt.Errorf("grade: %s is not a grade setup directory (its %s is not %s); run zkai grade setup", dir, SettingsFile, SettingsFormat)
	}
	if s.Key != k {
		return nil, fmt.Errorf("grade: %s was set up for a key of %d rows in leaves of %d, %d-bit labels; this commitment has %d rows in leaves of %d, %d-bit labels; run zkai grade setup --commitment with this commitment",
			dir, s.Key.Rows, s.Key.RowsPerLeaf, s.Key.LabelBits, k.Rows, k.RowsPerLeaf, k.LabelBits)
	}
	return &s, nil
}

// readVerified reads a file of dir and checks it against the digest
// recorded at setup, before any decoder sees it (the raw proving-key
// decoder skips subgroup checks, so its bytes must be the trusted ones).
func readVerified(dir, name, digest string) ([]byte, error) {
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("grade: %w; rerun zkai grade setup", err)
	}
	if proof.Digest(b) != digest {
		return nil, fmt.Errorf("grade: %s does not match the digest in %s; rerun zkai grade setup", path, SettingsFile)
	}
	return b, nil
}

// Proven is the result of Prove.
type Proven struct {
	Bundle   *proof.Bundle
	Public   *Public
	Settings *Settings
	// Backend is the time spent in the Groth16 prover alone.
	Backend time.Duration
}

// Prove grades answers against the key (labels, opening and commitment
// must match) with the keys of the set-up directory dir.
func Prove(dir string, c *datacommit.Commitment, o *datacommit.Opening, key, answers []int, zkaiVersion string) (*Proven, error) {
	k, err := ShapeOf(c)
	if err != nil {
		return nil, err
	}
	ans := make([]int64, len(answers))
	for i, a := range answers {
		ans[i] = int64(a)
	}
	if err := CheckAnswers(k, ans); err != nil {
		return nil, err
	}
	d, salts, err := datacommit.Match(c, o, nil, key)
	if err != nil {
		return nil, fmt.Errorf("grade: the key does not open the commitment: %w", err)
	}
	leaves, err := d.Leaves(salts)
	if err != nil {
		return nil, err
	}
	s, err := Open(dir, c)
	if err != nil {
		return nil, err
	}
	a, digest, correct, err := assign(k, d.Y, salts, leaves, ans)
	if err != nil {
		return nil, err
	}
	ccsBytes, err := readVerified(dir, CircuitFile, s.CircuitDigest)
	if err != nil {
		return nil, err
	}
	ccs, err := proof.ReadCCS(s.Backend, bytes.NewReader(ccsBytes))
	if err != nil {
		return nil, err
	}
	pkBytes, err := readVerified(dir, PKFile, s.PKDigest)
	if err != nil {
		return nil, err
	}
	pk, err := proof.ReadPK(s.Backend, bytes.NewReader(pkBytes))
	if err != nil {
		return nil, err
	}
	start := time.Now()
	proofBytes, _, err := proof.Prove(s.Backend, ccs, pk, a)
	if err != nil {
		return nil, err
	}
	elapsed := time.Since(start)
	pub := &Public{KeyRoot: c.Root, Key: k, N: k.Rows, Answers: ans, AnswersDigest: digest.String(),
		Leaves: decimals(leaves), Correct: correct, Score: score(correct, k.Rows)}
	b, err := proof.NewBundle(Statement, s.Backend, s.VKDigest, pub, proofBytes, zkaiVersion)
	if err != nil {
		return nil, err
	}
	return &Proven{Bundle: b, Public: pub, Settings: s, Backend: elapsed}, nil
}

func decimals(vs []*big.Int) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

// Result is what Verify reports.
type Result = proof.Verdict[*Public]

// Expect is what a verifier trusts besides its verifying key; each field
// set must hold of the grade.
type Expect struct {
	// Key is the answer key's commitment: the grade's root and key shape
	// must be its own.
	Key *datacommit.Commitment
	// KeyRoot is the key's root, when only that is at hand.
	KeyRoot string
}

// Verify checks a grade bundle against a verifying key and what the caller
// expects.
func Verify(bundleBytes, vkBytes []byte, expect Expect) *Result {
	res := &Result{}
	fail := func(err error) *Result {
		res.Reason = err.Error()
		return res
	}
	b, err := proof.ParseBundle(bundleBytes)
	if err != nil {
		return fail(err)
	}
	res.Statement, res.VKDigest = b.Statement, b.VKDigest
	if b.Statement != Statement {
		return fail(fmt.Errorf("bundle is for the %q statement; this verifier checks %q", b.Statement, Statement))
	}
	if got := proof.Digest(vkBytes); got != b.VKDigest {
		return fail(fmt.Errorf("the verifying key's digest %s is not the bundle's %s: the proof is for another circuit or key", got, b.VKDigest))
	}
	var pub Public
	dec := json.NewDecoder(bytes.NewReader(b.Public))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pub); err != nil {
		return fail(fmt.Errorf("public values: %v", err))
	}
	res.Public = &pub
	// The root binds the key's shape, and Vector recomputes it from the
	// shape and leaves; an expected commitment must agree in both (a
	// commitment file whose shape was edited keeps its root).
	if k := expect.Key; k != nil {
		shape, err := ShapeOf(k)
		if err != nil {
			return fail(err)
		}
		if pub.KeyRoot != k.Root || pub.Key != shape {
			return fail(fmt.Errorf("the grade is against key root %s (%+v), not the expected %s (%+v)", pub.KeyRoot, pub.Key, k.Root, shape))
		}
	}
	if expect.KeyRoot != "" && pub.KeyRoot != expect.KeyRoot {
		return fail(fmt.Errorf("the grade is against key root %s, not the expected %s", pub.KeyRoot, expect.KeyRoot))
	}
	vec, err := pub.Vector()
	if err != nil {
		return fail(fmt.Errorf("public values: %v", err))
	}
	vk, err := proof.ReadVK(b.Backend, vkBytes)
	if err != nil {
		return fail(err)
	}
	res.Insecure = proof.UntrustedSetup(b.Backend, vk, nil)
	proofBytes, err := b.ProofBytes()
	if err != nil {
		return fail(err)
	}
	if err := proof.Verify(b.Backend, vk, proofBytes, vec); err != nil {
		return fail(fmt.Errorf("the proof does not verify: %v", err))
	}
	res.Valid, res.Reason = true, "the proof verifies"
	return res
}
