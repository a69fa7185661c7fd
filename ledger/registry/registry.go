// Package registry is zkai's model registry and lineage on top of a ledger:
// it registers model versions, records proofs, and answers "is the model
// this proof is about a registered version, and what is its history?".
//
// A model's identity is its weight commitment (private weights) or, for
// public weights, the digest of its verifying key — the same value a proof
// bundle carries, so a bundle names its model without revealing it. Every
// answer is read from the log under a signed checkpoint; the SQLite index
// ([index.Index]) only says where to look, and each entry it points to is
// re-read, re-verified and proven included under the checkpoint. The one
// rule that an index hiding an entry could break — a model's (name,
// version) is registered once — is checked against the log itself
// ([Registry.Append]), and a lineage flags a version registered twice by
// a writer that did not check it.
package registry

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zkai-dev/zkai/ledger"
	"github.com/zkai-dev/zkai/ledger/index"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/edges"
	"github.com/zkai-dev/zkai/statement/evaluation"
)

// IndexFile is the name of the index inside a log directory.
const IndexFile = "index.sqlite"

// A Registry reads and writes the model registry of one log.
type Registry struct {
	Log   *ledger.Log
	index *index.Index
}

// Open opens the log in dir and its index. With a nil key it is read-only
// and falls back to an in-memory index where dir is not writable (a
// verifier's copy of someone else's log); a writer needs the log's key.
func Open(dir string, key *ledger.Key) (*Registry, error) {
	l, err := ledger.Open(dir, key)
	if err != nil {
		return nil, err
	}
	x, err := index.Open(l, filepath.Join(dir, IndexFile))
	if err != nil && key == nil {
		x, err = index.Open(l, "")
	}
	if err != nil {
		return nil, err
	}
	return &Registry{Log: l, index: x}, nil
}

// Close closes the index.
func (r *Registry) Close() error { return r.index.Close() }

// Found is an entry of the log, parsed and verified.
type Found struct {
	Index    int64
	LeafHash []byte
	Entry    *ledger.Entry
	data     []byte
}

// find returns the entries of the tree of size n that the index lists under
// key and that match: the index is a cache, so each entry is re-read from
// the log and checked by match.
func (r *Registry) find(key string, n int64, match func(*ledger.Entry) bool) ([]Found, error) {
	idx, err := r.index.Lookup(key, n)
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, i := range idx {
		b, err := r.Log.Entry(i, n)
		if err != nil {
			return nil, err
		}
		e, err := ledger.ParseEntry(b)
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w (run 'zkai ledger audit')", i, err)
		}
		if match(e) {
			out = append(out, Found{Index: i, LeafHash: ledger.LeafHash(b), Entry: e, data: b})
		}
	}
	return out, nil
}

// Versions returns the registered versions of the named model in the tree
// of size n, in log order.
func (r *Registry) Versions(name string, n int64) ([]Found, error) {
	return r.find("model-name:"+name, n, func(e *ledger.Entry) bool {
		m, ok := e.Value.(*ledger.Model)
		return ok && m.Name == name
	})
}

// Sync brings the index up to the log's latest checkpoint and returns it.
func (r *Registry) Sync() (ledger.SignedCheckpoint, error) { return r.index.Sync() }

// ErrExists reports a registration or record that the log already holds.
var ErrExists = errors.New("already in the ledger")

// appendRetries bounds how often a registration re-checks the log after
// another writer appended between its check and its append.
const appendRetries = 20

// appendChecked appends the entries built by check from the log as of the
// latest checkpoint, only if no other writer appended in between; else it
// checks again. It returns the first entry's index and covering checkpoint.
func (r *Registry) appendChecked(check func(cp ledger.SignedCheckpoint) ([][]byte, error)) (int64, ledger.SignedCheckpoint, error) {
	for range appendRetries {
		cp, err := r.Sync()
		if err != nil {
			return 0, cp, err
		}
		es, err := check(cp)
		if err != nil {
			return 0, cp, err
		}
		i, cp, err := r.Log.AppendAt(cp.Size, es...)
		if !errors.Is(err, ledger.ErrSizeChanged) {
			return i, cp, err
		}
	}
	return 0, ledger.SignedCheckpoint{}, fmt.Errorf("the log kept growing during %d attempts to append; try again", appendRetries)
}

// versions maps the versions of a model name to the index of the entry that
// registered each.
type versions map[string]int64

// logVersions reads the registered versions of the given names from the log
// itself, proven under cp: the index can hide entries (a stale or doctored
// cache), so the rule that a (name, version) is registered once is never
// decided from it. It reads the whole log.
func (r *Registry) logVersions(cp ledger.SignedCheckpoint, names map[string]versions) error {
	kind := []byte(`"kind":"model"`)
	return r.Log.ScanProven(cp.Checkpoint, func(i int64, data []byte) error {
		if !bytes.Contains(data, kind) {
			return nil
		}
		e, err := ledger.ParseEntry(data)
		if err != nil {
			return fmt.Errorf("entry %d: %w (run 'zkai ledger audit')", i, err)
		}
		m, ok := e.Value.(*ledger.Model)
		if !ok || names[m.Name] == nil {
			return nil
		}
		if _, dup := names[m.Name][m.Version]; !dup {
			names[m.Name][m.Version] = i
		}
		return nil
	})
}

// checkVersion is the registry's rule for a new model entry at index i:
// its version is new for its name and its parent, if any, registered. It
// records the version in vs.
func checkVersion(vs versions, m *ledger.Model, i int64) error {
	if j, ok := vs[m.Version]; ok {
		return fmt.Errorf("%w: %s version %s is entry %d; a version is registered once, choose another", ErrExists, m.Name, m.Version, j)
	}
	if _, ok := vs[m.Parent]; m.Parent != "" && !ok {
		return fmt.Errorf("parent version %q of %s is not registered; register it first or drop the parent", m.Parent, m.Name)
	}
	vs[m.Version] = i
	return nil
}

// Append appends signed entries once the registry's rules hold for them,
// checked against the log itself: each model entry's (name, version) is
// registered neither before nor earlier in the batch, and its parent is. It
// is how 'zkai ledger append' writes, so that no command adds a version the
// registry would refuse.
func (r *Registry) Append(entries ...[]byte) (int64, ledger.SignedCheckpoint, error) {
	var models []*ledger.Model
	for i, e := range entries {
		pe, err := ledger.ParseEntry(e)
		if err != nil {
			return 0, ledger.SignedCheckpoint{}, fmt.Errorf("entry %d: %w", i, err)
		}
		if m, ok := pe.Value.(*ledger.Model); ok {
			models = append(models, m)
		}
	}
	if len(models) == 0 {
		return r.Log.Append(entries...)
	}
	return r.appendChecked(func(cp ledger.SignedCheckpoint) ([][]byte, error) {
		names := map[string]versions{}
		for _, m := range models {
			names[m.Name] = versions{}
		}
		if err := r.logVersions(cp, names); err != nil {
			return nil, err
		}
		for k, m := range models {
			if err := checkVersion(names[m.Name], m, cp.Size+int64(k)); err != nil {
				return nil, err
			}
		}
		return entries, nil
	})
}

// Add registers a model version, signed by sub at time t. An empty
// m.Version becomes the next integer after the name's integer versions.
// The version must be new for its name, and the parent, if any, registered
// (see [Registry.Append]).
func (r *Registry) Add(m ledger.Model, sub *ledger.Key, t time.Time) (int64, *ledger.Model, ledger.SignedCheckpoint, error) {
	var added ledger.Model
	i, cp, err := r.appendChecked(func(cp ledger.SignedCheckpoint) ([][]byte, error) {
		added = m
		names := map[string]versions{m.Name: {}}
		if err := r.logVersions(cp, names); err != nil {
			return nil, err
		}
		if added.Version == "" {
			added.Version = nextVersion(names[m.Name])
		}
		if err := checkVersion(names[m.Name], &added, cp.Size); err != nil {
			return nil, err
		}
		e, err := ledger.NewEntry(&added, sub, t)
		return [][]byte{e}, err
	})
	if err != nil {
		return 0, nil, cp, err
	}
	return i, &added, cp, nil
}

// nextVersion is one more than the largest integer version, "1" if none.
func nextVersion(vs versions) string {
	var hi int64
	for v := range vs {
		if k, err := strconv.ParseInt(v, 10, 64); err == nil && k > hi {
			hi = k
		}
	}
	return strconv.FormatInt(hi+1, 10)
}

// AddDataset records a data-set commitment, signed by sub at time t. A
// commitment already recorded is not recorded twice (ErrExists and its
// index): its first entry is the one a lineage orders by.
func (r *Registry) AddDataset(d ledger.Dataset, sub *ledger.Key, t time.Time) (int64, ledger.SignedCheckpoint, error) {
	var existing int64
	i, cp, err := r.appendChecked(func(cp ledger.SignedCheckpoint) ([][]byte, error) {
		fs, err := r.find("dataset:"+d.Commitment, cp.Size, func(e *ledger.Entry) bool {
			v, ok := e.Value.(*ledger.Dataset)
			return ok && v.Commitment == d.Commitment
		})
		if err != nil {
			return nil, err
		}
		if len(fs) > 0 {
			existing = fs[0].Index
			return nil, fmt.Errorf("%w: this data set is entry %d", ErrExists, existing)
		}
		e, err := ledger.NewEntry(&d, sub, t)
		return [][]byte{e}, err
	})
	if errors.Is(err, ErrExists) {
		return existing, cp, err
	}
	return i, cp, err
}

// RecordProof records a proof bundle (see [ProofRecordOf]) signed by sub at
// time t. A proof whose identity, (vk digest, public-input digest), is
// already recorded is not recorded twice: ErrExists and the existing index.
func (r *Registry) RecordProof(bundle []byte, sub *ledger.Key, t time.Time) (int64, *ledger.ProofRecord, ledger.SignedCheckpoint, error) {
	rec, err := ProofRecordOf(bundle)
	if err != nil {
		return 0, nil, ledger.SignedCheckpoint{}, err
	}
	var existing int64
	i, cp, err := r.appendChecked(func(cp ledger.SignedCheckpoint) ([][]byte, error) {
		fs, err := r.findProof(rec.VKDigest, rec.PublicInputDigest, cp.Size)
		if err != nil {
			return nil, err
		}
		if len(fs) > 0 {
			existing = fs[0].Index
			return nil, fmt.Errorf("%w: this proof is entry %d", ErrExists, existing)
		}
		e, err := ledger.NewEntry(rec, sub, t)
		return [][]byte{e}, err
	})
	if errors.Is(err, ErrExists) {
		return existing, rec, cp, err
	}
	return i, rec, cp, err
}

func (r *Registry) findProof(vkDigest, publicInputDigest string, n int64) ([]Found, error) {
	return r.find("proof:"+index.ProofKey(vkDigest, publicInputDigest), n, func(e *ledger.Entry) bool {
		p, ok := e.Value.(*ledger.ProofRecord)
		return ok && p.VKDigest == vkDigest && p.PublicInputDigest == publicInputDigest
	})
}

// PublicInputDigest is "sha256:<hex>" of the RFC 8785 canonical JSON of a
// bundle's "public" object: with the vk digest, a proof's identity, which
// re-randomising the proof bytes does not change.
func PublicInputDigest(public json.RawMessage) (string, error) {
	c, err := ledger.Canonicalize(public)
	if err != nil {
		return "", fmt.Errorf("public values: %w", err)
	}
	h := sha256.Sum256(c)
	return "sha256:" + hex.EncodeToString(h[:]), nil
}

// ProofRecordOf builds the proof record of a bundle (zkai-bundle/2) or an
// evaluation file (zkai-evaluation/2, whose shards are bundles): its
// identity, its digest (sha256 of the file), statement, public values, and
// the lineage edges read from the public values — the model identity
// (public.model.commitment, or the vk digest when the weights are public:
// the vk fixes public weights as circuit constants)
// and the data set it uses (public.data_root). The proof is not verified
// here: that is 'zkai verify'.
func ProofRecordOf(file []byte) (*ledger.ProofRecord, error) {
	var env struct {
		Format    string          `json:"format"`
		Statement string          `json:"statement"`
		VKDigest  string          `json:"vk_digest"`
		Public    json.RawMessage `json:"public"`
	}
	if err := json.Unmarshal(file, &env); err != nil {
		return nil, fmt.Errorf("bundle is not valid JSON: %v", err)
	}
	switch env.Format {
	case proof.BundleFormat:
		// Its envelope is checked in full.
		if _, err := proof.ParseBundle(file); err != nil {
			return nil, err
		}
	case evaluation.Format:
		if env.Statement == "" || env.VKDigest == "" || len(env.Public) == 0 {
			return nil, errors.New("evaluation file lacks its statement, vk_digest or public values")
		}
	default:
		read, ok := edges.Lookup(env.Format)
		if !ok {
			known := proof.BundleFormat + ", " + evaluation.Format
			if more := edges.Formats(); more != "" {
				known += ", " + more
			}
			return nil, fmt.Errorf("format %q is not a proof file zkai records; known: %s", env.Format, known)
		}
		e, err := read(file)
		if err != nil {
			return nil, err
		}
		return recordOfEdges(file, e)
	}
	if len(env.Public) > ledger.MaxEntrySize {
		return nil, fmt.Errorf("public values of %d bytes: a proof record holds them in an entry of at most %d", len(env.Public), ledger.MaxEntrySize)
	}
	pid, err := PublicInputDigest(env.Public)
	if err != nil {
		return nil, err
	}
	var pub struct {
		Model *struct {
			Commitment string `json:"commitment"`
		} `json:"model"`
		DataRoot string `json:"data_root"`
		KeyRoot  string `json:"key_root"` // a grade's answer key
	}
	if err := json.Unmarshal(env.Public, &pub); err != nil {
		return nil, fmt.Errorf("public values: model, data_root or key_root malformed: %v", err)
	}
	rec := &ledger.ProofRecord{VKDigest: env.VKDigest, PublicInputDigest: pid, BundleDigest: proof.Digest(file),
		Statement: env.Statement, Model: env.VKDigest}
	if pub.Model != nil && pub.Model.Commitment != "" {
		rec.Model = pub.Model.Commitment
	}
	for _, root := range []string{pub.DataRoot, pub.KeyRoot} {
		if root != "" {
			rec.Datasets = append(rec.Datasets, root)
		}
	}
	if rec.PublicValues, err = ledger.Canonicalize(env.Public); err != nil {
		return nil, err
	}
	return rec, nil
}

// recordOfEdges is the proof record of a file of a registered statement.
func recordOfEdges(file []byte, e *edges.Edges) (*ledger.ProofRecord, error) {
	if e.Statement == "" || e.VKDigest == "" || len(e.Public) == 0 {
		return nil, errors.New("proof file lacks its statement, vk_digest or public values")
	}
	if len(e.Public) > ledger.MaxEntrySize {
		return nil, fmt.Errorf("public values of %d bytes: a proof record holds them in an entry of at most %d", len(e.Public), ledger.MaxEntrySize)
	}
	pid, err := PublicInputDigest(e.Public)
	if err != nil {
		return nil, err
	}
	rec := &ledger.ProofRecord{VKDigest: e.VKDigest, PublicInputDigest: pid, BundleDigest: proof.Digest(file),
		Statement: e.Statement, Model: e.Model, Datasets: e.Datasets, ModelsOut: e.ModelsOut, DatasetsOut: e.DatasetsOut}
	if rec.PublicValues, err = ledger.Canonicalize(e.Public); err != nil {
		return nil, err
	}
	return rec, nil
}
