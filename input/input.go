// Package input reads and writes the inference input file: the tensors fed to a model's graph inputs.
//
// The layout is EZKL's input.json:
//
//	{"input_data": [[1.5, -2, 0.25, 4], [3]], "input_shapes": [[2, 2], [1]], "input_names": ["x", "k"]}
//
// input_data holds one entry per graph input, in graph order, each the input's tensor flattened row-major
// into a list of numbers. Integer inputs (axes, indices, pads) are plain numbers too; values beyond ±2^53
// lose precision. Boolean inputs take true and false (read as 1 and 0) or the numbers 1 and 0. A graph
// without inputs has "input_data": []. The list may be wrapped as newer EZKL versions write it,
// {"File": [[...]]}; on-chain sources are refused.
//
// input_shapes is optional; when it has one shape per input, each shape's element count equals the length
// of that input's list ([] is a scalar shape). Matching the shapes to a model — the batch dimension
// EZKL leaves out, inputs the file does not list — is Align's job. input_names is optional and kept when
// given (one name per input). output_data is optional: the outputs a reference run produced, one flattened
// list per graph output, for comparison. Other keys, such as input_dtypes and output_shapes, are ignored.
//
// Parse promises that every value it returns is a finite float64, that shapes (when one per input) are
// consistent with the data, and that the file holds at most MaxValues numbers, so memory stays bounded.
// Errors are a single line starting with "input: " that names the offending entry, e.g.
//
//	input: input_data[0] has 783 values but input_shapes[0] [1 784] needs 784
package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/zkai-dev/zkai/internal/jsonerr"
)

// MaxValues is the most numbers an input file may hold in total (over all inputs), and the largest dim.
const MaxValues = 1 << 26

// File is a parsed input file.
type File struct {
	Data   [][]float64 // one flattened tensor per graph input
	Shapes [][]int     // nil, or input_shapes: one shape per Data entry, or as Align describes
	Names  []string    // nil, or one name per Data entry (input_names)
	// Outputs is nil, or output_data: a reference run's outputs, one flattened tensor per graph output.
	Outputs [][]float64
}

// Load reads and parses the input file at path.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("input: file %s does not exist", path)
	}
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	return Parse(b)
}

// Parse decodes and validates an input file.
func Parse(b []byte) (*File, error) {
	var raw struct {
		Data   json.RawMessage `json:"input_data"`
		Shapes json.RawMessage `json:"input_shapes"`
		Names  []string        `json:"input_names"`
		Output json.RawMessage `json:"output_data"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, jsonError(b, err)
	}
	if isNull(raw.Data) {
		return nil, errors.New(`input: input_data is missing; want {"input_data": [[...values of input 0...], ...]}`)
	}
	budget := MaxValues
	data, err := decodeLists(raw.Data, "input_data", true, &budget)
	if err != nil {
		return nil, err
	}
	f := &File{Data: data, Names: raw.Names}
	if !isNull(raw.Output) {
		if f.Outputs, err = decodeLists(raw.Output, "output_data", true, &budget); err != nil {
			return nil, err
		}
	}
	if !isNull(raw.Shapes) {
		shapeBudget := MaxValues
		dims, err := decodeLists(raw.Shapes, "input_shapes", false, &shapeBudget)
		if err != nil {
			return nil, err
		}
		f.Shapes = make([][]int, len(dims))
		for i, shape := range dims {
			f.Shapes[i] = make([]int, len(shape))
			for j, d := range shape {
				if d != math.Trunc(d) || d < 0 || d > MaxValues {
					return nil, dimError(i, j, d)
				}
				f.Shapes[i][j] = int(d)
			}
		}
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return f, nil
}

// Marshal encodes f in the input file layout; input_shapes, input_names and output_data are omitted when nil.
// It refuses a File that Parse would reject.
func (f *File) Marshal() ([]byte, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	b := []byte(`{"input_data":`)
	b = appendLists(b, f.Data, func(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'g', -1, 64) })
	if f.Shapes != nil {
		b = append(b, `,"input_shapes":`...)
		b = appendLists(b, f.Shapes, func(b []byte, d int) []byte { return strconv.AppendInt(b, int64(d), 10) })
	}
	if f.Names != nil {
		names, _ := json.Marshal(f.Names) // a []string always marshals
		b = append(b, `,"input_names":`...)
		b = append(b, names...)
	}
	if f.Outputs != nil {
		b = append(b, `,"output_data":`...)
		b = appendLists(b, f.Outputs, func(b []byte, v float64) []byte { return strconv.AppendFloat(b, v, 'g', -1, 64) })
	}
	return append(b, '}'), nil
}

// check validates what Parse promises about a File.
func (f *File) check() error {
	if f.Data == nil {
		return errors.New("input: input_data is missing")
	}
	total := 0
	for _, part := range []struct {
		name  string
		lists [][]float64
	}{{"input_data", f.Data}, {"output_data", f.Outputs}} {
		for i, values := range part.lists {
			for j, v := range values {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("input: %s[%d][%d] is %v; values must be finite", part.name, i, j, v)
				}
			}
			if total += len(values); total > MaxValues {
				return tooMany()
			}
		}
	}
	for i, shape := range f.Shapes {
		for j, d := range shape {
			if d < 0 || d > MaxValues {
				return dimError(i, j, d)
			}
		}
		// With one shape per input, each must fit its values; other counts are matched to the model by Align.
		if n := product(shape); len(f.Shapes) == len(f.Data) && n != len(f.Data[i]) {
			return fmt.Errorf("input: input_data[%d] has %d values but input_shapes[%d] %v needs %s",
				i, len(f.Data[i]), i, shape, count(n))
		}
	}
	if f.Names != nil && len(f.Names) != len(f.Data) {
		return fmt.Errorf("input: input_names has %d names but input_data has %d inputs; give one name per input",
			len(f.Names), len(f.Data))
	}
	return nil
}

func count(n int) string {
	if n > MaxValues {
		return fmt.Sprintf("more than %d", MaxValues)
	}
	return strconv.Itoa(n)
}

func dimError(i, j int, d any) error {
	return fmt.Errorf("input: input_shapes[%d][%d] is %v; dims must be integers from 0 to %d", i, j, d, MaxValues)
}

func tooMany() error {
	return fmt.Errorf("input: more than %d values in total; split the inputs or shrink the model", MaxValues)
}

func appendLists[T any](b []byte, lists [][]T, appendValue func([]byte, T) []byte) []byte {
	b = append(b, '[')
	for i, list := range lists {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '[')
		for j, v := range list {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendValue(b, v)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

func isNull(raw json.RawMessage) bool {
	return raw == nil || string(raw) == "null"
}

// jsonError turns an encoding/json error on the whole file into a one-line message.
func jsonError(b []byte, err error) error {
	if msg, ok := jsonerr.Syntax(b, err); ok {
		return fmt.Errorf("input: %s", msg)
	}
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Errorf(`input: want a JSON object {"input_data": [[...]], ...}, got %s`, typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("input: input_names must be a list of strings, got %s", typ.Value)
	}
	return fmt.Errorf("input: %w", err)
}

// decodeLists decodes raw, a syntactically valid JSON value, as a list of lists of finite numbers, taking
// true and false as 1 and 0 when bools is set, and counting the numbers against *budget; name is the key
// for error messages. The list may be wrapped as {"File": [...]}. It scans raw directly rather than
// through encoding/json so that it can name the offending element, reject null (which encoding/json would
// read as 0) and stop before a huge file exhausts memory.
func decodeLists(raw []byte, name string, bools bool, budget *int) ([][]float64, error) {
	s := &scanner{b: raw}
	if s.peek() == '{' {
		var src struct {
			File    json.RawMessage
			OnChain json.RawMessage
		}
		if json.Unmarshal(raw, &src) == nil && !isNull(src.OnChain) {
			return nil, fmt.Errorf(`input: %s reads from a chain (OnChain); zkai takes the values themselves: {"%s": [[...]]}`, name, name)
		}
		if !isNull(src.File) {
			s = &scanner{b: src.File}
		}
	}
	if s.peek() != '[' {
		return nil, fmt.Errorf("input: %s must be a list with one list of numbers per input, got %s", name, jsonerr.Describe(s.b[s.i:]))
	}
	s.i++
	lists := [][]float64{}
	for s.peek() != ']' {
		i := len(lists)
		if s.peek() != '[' {
			return nil, fmt.Errorf("input: %s[%d] must be a list of numbers, got %s; wrap each input's values in a list: [[1, 2, ...]]",
				name, i, jsonerr.Describe(s.b[s.i:]))
		}
		s.i++
		// Size the list from its commas; numbers hold none, and other values are rejected below.
		end := s.i + bytes.IndexByte(s.b[s.i:], ']')
		list := make([]float64, 0, min(bytes.Count(s.b[s.i:end], []byte(","))+1, max(*budget, 0)))
		for s.peek() != ']' {
			j := len(list)
			tok := s.number()
			if len(tok) == 0 && bools {
				tok = s.boolean()
			}
			if len(tok) == 0 {
				if s.peek() == '[' {
					return nil, fmt.Errorf("input: %s[%d][%d] is a list; flatten each input to one list of numbers", name, i, j)
				}
				return nil, fmt.Errorf("input: %s[%d][%d] is %s; want a finite number", name, i, j, jsonerr.Describe(s.b[s.i:]))
			}
			v, err := strconv.ParseFloat(string(tok), 64)
			if err != nil { // tok is a valid JSON number, so the only error is a value beyond ±MaxFloat64
				return nil, fmt.Errorf("input: %s[%d][%d] = %s overflows float64; values must be finite", name, i, j, tok)
			}
			if *budget--; *budget < 0 {
				return nil, tooMany()
			}
			list = append(list, v)
			s.skipComma()
		}
		s.i++
		lists = append(lists, list)
		s.skipComma()
	}
	return lists, nil
}

// scanner walks a syntactically valid JSON value.
type scanner struct {
	b []byte
	i int
}

// peek skips white space and returns the next byte.
func (s *scanner) peek() byte {
	for s.i < len(s.b) && strings.IndexByte(" \t\r\n", s.b[s.i]) >= 0 {
		s.i++
	}
	return s.b[s.i]
}

// number consumes and returns the number at the cursor, or nothing if the next value is not a number.
func (s *scanner) number() []byte {
	start := s.i
	for s.i < len(s.b) && strings.IndexByte("+-.eE0123456789", s.b[s.i]) >= 0 {
		s.i++
	}
	return s.b[start:s.i]
}

// boolean consumes a true or false at the cursor and returns it as the number 1 or 0, or returns nothing.
func (s *scanner) boolean() []byte {
	for _, b := range []struct{ word, number string }{{"true", "1"}, {"false", "0"}} {
		if bytes.HasPrefix(s.b[s.i:], []byte(b.word)) {
			s.i += len(b.word)
			return []byte(b.number)
		}
	}
	return nil
}

func (s *scanner) skipComma() {
	if s.peek() == ',' {
		s.i++
	}
}
