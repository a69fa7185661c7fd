package grade

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkGrade10000 grades a 10,000-question multiple-choice sheet
// (answers 0..3, about 70 % right). Setup runs once, outside the timing;
// each iteration is a full Prove (load and check circuit and proving key,
// match the key against its commitment, prove). Reported: constraints,
// setup seconds, the backend prover's seconds, verify milliseconds, proof
// bytes, and the process's peak RSS (which includes the setup).
//
//	go test ./statement/grade -run '^$' -bench Grade10000 -benchtime 3x
func BenchmarkGrade10000(b *testing.B) {
	const n = 10000
	key, answers := make([]int, n), make([]int, n)
	for i := range key {
		key[i] = (i * 7) % 4
		answers[i] = key[i]
		if i%10 < 3 {
			answers[i] = (key[i] + 1) % 4
		}
	}
	c, o := commitKey(b, key, 0)
	dir := b.TempDir()
	s, err := Setup(c, dir)
	if err != nil {
		b.Fatal(err)
	}
	vk := readVK(b, dir)
	var p *Proven
	var backend time.Duration
	b.ResetTimer()
	for range b.N {
		if p, err = Prove(dir, c, o, key, answers, "bench"); err != nil {
			b.Fatal(err)
		}
		backend += p.Backend
	}
	b.StopTimer()
	bundle := marshal(b, p.Bundle)
	start := time.Now()
	if r := Verify(bundle, vk, Expect{KeyRoot: c.Root}); !r.Valid {
		b.Fatal(r.Reason)
	}
	verify := time.Since(start)
	if p.Public.Correct != 7000 {
		b.Fatalf("proved %d correct; want 7000", p.Public.Correct)
	}
	pb, _ := p.Bundle.ProofBytes()
	b.ReportMetric(float64(s.Constraints), "constraints")
	b.ReportMetric(s.SetupSeconds, "setup-s")
	b.ReportMetric(backend.Seconds()/float64(b.N), "prover-s/op")
	b.ReportMetric(float64(verify.Microseconds())/1000, "verify-ms")
	b.ReportMetric(float64(len(pb)), "proof-bytes")
	b.ReportMetric(float64(len(bundle)), "bundle-bytes")
	if rss := peakRSSMiB(); rss > 0 {
		b.ReportMetric(rss, "peak-RSS-MiB")
	}
}

// peakRSSMiB reads VmHWM from /proc (Linux only; 0 elsewhere).
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
