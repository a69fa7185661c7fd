// Package jsonmut makes the one-leaf mutations of a JSON document, for the
// mutation tests every verifier of a file format has: change any one leaf
// value of a valid file and the verifier must reject it, or the leaf must
// be one the verifier never shows as proven.
package jsonmut

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strconv"
	"strings"
)

// Mutation is a document with the leaf at Path changed.
type Mutation struct {
	Path string // dot-separated keys and array indices, e.g. "shards.0.public.rows"
	Doc  []byte
}

// All returns one mutation per leaf of doc (strings, numbers, booleans and
// nulls, in arrays and objects at any depth), in a fixed order. A leaf
// changes as little as possible while staying well-formed where it can: a
// decimal string or a number goes up by one, a boolean flips, a "sha256:"
// digest changes its last hex digit, any other string one character.
func All(doc []byte) ([]Mutation, error) {
	root, err := decode(doc)
	if err != nil {
		return nil, err
	}
	var paths [][]string
	walk(root, nil, func(p []string) { paths = append(paths, append([]string(nil), p...)) })
	out := make([]Mutation, 0, len(paths))
	for _, p := range paths {
		t, err := decode(doc) // a fresh tree per mutation
		if err != nil {
			return nil, err
		}
		t = set(t, p)
		b, err := json.Marshal(t)
		if err != nil {
			return nil, err
		}
		out = append(out, Mutation{Path: strings.Join(p, "."), Doc: b})
	}
	return out, nil
}

// Match reports whether path matches pattern, whose "*" segments match any
// one key or index.
func Match(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "."), strings.Split(path, ".")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func decode(doc []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("jsonmut: %w", err)
	}
	return v, nil
}

func walk(v any, path []string, leaf func([]string)) {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			walk(x[k], append(path, k), leaf)
		}
	case []any:
		for i, e := range x {
			walk(e, append(path, strconv.Itoa(i)), leaf)
		}
	default:
		leaf(path)
	}
}

// set replaces the leaf at path with its mutation and returns the tree.
func set(v any, path []string) any {
	if len(path) == 0 {
		return mutate(v)
	}
	switch x := v.(type) {
	case map[string]any:
		x[path[0]] = set(x[path[0]], path[1:])
	case []any:
		i, _ := strconv.Atoi(path[0])
		x[i] = set(x[i], path[1:])
	}
	return v
}

func mutate(v any) any {
	switch x := v.(type) {
	case nil:
		return json.Number("0")
	case bool:
		return !x
	case json.Number:
		if i, ok := new(big.Int).SetString(x.String(), 10); ok {
			return json.Number(i.Add(i, big.NewInt(1)).String())
		}
		f, _ := x.Float64()
		return f + 1
	case string:
		return mutateString(x)
	}
	return v
}

func mutateString(s string) string {
	if s == "" {
		return "x"
	}
	if i, ok := new(big.Int).SetString(s, 10); ok && strings.Trim(s, "0123456789") == "" {
		return i.Add(i, big.NewInt(1)).String()
	}
	b := []byte(s)
	k := len(b) / 2
	if strings.HasPrefix(s, "sha256:") {
		k = len(b) - 1
	}
	switch c := b[k]; {
	case c == '9':
		b[k] = '0'
	case c == 'z':
		b[k] = 'a'
	case c == 'Z':
		b[k] = 'A'
	case c >= '0' && c < '9', c >= 'a' && c < 'z', c >= 'A' && c < 'Z':
		b[k] = c + 1
	default:
		b[k] = 'x'
	}
	if strings.HasPrefix(s, "sha256:") && b[k] > 'f' && b[k] <= 'z' {
		b[k] = '0' // stay hex
	}
	return string(b)
}
