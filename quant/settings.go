package quant

import (
	"encoding/json"
	"fmt"
	"os"
)

// SettingsFormat is the version tag of settings.json.
const SettingsFormat = "zkai-settings/1"

// Settings fixes every choice the fixed-point program depends on. It is
// saved as settings.json (the file `zkai compile` writes and
// `--settings` reads), so that run, eval and compile agree:
//
//	{
//	  "format": "zkai-settings/1",
//	  "scale": 12,            // default scale (fractional bits) of float tensors
//	  "scales": {"x": 10},    // per-tensor scales (calibration writes these)
//	  "input_range": 65536,   // float inputs must satisfy |x| < input_range
//	  "input_ranges": {"x": 4},
//	  "activation_range": 1048576, // rounded quotients must satisfy |x| < this
//	  "const_bits": 16,       // significant bits kept for each constant
//	  "max_const_scale": 24,
//	  "table_bits": 12,       // lookup tables have at most 2^table_bits entries
//	  "max_bits": 62          // bounds above this are enforced, not assumed
//	}
//
// Fields that a later step adds (the model digest, compile options) are
// kept in Extra and written back unchanged.
type Settings struct {
	Format      string             `json:"format"`
	Scale       int                `json:"scale"`
	Scales      map[string]int     `json:"scales,omitempty"`
	InputRange  float64            `json:"input_range"`
	InputRanges map[string]float64 `json:"input_ranges,omitempty"`
	// ActivationRange bounds every rounded quotient (rescaled products,
	// divisions): a circuit range-checks those anyway, so the bound costs
	// nothing and stops static bounds from growing with depth.
	ActivationRange float64 `json:"activation_range"`
	ConstBits       int     `json:"const_bits"`
	MaxConstScale   int     `json:"max_const_scale"`
	TableBits       int     `json:"table_bits"`
	MaxBits         int     `json:"max_bits"`
	// Calibration describes how the scales were chosen (informational).
	Calibration string `json:"calibration,omitempty"`
	// InputShapes records the input shapes the program was built for.
	InputShapes [][]int `json:"input_shapes,omitempty"`
	// Extra holds fields owned by other packages (compile, proof).
	Extra map[string]json.RawMessage `json:"-"`
}

// DefaultSettings is the one deterministic default used without
// calibration: every float tensor at scale 2^12, inputs within ±65536,
// quotients within ±2^20, 16-bit constants, tables of at most 4096 entries.
func DefaultSettings() *Settings {
	return &Settings{
		Format:          SettingsFormat,
		Scale:           12,
		InputRange:      65536,
		ActivationRange: 1 << 20,
		ConstBits:       16,
		MaxConstScale:   24,
		TableBits:       12,
		MaxBits:         62,
		Calibration:     "default",
	}
}

// Validate checks the settings are usable.
func (s *Settings) Validate() error {
	switch {
	case s.Format != SettingsFormat:
		return fmt.Errorf("quant: settings format %q is not supported; want %q", s.Format, SettingsFormat)
	case s.Scale < 0 || s.Scale > 24:
		return fmt.Errorf("quant: scale %d is out of range; use 0 to 24", s.Scale)
	case !(s.InputRange > 0) || s.InputRange > 1<<30:
		return fmt.Errorf("quant: input_range %g is out of range; use a positive number up to 2^30", s.InputRange)
	case !(s.ActivationRange >= 1) || s.ActivationRange > 1<<30:
		return fmt.Errorf("quant: activation_range %g is out of range; use 1 to 2^30", s.ActivationRange)
	case s.ConstBits < 2 || s.ConstBits > 30:
		return fmt.Errorf("quant: const_bits %d is out of range; use 2 to 30", s.ConstBits)
	case s.MaxConstScale < 0 || s.MaxConstScale > 30:
		return fmt.Errorf("quant: max_const_scale %d is out of range; use 0 to 30", s.MaxConstScale)
	case s.TableBits < 6 || s.TableBits > 16:
		return fmt.Errorf("quant: table_bits %d is out of range; use 6 to 16", s.TableBits)
	case s.MaxBits < 16 || s.MaxBits > 62:
		return fmt.Errorf("quant: max_bits %d is out of range; use 16 to 62", s.MaxBits)
	}
	for name, sc := range s.Scales {
		if sc < 0 || sc > 24 {
			return fmt.Errorf("quant: scale %d for %q is out of range; use 0 to 24", sc, name)
		}
	}
	for name, r := range s.InputRanges {
		if !(r > 0) || r > 1<<30 {
			return fmt.Errorf("quant: input range %g for %q is out of range", r, name)
		}
	}
	return nil
}

func (s *Settings) scaleOf(name string) int {
	if v, ok := s.Scales[name]; ok {
		return v
	}
	return s.Scale
}

// LoadSettings reads settings.json.
func LoadSettings(path string) (*Settings, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("quant: %w", err)
	}
	return ParseSettings(b)
}

// ParseSettings decodes and validates settings.json.
func ParseSettings(b []byte) (*Settings, error) {
	s := &Settings{}
	if err := json.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("quant: settings are not valid JSON: %v", err)
	}
	var all map[string]json.RawMessage
	_ = json.Unmarshal(b, &all)
	for _, k := range settingsKeys {
		delete(all, k)
	}
	if len(all) > 0 {
		s.Extra = all
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

var settingsKeys = []string{"format", "scale", "scales", "input_range", "input_ranges", "activation_range", "const_bits",
	"max_const_scale", "table_bits", "max_bits", "calibration", "input_shapes"}

// Marshal writes settings.json, Extra fields included, keys sorted.
func (s *Settings) Marshal() ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	for k, v := range s.Extra {
		all[k] = v
	}
	return json.MarshalIndent(all, "", "  ") // map keys are written sorted
}
