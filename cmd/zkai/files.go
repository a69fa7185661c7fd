package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// writeFile writes a result file, naming the path in any error.
func writeFile(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}

// writeJSONFile writes v as indented JSON (a result file: bundle,
// evaluation, commitment), naming the path in any error.
func writeJSONFile(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, append(b, '\n'))
}

// splitFor returns the split to read from a data file: only the fixtures'
// data.json layout (an object whose splits hold "x") takes one, so a
// default split is dropped for the other formats.
func splitFor(path, split string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return split // let the loader report the error
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(b, &top) != nil {
		return ""
	}
	var sp map[string]json.RawMessage
	if json.Unmarshal(top[split], &sp) == nil && sp["x"] != nil {
		return split
	}
	return ""
}
