package ledger

import (
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"
)

// Benchmarks, not tests: go test ./ledger -run '^$' -bench . -benchtime 3x
// (the 1M-entry log takes a few minutes to build).

// distinctEntries signs n distinct model entries.
func distinctEntries(b *testing.B, key *Key, n int) [][]byte {
	es := make([][]byte, n)
	for i := range es {
		es[i] = modelEntry(b, key, i)
	}
	return es
}

// BenchmarkAppend measures durable appends (fsync'd, checkpoint published)
// per second, by batch size.
func BenchmarkAppend(b *testing.B) {
	for _, batch := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			l, key, _ := newTestLog(b)
			es := distinctEntries(b, key, batch)
			b.ResetTimer()
			for range b.N {
				if _, _, err := l.Append(es...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// bigLogs caches the large logs across the runs (growing b.N) of a
// benchmark: each run's b.TempDir is removed after it, so they live in
// directories of their own, removed by TestMain.
var bigLogs sync.Map // size → *Log

func TestMain(m *testing.M) {
	code := m.Run()
	bigLogs.Range(func(_, l any) bool {
		os.RemoveAll(l.(*Log).dir)
		return true
	})
	os.Exit(code)
}

// bigLog returns a log of n entries, built by appending batches of 10,000
// copies of 1,000 distinct entries (a log may hold duplicates, and signing
// a million distinct entries would only slow the setup).
func bigLog(b *testing.B, n int) *Log {
	if l, ok := bigLogs.Load(n); ok {
		return l.(*Log)
	}
	start := time.Now()
	key := newTestKey(b, "test-log")
	dir, err := os.MkdirTemp("", "zkai-ledger-bench")
	if err != nil {
		b.Fatal(err)
	}
	l, err := Init(dir, key, "example.com/zkai-bench")
	if err != nil {
		os.RemoveAll(dir)
		b.Fatal(err)
	}
	bigLogs.Store(n, l)
	es := distinctEntries(b, key, 1000)
	for i := 0; i < n; {
		batch := make([][]byte, 0, 10000)
		for len(batch) < cap(batch) && i < n {
			batch = append(batch, es[i%len(es)])
			i++
		}
		if _, _, err := l.Append(batch...); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("built a log of %d entries in %s", n, time.Since(start).Round(time.Second))
	return l
}

// BenchmarkInclusionProof1M measures proving (from storage) and verifying
// the inclusion of a random entry in a log of 1,000,000 entries.
func BenchmarkInclusionProof1M(b *testing.B) {
	l := bigLog(b, 1_000_000)
	cp, err := l.Checkpoint()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		p, err := l.ProveInclusion(rand.Int64N(cp.Size))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Verify(l.Origin(), l.Verifier()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAudit100k measures a full audit of a log of 100,000 entries.
func BenchmarkAudit100k(b *testing.B) {
	l := bigLog(b, 100_000)
	b.ResetTimer()
	for range b.N {
		if _, err := l.Audit(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScanProven100k measures reading a log of 100,000 entries and
// recomputing its root (what a registration's (name, version) check costs).
func BenchmarkScanProven100k(b *testing.B) {
	l := bigLog(b, 100_000)
	cp, err := l.Checkpoint()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := l.ScanProven(cp.Checkpoint, func(int64, []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
