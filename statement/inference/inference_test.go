package inference

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/input"
	"github.com/zkai-dev/zkai/proof"
)

const irisModel = "../../testdata/models/iris_logreg/model.onnx"

func loadInput(t testing.TB, name string) *input.File {
	t.Helper()
	in, err := input.Load(filepath.Join("../../testdata/models", name, "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// pipeline compiles, sets up and proves the iris model.
func pipeline(t testing.TB, vis circuit.Options, backend proof.Backend, context *string) (dir string, p *Proven) {
	t.Helper()
	dir = t.TempDir()
	if _, err := Compile(irisModel, engine.Options{}, vis, backend, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := RunSetup(dir, nil); err != nil {
		t.Fatal(err)
	}
	p, err := Prove(dir, loadInput(t, "iris_logreg"), context, "test")
	if err != nil {
		t.Fatal(err)
	}
	return dir, p
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readVK(t testing.TB, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, VKFile))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEndToEndModes(t *testing.T) {
	modes := []circuit.Options{
		{Weights: circuit.Private, Input: circuit.Private, Output: circuit.Public},
		{Weights: circuit.Public, Input: circuit.Public, Output: circuit.Public},
		{Weights: circuit.Private, Input: circuit.Hashed, Output: circuit.Hashed},
	}
	for _, vis := range modes {
		for _, backend := range []proof.Backend{proof.Groth16, proof.Plonk} {
			name := string(backend) + "/" + string(vis.Weights) + "-" + string(vis.Input) + "-" + string(vis.Output)
			t.Run(name, func(t *testing.T) {
				if testing.Short() && backend == proof.Plonk {
					t.Skip("PLONK in -short mode")
				}
				dir, p := pipeline(t, vis, backend, nil)
				r := Verify(marshal(t, p.Bundle), readVK(t, dir), "")
				if !r.Valid {
					t.Fatalf("valid bundle rejected: %s", r.Reason)
				}
				if (backend == proof.Plonk) != (r.Insecure != "") {
					t.Fatalf("insecure = %q", r.Insecure)
				}
				if vis.Output == circuit.Public {
					// the proven outputs are exactly the fixed-point run's
					for i, o := range p.Public.Output.Tensors {
						for j, x := range o.Data {
							if x != p.Result.Outputs[i].Data[j] {
								t.Fatalf("proven output %v differs from the run's %v", x, p.Result.Outputs[i].Data[j])
							}
						}
					}
				}
				if (vis.Input == circuit.Hashed || vis.Output == circuit.Hashed) != (p.Opening != nil) {
					t.Fatal("opening file expected exactly when something is hashed")
				}
			})
		}
	}
}

// TestTamper: every byte of the proof, every public value, and the
// verifying key are tamper-evident.
func TestTamper(t *testing.T) {
	ctx := "nonce-X"
	dir, p := pipeline(t, circuit.Options{Weights: circuit.Private, Input: circuit.Public, Output: circuit.Public}, proof.Groth16, &ctx)
	vk := readVK(t, dir)
	good := marshal(t, p.Bundle)
	if r := Verify(good, vk, ""); !r.Valid {
		t.Fatalf("valid bundle rejected: %s", r.Reason)
	}
	proofBytes, _ := p.Bundle.ProofBytes()
	for i := range proofBytes {
		bad := bytes.Clone(proofBytes)
		bad[i] ^= 0x80
		b := *p.Bundle
		b.Proof = base64.StdEncoding.EncodeToString(bad)
		if Verify(marshal(t, &b), vk, "").Valid {
			t.Fatalf("proof byte %d flipped: accepted", i)
		}
	}
	// every public field element, one at a time: the bundle decodes and
	// parses, and the pairing check refuses it
	// (accepted reports a verdict other than invalid for the reason want)
	accepted := func(want string, f func(pub *Public)) bool {
		r := Verify(withPublic(t, p.Bundle, f), vk, "")
		return r.Valid || !strings.Contains(r.Reason, want)
	}
	inc := func(s string) string {
		v, _ := new(big.Int).SetString(s, 10)
		return v.Add(v, big.NewInt(1)).Mod(v, proof.Field()).String()
	}
	for k := range p.Public.Output.Tensors {
		for i := range p.Public.Output.Tensors[k].Field {
			if accepted(pairing, func(pub *Public) {
				pub.Output.Tensors[k].Field[i] = inc(pub.Output.Tensors[k].Field[i])
				pub.Output.Tensors[k].Data[i] += 1.0 / float64(int64(1)<<pub.Output.Tensors[k].Scale)
			}) {
				t.Fatalf("output %d field %d changed: accepted", k, i)
			}
			if accepted("not the proven value", func(pub *Public) { pub.Output.Tensors[k].Data[i] += 0.5 }) {
				t.Fatalf("output %d data %d changed without its field: accepted", k, i)
			}
		}
	}
	for i := range p.Public.Input.Tensors[0].Field {
		if accepted(pairing, func(pub *Public) {
			pub.Input.Tensors[0].Field[i] = inc(pub.Input.Tensors[0].Field[i])
			pub.Input.Tensors[0].Data[i] += 1.0 / float64(int64(1)<<pub.Input.Tensors[0].Scale)
		}) {
			t.Fatalf("input field %d changed: accepted", i)
		}
	}
	if accepted(pairing, func(pub *Public) { pub.Model.Commitment = inc(pub.Model.Commitment) }) {
		t.Fatal("model commitment changed: accepted")
	}
	other := "nonce-Y"
	if accepted(pairing, func(pub *Public) { pub.Context = &other }) {
		t.Fatal("proof bound to context X accepted for context Y")
	}
	if accepted(pairing, func(pub *Public) { pub.Context = nil }) {
		t.Fatal("proof bound to a context accepted without it")
	}
	// the verifying key: every byte flip changes its digest
	for _, i := range []int{0, len(vk) / 2, len(vk) - 1} {
		bad := bytes.Clone(vk)
		bad[i] ^= 1
		if r := Verify(good, bad, ""); r.Valid || !strings.Contains(r.Reason, "digest") {
			t.Fatalf("vk byte %d flipped: %+v", i, r)
		}
	}
	// a vk of another circuit (public weights)
	dir2, _ := pipeline(t, circuit.Options{Weights: circuit.Public, Input: circuit.Public, Output: circuit.Public}, proof.Groth16, nil)
	if Verify(good, readVK(t, dir2), "").Valid {
		t.Fatal("vk of another circuit accepted")
	}
	// expected model
	var mc ModelCommitment
	if err := ReadJSON(filepath.Join(dir, CommitmentFile), &mc); err != nil {
		t.Fatal(err)
	}
	if r := Verify(good, vk, mc.Commitment); !r.Valid {
		t.Fatalf("expected model rejected: %s", r.Reason)
	}
	dir3, _ := pipeline(t, circuit.Options{Weights: circuit.Private, Input: circuit.Public, Output: circuit.Public}, proof.Groth16, nil)
	var mc3 ModelCommitment
	if err := ReadJSON(filepath.Join(dir3, CommitmentFile), &mc3); err != nil {
		t.Fatal(err)
	}
	if mc3.Commitment == mc.Commitment {
		t.Fatal("two compiles of the same weights share a salt")
	}
	if Verify(good, vk, mc3.Commitment).Valid {
		t.Fatal("proof for model A accepted as model B")
	}
}

// TestBadBundles: malformed bundles are invalid with a reason, never a panic.
func TestBadBundles(t *testing.T) {
	dir, p := pipeline(t, circuit.Options{Weights: circuit.Public, Input: circuit.Private, Output: circuit.Public}, proof.Groth16, nil)
	vk := readVK(t, dir)
	good := marshal(t, p.Bundle)
	proofBytes, _ := p.Bundle.ProofBytes()
	variants := map[string][]byte{
		"not json":        []byte("hello"),
		"empty":           nil,
		"truncated":       good[:len(good)/2],
		"unknown format":  bytes.Replace(good, []byte(`"`+proof.BundleFormat+`"`), []byte(`"zkai-bundle/9"`), 1),
		"wrong curve":     bytes.Replace(good, []byte(`"bn254"`), []byte(`"bls12-381"`), 1),
		"truncated proof": withProof(t, p, proofBytes[:len(proofBytes)-4]),
		"padded proof":    withProof(t, p, append(bytes.Clone(proofBytes), 0, 0, 0, 0)),
		"huge count":      withProof(t, p, hugeCount(proofBytes)),
		"trailing data":   append(bytes.Clone(good), []byte(" {}")...),
	}
	for name, b := range variants {
		if r := Verify(b, vk, ""); r.Valid || r.Reason == "" {
			t.Errorf("%s: %+v", name, r)
		}
	}
	// regression: a zkai-bundle/1 file (no layout bound) is refused, saying why
	old := bytes.Replace(good, []byte(`"`+proof.BundleFormat+`"`), []byte(`"zkai-bundle/1"`), 1)
	if r := Verify(old, vk, ""); r.Valid || !strings.Contains(r.Reason, "zkai-bundle/1 is no longer accepted") {
		t.Errorf("zkai-bundle/1: %+v", r)
	}
}

func withProof(t *testing.T, p *Proven, pb []byte) []byte {
	b := *p.Bundle
	b.Proof = base64.StdEncoding.EncodeToString(pb)
	return marshal(t, &b)
}

// hugeCount sets the Groth16 commitment count prefix to 2^32−1.
func hugeCount(pb []byte) []byte {
	b := bytes.Clone(pb)
	copy(b[128:132], []byte{0xff, 0xff, 0xff, 0xff})
	return b
}

// TestCircuitIndependentOfWeights: a verifier who compiles the same
// architecture with other weights, using the prover's settings.json, gets
// the identical circuit — so it can run setup without seeing the weights —
// and the prover's proof verifies under the verifier's key.
func TestCircuitIndependentOfWeights(t *testing.T) {
	for _, name := range []string{"iris_logreg", "digits_cnn"} {
		t.Run(name, func(t *testing.T) {
			vis := circuit.DefaultOptions()
			prover := t.TempDir()
			pc, err := Compile(filepath.Join("../../testdata/models", name, "model.onnx"), engine.Options{}, vis, proof.Groth16, prover)
			if err != nil {
				t.Fatal(err)
			}
			verifier := t.TempDir()
			vc, err := Compile(filepath.Join("../../testdata/perturbed", name+".onnx"), engine.Options{SettingsFile: filepath.Join(prover, SettingsFile)}, vis, proof.Groth16, verifier)
			if err != nil {
				t.Fatal(err)
			}
			if pc.Info.CircuitDigest != vc.Info.CircuitDigest {
				t.Fatalf("circuit digests differ: %s vs %s", pc.Info.CircuitDigest, vc.Info.CircuitDigest)
			}
			if pc.Commitment.Commitment == vc.Commitment.Commitment {
				t.Fatal("different weights gave the same commitment")
			}
			if testing.Short() {
				return
			}
			// the verifier's setup serves the prover
			if _, err := RunSetup(verifier, nil); err != nil {
				t.Fatal(err)
			}
			for _, f := range []string{PKFile, VKFile} {
				b, err := os.ReadFile(filepath.Join(verifier, f))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(prover, f), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			d, err := Open(verifier)
			if err != nil {
				t.Fatal(err)
			}
			if err := SaveSettings(prover, pc.Settings, &pc.Info, d.Setup); err != nil {
				t.Fatal(err)
			}
			p, err := Prove(prover, loadInput(t, name), nil, "test")
			if err != nil {
				t.Fatal(err)
			}
			if r := Verify(marshal(t, p.Bundle), readVK(t, verifier), pc.Commitment.Commitment); !r.Valid {
				t.Fatalf("proof under the verifier's key rejected: %s", r.Reason)
			}
		})
	}
}

// TestCorruptArtifacts: a changed circuit, proving key or model file in a
// compiled directory is refused before anything decodes it.
func TestCorruptArtifacts(t *testing.T) {
	for _, f := range []string{CircuitFile, PKFile, ModelFile} {
		t.Run(f, func(t *testing.T) {
			dir, _ := pipeline(t, circuit.Options{Weights: circuit.Public, Input: circuit.Private, Output: circuit.Public}, proof.Groth16, nil)
			path := filepath.Join(dir, f)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 1
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Prove(dir, loadInput(t, "iris_logreg"), nil, "test"); err == nil || !strings.Contains(err.Error(), "digest") {
				t.Fatalf("corrupt %s: %v", f, err)
			}
		})
	}
}
