package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestGradeCLI(t *testing.T) {
	dir := t.TempDir()
	key := writeTemp(t, "key.json", []byte(`{"y": [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]}`))
	answers := writeTemp(t, "answers.json", []byte(`{"answers": [0, 1, 2, 0, 0, 1, 0, 3, 0, 0]}`))
	c, o := filepath.Join(dir, "c.json"), filepath.Join(dir, "o.json")
	if code, _, errs := runCLI(t, "commit", key, "-o", c, "--opening", o); code != 0 {
		t.Fatalf("commit: %s", errs)
	}
	keys := filepath.Join(dir, "learner")
	code, _, errs := runCLI(t, "grade", "setup", "--commitment", c, "-o", keys)
	if code != 0 || !strings.Contains(errs, "forge") {
		t.Fatalf("grade setup: exit %d, stderr %q (want the trust warning)", code, errs)
	}
	g := filepath.Join(dir, "grade.json")
	code, out, errs := runCLI(t, "grade", "--commitment", c, "--key", key, "--opening", o, "--answers", answers, "-o", g, "--keys", keys, "--json")
	if code != 0 {
		t.Fatalf("grade: exit %d: %s", code, errs)
	}
	var got struct {
		Correct, N int
		Score      float64
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Correct != 7 || got.N != 10 || got.Score != 0.7 {
		t.Fatalf("grade --json printed %q (%v); want 7/10", out, err)
	}
	vk := filepath.Join(keys, "vk")
	if code, out, _ := runCLI(t, "verify", g, "--vk", vk, "--expect-data", c); code != 0 || !strings.Contains(out, "score 7/10") {
		t.Fatalf("verify: exit %d, %q", code, out)
	}

	// A setup run by the grader is made, reused, and warned about.
	for range 2 {
		code, _, errs := runCLI(t, "grade", "--commitment", c, "--key", key, "--opening", o, "--answers", answers, "-o", filepath.Join(dir, "self.json"))
		if code != 0 || !strings.Contains(errs, "come from a setup run by the grader") {
			t.Fatalf("grade without --keys: exit %d, stderr %q", code, errs)
		}
	}

	other := writeTemp(t, "other.json", []byte(`{"y": [1, 1, 2, 3, 0, 1, 2, 3, 0, 1]}`))
	c2, o2 := filepath.Join(dir, "c2.json"), filepath.Join(dir, "o2.json")
	if code, _, errs := runCLI(t, "commit", other, "-o", c2, "--opening", o2); code != 0 {
		t.Fatalf("commit: %s", errs)
	}
	if code, out, _ := runCLI(t, "verify", g, "--vk", vk, "--expect-data", c2); code != 1 || !strings.Contains(out, "not the expected") {
		t.Fatalf("grade accepted against another key: exit %d, %q", code, out)
	}

	bad := []struct {
		name string
		args []string
		want string
	}{
		{"missing flags", []string{"grade", "--commitment", c, "-o", g}, "are required"},
		{"answer count", []string{"grade", "--commitment", c, "--key", key, "--opening", o, "-o", g, "--keys", keys,
			"--answers", writeTemp(t, "a9.json", []byte(`{"answers": [0, 1, 2, 0, 0, 1, 0, 3, 0]}`))}, "9 answers for a key of 10"},
		{"answer outside the key's width", []string{"grade", "--commitment", c, "--key", key, "--opening", o, "-o", g, "--keys", keys,
			"--answers", writeTemp(t, "a8.json", []byte(`{"answers": [0, 1, 2, 0, 0, 1, 0, 3, 0, 8]}`))}, "outside 0..3"},
		{"non-integer answer", []string{"grade", "--commitment", c, "--key", key, "--opening", o, "-o", g, "--keys", keys,
			"--answers", writeTemp(t, "af.json", []byte(`{"answers": [0.5, 1, 2, 0, 0, 1, 0, 3, 0, 0]}`))}, "not a class index"},
		{"key tampered", []string{"grade", "--commitment", c, "--key", other, "--opening", o, "--answers", answers, "-o", g, "--keys", keys}, "does not open"},
		{"opening of another key", []string{"grade", "--commitment", c, "--key", key, "--opening", o2, "--answers", answers, "-o", g, "--keys", keys}, "another data set"},
		{"keys of another shape", []string{"grade", "--commitment", c, "--key", key, "--opening", o, "--answers", answers, "-o", g, "--keys", dir}, "zkai grade setup"},
		{"expect-model on a grade", []string{"verify", g, "--vk", vk, "--expect-model", "123"}, "does not apply"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			code, _, errs := runCLI(t, b.args...)
			if code != 1 || !strings.Contains(errs, b.want) || strings.Contains(errs, "goroutine") {
				t.Fatalf("exit %d, stderr %q; want exit 1 and %q", code, errs, b.want)
			}
		})
	}
}
