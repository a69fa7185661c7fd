package dataset

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		path     string
		opt      Options
		name     string
		rows     int
		columns  []string // nil: x0..x{F-1}
		f        int      // features per row
		row0     []float64
		y        []float64 // leading labels
		noLabels bool
	}{
		{path: "../testdata/models/iris_logreg/data.json", name: "iris", rows: 45, f: 4,
			row0: []float64{1.6611909, -0.34116697, 1.4166074, 0.76797223}, y: []float64{2, 1, 2, 1}},
		{path: "../testdata/models/iris_logreg/data.json", opt: Options{Split: "test", RequireLabels: true},
			name: "iris", rows: 45, f: 4, row0: []float64{1.6611909, -0.34116697, 1.4166074, 0.76797223}, y: []float64{2}},
		{path: "../testdata/models/iris_logreg/data.json", opt: Options{Split: "train"}, name: "iris", rows: 105, f: 4,
			row0: []float64{-0.90045863, -1.2202475, -0.44198582, -0.13661045}, y: []float64{1}},
		{path: "../testdata/models/mnist_mlp/data.json", name: "digits_28x28", rows: 450, f: 784, y: []float64{1, 0, 9, 1}},
		{path: "../testdata/models/mnist_mlp/data.json", opt: Options{Split: "train"}, name: "digits_28x28", rows: 150, f: 784},
		{path: "../testdata/models/credit_logreg/data.json", name: "credit_synthetic", rows: 500, f: 16},
		{path: "../testdata/dataset/iris_small.csv", opt: Options{RequireLabels: true}, name: "iris_small", rows: 6,
			columns: []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}, f: 4,
			row0: []float64{5.1, 3.5, 1.4, 0.2}, y: []float64{0, 0, 1, 1, 2, 2}},
		{path: "../testdata/dataset/houses.csv", opt: Options{Label: "price"}, name: "houses", rows: 3,
			columns: []string{"rooms", "area"}, f: 2, row0: []float64{3, 100}, y: []float64{250000, 199000.5, 320000}},
		{path: "../testdata/dataset/houses.csv", name: "houses", rows: 3,
			columns: []string{"price", "rooms"}, f: 2, row0: []float64{250000, 3}, y: []float64{100, 85.5, 120}},
		{path: "../testdata/dataset/xy.json", opt: Options{RequireLabels: true}, name: "xy", rows: 4, f: 3,
			row0: []float64{0.5, -1, 0.002}, y: []float64{1, 0, 2, 1}},
		{path: "../testdata/dataset/unlabelled.json", name: "probe", rows: 3, f: 2, row0: []float64{1, 2}, noLabels: true},
	}
	for _, tt := range tests {
		s, err := Load(tt.path, tt.opt)
		if err != nil {
			t.Errorf("Load(%s, %+v): %v", tt.path, tt.opt, err)
			continue
		}
		columns := tt.columns
		if columns == nil {
			for j := range tt.f {
				columns = append(columns, "x"+strconv.Itoa(j))
			}
		}
		if s.Name != tt.name || s.Len() != tt.rows || !reflect.DeepEqual(s.Columns, columns) {
			t.Errorf("Load(%s, %+v) = %q with %d rows and columns %q, want %q, %d rows, columns %q",
				tt.path, tt.opt, s.Name, s.Len(), s.Columns, tt.name, tt.rows, columns)
		}
		for i, row := range s.X {
			if len(row) != tt.f {
				t.Fatalf("%s: row %d has %d values, want %d", tt.path, i, len(row), tt.f)
			}
		}
		if tt.row0 != nil && !reflect.DeepEqual(s.X[0], tt.row0) {
			t.Errorf("%s: row 0 = %v, want %v", tt.path, s.X[0], tt.row0)
		}
		if (s.Y == nil) != tt.noLabels {
			t.Errorf("%s: labels %v", tt.path, s.Y)
		}
		if s.Y != nil && (len(s.Y) != s.Len() || tt.y != nil && !reflect.DeepEqual(s.Y[:len(tt.y)], tt.y)) {
			t.Errorf("%s: %d labels starting %v, want %d starting %v", tt.path, len(s.Y), s.Y[:min(len(s.Y), 4)], s.Len(), tt.y)
		}
	}
}

// TestFixtures checks every model's data.json against its README promises and reference.json.
func TestFixtures(t *testing.T) {
	paths, _ := filepath.Glob("../testdata/models/*/data.json")
	if len(paths) < 7 {
		t.Fatalf("found %d data.json files; is testdata vendored?", len(paths))
	}
	for _, path := range paths {
		var ref struct {
			Samples []struct {
				Label     float64     `json:"label"`
				InputData [][]float64 `json:"input_data"`
			} `json:"samples"`
		}
		b, err := os.ReadFile(filepath.Join(filepath.Dir(path), "reference.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &ref); err != nil {
			t.Fatal(err)
		}
		s, err := Load(path, Options{RequireLabels: true})
		if err != nil {
			t.Fatal(err)
		}
		labels, err := s.IntLabels()
		if err != nil {
			t.Fatal(err)
		}
		for i, sample := range ref.Samples {
			if !reflect.DeepEqual(s.X[i], sample.InputData[0]) || float64(labels[i]) != sample.Label {
				t.Errorf("%s: test row %d (label %d) differs from reference.json sample %d (label %v)",
					path, i, labels[i], i, sample.Label)
			}
		}
		if _, err := Load(path, Options{Split: "train", RequireLabels: true}); err != nil {
			t.Error(err)
		}
	}
}

func TestIntLabels(t *testing.T) {
	s := &Set{Name: "d", Y: []float64{0, 3, 1}}
	if got, err := s.IntLabels(); err != nil || !reflect.DeepEqual(got, []int{0, 3, 1}) {
		t.Errorf("IntLabels() = %v, %v", got, err)
	}
	for _, tt := range []struct {
		y    []float64
		want string
	}{
		{nil, "dataset: d has no labels"},
		{[]float64{0, 1.5}, "dataset: d: label y[1] = 1.5 is not a class index (a non-negative integer)"},
		{[]float64{-1}, "dataset: d: label y[0] = -1 is not a class index"},
		{[]float64{1e300}, "dataset: d: label y[0] = 1e+300 is not a class index"},
	} {
		s := &Set{Name: "d", Y: tt.y}
		if _, err := s.IntLabels(); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("IntLabels(%v) error %v, want %s", tt.y, err, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name, in string
		opt      Options
		want     string
	}{
		// JSON {"x", "y"}
		{"a.json", `{"x": [[1, 2], [3]], "y": [0, 1]}`, Options{}, "dataset: a.json: x[1] has 1 values but x[0] has 2; all rows must have the same length"},
		{"a.json", `{"x": [[1, 2], [3, 4]], "y": [0]}`, Options{}, "dataset: a.json: y has 1 labels but x has 2 rows"},
		{"a.json", `{"x": [[1, "NaN"]]}`, Options{}, `dataset: a.json: x[0][1] is the string "NaN"; want a finite number`},
		{"a.json", `{"x": [[1, null]]}`, Options{}, "dataset: a.json: x[0][1] is null; want a finite number"},
		{"a.json", `{"x": [[1, 1e400]]}`, Options{}, "dataset: a.json: x[0][1] = 1e400 overflows float64; values must be finite"},
		{"a.json", `{"x": [[1, NaN]]}`, Options{}, "dataset: a.json: invalid JSON at line 1, column 12: NaN and Infinity are not JSON numbers"},
		{"a.json", `{"x": [[1, "` + strings.Repeat("x", 33) + `"]]}`, Options{}, "dataset: a.json: x[0][1] is a string; want a finite number"},
		{"a.json", `{"x": [[1], [[2]]]}`, Options{}, "dataset: a.json: x[1][0] is a list; want a finite number"},
		{"a.json", `{"x": [[1]], "y": ["cat"]}`, Options{}, `dataset: a.json: y[0] is the string "cat"; want a finite number`},
		{"a.json", `{"x": [[1]], "y": [-1e999]}`, Options{}, "dataset: a.json: y[0] = -1e999 overflows float64"},
		{"a.json", `{"x": [1, 2]}`, Options{}, "dataset: a.json: x[0] must be a list of numbers, got a number"},
		{"a.json", `{"x": {"a": 1}}`, Options{}, "dataset: a.json: x must be a list of rows, got an object"},
		{"a.json", `{"x": null}`, Options{}, "dataset: a.json: x must be a list of rows, got null"},
		{"a.json", `{"x": [[1]], "y": 1}`, Options{}, "dataset: a.json: y must be a list of numbers, got a number"},
		{"a.json", `{"x": []}`, Options{}, "dataset: a.json: the set is empty: it has no rows"},
		{"a.json", `{"x": [[], []]}`, Options{}, "dataset: a.json: rows have no features"},
		{"a.json", `{"x": [[1]]}`, Options{RequireLabels: true}, `dataset: a.json: no labels: want a "y" list with one label per row`},
		{"a.json", `{"x": [[1]], "y": null}`, Options{RequireLabels: true}, "dataset: a.json: no labels"},
		{"a.json", `{"x": [[1]]}`, Options{Split: "train"}, `dataset: a.json: split "train" does not apply: the file has no splits`},
		{"a.json", `{"x": [[1]]}`, Options{Label: "y"}, `dataset: a.json: label column "y" applies only to CSV`},
		{"a.json", `{"x": [[1]], "dataset": 3}`, Options{}, `dataset: a.json: "dataset" must be a string naming the set, got a number`},
		{"a.json", `[[1, 2]]`, Options{}, `dataset: a.json: want a JSON object {"x": [[...], ...], "y": [...]}, got array`},
		{"a.json", `{"rows": [[1]]}`, Options{}, `dataset: a.json: want {"x": [[...], ...], "y": [...]} or splits such as`},
		{"a.json", `null`, Options{}, `dataset: a.json: want {"x": [[...], ...], "y": [...]} or splits`},
		{"a.json", `{"x": [[1]]`, Options{}, "dataset: a.json: invalid JSON at line 1, column 11: unexpected end of JSON input"},
		{"a.json", "1,2\n3,4\n", Options{}, "dataset: a.json: invalid JSON at line 1, column 2: invalid character ','"},
		{"", `{"x": []}`, Options{}, "dataset: the set is empty"},
		// data.json splits
		{"data.json", `{"train": {"x": [[1]], "y": [0]}, "test": {"x": [[2]], "y": [1]}}`, Options{Split: "val"},
			`dataset: data.json: no split "val"; the file has test, train`},
		{"data.json", `{"train": {"x": [[1]], "y": [0]}, "meta": {"n": 1}}`, Options{},
			`dataset: data.json: no split "test"; the file has train`},
		{"data.json", `{"test": {"n": 2, "x": [[1]], "y": [0]}}`, Options{}, "dataset: data.json: test.n is 2 but test.x has 1 rows"},
		{"data.json", `{"test": {"x": [[1], [2, 3]]}}`, Options{}, "dataset: data.json: test.x[1] has 2 values but test.x[0] has 1"},
		{"data.json", `{"test": {"x": [[1], [2]], "y": [0, 1, 2]}}`, Options{}, "dataset: data.json: test.y has 3 labels but test.x has 2 rows"},
		{"data.json", `{"test": {"x": [[1], [true]]}}`, Options{}, "dataset: data.json: test.x[1][0] is a boolean"},
		{"data.json", `{"test": {"x": []}}`, Options{}, "dataset: data.json: the set is empty"},
		// CSV
		{"d.csv", "a,b,y\n1,2,0\n3,4\n", Options{}, "dataset: d.csv: line 3 has 2 columns but the header has 3"},
		{"d.csv", "a,b,y\n1,2,0\n3,4,1,5\n", Options{}, "dataset: d.csv: line 3 has 4 columns but the header has 3"},
		{"d.csv", "a,b,y\n1,2,0\n3,x,1\n", Options{}, `dataset: d.csv: line 3, column "b": want a finite number, got "x"`},
		{"d.csv", "a,b,y\n1,,0\n", Options{}, `dataset: d.csv: line 2, column "b": want a finite number, got ""`},
		{"d.csv", "a,b,y\n1,NaN,0\n", Options{}, `dataset: d.csv: line 2, column "b": want a finite number, got "NaN"`},
		{"d.csv", "a,b,y\n1,2,-Inf\n", Options{}, `dataset: d.csv: line 2, column "y": want a finite number, got "-Inf"`},
		{"d.csv", "a,b,y\n1,1e999,0\n", Options{}, `dataset: d.csv: line 2, column "b": want a finite number, got "1e999"`},
		{"d.csv", "a,b,y\n1,2,setosa\n", Options{}, `dataset: d.csv: line 2, column "y": want a finite number, got "setosa"`},
		{"d.csv", "a,b,y\n1,2,0\n", Options{Label: "class"}, `dataset: d.csv: no label column "class"; the columns are a, b, y`},
		{"d.csv", "a,b,y\n1,2,0\n", Options{Split: "test"}, `dataset: d.csv: split "test" does not apply: a CSV file has no splits`},
		{"d.csv", "a,b,y\n", Options{}, "dataset: d.csv: the set is empty: it has no rows"},
		{"d.csv", "", Options{}, "dataset: d.csv: the file is empty; want a CSV header row"},
		{"d.csv", "\n\n", Options{}, "dataset: d.csv: the file is empty"},
		{"d.csv", "1,2,0\n3,4,1\n", Options{}, "dataset: d.csv: line 1 holds numbers, not column names; add a header row"},
		{"d.csv", "y\n1\n", Options{}, "dataset: d.csv: rows have no features"},
		{"d.csv", "a,b,y\n1,\"2,0\n", Options{}, `dataset: d.csv: parse error on line 2, column 8: extraneous or missing " in quoted-field`},
		{"d.csv", "a\"b,y\n1,2\n", Options{}, `dataset: d.csv: parse error on line 1, column 2: bare " in non-quoted-field`},
	}
	for _, tt := range tests {
		_, err := Parse([]byte(tt.in), tt.name, tt.opt)
		if err == nil {
			t.Errorf("Parse(%q, %q, %+v) succeeded, want error %q", tt.in, tt.name, tt.opt, tt.want)
			continue
		}
		if msg := err.Error(); !strings.HasPrefix(msg, tt.want) || strings.Contains(msg, "\n") {
			t.Errorf("Parse(%q, %q, %+v) error:\n  %s\nwant one line starting\n  %s", tt.in, tt.name, tt.opt, msg, tt.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.csv")
	if _, err := Load(missing, Options{}); err == nil || err.Error() != "dataset: file "+missing+" does not exist" {
		t.Errorf("Load(missing) error %v", err)
	}
	if _, err := Load(dir, Options{}); err == nil || !strings.HasPrefix(err.Error(), "dataset: read "+dir) {
		t.Errorf("Load(dir) error %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, path := range []string{
		"../testdata/models/iris_logreg/data.json",
		"../testdata/dataset/iris_small.csv",
		"../testdata/dataset/houses.csv",
		"../testdata/dataset/xy.json",
		"../testdata/dataset/unlabelled.json",
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, filepath.Base(path), "", "")
	}
	f.Add([]byte(`{"train": {"x": [[1]], "y": [0]}, "test": {"n": 1, "x": [[2]]}}`), "d.json", "train", "")
	f.Add([]byte("a,b,c\n1,2,3\n4,5,6\n"), "d.csv", "", "b")
	f.Add([]byte("a,b\n1,x\n"), "d.txt", "", "")
	f.Add([]byte(`{"x": [[1, null], [1e999, "NaN"]], "y": [0.5]}`), "", "", "")
	f.Fuzz(func(t *testing.T, b []byte, name, split, label string) {
		s, err := Parse(b, name, Options{Split: split, Label: label})
		if err != nil {
			if !strings.HasPrefix(err.Error(), "dataset: ") {
				t.Fatalf("error without prefix: %v", err)
			}
			return
		}
		if s.Len() == 0 || len(s.Columns) == 0 || s.Y != nil && len(s.Y) != s.Len() {
			t.Fatalf("%d rows, %d columns, %d labels", s.Len(), len(s.Columns), len(s.Y))
		}
		for _, row := range s.X {
			if len(row) != len(s.Columns) {
				t.Fatalf("row of %d values for %d columns", len(row), len(s.Columns))
			}
			checkFinite(t, row)
		}
		checkFinite(t, s.Y)
		s.IntLabels()
	})
}

func checkFinite(t *testing.T, values []float64) {
	for _, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("non-finite value %v", v)
		}
	}
}

func TestParseLabels(t *testing.T) {
	good, err := ParseLabels([]byte(`{"y": [2, 0, 1]}`), "y")
	if err != nil || len(good) != 3 || good[0] != 2 {
		t.Fatalf("got %v, %v", good, err)
	}
	for _, c := range []struct{ in, want string }{
		{`{"y": [1, -1]}`, "y[1] = -1 is not a class index"},
		{`{"y": [1.5]}`, "y[0] = 1.5 is not a class index"},
		{`{"y": []}`, "y is empty"},
		{`{"answers": [1]}`, `no "y" list`},
		{`[1, 2]`, "want a JSON object"},
		{`{"y": [1,}`, "invalid JSON at line 1"},
		{`{"y": "abc"}`, "y must be a list of numbers"},
	} {
		_, err := ParseLabels([]byte(c.in), "y")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v; want an error containing %q", c.in, err, c.want)
		}
	}
}

func FuzzParseLabels(f *testing.F) {
	f.Add([]byte(`{"y": [2, 0, 1]}`))
	f.Add([]byte(`{"y": [1e400]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		labels, err := ParseLabels(b, "y")
		if err == nil && len(labels) == 0 {
			t.Fatal("empty list accepted")
		}
	})
}
