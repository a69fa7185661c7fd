package commit

import (
	"errors"
	"fmt"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
	"github.com/consensys/gnark/frontend"
	"github.com/consensys/gnark/std/permutation/poseidon2"
	"github.com/consensys/gnark/std/rangecheck"
)

// VarTensor is the in-circuit counterpart of Tensor: its length and Bits are
// fixed when the circuit is compiled, its values are witnesses (a negative
// value v is the field element p − |v|).
type VarTensor struct {
	Values []frontend.Variable
	Bits   int
}

// CommitCircuit returns the commitment of ts under salt, constraining every
// lane (value + 2^(Bits−1)) to [0, 2^Bits) with std/rangecheck — packing binds
// nothing without it. It equals Commit for the same values and salt.
//
// The domain and the shape (number of tensors, lengths, Bits) are constants of
// the circuit; the shape tag is computed natively and costs nothing. The
// circuit must be compiled over BN254. It fails if a Bits is outside 1..64.
func CommitCircuit(api frontend.API, d Domain, ts []VarTensor, salt frontend.Variable) (frontend.Variable, error) {
	return commitCircuit(api, d, ts, salt, true)
}

// commitCircuit is CommitCircuit; rangeCheck = false exists only so that
// the tests can show what the range checks prevent.
func commitCircuit(api frontend.API, d Domain, ts []VarTensor, salt frontend.Variable, rangeCheck bool) (frontend.Variable, error) {
	if api.Compiler().Field().Cmp(fr.Modulus()) != 0 {
		return nil, errors.New("commit: circuit not over the BN254 scalar field")
	}
	shapes := make([]shape, len(ts))
	for i, t := range ts {
		if err := checkBits(t.Bits); err != nil {
			return nil, fmt.Errorf("commit: tensor %d: %w", i, err)
		}
		shapes[i] = shape{n: len(t.Values), bits: t.Bits}
	}
	tag := shapeTag(d, shapes)

	perm, err := poseidon2.NewPoseidon2FromParameters(api, width, fullRounds, partialRounds)
	if err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	s := &circuitSponge{api: api, perm: perm}
	for i := range rate {
		s.state[i] = 0
	}
	s.state[rate] = tag.BigInt(new(big.Int))

	var rc frontend.Rangechecker
	if rangeCheck {
		rc = rangecheck.New(api)
	}
	if err := s.absorb(salt); err != nil {
		return nil, err
	}
	for _, t := range ts {
		k := lanesPerElement(t.Bits)
		offset := new(big.Int).Lsh(big.NewInt(1), uint(t.Bits-1)) // 2^(Bits−1)
		for start := 0; start < len(t.Values); start += k {
			end := min(start+k, len(t.Values))
			terms := make([]frontend.Variable, 0, end-start)
			for i := start; i < end; i++ {
				l := api.Add(t.Values[i], offset)
				if rc != nil {
					rc.Check(l, t.Bits)
				}
				pow := new(big.Int).Lsh(big.NewInt(1), uint(t.Bits*(i-start)))
				terms = append(terms, api.Mul(l, pow))
			}
			e := terms[0]
			if len(terms) > 1 {
				e = api.Add(terms[0], terms[1], terms[2:]...)
			}
			if err := s.absorb(e); err != nil {
				return nil, err
			}
		}
	}
	return s.squeeze()
}

// circuitSponge mirrors sponge with frontend.Variables.
type circuitSponge struct {
	api   frontend.API
	perm  *poseidon2.Permutation
	state [width]frontend.Variable
	pos   int
}

func (s *circuitSponge) absorb(e frontend.Variable) error {
	s.state[s.pos] = s.api.Add(s.state[s.pos], e)
	s.pos++
	if s.pos == rate {
		return s.permute()
	}
	return nil
}

func (s *circuitSponge) permute() error {
	if err := s.perm.Permutation(s.state[:]); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.pos = 0
	return nil
}

func (s *circuitSponge) squeeze() (frontend.Variable, error) {
	if s.pos > 0 {
		if err := s.permute(); err != nil {
			return nil, err
		}
	}
	return s.state[0], nil
}
