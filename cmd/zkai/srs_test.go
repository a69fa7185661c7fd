package main

import (
	"bytes"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kzgbn254 "github.com/consensys/gnark-crypto/ecc/bn254/kzg"
	"github.com/consensys/gnark/test/unsafekzg"

	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/inference"
)

// TestPlonkSRS runs compile --backend plonk, setup --srs, prove and
// verify --srs on iris: the verifier, not the bundle, decides whether a
// PLONK key's setup is trusted. A key made from the ceremony's SRS is
// trusted only when the verifier passes that SRS; a key made from a local
// SRS is flagged whatever the verifier passes, and no bundle field can
// switch the warning off.
func TestPlonkSRS(t *testing.T) {
	const (
		model = "../../testdata/models/iris_logreg/model.onnx"
		in    = "../../testdata/models/iris_logreg/input.json"
	)
	tmp := t.TempDir()
	ceremony, local := filepath.Join(tmp, "ceremony"), filepath.Join(tmp, "local")
	for _, dir := range []string{ceremony, local} {
		if code, _, stderr := runCLI(t, "compile", model, "-o", dir, "--backend", "plonk"); code != 0 {
			t.Fatalf("compile: exit %d: %s", code, stderr)
		}
	}
	d, err := inference.OpenDir(ceremony)
	if err != nil {
		t.Fatal(err)
	}
	ccs, err := d.ReadCCS()
	if err != nil {
		t.Fatal(err)
	}
	// The "ceremony": an SRS whose τ this test chose, in the old layout
	// (canonical then Lagrange).
	c, l, err := unsafekzg.NewSRS(ccs, unsafekzg.WithToxicSeed([]byte("TestPlonkSRS")))
	if err != nil {
		t.Fatal(err)
	}
	var canonical, file bytes.Buffer
	if _, err := c.WriteTo(&canonical); err != nil {
		t.Fatal(err)
	}
	file.Write(canonical.Bytes())
	if _, err := l.WriteTo(&file); err != nil {
		t.Fatal(err)
	}
	srs := writeTemp(t, "ceremony.srs", file.Bytes())

	// A Lagrange half that is not the canonical half's is refused.
	lc := *l.(*kzgbn254.SRS)
	lc.Pk.G1 = append(lc.Pk.G1[:0:0], lc.Pk.G1...)
	lc.Pk.G1[0], lc.Pk.G1[1] = lc.Pk.G1[1], lc.Pk.G1[0]
	var forged bytes.Buffer
	forged.Write(canonical.Bytes())
	if _, err := lc.WriteTo(&forged); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "setup", ceremony, "--srs", writeTemp(t, "forged.srs", forged.Bytes()))
	if code != 1 || !strings.Contains(stderr, "not the Lagrange form") {
		t.Fatalf("setup with a forged Lagrange half: exit %d: %s", code, stderr)
	}

	groth := filepath.Join(tmp, "groth16")
	if code, _, stderr := runCLI(t, "compile", model, "-o", groth); code != 0 {
		t.Fatalf("compile: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, "setup", groth, "--srs", srs); code != 1 || !strings.Contains(stderr, "whose setup takes none") {
		t.Fatalf("setup --srs of a groth16 circuit: exit %d: %s", code, stderr)
	}

	code, stdout, stderr := runCLI(t, "setup", ceremony, "--srs", srs)
	if code != 0 {
		t.Fatalf("setup --srs: exit %d: %s", code, stderr)
	}
	digest := proof.Digest(canonical.Bytes())
	if !strings.Contains(stdout, "srs "+digest+" ("+srs+")") || strings.Contains(stderr, "INSECURE") {
		t.Fatalf("setup --srs printed %q, %q", stdout, stderr)
	}
	if d, err = inference.OpenDir(ceremony); err != nil || d.Setup.SRSDigest != digest || d.Setup.SRSSource != srs || d.Setup.Insecure != "" {
		t.Fatalf("settings.json setup section %+v (%v)", d.Setup, err)
	}
	if code, _, stderr := runCLI(t, "setup", local); code != 0 || !strings.Contains(stderr, "INSECURE") {
		t.Fatalf("local setup: exit %d: %s", code, stderr)
	}
	if d, err = inference.OpenDir(local); err != nil || d.Setup.SRSSource != proof.LocalSRS {
		t.Fatalf("local settings.json setup section %+v (%v)", d.Setup, err)
	}

	bundles := map[string]string{}
	for _, dir := range []string{ceremony, local} {
		bundles[dir] = filepath.Join(tmp, filepath.Base(dir)+".json")
		if code, _, stderr := runCLI(t, "prove", dir, "--input", in, "-o", bundles[dir]); code != 0 {
			t.Fatalf("prove: exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(bundles[dir])
		if err != nil || bytes.Contains(b, []byte("insecure")) {
			t.Fatalf("the bundle carries the prover's word on its setup (%v)", err)
		}
	}
	for _, tc := range []struct {
		dir     string
		srs     []string
		flagged bool
	}{
		{ceremony, []string{"--srs", srs}, false},
		{ceremony, nil, true},
		{local, []string{"--srs", srs}, true},
		{local, nil, true},
	} {
		args := append([]string{"verify", bundles[tc.dir], "--vk", filepath.Join(tc.dir, "vk")}, tc.srs...)
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 || !strings.HasPrefix(stdout, "valid") || strings.Contains(stderr, "INSECURE setup: "+proof.UntrustedPlonkSRS) != tc.flagged {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want flagged %v", args, code, stdout, stderr, tc.flagged)
		}
		code, stdout, _ = runCLI(t, append(args, "--json")...)
		var v struct {
			Valid    bool   `json:"valid"`
			Insecure string `json:"insecure_setup"`
		}
		if err := json.Unmarshal([]byte(stdout), &v); code != 0 || err != nil || !v.Valid || (v.Insecure != "") != tc.flagged {
			t.Errorf("%v --json: exit %d, %s", args, code, stdout)
		}
	}
	// A bundle cannot say its setup is secure: no field for it exists.
	b, err := os.ReadFile(bundles[local])
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"insecure_setup": "",`, `"insecure": false,`} {
		claim := writeTemp(t, "claim.json", []byte(strings.Replace(string(b), "{", "{"+field, 1)))
		code, stdout, stderr := runCLI(t, "verify", claim, "--vk", filepath.Join(local, "vk"), "--srs", srs)
		if code != 1 || !strings.Contains(stdout, "unknown field") || strings.Contains(stderr, "panic") {
			t.Errorf("bundle with %s: exit %d, %q", field, code, stdout)
		}
	}
	if code, _, stderr := runCLI(t, "verify", bundles[ceremony], "--vk", filepath.Join(ceremony, "vk"), "--srs", writeTemp(t, "x.srs", []byte("not an srs"))); code != 1 || !strings.Contains(stderr, "not a BN254 KZG SRS") {
		t.Fatalf("verify --srs garbage: exit %d: %s", code, stderr)
	}
}

// TestPlonkEvaluationSetupJudged: an evaluation file proved with keys from
// a locally generated SRS is flagged by the verifier itself — with the
// prover's own insecure_setup word deleted from the file, and with a
// ceremony SRS the key was not made from passed as trusted.
func TestPlonkEvaluationSetupJudged(t *testing.T) {
	data := smallSet(t, "../../testdata/models/iris_logreg/data.json", 8, nil)
	dir := t.TempDir()
	c, o, ev, eval := filepath.Join(dir, "c.json"), filepath.Join(dir, "o.json"), filepath.Join(dir, "ev"), filepath.Join(dir, "eval.json")
	for _, args := range [][]string{
		{"commit", data, "-o", c, "--opening", o, "--rows-per-leaf", "8"},
		{"compile", "../../testdata/models/iris_logreg/model.onnx", "-o", ev, "--statement", "evaluation", "--data-commitment", c, "--weights", "public", "--backend", "plonk"},
		{"setup", ev},
		{"prove-eval", ev, "--data", data, "--opening", o, "-o", eval},
	} {
		if code, _, stderr := runCLI(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	var f map[string]any
	if b, err := os.ReadFile(eval); err != nil || json.Unmarshal(b, &f) != nil {
		t.Fatalf("%s: %v", eval, err)
	}
	delete(f, "insecure_setup")
	silent, _ := json.Marshal(f)
	ceremony, err := kzgbn254.NewSRS(1<<8, big.NewInt(42))
	if err != nil {
		t.Fatal(err)
	}
	var srs bytes.Buffer
	if _, err := ceremony.WriteTo(&srs); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"verify", writeTemp(t, "silent.json", silent), "--vk", filepath.Join(ev, "vk")},
		{"verify", writeTemp(t, "silent.json", silent), "--vk", filepath.Join(ev, "vk"), "--srs", writeTemp(t, "c.srs", srs.Bytes())},
	} {
		code, stdout, stderr := runCLI(t, args...)
		if code != 0 || !strings.HasPrefix(stdout, "valid") || !strings.Contains(stderr, "INSECURE setup: "+proof.UntrustedPlonkSRS) {
			t.Errorf("%v: exit %d, %q, %q; want valid and flagged", args, code, stdout, stderr)
		}
	}
}
