package inference

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/zkai-dev/zkai/quant"
)

// WeightsDomain separates weights digests from every other hash in zkai.
const WeightsDomain = "zkai-weights/1"

// WeightsDigest is a model's identity in public-weights mode, where the
// weights are circuit constants and no commitment names them: "sha256:" and
// the hex sha256 of WeightsDomain ‖ 0 ‖ the number of weight tensors, then
// for each tensor of p.Weights in order its rank, dimensions, scale, bit
// width, element count and values — every integer as 8 bytes big-endian
// (values two's complement). It is computed from the quantised program the
// circuit was compiled from, so two models share it exactly when their
// circuits hold the same parameters at the same scales.
func WeightsDigest(p *quant.Program) string {
	h := sha256.New()
	h.Write([]byte(WeightsDomain))
	h.Write([]byte{0})
	var buf [8]byte
	put := func(v int64) {
		binary.BigEndian.PutUint64(buf[:], uint64(v))
		h.Write(buf[:])
	}
	put(int64(len(p.Weights)))
	for _, id := range p.Weights {
		t := p.Tensors[id]
		put(int64(len(t.Shape)))
		for _, d := range t.Shape {
			put(int64(d))
		}
		put(int64(t.Scale))
		put(int64(t.Bits))
		vs := p.Consts[id]
		put(int64(len(vs)))
		for _, v := range vs {
			put(v)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
