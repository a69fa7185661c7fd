package commit

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark-crypto/ecc/bn254/fr/poseidon2"
)

// Domain separates uses (weights, input, output, dataset rows…).
type Domain uint64

// Domains used by zkai. Other uses pick their own, distinct values.
const (
	DomainWeights Domain = 1
	DomainInput   Domain = 2
	DomainOutput  Domain = 3
)

// Tensor is a list of signed integers of a declared width.
type Tensor struct {
	Values []int64
	Bits   int // 1..64; every value in [−2^(Bits−1), 2^(Bits−1))
}

// Parameters of zkai-commit/1. Changing any of them changes every commitment.
const (
	version       = "zkai-commit/1"
	width         = 16 // Poseidon2 state width t
	rate          = width - 1
	fullRounds    = 8   // rounds of gnark-crypto's BN254 constants for t = 16
	partialRounds = 57  // (NewPermutation panics on any other pair)
	packBits      = 252 // lanes per element: ⌊packBits/Bits⌋; 2^252 < p
	maxBits       = 64
)

var (
	errBits       = errors.New("bits out of range 1..64")
	errValue      = errors.New("value out of its width")
	errSalt       = errors.New("salt not in [0, field modulus)")
	errPermWidth  = errors.New("internal: permutation width")
	versionNumber = new(big.Int).SetBytes([]byte(version))
)

// permutation is the shared native Poseidon2 instance (read-only after
// construction, safe for concurrent use).
var permutation = sync.OnceValue(func() *poseidon2.Permutation {
	return poseidon2.NewPermutation(width, fullRounds, partialRounds)
})

// lanesPerElement is k = ⌊252/bits⌋.
func lanesPerElement(bits int) int { return packBits / bits }

func checkBits(bits int) error {
	if bits < 1 || bits > maxBits {
		return fmt.Errorf("%w: %d", errBits, bits)
	}
	return nil
}

// packedLen is ⌈n/k⌉ for a tensor of n values of width bits.
func packedLen(n, bits int) int {
	k := lanesPerElement(bits)
	return (n + k - 1) / k
}

// PackedLen returns the number of field elements the tensors' values pack
// into (the salt, absorbed too, is not counted). It returns −1 if a tensor's
// Bits is outside 1..64.
func PackedLen(ts []Tensor) int {
	n := 0
	for _, t := range ts {
		if checkBits(t.Bits) != nil {
			return -1
		}
		n += packedLen(len(t.Values), t.Bits)
	}
	return n
}

// NewSalt returns a uniformly random element of the BN254 scalar field, read
// from crypto/rand.
func NewSalt() (*big.Int, error) {
	s, err := rand.Int(rand.Reader, fr.Modulus())
	if err != nil {
		return nil, fmt.Errorf("commit: salt: %w", err)
	}
	return s, nil
}

// sponge is the native sponge of the package doc: rate 15, capacity 1,
// absorbing by addition, zero-padding the last block.
type sponge struct {
	state [width]fr.Element
	pos   int // next rate slot
}

func newSponge(capacity *fr.Element) *sponge {
	s := &sponge{}
	s.state[rate] = *capacity
	return s
}

func (s *sponge) absorb(e *fr.Element) {
	s.state[s.pos].Add(&s.state[s.pos], e)
	s.pos++
	if s.pos == rate {
		s.permute()
	}
}

func (s *sponge) permute() {
	if err := permutation().Permutation(s.state[:]); err != nil {
		panic(errPermWidth) // the state has the permutation's width
	}
	s.pos = 0
}

// squeeze pads the last block with zeros and returns state[0]. The caller
// must have absorbed at least one element.
func (s *sponge) squeeze() fr.Element {
	if s.pos > 0 {
		s.permute()
	}
	return s.state[0]
}

// shape is what the tag binds about a tensor.
type shape struct {
	n, bits int
}

// shapeTag is T = S(0, V, d, n, len₀, bits₀, …), the initial capacity of the
// commitment sponge. It depends only on public data, so CommitCircuit
// computes it natively too and uses it as a constant.
func shapeTag(d Domain, shapes []shape) fr.Element {
	var zero, e fr.Element
	s := newSponge(&zero)
	s.absorb(e.SetBigInt(versionNumber))
	s.absorb(e.SetUint64(uint64(d)))
	s.absorb(e.SetUint64(uint64(len(shapes))))
	for _, sh := range shapes {
		s.absorb(e.SetUint64(uint64(sh.n)))
		s.absorb(e.SetUint64(uint64(sh.bits)))
	}
	return s.squeeze()
}

// lane returns v + 2^(bits−1), or false if v is out of its width.
func lane(v int64, bits int) (uint64, bool) {
	if bits < maxBits {
		half := int64(1) << (bits - 1)
		if v < -half || v >= half {
			return 0, false
		}
	}
	// v + 2^(bits−1) ∈ [0, 2^bits) ⊆ [0, 2^64): exact in wrapping uint64.
	return uint64(v) + uint64(1)<<(bits-1), true
}

// Commit returns the zkai-commit/1 commitment of the tensors under domain d
// and salt (see the package doc). It fails if a tensor's Bits is outside
// 1..64, a value is outside its tensor's width, or salt is not in [0, p).
func Commit(d Domain, ts []Tensor, salt *big.Int) (*big.Int, error) {
	if salt == nil || salt.Sign() < 0 || salt.Cmp(fr.Modulus()) >= 0 {
		return nil, fmt.Errorf("commit: %w", errSalt)
	}
	shapes := make([]shape, len(ts))
	for i, t := range ts {
		if err := checkBits(t.Bits); err != nil {
			return nil, fmt.Errorf("commit: tensor %d: %w", i, err)
		}
		shapes[i] = shape{n: len(t.Values), bits: t.Bits}
	}
	tag := shapeTag(d, shapes)
	s := newSponge(&tag)
	var e fr.Element
	e.SetBigInt(salt)
	s.absorb(&e)

	for ti, t := range ts {
		k := lanesPerElement(t.Bits)
		var shift fr.Element // 2^Bits
		shift.SetUint64(1)
		for range t.Bits {
			shift.Double(&shift)
		}
		for start := 0; start < len(t.Values); start += k {
			end := min(start+k, len(t.Values))
			// Horner from the most significant lane:
			// e = Σ laneᵢ·2^(Bits·i), i counted from start.
			e.SetZero()
			for i := end - 1; i >= start; i-- {
				l, ok := lane(t.Values[i], t.Bits)
				if !ok {
					return nil, fmt.Errorf("commit: tensor %d: index %d: %w: %d does not fit in %d bits",
						ti, i, errValue, t.Values[i], t.Bits)
				}
				var le fr.Element
				le.SetUint64(l)
				e.Mul(&e, &shift).Add(&e, &le)
			}
			s.absorb(&e)
		}
	}
	c := s.squeeze()
	return c.BigInt(new(big.Int)), nil
}
