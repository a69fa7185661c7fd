package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/zkai-dev/zkai/internal/jsonerr"
)

// MaxLabelsFileBytes bounds a labels file (an answer key or a learner's
// answers): 10^6 answers fit many times over.
const MaxLabelsFileBytes = 64 << 20

// LoadLabels reads a list of class indices from the JSON object in the file
// at path: the list under field, e.g. an answer key {"y": [2, 0, 1, …]} or a
// learner's answers {"answers": [2, 1, 1, …]}.
func LoadLabels(path, field string) ([]int, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if st.Size() > MaxLabelsFileBytes {
		return nil, fmt.Errorf("dataset: %s is %d bytes; at most %d accepted", path, st.Size(), MaxLabelsFileBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	labels, err := ParseLabels(b, field)
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", filepath.Base(path), err)
	}
	return labels, nil
}

// ParseLabels decodes {field: [class index, …]}: a non-empty list of
// non-negative integers.
func ParseLabels(b []byte, field string) ([]int, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		if msg, ok := jsonerr.Syntax(b, err); ok {
			return nil, errors.New(msg)
		}
		return nil, fmt.Errorf(`want a JSON object {%q: [class index, …]}`, field)
	}
	raw, ok := top[field]
	if !ok {
		return nil, fmt.Errorf(`no %q list; want {%q: [class index, …]}`, field, field)
	}
	vals, err := parseNumbers(raw, field)
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("%s is empty", field)
	}
	out := make([]int, len(vals))
	for i, v := range vals {
		if v < 0 || v > math.MaxInt32 || v != math.Trunc(v) {
			return nil, fmt.Errorf("%s[%d] = %v is not a class index (a non-negative integer)", field, i, v)
		}
		out[i] = int(v)
	}
	return out, nil
}
