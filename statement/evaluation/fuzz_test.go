package evaluation

import (
	"bytes"
	"testing"

	"github.com/zkai-dev/zkai/proof"
)

// FuzzVerify: Verify parses untrusted evaluation files; whatever the bytes,
// it returns a verdict (never panics) and accepts nothing without a proof.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"format":"zkai-evaluation/2","statement":"evaluation","vk_digest":"sha256:00","public":{},"shards":[]}`), []byte("vk"))
	f.Add([]byte(`{"format":"zkai-evaluation/2","statement":"evaluation","vk_digest":"sha256:3b","public":{"metric":"accuracy","n":2,"data_root":"1","data":{"format":"zkai-data-commitment/1","construction":"zkai-data/1","root":"1","rows":2,"rows_per_leaf":1,"columns":["a"],"label":"y","scale":0,"feature_bits":2,"label_bits":2},"circuit":{"leaves_per_shard":2,"binary_threshold":0,"input_shift":0},"model":{"weights":"public","weights_digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000"},"correct_at_least":1,"accuracy_at_least":0.5},"shards":[{"format":"zkai-bundle/2","statement":"evaluation-shard","backend":"groth16","curve":"bn254","vk_digest":"sha256:3b","public":{"shard":0,"rows":2,"leaves":["1","2"],"count":{"in":"0","out":"5","first":true,"final":true,"at_least":1}},"proof":"AAAA"}]}`), []byte("vk"))
	f.Add([]byte(`{"shards":[null]}`), []byte{})
	f.Fuzz(func(t *testing.T, file, vk []byte) {
		// let the fuzzer past the vk digest check, to the parsing behind it
		file = bytes.ReplaceAll(file, []byte("sha256:3b"), []byte(proof.Digest(vk)))
		if r := Verify(file, vk, Expect{}); r.Valid {
			t.Fatalf("accepted without a valid proof: %s", file)
		}
	})
}
