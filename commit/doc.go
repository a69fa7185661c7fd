// Package commit binds lists of signed fixed-point integers (a model's
// weights, an input, an output, a data-set row) to one BN254 field element: a
// salted Poseidon2 sponge commitment over small integers packed several per
// field element. Commit computes it natively (gnark-crypto); CommitCircuit
// computes the same value inside a gnark circuit (frontend.API only) and
// range-checks every packed integer. The two halves share pinned test vectors.
//
// # What it promises
//
//   - Binding: Commit is injective on (domain, number of tensors, each
//     tensor's length, width and values, salt) up to Poseidon2 collisions.
//     In-circuit, a witness can only reproduce a commitment by supplying the
//     committed values exactly: every lane is range-checked, so no value can
//     overflow into its neighbour inside a packed field element.
//   - Hiding: the salt is a uniformly random field element (NewSalt, about
//     254 bits of entropy), so, modelling Poseidon2 as a random permutation, a
//     commitment to low-entropy data (a small input, a data-set row) reveals
//     nothing beyond its domain and shape. Two commitments to the same data
//     under different salts differ. A salt must be fresh for each committed
//     secret and kept as private as the data.
//   - Stability: the construction below is version "zkai-commit/1". A
//     commitment is a model's identity, so it never changes; any change to
//     the construction gets a new version tag (and is a new function).
//
// The shape (domain, number of tensors, each length and Bits) is public: in a
// circuit it is fixed when the circuit is compiled, and only the values and
// the salt are witnesses.
//
// # Construction, zkai-commit/1
//
// Permutation. Poseidon2 over the BN254 scalar field (Grassi, Khovratovich,
// Schofnegger, https://eprint.iacr.org/2023/323) with state width t = 16,
// S-box x^5, 8 full and 57 partial rounds: gnark-crypto's
// ecc/bn254/fr/poseidon2.NewPermutation(16, 8, 57), whose round constants
// and internal diagonal were generated with the HorizenLabs reference script
// (poseidon2_rust_params.sage, 128-bit security with margin); in-circuit,
// gnark's std/permutation/poseidon2.NewPoseidon2FromParameters(api, 16, 8, 57)
// loads the same constants. The sponge has rate r = 15 (state[0..14]) and
// capacity 1 (state[15]). Width 16 is the widest instance gnark ships and the
// cheapest per absorbed element. Measured with gnark v0.16.1 on an R1CS
// (TestWidthChoice), constraints per permutation / per absorbed element:
//
//	t = 2  (rF 6, rP 50; 2-to-1)   186 / 186
//	t = 3  (rF 8, rP 56)           240 / 120
//	t = 4  (rF 8, rP 56)           264 / 88
//	t = 8  (rF 8, rP 57)           363 / 51.9
//	t = 12 (rF 8, rP 57)           459 / 41.7
//	t = 16 (rF 8, rP 57)           555 / 37.0
//
// t = 4 to 16 are the instances for which gnark-crypto ships HorizenLabs
// constants (it accepts no other round numbers for them); t = 2 and 3 have
// seed-derived keys and are listed for comparison. On a PLONK (SCS) system
// t = 16 is the cheapest too (≈ 204 constraints per absorbed element against
// 228 for t = 8).
//
// Sponge S(c, m₀ … m_{n−1}), n ≥ 1: the state starts as (0, …, 0, c). The
// message is cut into blocks of r elements, the last one padded with zeros;
// for each block, element j is added to state[j] and the permutation is
// applied. The result is state[0] after the last permutation.
//
// Shape tag. The header is the sequence of field elements
//
//	V, d, n, len₀, bits₀, len₁, bits₁, …, len_{n−1}, bits_{n−1}
//
// where V = 0x7a6b61692d636f6d6d69742f31 is the ASCII string "zkai-commit/1"
// read as a big-endian integer, d the Domain, n the number of tensors and
// lenᵢ, bitsᵢ the number of values and the width of tensor i. The tag is
// T = S(0, header). The header determines its own length (it has 3 + 2n
// elements and n is its third element), so padding it with zeros is
// unambiguous.
//
// Lanes and packing. A value v of a tensor of width b (−2^(b−1) ≤ v <
// 2^(b−1)) becomes the lane v + 2^(b−1) ∈ [0, 2^b). Each tensor is packed on
// its own, k = ⌊252/b⌋ lanes per field element, little-endian:
// e = Σᵢ laneᵢ·2^(b·i) over the lanes of one group, so e < 2^252 < p and the
// packing never wraps. The last element of a tensor holds the remaining
// len mod k lanes when k does not divide len (missing lanes count as zero,
// which is unambiguous because len is in the header). A tensor of len values
// packs into ⌈len/k⌉ elements (PackedLen sums this over the tensors).
//
// Commitment. C = S(T, salt, e₀, e₁, …): the capacity starts at the shape
// tag, then the salt and the packed elements of all tensors, in order, are
// absorbed r = 15 per permutation. Zero-padding the last block is safe only
// because the number of absorbed elements, 1 + PackedLen, is fixed by the
// lengths and widths bound in T: two inputs with the same tag have the same
// message length, so padding cannot make a shorter message collide with a
// longer one ending in zeros; a different shape changes T.
//
// # Cost in a circuit
//
// The tag is a compile-time constant (computed natively from the shape), so
// the circuit pays ⌈(1 + PackedLen)/15⌉ permutations of 555 R1CS constraints
// plus one std/rangecheck check of Bits bits per value; for small widths the
// range checks dominate. The range checker is shared with the rest of the
// circuit and picks its own limb size. Committing the 101,770 17-bit weights
// of a 784-128-10 MLP (four tensors, 7,271 packed elements, 485
// permutations) costs 604,245 R1CS constraints — 269,175 for the
// permutations, the rest for the range checks (a 2^17-entry table plus two
// constraints per value) — or 2,583,388 PLONK constraints
// (BenchmarkCommitMLP).
package commit
