package train

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/big"
)

// orderTag domain-separates the order stream.
const orderTag = "zkai-train-order/1"

// Permutation is the order in which epoch e visits n rows, a function of
// public values only — the seed and the data set's commitment root — so a
// verifier knows which rows each step used.
//
// It is the Fisher–Yates shuffle of 0, 1, …, n−1: for i = n−1 down to 1,
// swap positions i and j, with j uniform in [0, i] drawn from the stream
// of 64-bit big-endian words
//
//	SHA-256("zkai-train-order/1" ‖ root ‖ seed ‖ e ‖ c),  c = 0, 1, 2, …
//
// (root as 32 big-endian bytes, seed, e and the block counter c as 8
// big-endian bytes each; each 32-byte block gives four words). A word w is
// rejected when w ≥ 2^64 − (2^64 mod (i+1)), so that j = w mod (i+1) is
// unbiased. A nil root stands for a data set that was not committed (32
// zero bytes).
func Permutation(seed uint64, root *big.Int, epoch, n int) ([]int, error) {
	var rb [32]byte
	if root != nil {
		if root.Sign() < 0 || root.BitLen() > 256 {
			return nil, fmt.Errorf("train: data root does not fit 32 bytes")
		}
		root.FillBytes(rb[:])
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	var block [32]byte
	next, counter := 4, uint64(0)
	word := func() uint64 {
		if next == 4 {
			h := sha256.New()
			h.Write([]byte(orderTag))
			h.Write(rb[:])
			h.Write(binary.BigEndian.AppendUint64(nil, seed))
			h.Write(binary.BigEndian.AppendUint64(nil, uint64(epoch)))
			h.Write(binary.BigEndian.AppendUint64(nil, counter))
			h.Sum(block[:0])
			next, counter = 0, counter+1
		}
		w := binary.BigEndian.Uint64(block[8*next:])
		next++
		return w
	}
	for i := n - 1; i > 0; i-- {
		m := uint64(i + 1)
		limit := -(-m % m) // 2^64 − (2^64 mod m), as 0 when m divides 2^64
		var w uint64
		for {
			w = word()
			if limit == 0 || w < limit {
				break
			}
		}
		j := int(w % m)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm, nil
}
