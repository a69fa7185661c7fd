// Package conformance reads the ONNX node conformance cases vendored under
// testdata (testdata/onnx-node and testdata/onnx-node-extra, see their
// READMEs) for the tests of the loader and of the fixed-point engine.
package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Case is one conformance case.
type Case struct {
	Name      string
	Model     string // path of model.onnx
	In        [][]float64
	InShapes  [][]int
	Out       [][]float64
	OutShapes [][]int
	// Unsupported, when set, is the stage ("load", "compile", or "eval" for
	// values beyond the fixed-point range) that must reject the case and a
	// fragment of the error it must give.
	Unsupported *Rejection
}

// Rejection is an expected refusal.
type Rejection struct {
	Stage string `json:"stage"`
	Error string `json:"error"`
}

// Load reads every case under testdata (the repository's testdata
// directory, given relative to the calling test).
func Load(testdata string) ([]Case, error) {
	var rej struct {
		Cases map[string]*Rejection `json:"cases"`
	}
	if err := readJSON(filepath.Join(testdata, "conformance-unsupported.json"), &rej); err != nil {
		return nil, err
	}
	var dirs []string
	for _, set := range []string{"onnx-node", "onnx-node-extra"} {
		d, err := filepath.Glob(filepath.Join(testdata, set, "test_*"))
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, d...)
	}
	sort.Strings(dirs)
	var cases []Case
	for _, dir := range dirs {
		var in struct {
			Data   [][]float64 `json:"input_data"`
			Shapes [][]int     `json:"input_shapes"`
		}
		var out struct {
			Data   [][]float64 `json:"output_data"`
			Shapes [][]int     `json:"output_shapes"`
		}
		if err := readJSON(filepath.Join(dir, "input.json"), &in); err != nil {
			return nil, err
		}
		if err := readJSON(filepath.Join(dir, "expected.json"), &out); err != nil {
			return nil, err
		}
		name := filepath.Base(dir)
		cases = append(cases, Case{Name: name, Model: filepath.Join(dir, "model.onnx"), In: in.Data, InShapes: in.Shapes,
			Out: out.Data, OutShapes: out.Shapes, Unsupported: rej.Cases[name]})
	}
	if len(cases) < 300 {
		return nil, fmt.Errorf("found %d conformance cases under %s; want the vendored 312", len(cases), testdata)
	}
	return cases, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
