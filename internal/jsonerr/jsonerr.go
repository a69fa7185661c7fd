// Package jsonerr turns encoding/json syntax errors into one-line messages
// that point at the line and column, for the parsers of user files.
package jsonerr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Syntax describes err if it is a JSON syntax error in b: "invalid JSON at
// line L, column C: …", with a plain explanation for NaN and Infinity (which
// Python's json writes by default). ok is false for any other error.
func Syntax(b []byte, err error) (msg string, ok bool) {
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return "", false
	}
	at := min(max(int(syntax.Offset)-1, 0), len(b))
	line := 1 + bytes.Count(b[:at], []byte("\n"))
	col := at - bytes.LastIndexByte(b[:at], '\n')
	if rest := b[at:]; bytes.HasPrefix(rest, []byte("NaN")) || bytes.HasPrefix(rest, []byte("Infinity")) {
		return fmt.Sprintf("invalid JSON at line %d, column %d: NaN and Infinity are not JSON numbers; values must be finite", line, col), true
	}
	return fmt.Sprintf("invalid JSON at line %d, column %d: %v", line, col, err), true
}

// Describe names the kind of the JSON value that starts b (more text may
// follow it), quoting short strings: for errors like "input_data[0][3] is
// the string "NaN"; want a finite number".
func Describe(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '"':
		var s string
		if json.NewDecoder(bytes.NewReader(b)).Decode(&s) == nil && len(s) <= 32 {
			return fmt.Sprintf("the string %q", s)
		}
		return "a string"
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '{':
		return "an object"
	case '[':
		return "a list"
	}
	return "a number"
}
