package ledger

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/mod/sumdb/tlog"
)

// An AuditError reports the first inconsistency audit found. Index is the
// entry at fault, or -1 when the fault is not in one entry.
type AuditError struct {
	Index int64
	Err   error
}

func (e *AuditError) Error() string {
	if e.Index < 0 {
		return "audit: " + e.Err.Error()
	}
	return fmt.Sprintf("audit: entry %d: %v", e.Index, e.Err)
}

func (e *AuditError) Unwrap() error { return e.Err }

// AuditReport summarises a successful audit.
type AuditReport struct {
	Size        int64            `json:"size"`
	Root        tlog.Hash        `json:"root"`
	Checkpoints int              `json:"checkpoints"`
	Kinds       map[string]int64 `json:"kinds"`
}

type memHashes []tlog.Hash

func (m *memHashes) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*m)) {
			return nil, fmt.Errorf("stored hash %d not computed", x)
		}
		out[i] = (*m)[x]
	}
	return out, nil
}

// Audit re-verifies the whole log from storage: every entry parses and its
// signature verifies, the offsets frame the entries exactly, the stored
// hashes equal those recomputed from the entries, the latest checkpoint is
// signed by the log key over the recomputed root, and so is every archived
// checkpoint over the root of its size, none past the latest, and none
// missing (each checkpoint names the size of the one published before it).
// It returns the first inconsistency as an *AuditError.
func (l *Log) Audit() (*AuditReport, error) {
	cp, err := l.Checkpoint()
	if err != nil {
		return nil, &AuditError{-1, fmt.Errorf("latest checkpoint: %w", err)}
	}
	n := cp.Size
	offs, err := readPrefix(l.path(offsetsFile), n*8)
	if err != nil {
		return nil, &AuditError{-1, fmt.Errorf("offsets: %w", err)}
	}
	ef, err := os.Open(l.path(entriesFile))
	if err != nil {
		return nil, &AuditError{-1, err}
	}
	defer ef.Close()
	hf, err := os.Open(l.path(hashesFile))
	if err != nil {
		return nil, &AuditError{-1, err}
	}
	defer hf.Close()
	er := bufio.NewReaderSize(ef, 1<<20)
	hr := bufio.NewReaderSize(hf, 1<<20)

	rep := &AuditReport{Size: n, Kinds: map[string]int64{}}
	hashes := make(memHashes, 0, tlog.StoredHashCount(n))
	var prev uint64
	var buf []byte
	var stored tlog.Hash
	for i := int64(0); i < n; i++ {
		end := binary.BigEndian.Uint64(offs[i*8:])
		if end <= prev || end-prev > MaxEntrySize+1 {
			return nil, &AuditError{i, fmt.Errorf("offsets: record [%d, %d) out of order or too large", prev, end)}
		}
		ln := int(end - prev)
		prev = end
		if cap(buf) < ln {
			buf = make([]byte, ln)
		}
		rec := buf[:ln]
		if _, err := io.ReadFull(er, rec); err != nil {
			return nil, &AuditError{i, fmt.Errorf("entries file: %w", err)}
		}
		if rec[ln-1] != '\n' || bytes.IndexByte(rec[:ln-1], '\n') >= 0 {
			return nil, &AuditError{i, fmt.Errorf("entries file: record is not one newline-terminated line (entries edited, deleted or reordered?)")}
		}
		data := rec[:ln-1]
		e, err := ParseEntry(data)
		if err != nil {
			return nil, &AuditError{i, err}
		}
		rep.Kinds[e.Kind]++
		hs, err := tlog.StoredHashes(i, data, &hashes)
		if err != nil {
			return nil, &AuditError{i, err}
		}
		for k, h := range hs {
			if _, err := io.ReadFull(hr, stored[:]); err != nil {
				return nil, &AuditError{i, fmt.Errorf("hashes file: %w", err)}
			}
			if stored != h {
				what := "leaf hash"
				if k > 0 {
					what = "interior hash"
				}
				return nil, &AuditError{i, fmt.Errorf("stored %s differs from the one recomputed from the entries (entry edited or reordered?)", what)}
			}
		}
		hashes = append(hashes, hs...)
	}
	root, err := tlog.TreeHash(n, &hashes)
	if err != nil {
		return nil, &AuditError{-1, err}
	}
	if root != cp.Hash {
		return nil, &AuditError{-1, fmt.Errorf("the latest checkpoint's root %s differs from the root %s recomputed from the entries", cp.Hash, root)}
	}
	rep.Root = root
	sizes, err := l.Checkpoints()
	if err != nil {
		return nil, &AuditError{-1, fmt.Errorf("checkpoint archive: %w", err)}
	}
	archived := map[int64]bool{}
	chained := []Checkpoint{cp.Checkpoint}
	for _, s := range sizes {
		if s > n {
			return nil, &AuditError{-1, fmt.Errorf("archived checkpoint of size %d is past the latest checkpoint's %d (log rolled back?)", s, n)}
		}
		ac, err := l.CheckpointAt(s)
		if err != nil {
			return nil, &AuditError{-1, fmt.Errorf("archived checkpoint %d: %w", s, err)}
		}
		h, err := tlog.TreeHash(s, &hashes)
		if err != nil {
			return nil, &AuditError{-1, err}
		}
		if h != ac.Hash {
			return nil, &AuditError{-1, fmt.Errorf("archived checkpoint of size %d has root %s, the entries give %s (fork)", s, ac.Hash, h)}
		}
		archived[s] = true
		chained = append(chained, ac.Checkpoint)
	}
	// The latest checkpoint may be missing from the archive: a writer
	// killed between publishing and archiving it leaves it so, and the next
	// append archives it. It was verified above, so nothing is lost. Every
	// other published checkpoint must be there: each names the one
	// published before it, back to the empty tree's.
	if !archived[0] {
		return nil, &AuditError{-1, errors.New("the archived checkpoint of the empty tree (size 0) is missing")}
	}
	for _, c := range chained {
		p, ok, err := previousSize(c)
		if err != nil {
			return nil, &AuditError{-1, err}
		}
		if ok && !archived[p] {
			return nil, &AuditError{-1, fmt.Errorf("archived checkpoint of size %d, published before the one of size %d, is missing (deleted from %s?)", p, c.Size, archiveDir)}
		}
	}
	rep.Checkpoints = len(sizes)
	return rep, nil
}

func readPrefix(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, fmt.Errorf("%s shorter than %d bytes: %w", path, n, err)
	}
	return b, nil
}
