// Package dataset loads labelled data sets: rows of features, each flattened to the same number of
// values, with an optional label per row (a class index or a regression target).
//
// Three formats are read, told apart by content (a file starting with '{' or '[', or named *.json, is JSON;
// anything else is CSV):
//
//  1. A JSON object with the rows and, optionally, the labels:
//
//     {"x": [[0.1, 2, 3.5], [4, 5, 6]], "y": [0, 2]}
//
//  2. The model fixtures' data.json, which holds named splits, each an object {"n", "x", "y"} as above;
//     Options.Split picks one ("test" by default, or "train"). Any top-level object with an "x" is a split;
//     the "dataset" field, when present, names the set:
//
//     {"dataset": "iris", "n_features": 4, "train": {"n": 105, "x": [...], "y": [...]}, "test": {...}}
//
//  3. CSV with a header row naming the columns and one row per example. The label column is
//     Options.Label, or the last column by default; the other columns are the features, in file order.
//     Every cell must be a number; surrounding spaces are ignored and a UTF-8 byte order mark is skipped.
//
//     sepal_length,sepal_width,class
//     5.1,3.5,0
//
// Load and Parse promise a non-empty set whose rows all have the same, non-zero number of features, one label
// per row when there are labels, and only finite values. Errors are a single line starting with "dataset: "
// and the file name, and name the offending row and column: x[3][1] for JSON (indices from 0), and the
// file line and column name for CSV.
package dataset

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/zkai-dev/zkai/internal/jsonerr"
)

// Set is a labelled data set.
type Set struct {
	Name    string      // file name without extension, or the data.json "dataset" field
	Columns []string    // feature names: the CSV header minus the label, or "x0".."x{F-1}" for JSON
	X       [][]float64 // rows, each flattened to F features (all rows the same length)
	Y       []float64   // labels, one per row (class index as a float, or a regression target); nil when the file has none
}

// Options control how a file is read.
type Options struct {
	Split         string // for data.json with splits: "test" (default) or "train"; must be empty for other formats
	Label         string // CSV label column name; default: the last column; must be empty for JSON
	RequireLabels bool   // error if the file has no labels
}

// Load reads and parses the data set at path; see Parse.
func Load(path string, opt Options) (*Set, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("dataset: file %s does not exist", path)
	}
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	return Parse(b, filepath.Base(path), opt)
}

// Parse decodes and validates a data set held in b. name is the file name: it appears in errors, names the
// set (without its extension) unless the file names it, and a .json extension selects JSON.
func Parse(b []byte, name string, opt Options) (*Set, error) {
	s, err := parse(b, name, opt)
	if err != nil {
		if name == "" {
			return nil, fmt.Errorf("dataset: %w", err)
		}
		return nil, fmt.Errorf("dataset: %s: %w", name, err)
	}
	return s, nil
}

func parse(b []byte, name string, opt Options) (*Set, error) {
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	text := bytes.TrimSpace(b)
	var s *Set
	var err error
	if strings.EqualFold(filepath.Ext(name), ".json") || len(text) > 0 && (text[0] == '{' || text[0] == '[') {
		if opt.Label != "" {
			return nil, fmt.Errorf("label column %q applies only to CSV; JSON labels are the \"y\" list", opt.Label)
		}
		s, err = parseJSON(b, opt.Split)
	} else {
		if opt.Split != "" {
			return nil, fmt.Errorf("split %q does not apply: a CSV file has no splits", opt.Split)
		}
		s, err = parseCSV(b, opt.Label)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case len(s.X) == 0:
		return nil, errors.New("the set is empty: it has no rows")
	case len(s.X[0]) == 0:
		return nil, errors.New("rows have no features")
	case opt.RequireLabels && s.Y == nil:
		return nil, errors.New(`no labels: want a "y" list with one label per row`)
	}
	s.Name = cmp.Or(s.Name, strings.TrimSuffix(name, filepath.Ext(name)))
	return s, nil
}

// Len returns the number of rows.
func (s *Set) Len() int { return len(s.X) }

// IntLabels returns the labels as class indices.
func (s *Set) IntLabels() ([]int, error) {
	if s.Y == nil {
		return nil, fmt.Errorf("dataset: %s has no labels", s.Name)
	}
	labels := make([]int, len(s.Y))
	for i, y := range s.Y {
		if y < 0 || y > math.MaxInt32 || y != math.Trunc(y) {
			return nil, fmt.Errorf("dataset: %s: label y[%d] = %v is not a class index (a non-negative integer)", s.Name, i, y)
		}
		labels[i] = int(y)
	}
	return labels, nil
}

func parseJSON(b []byte, split string) (*Set, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, jsonError(b, err)
	}
	s := &Set{}
	if raw, ok := top["dataset"]; ok {
		if err := json.Unmarshal(raw, &s.Name); err != nil {
			return nil, fmt.Errorf(`"dataset" must be a string naming the set, got %s`, jsonerr.Describe(raw))
		}
	}
	obj, prefix := top, ""
	if _, ok := top["x"]; ok {
		if split != "" {
			return nil, fmt.Errorf("split %q does not apply: the file has no splits", split)
		}
	} else {
		splits := map[string]map[string]json.RawMessage{}
		for key, raw := range top {
			var o map[string]json.RawMessage
			if json.Unmarshal(raw, &o) == nil && o["x"] != nil {
				splits[key] = o
			}
		}
		if len(splits) == 0 {
			return nil, errors.New(`want {"x": [[...], ...], "y": [...]} or splits such as {"train": {"x": ..., "y": ...}, "test": {...}}`)
		}
		split = cmp.Or(split, "test")
		obj, prefix = splits[split], split+"."
		if obj == nil {
			return nil, fmt.Errorf("no split %q; the file has %s", split, strings.Join(slices.Sorted(maps.Keys(splits)), ", "))
		}
	}
	var err error
	if s.X, err = parseRows(obj["x"], prefix+"x"); err != nil {
		return nil, err
	}
	if raw := obj["y"]; raw != nil && string(raw) != "null" {
		if s.Y, err = parseNumbers(raw, prefix+"y"); err != nil {
			return nil, err
		}
		if len(s.Y) != len(s.X) {
			return nil, fmt.Errorf("%sy has %d labels but %sx has %d rows", prefix, len(s.Y), prefix, len(s.X))
		}
	}
	if raw, ok := obj["n"]; ok {
		var n int
		if json.Unmarshal(raw, &n) != nil || n != len(s.X) {
			return nil, fmt.Errorf("%sn is %s but %sx has %d rows", prefix, raw, prefix, len(s.X))
		}
	}
	if len(s.X) > 0 {
		s.Columns = make([]string, len(s.X[0]))
		for j := range s.Columns {
			s.Columns[j] = "x" + strconv.Itoa(j)
		}
	}
	return s, nil
}

// parseRows decodes a JSON list of equally long lists of finite numbers; what names it in errors.
func parseRows(raw json.RawMessage, what string) ([][]float64, error) {
	var rows []json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil || rows == nil {
		return nil, fmt.Errorf("%s must be a list of rows, got %s", what, jsonerr.Describe(raw))
	}
	x := make([][]float64, len(rows))
	for i, r := range rows {
		row, err := parseNumbers(r, fmt.Sprintf("%s[%d]", what, i))
		if err != nil {
			return nil, err
		}
		if i > 0 && len(row) != len(x[0]) {
			return nil, fmt.Errorf("%s[%d] has %d values but %s[0] has %d; all rows must have the same length",
				what, i, len(row), what, len(x[0]))
		}
		x[i] = row
	}
	return x, nil
}

// parseNumbers decodes a JSON list of finite numbers; what names it in errors.
func parseNumbers(raw json.RawMessage, what string) ([]float64, error) {
	var cells []json.RawMessage
	if err := json.Unmarshal(raw, &cells); err != nil || cells == nil {
		return nil, fmt.Errorf("%s must be a list of numbers, got %s", what, jsonerr.Describe(raw))
	}
	values := make([]float64, len(cells))
	for j, c := range cells {
		v, err := strconv.ParseFloat(string(c), 64) // c is valid JSON, so this fails only for non-numbers and overflow
		switch {
		case errors.Is(err, strconv.ErrRange):
			return nil, fmt.Errorf("%s[%d] = %s overflows float64; values must be finite", what, j, c)
		case err != nil:
			return nil, fmt.Errorf("%s[%d] is %s; want a finite number", what, j, jsonerr.Describe(c))
		}
		values[j] = v
	}
	return values, nil
}

// jsonError turns an encoding/json error on the whole file into a one-line message.
func jsonError(b []byte, err error) error {
	if msg, ok := jsonerr.Syntax(b, err); ok {
		return fmt.Errorf("%s", msg)
	}
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ):
		return fmt.Errorf(`want a JSON object {"x": [[...], ...], "y": [...]}, got %s`, typ.Value)
	}
	return err
}

func parseCSV(b []byte, label string) (*Set, error) {
	r := csv.NewReader(bytes.NewReader(b))
	header, err := r.Read()
	if err == io.EOF {
		return nil, errors.New("the file is empty; want a CSV header row naming the columns, then one row per example")
	}
	if err != nil {
		return nil, err
	}
	numeric := true
	for j, h := range header {
		header[j] = strings.TrimSpace(h)
		_, err := strconv.ParseFloat(header[j], 64)
		numeric = numeric && err == nil
	}
	if numeric {
		return nil, errors.New("line 1 holds numbers, not column names; add a header row")
	}
	labelCol := len(header) - 1
	if label != "" {
		if labelCol = slices.Index(header, label); labelCol < 0 {
			return nil, fmt.Errorf("no label column %q; the columns are %s", label, strings.Join(header, ", "))
		}
	}
	s := &Set{Columns: slices.Delete(slices.Clone(header), labelCol, labelCol+1), Y: []float64{}}
	r.ReuseRecord = true
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return s, nil
		}
		if errors.Is(err, csv.ErrFieldCount) {
			line, _ := r.FieldPos(0)
			return nil, fmt.Errorf("line %d has %d columns but the header has %d", line, len(rec), len(header))
		}
		if err != nil {
			return nil, err
		}
		row := make([]float64, 0, len(s.Columns))
		for j, cell := range rec {
			v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				line, _ := r.FieldPos(j)
				return nil, fmt.Errorf("line %d, column %q: want a finite number, got %q", line, header[j], cell)
			}
			if j == labelCol {
				s.Y = append(s.Y, v)
			} else {
				row = append(row, v)
			}
		}
		s.X = append(s.X, row)
	}
}
