package quant

// The integer primitives of the fixed-point contract, exported for packages
// that extend the same semantics (training's backward pass and update): a
// circuit reproduces them exactly.

// FloorDiv is ⌊a/d⌋ for d > 0 (Go's / truncates toward zero).
func FloorDiv(a, d int64) int64 { return floorDiv(a, d) }

// RoundDiv is floor((a + ⌊d/2⌋)/d) for d > 0: a/d rounded half up; false
// when a + ⌊d/2⌋ leaves the checked range (|x| ≤ 2^62).
func RoundDiv(a, d int64) (int64, bool) { return roundDiv(a, d) }

// MulChecked is a·b, false when |a·b| > 2^62.
func MulChecked(a, b int64) (int64, bool) { return mulChecked(a, b) }

// AddChecked is a + b, false when |a + b| > 2^62.
func AddChecked(a, b int64) (int64, bool) { return addChecked(a, b) }
