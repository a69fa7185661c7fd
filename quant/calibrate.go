package quant

import (
	"fmt"
	"math"

	"github.com/zkai-dev/zkai/model"
)

// DefaultCalibrationBits is the signed width calibration aims every float
// activation at.
const DefaultCalibrationBits = 20

// Calibrate picks per-tensor scales from sample inputs: each float value of
// the graph gets the largest scale (at most 2·base.Scale, at least 4) at
// which twice the largest magnitude seen still fits in `bits` signed bits;
// each float input's declared range becomes the next power of two above
// twice its largest magnitude, and the activation range (the bound of every
// rounded quotient, which a circuit range-checks) the next power of two
// above four times the largest magnitude of any value. Narrower ranges mean
// narrower range checks; a value beyond them is an error, never a wrap.
// Everything else is copied from base. The result is deterministic for
// given samples.
func Calibrate(g *model.Graph, samples [][]*model.Tensor, base *Settings, bits int) (*Settings, error) {
	if len(samples) == 0 {
		return nil, fmt.Errorf("quant: calibration needs at least one sample")
	}
	if bits < 8 || bits > 40 {
		return nil, fmt.Errorf("quant: calibration width %d is out of range; use 8 to 40", bits)
	}
	if base == nil {
		base = DefaultSettings()
	}
	peak := map[string]float64{}
	for i, in := range samples {
		env, err := g.Eval(in)
		if err != nil {
			return nil, fmt.Errorf("quant: calibration sample %d: %w", i, err)
		}
		for name, t := range env {
			if t.DType != model.Float || g.Constants[name] != nil {
				continue
			}
			m := peak[name]
			for _, v := range t.F {
				m = math.Max(m, math.Abs(v))
			}
			peak[name] = m
		}
	}
	s := *base
	s.Scales = map[string]int{}
	s.InputRanges = map[string]float64{}
	maxScale := min(2*base.Scale, 24)
	largest := 0.0
	for _, m := range peak {
		largest = math.Max(largest, m)
	}
	s.ActivationRange = math.Min(base.ActivationRange, math.Ldexp(1, int(math.Ceil(math.Log2(math.Max(4*largest, 1))))))
	for name, m := range peak {
		sc := maxScale
		if m > 0 {
			sc = bits - 2 - int(math.Ceil(math.Log2(2*m)))
		}
		s.Scales[name] = min(max(sc, 4), maxScale)
	}
	for _, v := range g.Inputs {
		if v.DType != model.Float {
			continue
		}
		m := math.Max(peak[v.Name], 1e-3)
		s.InputRanges[v.Name] = math.Ldexp(1, int(math.Ceil(math.Log2(2*m))))
	}
	s.Calibration = fmt.Sprintf("calibrated on %d samples, %d-bit activations", len(samples), bits)
	return &s, s.Validate()
}
