package ledger

import (
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// InclusionProof is a self-contained proof that an entry is in a log, in a
// layout any RFC 6962 verifier can check: hashes are the audit path (RFC 6962
// section 2.1.1, leaf to root) and checkpoint the signed note of the tree.
// Hashes are base64 in JSON.
type InclusionProof struct {
	Index      int64    `json:"index"`
	TreeSize   int64    `json:"tree_size"`
	LeafHash   []byte   `json:"leaf_hash"`
	Hashes     [][]byte `json:"hashes"`
	Checkpoint string   `json:"checkpoint"`
}

// ConsistencyProof proves that the tree of old_checkpoint is a prefix of the
// tree of new_checkpoint (RFC 6962 section 2.1.2).
type ConsistencyProof struct {
	OldSize       int64    `json:"old_size"`
	NewSize       int64    `json:"new_size"`
	Hashes        [][]byte `json:"hashes"`
	OldCheckpoint string   `json:"old_checkpoint"`
	NewCheckpoint string   `json:"new_checkpoint"`
}

func hashesBytes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i, h := range hs {
		out[i] = h[:]
	}
	return out
}

func bytesHashes(bs [][]byte) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(bs))
	for i, b := range bs {
		if len(b) != tlog.HashSize {
			return nil, fmt.Errorf("proof hash %d has %d bytes, want %d", i, len(b), tlog.HashSize)
		}
		copy(out[i][:], b)
	}
	return out, nil
}

// ProveInclusion proves entry index under the latest checkpoint.
func (l *Log) ProveInclusion(index int64) (*InclusionProof, error) {
	cp, err := l.Checkpoint()
	if err != nil {
		return nil, err
	}
	data, err := l.Entry(index, cp.Size)
	if err != nil {
		return nil, err
	}
	p, err := l.InclusionProof(index, cp.Size)
	if err != nil {
		return nil, err
	}
	leaf := tlog.RecordHash(data)
	return &InclusionProof{Index: index, TreeSize: cp.Size, LeafHash: leaf[:], Hashes: hashesBytes(p), Checkpoint: string(cp.Note)}, nil
}

// ProveConsistency proves the archived checkpoint of size from consistent
// with the latest checkpoint.
func (l *Log) ProveConsistency(from int64) (*ConsistencyProof, error) {
	cp, err := l.Checkpoint()
	if err != nil {
		return nil, err
	}
	if from > cp.Size {
		return nil, fmt.Errorf("size %d is past the latest checkpoint's %d", from, cp.Size)
	}
	old, err := l.CheckpointAt(from)
	if err != nil {
		return nil, err
	}
	p, err := l.ConsistencyProof(from, cp.Size)
	if err != nil {
		return nil, err
	}
	return &ConsistencyProof{OldSize: from, NewSize: cp.Size, Hashes: hashesBytes(p), OldCheckpoint: string(old.Note), NewCheckpoint: string(cp.Note)}, nil
}

// Verify checks the proof: the checkpoint is signed by v with the given
// origin, and the leaf hash is at Index in its tree. It returns the checkpoint.
func (p *InclusionProof) Verify(origin string, v note.Verifier) (SignedCheckpoint, error) {
	cp, err := OpenCheckpoint([]byte(p.Checkpoint), origin, v)
	if err != nil {
		return SignedCheckpoint{}, err
	}
	if cp.Size != p.TreeSize {
		return SignedCheckpoint{}, fmt.Errorf("tree_size %d, the checkpoint says %d", p.TreeSize, cp.Size)
	}
	if len(p.LeafHash) != tlog.HashSize {
		return SignedCheckpoint{}, errors.New("malformed leaf_hash")
	}
	hs, err := bytesHashes(p.Hashes)
	if err != nil {
		return SignedCheckpoint{}, err
	}
	if err := VerifyInclusionHash(cp.Checkpoint, p.Index, tlog.Hash(p.LeafHash), hs); err != nil {
		return SignedCheckpoint{}, err
	}
	return cp, nil
}

// Verify checks both checkpoints' signatures and origin and the proof.
func (p *ConsistencyProof) Verify(origin string, v note.Verifier) (old, new SignedCheckpoint, err error) {
	if old, err = OpenCheckpoint([]byte(p.OldCheckpoint), origin, v); err != nil {
		return
	}
	if new, err = OpenCheckpoint([]byte(p.NewCheckpoint), origin, v); err != nil {
		return
	}
	if old.Size != p.OldSize || new.Size != p.NewSize {
		return old, new, errors.New("sizes differ from the checkpoints'")
	}
	hs, err := bytesHashes(p.Hashes)
	if err != nil {
		return
	}
	err = VerifyConsistency(old.Checkpoint, new.Checkpoint, hs)
	return
}
