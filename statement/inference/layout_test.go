package inference

import (
	"encoding/json"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/proof"
)

// withPublic re-encodes a bundle after f changed its public values.
func withPublic(t testing.TB, b *proof.Bundle, f func(pub *Public)) []byte {
	t.Helper()
	var pub Public
	if err := json.Unmarshal(b.Public, &pub); err != nil {
		t.Fatal(err)
	}
	f(&pub)
	c := *b
	c.Public = marshal(t, &pub)
	return marshal(t, &c)
}

// signed is a tensor's i-th proven value as a signed integer.
func signed(t testing.TB, x Tensor, i int) int64 {
	t.Helper()
	v, ok := new(big.Int).SetString(x.Field[i], 10)
	if !ok {
		t.Fatal(x.Field[i])
	}
	if v.Cmp(new(big.Int).Rsh(proof.Field(), 1)) > 0 {
		v.Sub(v, proof.Field())
	}
	return v.Int64()
}

// wantReason asserts an invalid verdict whose reason contains want.
func wantReason(t *testing.T, name string, r *Result, want string) {
	t.Helper()
	if r.Valid || !strings.Contains(r.Reason, want) {
		t.Errorf("%s: valid=%v reason %q; want invalid: …%s…", name, r.Valid, r.Reason, want)
	}
	if r.Public != nil {
		t.Errorf("%s: an invalid verdict shows public values", name)
	}
}

// pairing is how the backend says the proof does not verify for these
// public values: the relabelled bundles below decode and parse, and only
// the cryptography can tell.
const pairing = "pairing doesn't match"

// TestRelabel: what gives the public values their meaning is proven. A
// relabelled copy of an honest bundle — same field elements, other names,
// shapes, scales, widths, split between input and output, or model digest —
// is rejected by the pairing check, and a field the visibility does not
// allow is rejected before it.
func TestRelabel(t *testing.T) {
	dir, p := pipeline(t, circuit.Options{Weights: circuit.Public, Input: circuit.Public, Output: circuit.Public}, proof.Groth16, nil)
	vk := readVK(t, dir)
	if r := Verify(marshal(t, p.Bundle), vk, ""); !r.Valid {
		t.Fatalf("honest bundle rejected: %s", r.Reason)
	}
	cases := []struct {
		name string
		f    func(pub *Public)
		want string
	}{
		{"output scale 12 → 0 (probabilities shown as integers)", func(pub *Public) {
			o := &pub.Output.Tensors[0]
			for i := range o.Data {
				o.Data[i] = float64(signed(t, *o, i))
			}
			o.Scale = 0
		}, pairing},
		{"output renamed", func(pub *Public) { pub.Output.Tensors[0].Name = "approved_credit_limit" }, pairing},
		{"output reshaped [1 3] → [3 1]", func(pub *Public) { pub.Output.Tensors[0].Shape = []int{3, 1} }, pairing},
		{"output width", func(pub *Public) { pub.Output.Tensors[0].Bits++ }, pairing},
		{"input renamed", func(pub *Public) { pub.Input.Tensors[0].Name = "age" }, pairing},
		{"input scale", func(pub *Public) {
			in := &pub.Input.Tensors[0]
			in.Scale--
			for i := range in.Data {
				in.Data[i] *= 2
			}
		}, pairing},
		{"an output value moved into the input", func(pub *Public) {
			in, out := &pub.Input.Tensors[0], &pub.Output.Tensors[0]
			in.Shape = []int{1, 5}
			in.Field = append(in.Field, out.Field[0])
			in.Data = append(in.Data, math.Ldexp(float64(signed(t, *out, 0)), -in.Scale))
			out.Shape = []int{1, 2}
			out.Field, out.Data = out.Field[1:], out.Data[1:]
		}, pairing},
		{"another model's weights digest", func(pub *Public) { pub.Model.WeightsDigest = "sha256:" + strings.Repeat("ab", 32) }, pairing},
		{"a malformed weights digest", func(pub *Public) { pub.Model.WeightsDigest = "sha256:xyz" }, "weights digest"},
		{"no weights digest", func(pub *Public) { pub.Model.WeightsDigest = "" }, "weights digest"},
		{"public weights with a commitment", func(pub *Public) { pub.Model.Commitment = "1" }, "no commitment"},
		{"a commitment to a public input", func(pub *Public) { pub.Input.Commitment = "1" }, "commitment exactly when it is hashed"},
		{"input made private, its tensors kept", func(pub *Public) { pub.Input.Visibility = circuit.Private }, "private input shows no tensors"},
		{"output made private", func(pub *Public) { pub.Output.Visibility = circuit.Private }, "output visibility"},
	}
	for _, c := range cases {
		wantReason(t, c.name, Verify(withPublic(t, p.Bundle, c.f), vk, ""), c.want)
	}

	// a proof of another input, under this bundle's values: it decodes,
	// and the pairing check refuses it
	in := loadInput(t, "iris_logreg")
	for i := range in.Data[0] {
		in.Data[0][i] /= 2
	}
	q, err := Prove(dir, in, nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	swapped := *p.Bundle
	swapped.Proof = q.Bundle.Proof
	wantReason(t, "the proof of another input", Verify(marshal(t, &swapped), vk, ""), pairing)
}

// TestRelabelHidden: with a private or hashed input and a hashed output,
// what the visibility does not show cannot be added (input tensors or a
// fake commitment for a private input, values for hashed tensors), and the
// hashed tensors' labels are proven.
func TestRelabelHidden(t *testing.T) {
	dir, p := pipeline(t, circuit.Options{Weights: circuit.Private, Input: circuit.Private, Output: circuit.Public}, proof.Groth16, nil)
	vk := readVK(t, dir)
	meta := Tensor{TensorMeta: TensorMeta{Name: "input", Shape: []int{1, 4}, Scale: 12, Bits: 30}}
	for name, c := range map[string]struct {
		f    func(pub *Public)
		want string
	}{
		"input tensors shown for a private input": {func(pub *Public) {
			pub.Input.Tensors = []Tensor{{TensorMeta: meta.TensorMeta, Data: []float64{1, 2, 3, 4}, Field: []string{"4096", "8192", "12288", "16384"}}}
		}, "private input shows no tensors"},
		"a fake input commitment for a private input": {func(pub *Public) { pub.Input.Commitment = "12345" }, "commitment exactly when it is hashed"},
		"a private-weights model with a digest":       {func(pub *Public) { pub.Model.WeightsDigest = "sha256:" + strings.Repeat("0", 64) }, "not a digest"},
		"output renamed":                              {func(pub *Public) { pub.Output.Tensors[0].Name = "y" }, pairing},
	} {
		wantReason(t, name, Verify(withPublic(t, p.Bundle, c.f), vk, ""), c.want)
	}

	dir, p = pipeline(t, circuit.Options{Weights: circuit.Private, Input: circuit.Hashed, Output: circuit.Hashed}, proof.Groth16, nil)
	vk = readVK(t, dir)
	if r := Verify(marshal(t, p.Bundle), vk, ""); !r.Valid {
		t.Fatalf("honest bundle rejected: %s", r.Reason)
	}
	for name, c := range map[string]struct {
		f    func(pub *Public)
		want string
	}{
		"hashed input renamed":       {func(pub *Public) { pub.Input.Tensors[0].Name = "x" }, pairing},
		"hashed input width":         {func(pub *Public) { pub.Input.Tensors[0].Bits-- }, pairing},
		"hashed output reshaped":     {func(pub *Public) { pub.Output.Tensors[0].Shape = []int{3} }, pairing},
		"hashed output scale":        {func(pub *Public) { pub.Output.Tensors[0].Scale = 0 }, pairing},
		"hashed output values shown": {func(pub *Public) { pub.Output.Tensors[0].Data = []float64{0, 0, 1} }, "shows its values exactly when it is public"},
		"hashed input tensors gone":  {func(pub *Public) { pub.Input.Tensors = nil }, "shows its tensors"},
		"hashed output made public":  {func(pub *Public) { pub.Output.Visibility = circuit.Public }, "commitment exactly when it is hashed"},
		"input commitment changed":   {func(pub *Public) { pub.Input.Commitment = "1" }, pairing},
	} {
		wantReason(t, name, Verify(withPublic(t, p.Bundle, c.f), vk, ""), c.want)
	}
}

// TestPublicWeightsIdentity: with public weights the model's identity is
// the digest of its quantised weights, fixed at compile, recorded in
// settings.json, shown in the bundle, bound by the proof and checked by
// expectModel (a bundle claiming another digest is TestRelabel's).
func TestPublicWeightsIdentity(t *testing.T) {
	dir, p := pipeline(t, circuit.Options{Weights: circuit.Public, Input: circuit.Private, Output: circuit.Public}, proof.Groth16, nil)
	vk := readVK(t, dir)
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	id := d.Info.WeightsDigest
	if !proof.IsDigest(id) || p.Public.Model.WeightsDigest != id {
		t.Fatalf("settings.json names %q, the bundle %q", id, p.Public.Model.WeightsDigest)
	}
	settings, err := os.ReadFile(filepath.Join(dir, SettingsFile))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ExpectedModel(settings); err != nil || got != id {
		t.Fatalf("ExpectedModel(settings.json) = %q, %v; want %s", got, err, id)
	}
	r := Verify(marshal(t, p.Bundle), vk, id)
	if !r.Valid || r.Public.Model.WeightsDigest != id {
		t.Fatalf("expected model: %+v", r)
	}
	good := marshal(t, p.Bundle)
	wantReason(t, "another digest expected", Verify(good, vk, "sha256:"+strings.Repeat("0", 64)), "not the expected")
	wantReason(t, "a commitment expected", Verify(good, vk, "12345"), "not the expected")
	wantReason(t, "garbage expected", Verify(good, vk, "0x12"), "neither a weights digest")

	// other weights, other identity; the same weights, the same
	perturbed, err := engine.Open("../../testdata/perturbed/iris_logreg.onnx", engine.Options{SettingsFile: filepath.Join(dir, SettingsFile)})
	if err != nil {
		t.Fatal(err)
	}
	same, err := engine.Open(irisModel, engine.Options{SettingsFile: filepath.Join(dir, SettingsFile)})
	if err != nil {
		t.Fatal(err)
	}
	if WeightsDigest(perturbed.Program) == id || WeightsDigest(same.Program) != id {
		t.Fatal("the weights digest does not follow the weights")
	}

	// a private-weights bundle is not a public-weights model
	pdir, pp := pipeline(t, circuit.Options{Weights: circuit.Private, Input: circuit.Private, Output: circuit.Public}, proof.Groth16, nil)
	wantReason(t, "digest expected of a private-weights proof", Verify(marshal(t, pp.Bundle), readVK(t, pdir), id), "not the expected")
	psettings, err := os.ReadFile(filepath.Join(pdir, SettingsFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ExpectedModel(psettings); err == nil || !strings.Contains(err.Error(), "names no public-weights model") {
		t.Fatalf("ExpectedModel(private-weights settings.json): %v", err)
	}
	mc, err := os.ReadFile(filepath.Join(pdir, CommitmentFile))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := ExpectedModel(mc); err != nil || got != pp.Public.Model.Commitment {
		t.Fatalf("ExpectedModel(model.commitment.json) = %q, %v", got, err)
	}
}

// TestProveLayoutMismatch: a directory whose model no longer gives the
// layout it was compiled for (here other public weights, their file digest
// recorded as if compiled) is refused before proving, saying so.
func TestProveLayoutMismatch(t *testing.T) {
	dir, _ := pipeline(t, circuit.Options{Weights: circuit.Public, Input: circuit.Private, Output: circuit.Public}, proof.Groth16, nil)
	other, err := os.ReadFile("../../testdata/perturbed/iris_logreg.onnx")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ModelFile), other, 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	d.Info.ModelDigest = proof.Digest(other)
	if err := SaveSettings(dir, d.Settings, &d.Info, d.Setup); err != nil {
		t.Fatal(err)
	}
	if _, err := Prove(dir, loadInput(t, "iris_logreg"), nil, "test"); err == nil || !strings.Contains(err.Error(), "is not the one") {
		t.Fatalf("prove with other weights: %v", err)
	}
}
