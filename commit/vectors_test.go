package commit

import (
	"math"
	"math/big"

	"github.com/consensys/gnark-crypto/ecc/bn254/fr"
)

// vector is one pinned test vector shared by Commit and CommitCircuit.
type vector struct {
	name    string
	domain  Domain
	tensors []Tensor
	salt    *big.Int
	want    string // decimal
}

// gen returns n deterministic values of width bits: splitmix64 of
// seed+i·0x9e3779b97f4a7c15, top bits taken, shifted to the signed range.
func gen(n, bits int, seed uint64) []int64 {
	out := make([]int64, n)
	x := seed
	for i := range out {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		if bits == 64 {
			out[i] = int64(z)
		} else {
			out[i] = int64(z>>(64-bits)) - int64(1)<<(bits-1)
		}
	}
	return out
}

func dec(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("bad decimal " + s)
	}
	return v
}

// pMinus1 is the largest valid salt.
func pMinus1() *big.Int { return new(big.Int).Sub(fr.Modulus(), big.NewInt(1)) }

// vectors pins zkai-commit/1. The values were generated once with Commit and
// cross-checked against CommitCircuit; they must never change.
func vectors() []vector {
	return []vector{
		{"1-bit", DomainWeights, []Tensor{{Values: []int64{-1, 0, -1}, Bits: 1}}, big.NewInt(0),
			"3241195852500279865728237206078605842661215493202501524916030495560990347616"},
		{"8-bit edges", DomainInput, []Tensor{{Values: []int64{-128, 127, 0, 1, -1}, Bits: 8}}, big.NewInt(1),
			"11277505130736733524246806359899295875126168248827605973383835806558429567600"},
		{"empty tensor", DomainOutput, []Tensor{{Values: nil, Bits: 8}}, big.NewInt(42),
			"11802171567073475302226564983854075638733006935573744813498555932817316600526"},
		{"no tensors", DomainWeights, nil, big.NewInt(7),
			"9362241272088221097981022398018211070736471626866069565072200745619498918647"},
		{"17-bit and 64-bit, salt p-1", DomainWeights, []Tensor{
			{Values: gen(30, 17, 1), Bits: 17},
			{Values: []int64{math.MinInt64, math.MaxInt64, 0, -1}, Bits: 64},
		}, pMinus1(),
			"12975260585169207612864542617535488804991936783939841694979233969367777412559"},
		{"17-bit, two blocks", DomainWeights, []Tensor{{Values: gen(250, 17, 2), Bits: 17}},
			dec("8472956301838475629384756102938475610293847561029384756"),
			"15275066764145091093623182529791830485110106123544951091648895716434996269328"},
		{"4-bit, one full and one partial element", Domain(1000), []Tensor{
			{Values: gen(63, 4, 3), Bits: 4},
			{Values: gen(64, 4, 4), Bits: 4},
		}, big.NewInt(123456789),
			"1454966291158137564347022708715415916537728157926059068485612913969709703034"},
		{"18-bit, exactly one block", DomainInput, []Tensor{{Values: gen(196, 18, 5), Bits: 18}}, big.NewInt(5),
			"3721196915040754780972929988494846037857053227639832750726900865597567624266"},
	}
}
