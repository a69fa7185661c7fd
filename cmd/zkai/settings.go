package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/input"
)

// settingsFlags are the flags that choose the fixed-point settings.
type settingsFlags struct {
	scale        int
	calibrate    string
	calSplit     string
	calLabel     string
	settings     string
	inputRange   float64
	calBits      int
	saveSettings string
}

// register adds the flags; save adds --save-settings (commands that write
// settings.json themselves do without).
func (f *settingsFlags) register(cmd *cobra.Command, save bool) {
	fl := cmd.Flags()
	fl.IntVar(&f.scale, "scale", 0, "fixed-point scale: values are integers at 2^-N (default 12)")
	fl.StringVar(&f.calibrate, "calibrate", "", "pick per-tensor scales from sample inputs in DATA (a data set file, labels ignored)")
	fl.StringVar(&f.calSplit, "calibrate-split", "train", "split of a fixtures data.json to calibrate on")
	fl.StringVar(&f.calLabel, "calibrate-label", "", "CSV label column of the calibration data (default: the last)")
	fl.IntVar(&f.calBits, "calibration-bits", 0, "signed bit width calibration aims activations at (default 20)")
	fl.StringVar(&f.settings, "settings", "", "reuse the scales saved in settings.json (as written by --save-settings or compile)")
	fl.Float64Var(&f.inputRange, "input-range", 0, "declare |input| < R for every float input (default 65536; calibration measures it)")
	if save {
		fl.StringVar(&f.saveSettings, "save-settings", "", "write the settings used to FILE, to reuse with --settings")
	}
}

// engineOptions turns the flags into engine options.
func (f *settingsFlags) engineOptions(in *input.File) (engine.Options, error) {
	opt := engine.Options{Input: in, Scale: f.scale, SettingsFile: f.settings, InputRange: f.inputRange, CalibrationBits: f.calBits}
	if f.scale < 0 || f.scale > 24 {
		return opt, withHint(fmt.Errorf("--scale %d is out of range", f.scale), "use a scale from 1 to 24; 12 is the default")
	}
	if f.calibrate != "" {
		set, err := dataset.Load(f.calibrate, dataset.Options{Split: splitFor(f.calibrate, f.calSplit), Label: f.calLabel})
		if err != nil {
			return opt, err
		}
		opt.CalibrateSet = set
	}
	return opt, nil
}

func (f *settingsFlags) open(modelPath string, in *input.File) (*engine.Model, error) {
	opt, err := f.engineOptions(in)
	if err != nil {
		return nil, err
	}
	m, err := engine.Open(modelPath, opt)
	if err != nil {
		return nil, err
	}
	if f.saveSettings != "" {
		if err := writeSettings(f.saveSettings, m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func writeSettings(path string, m *engine.Model) error {
	b, err := m.Settings.Marshal()
	if err != nil {
		return err
	}
	return writeFile(path, append(b, '\n'))
}
