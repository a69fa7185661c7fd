package inference

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/internal/jsonmut"
	"github.com/zkai-dev/zkai/proof"
)

// bundleInformational lists the leaves of an inference bundle that no
// proof binds: Verify never shows them (its result holds the statement,
// the vk digest and the public values, all checked or proven).
var bundleInformational = []string{"zkai_version", "gnark_version"}

// commitmentInformational lists the leaves of model.commitment.json that
// ExpectedModel does not read.
var commitmentInformational = []string{"model_digest", "weights"}

// TestMutation: change every leaf of valid inference bundles, and of the
// model files a verifier reads (model.commitment.json, a public-weights
// settings.json), one at a time: each change is rejected, or what the
// verifier shows is unchanged, or the leaf is informational.
func TestMutation(t *testing.T) {
	for _, vis := range []circuit.Options{
		{Weights: circuit.Public, Input: circuit.Public, Output: circuit.Public},
		{Weights: circuit.Private, Input: circuit.Hashed, Output: circuit.Hashed},
	} {
		t.Run(string(vis.Weights)+"-"+string(vis.Input)+"-"+string(vis.Output), func(t *testing.T) {
			ctx := "nonce"
			dir, p := pipeline(t, vis, proof.Groth16, &ctx)
			vk := readVK(t, dir)
			verifyWith := func(expect string) func([]byte) (string, bool) {
				return func(b []byte) (string, bool) {
					r := Verify(b, vk, expect)
					return string(marshal(t, r)), r.Valid
				}
			}
			jsonmut.Check(t, marshal(t, p.Bundle), bundleInformational, verifyWith(""))

			// the file naming the expected model
			file, informational := SettingsFile, []string(nil)
			if vis.Weights == circuit.Private {
				file, informational = CommitmentFile, commitmentInformational
			}
			doc, err := os.ReadFile(filepath.Join(dir, file))
			if err != nil {
				t.Fatal(err)
			}
			bundle := marshal(t, p.Bundle)
			jsonmut.Check(t, doc, informational, func(b []byte) (string, bool) {
				id, err := ExpectedModel(b)
				if err != nil {
					return "", false
				}
				shown, ok := verifyWith(id)(bundle)
				return id + " " + shown, ok
			})
		})
	}
}
