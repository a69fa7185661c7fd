// Package index is a SQLite cache (modernc.org/sqlite, pure Go) over a
// ledger: it maps keys derived from the entries — entry digests, kinds,
// model and data-set names and commitments, proof identities — to log
// indices, so that a registry lookup does not read the whole log.
//
// The log is the truth and the index only a cache: [Index.Sync] catches up
// with the log's latest checkpoint and rebuilds from scratch when the index
// describes another tree (a log replaced or rewritten under it), and callers
// re-read and verify every entry an index lookup points to. A stale or
// tampered index can therefore hide an entry but never forge one.
package index

import (
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"

	"github.com/zkai-dev/zkai/ledger"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// schemaVersion changes when Keys or the tables change; an index of another
// version is rebuilt.
const schemaVersion = 1

// An Index maps keys to the indices of the log entries they describe.
type Index struct {
	db  *sql.DB
	log *ledger.Log
}

// Open opens (creating if needed) the index of l stored in the SQLite file
// path, or an in-memory index if path is empty. It does not sync: call
// [Index.Sync] before looking anything up.
func Open(l *ledger.Log, path string) (*Index, error) {
	dsn := ":memory:"
	if path != "" {
		// Writers of several processes take the database lock at BEGIN and
		// wait for each other rather than failing with SQLITE_BUSY.
		q := url.Values{"_txlock": {"immediate"}, "_pragma": {"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)"}}
		dsn = "file:" + path + "?" + q.Encode()
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", path, err)
	}
	// One connection: an in-memory database exists per connection, and one
	// process gains nothing from several writers to one file.
	db.SetMaxOpenConns(1)
	x := &Index{db: db, log: l}
	if err := x.init(); err != nil {
		db.Close()
		return nil, fmt.Errorf("index %s: %w", path, err)
	}
	return x, nil
}

func (x *Index) init() error {
	_, err := x.db.Exec(`
CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY CHECK (id = 1), schema INTEGER NOT NULL, size INTEGER NOT NULL, root BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS refs (key TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (key, idx)) WITHOUT ROWID;`)
	return err
}

// Close closes the database.
func (x *Index) Close() error { return x.db.Close() }

// Keys returns the lookup keys of a parsed entry: "kind:K" and "leaf:<base64
// leaf hash>" for every entry, and per kind
//
//	model    model-name:NAME, model:<weight commitment>, model:<vk digest>, uses-dataset:<commitment>…
//	dataset  dataset:<commitment>, dataset-name:NAME
//	proof    proof:<vk digest> <public-input digest>, bundle:<digest>, uses-model:<model>, uses-dataset:<commitment>…
//	action   action:<commitment>, actor:<verifier key>
//
// A model is keyed by both its weight commitment and its vk digest because
// either can be a proof's model identity (private or public weights).
func Keys(e *ledger.Entry, data []byte) []string {
	keys := []string{"kind:" + e.Kind, "leaf:" + base64.StdEncoding.EncodeToString(ledger.LeafHash(data))}
	add := func(prefix string, vs ...string) {
		for _, v := range vs {
			if v != "" {
				keys = append(keys, prefix+v)
			}
		}
	}
	switch v := e.Value.(type) {
	case *ledger.Model:
		add("model-name:", v.Name)
		add("model:", v.WeightCommitment, v.VKDigest)
		add("uses-dataset:", v.Datasets...)
	case *ledger.Dataset:
		add("dataset:", v.Commitment)
		add("dataset-name:", v.Name)
	case *ledger.ProofRecord:
		add("proof:", ProofKey(v.VKDigest, v.PublicInputDigest))
		add("bundle:", v.BundleDigest)
		add("uses-model:", v.Model)
		add("uses-dataset:", v.Datasets...)
	case *ledger.Action:
		add("action:", v.Commitment)
		add("actor:", v.Actor)
	}
	return keys
}

// ProofKey is the identity of a proof record: its vk digest and public-input
// digest (proof bytes can be re-randomised, so they are no identity).
func ProofKey(vkDigest, publicInputDigest string) string {
	return vkDigest + " " + publicInputDigest
}

// syncBatch is how many entries one transaction indexes: large enough that
// commits do not dominate, small enough that a crash loses little work.
const syncBatch = 20000

// Sync brings the index up to the log's latest checkpoint and returns that
// checkpoint. An index that describes a tree other than the log's prefix of
// the same size (or of another schema) is dropped and rebuilt.
func (x *Index) Sync() (ledger.SignedCheckpoint, error) {
	cp, err := x.log.Checkpoint()
	if err != nil {
		return cp, fmt.Errorf("index: the log's checkpoint: %w", err)
	}
	from, err := x.start(cp.Size)
	if err != nil {
		return cp, err
	}
	for from < cp.Size {
		to := min(from+syncBatch, cp.Size)
		if from, err = x.indexRange(from, to); err != nil {
			return cp, err
		}
	}
	return cp, nil
}

// start returns the size the index holds, after dropping an index that does
// not describe a prefix of the log whose latest checkpoint has size n.
func (x *Index) start(n int64) (int64, error) {
	var schema, size int64
	var root []byte
	err := x.db.QueryRow(`SELECT schema, size, root FROM state WHERE id = 1`).Scan(&schema, &size, &root)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return 0, nil
	case err != nil:
		return 0, fmt.Errorf("index: %w", err)
	}
	if schema == schemaVersion && size <= n {
		h, err := x.log.TreeHash(size)
		if err == nil && string(h[:]) == string(root) {
			return size, nil
		}
	}
	_, err = x.db.Exec(`DELETE FROM state; DELETE FROM refs;`)
	if err != nil {
		return 0, fmt.Errorf("index: drop a stale index: %w", err)
	}
	return 0, nil
}

// indexRange indexes entries [from, to) in one transaction and returns the
// size the index then holds. Another process may have indexed some or all
// of them meanwhile: the transaction starts from whatever size it finds.
func (x *Index) indexRange(from, to int64) (int64, error) {
	tx, err := x.db.Begin()
	if err != nil {
		return from, fmt.Errorf("index: %w", err)
	}
	defer tx.Rollback()
	var size int64
	if err := tx.QueryRow(`SELECT size FROM state WHERE id = 1`).Scan(&size); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return from, fmt.Errorf("index: %w", err)
	}
	if size >= to {
		return size, nil
	}
	insR, err := tx.Prepare(`INSERT OR IGNORE INTO refs (key, idx) VALUES (?, ?)`)
	if err != nil {
		return from, err
	}
	err = x.log.Scan(size, to, func(i int64, data []byte) error {
		e, err := ledger.ParseEntry(data)
		if err != nil {
			return fmt.Errorf("entry %d: %w (run 'zkai ledger audit')", i, err)
		}
		for _, k := range Keys(e, data) {
			if _, err := insR.Exec(k, i); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return from, fmt.Errorf("index: %w", err)
	}
	root, err := x.log.TreeHash(to)
	if err != nil {
		return from, fmt.Errorf("index: %w", err)
	}
	if _, err := tx.Exec(`INSERT OR REPLACE INTO state (id, schema, size, root) VALUES (1, ?, ?, ?)`, schemaVersion, to, root[:]); err != nil {
		return from, fmt.Errorf("index: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return from, fmt.Errorf("index: %w", err)
	}
	return to, nil
}

// Lookup returns the indices, ascending, of the entries with the given key
// (see [Keys]) below size, as of the last sync.
func (x *Index) Lookup(key string, size int64) ([]int64, error) {
	rows, err := x.db.Query(`SELECT idx FROM refs WHERE key = ? AND idx < ? ORDER BY idx`, key, size)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var i int64
		if err := rows.Scan(&i); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// Size returns the number of entries indexed.
func (x *Index) Size() (int64, error) {
	var n int64
	err := x.db.QueryRow(`SELECT size FROM state WHERE id = 1`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}
