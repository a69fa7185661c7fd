// Package ledger is zkai's tamper-evident ledger: an append-only
// transparency log of signed, typed entries — model registrations, data-set
// commitments, proof records and hidden actions — under signed checkpoints,
// so that no one, the operator included, can rewrite history unnoticed.
//
// # The log
//
// The log is a Merkle tree as in RFC 6962 (Certificate Transparency) section
// 2.1: leaf hash SHA-256(0x00 ‖ entry), interior SHA-256(0x01 ‖ left ‖ right).
// Hashing and proofs come from golang.org/x/mod/sumdb/tlog, which states and
// tests its RFC 6962 compatibility; the tests here also check every inclusion
// and consistency proof with github.com/transparency-dev/merkle. Checkpoints
// are C2SP tlog-checkpoint bodies in C2SP signed notes, signed and verified
// with golang.org/x/mod/sumdb/note (Ed25519); see [Checkpoint].
//
// Storage is a directory of append-only files written by this package (see
// the file list in log.go): the entries, their offsets, and tlog's stored
// hashes, fsync'd before the checkpoint covering them is published by atomic
// rename; every published checkpoint is archived, so consistency can be
// proven between any two. An append returns only once its entries are
// covered by a published checkpoint, and anything a crashed writer left past
// the latest checkpoint is discarded by the next one. Writers serialise on a
// mutex and a flock'd lock file, so goroutines and processes may append
// concurrently. A writer signs only a tree that extends the latest signed
// one: it refuses a log rolled back or restored from an older copy (an
// archived checkpoint past the latest), stored hashes that do not give the
// latest root, and a last entry not included under it ([ErrRolledBack],
// [ErrStorageMismatch]); an archived checkpoint is never replaced.
//
// Why not Tessera: the design names github.com/transparency-dev/tessera
// (POSIX storage) as the log, and v1.0.4 is served by the module proxy. Its
// appender publishes checkpoints from its own timer (an interval of a second
// or more), has no hook to archive every checkpoint it publishes, and is
// built for a long-running server rather than a CLI that must return once
// its entry is covered; it also brings OpenTelemetry and klog. Within the
// time given, sumdb tlog with this package's small file store met every
// requirement with two small dependencies; the on-disk tree is the same
// RFC 6962 tree, so moving to Tessera (or to tlog-tiles serving) later
// changes storage, not proofs or checkpoints.
//
// # Entries
//
// An [Entry] is RFC 8785 canonical JSON ([Canonicalize]), versioned, kinded,
// timestamped and signed by its submitter's Ed25519 key over
// [EntrySignaturePrefix] and the entry without its signature; the prefix
// keeps entry and checkpoint signatures apart. [ParseEntry] accepts only
// canonical bytes of a known version and kind with a valid signature. A
// hidden [Action] stores only a salted commitment to its details; the
// [ActionOpening] goes back to the actor.
//
// # Verification
//
// [InclusionProof] and [ConsistencyProof] are self-contained (hashes plus
// signed checkpoints). A [Client] remembers the last checkpoint it trusted
// and refuses one that goes backwards ([ErrRollback]) or forks ([ForkError]);
// [Client.Follow] takes a log's latest checkpoint and the consistency proof
// from the log itself ('zkai ledger follow', 'zkai verify --state').
// [Log.Audit] re-verifies a whole log from storage, against the key and
// origin its directory names: a caller that trusts a key pins it first
// ('zkai ledger audit --log-key --origin').
package ledger
