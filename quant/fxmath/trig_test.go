package fxmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

var trigFuncs = []Func{Sin, Cos, Atan, Asin, Acos}

// trigDomain is where the float comparison samples f; Sin and Cos stay
// where float64's own argument reduction is exact enough to judge.
func trigDomain(f Func) (lo, hi float64) {
	switch f {
	case Asin, Acos:
		return -1, 1
	case Atan:
		return -1e6, 1e6
	}
	return -100, 100
}

func TestTrigAgainstFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, f := range trigFuncs {
		lo, hi := trigDomain(f)
		for i := 0; i < 2000; i++ {
			in, out := rng.IntN(31), rng.IntN(50)
			xr := lo + (hi-lo)*rng.Float64()
			if i%3 == 0 {
				xr /= 64
			}
			x := int64(math.Round(xr * math.Ldexp(1, in)))
			checkFloat(t, f, x, in, out)
		}
		// the edges: ±1 for Asin/Acos, 0, multiples of π/2 nearby
		for _, xr := range []float64{-1, 1, 0, math.Pi / 2, -math.Pi, 3 * math.Pi / 2, 1e-9} {
			if (f == Asin || f == Acos) && math.Abs(xr) > 1 {
				continue
			}
			for _, in := range []int{0, 8, 12, 30} {
				checkFloat(t, f, int64(math.Round(math.Ldexp(xr, in))), in, 20)
			}
		}
	}
	for _, f := range []Func{Asin, Acos} {
		if _, err := Eval(f, 257, 8, 12); err == nil {
			t.Errorf("%v(257/2^8): no domain error", f)
		}
	}
}

// TestTrigApproxErrorBound: approx at w bits is within approxErr of the
// approximation at w+300 bits, including the largest arguments and scales.
func TestTrigApproxErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, f := range trigFuncs {
		for i := 0; i < 300; i++ {
			in, out := uint(rng.IntN(63)), uint(rng.IntN(63))
			var x int64
			switch {
			case f == Asin || f == Acos:
				x = int64(math.Ldexp(2*rng.Float64()-1, int(in)))
				if i%2 == 1 { // next to ±1
					x = int64(1)<<in - int64(rng.IntN(3))
				}
			default:
				x = int64(rng.Uint64() >> (1 + rng.IntN(62)))
				if rng.IntN(2) == 0 {
					x = -x
				}
			}
			checkApproxError(t, f, x, in, out)
		}
	}
}

// pinnedTrigDigests are sha256 over the little-endian int64 entries of
// Table(f, lo, n, 8, 12) with (lo, n) = (−2048, 4096), or (−256, 513) for
// Asin and Acos: a change to any entry changes verifying keys downstream.
// Every entry also passes the float64 comparison (checkFloat).
var pinnedTrigDigests = map[Func]string{
	Sin:  "855147929d6c4e3faf654a572e1f933138554d849c980799df3b5fbb8b3ce1cf",
	Cos:  "545ad366c430dd79d0bf3b911709183397431c89ebe103db2836a1946c188f80",
	Atan: "87e6b6f6e4001b59b1ecef1ad6552d7da9389895f25c2bbd67faa7ededd5a95f",
	Asin: "fb508ff687d368ad5059f096794d61570f36fdef5e5664b3e362a1c01df3c50c",
	Acos: "ca4565c38d74aa0616a4170be4239480a17e0c201b82b7ea8fd5114a154d2143",
}

func TestPinnedTrigDigests(t *testing.T) {
	for _, f := range trigFuncs {
		lo, n := int64(-2048), 4096
		if f == Asin || f == Acos {
			lo, n = -256, 513
		}
		tab, err := Table(f, lo, n, 8, 12)
		if err != nil {
			t.Fatal(err)
		}
		for i := range tab {
			checkFloat(t, f, lo+int64(i), 8, 12)
		}
		if got := digestOf(tab); got != pinnedTrigDigests[f] {
			t.Errorf("%v: table digest %s, pinned %s", f, got, pinnedTrigDigests[f])
		}
	}
}
