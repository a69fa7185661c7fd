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
	"testing"
)

// Mutation is a document with the leaf at Path changed as What says.
type Mutation struct {
	Path string // dot-separated keys and array indices, e.g. "shards.0.public.rows"
	What string
	Doc  []byte
	// Minimal marks the one mutation per leaf that changes its value as
	// little as possible and keeps it well-formed (a number or decimal
	// string +1, a digest's last hex digit, one character, a flipped
	// boolean): the change a forger would make, which only the
	// cryptography should catch.
	Minimal bool
}

// All returns the one-place mutations of doc, in a fixed order: every
// number ±1, doubled plus one, negated minus one, or turned into a string;
// every string extended, shortened, emptied, zero-prefixed, replaced by a
// number, or changed in one character (a decimal string counts up, a
// "sha256:" digest changes its last hex digit); every boolean flipped;
// every null replaced; every array element dropped and duplicated; every
// object member deleted, and an unknown member added to every object.
func All(doc []byte) ([]Mutation, error) {
	root, err := decode(doc)
	if err != nil {
		return nil, err
	}
	var out []Mutation
	var failed error
	emit := func(path, what string, v any) {
		b, err := json.Marshal(v)
		if err != nil && failed == nil {
			failed = fmt.Errorf("jsonmut: %w", err)
		}
		out = append(out, Mutation{Path: path, What: what, Doc: b, Minimal: strings.HasPrefix(what, minimal)})
	}
	walk(root, "", func(v any) any { return v }, emit)
	return out, failed
}

// walk emits the mutations of v, found at path, through set, which
// rebuilds the whole document around a replacement of v.
func walk(v any, path string, set func(any) any, emit func(path, what string, doc any)) {
	join := func(k string) string { return strings.TrimPrefix(path+"."+k, ".") }
	switch x := v.(type) {
	case json.Number:
		if i, ok := new(big.Int).SetString(string(x), 10); ok {
			one := big.NewInt(1)
			for _, y := range []*big.Int{new(big.Int).Add(i, one), new(big.Int).Sub(i, one),
				new(big.Int).Add(new(big.Int).Lsh(i, 1), one), new(big.Int).Sub(new(big.Int).Neg(i), one)} {
				emit(path, "number "+y.String(), set(json.Number(y.String())))
			}
		} else {
			f, _ := x.Float64()
			for _, y := range []float64{f + 1, f - 1, 2*f + 1, -f - 1} {
				emit(path, "number", set(json.Number(strconv.FormatFloat(y, 'g', -1, 64))))
			}
		}
		emit(path, minimal+" "+fmt.Sprint(mutate(x)), set(mutate(x)))
		emit(path, "number as a string", set(string(x)))
	case string:
		alts := []any{x + "1", "", "0" + x, json.Number("7")}
		if x != "" {
			alts = append(alts, x[:len(x)-1])
		}
		for _, y := range alts {
			emit(path, fmt.Sprintf("string %.20q", fmt.Sprint(y)), set(y))
		}
		emit(path, fmt.Sprintf("%s %.20q", minimal, mutateString(x)), set(mutateString(x)))
	case bool:
		emit(path, minimal+" flipped", set(!x))
	case nil:
		for _, y := range []any{"x", json.Number("0"), []any{}, map[string]any{}} {
			emit(path, "null replaced", set(y))
		}
	case []any:
		for i := range x {
			p := join(strconv.Itoa(i))
			emit(p, "dropped", set(slices.Delete(slices.Clone(x), i, i+1)))
			emit(p, "duplicated", set(slices.Insert(slices.Clone(x), i, x[i])))
			walk(x[i], p, func(y any) any {
				c := slices.Clone(x)
				c[i] = y
				return set(c)
			}, emit)
		}
		emit(path, "null", set(nil))
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			emit(join(k), "deleted", set(with(x, k, deleted)))
			walk(x[k], join(k), func(y any) any { return set(with(x, k, y)) }, emit)
		}
		emit(path, "unknown member", set(with(x, "zz_unknown", json.Number("1"))))
	}
}

// minimal starts the description of a Minimal mutation.
const minimal = "minimal:"

// deleted, given to with, deletes the key.
var deleted = new(struct{})

// with is a copy of m with m[k] = v, or without k when v is deleted.
func with(m map[string]any, k string, v any) map[string]any {
	c := maps.Clone(m)
	if v == any(deleted) {
		delete(c, k)
	} else {
		c[k] = v
	}
	return c
}

// Check runs check on doc and then on every mutation of doc. The
// document must be accepted (ok), and each mutation rejected, or accepted
// showing exactly what doc shows (a default written out or left out, an
// ignored member) — unless its path is under an informational pattern (a
// leaf the verifier never shows as proven). It returns the mutations, for
// further checks of how they were rejected.
func Check(t testing.TB, doc []byte, informational []string, check func(doc []byte) (shown string, ok bool)) []Mutation {
	t.Helper()
	honest, ok := check(doc)
	if !ok {
		t.Fatalf("the unchanged document is rejected: %s", honest)
	}
	ms, err := All(doc)
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for _, m := range ms {
		shown, ok := check(m.Doc)
		if !ok {
			continue
		}
		accepted++
		if shown != honest && !slices.ContainsFunc(informational, func(p string) bool { return Under(p, m.Path) }) {
			t.Errorf("%s (%s): accepted, and shows\n%s\ninstead of\n%s", m.Path, m.What, shown, honest)
		}
	}
	t.Logf("%d mutations, %d accepted (an unchanged result, or an informational leaf)", len(ms), accepted)
	return ms
}

// Under reports whether path is at or below a path matching pattern.
func Under(pattern, path string) bool {
	n := strings.Count(pattern, ".") + 1
	xs := strings.SplitN(path, ".", n+1)
	if len(xs) < n {
		return false
	}
	return Match(pattern, strings.Join(xs[:n], "."))
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

// mutate is a number's minimal change: +1.
func mutate(x json.Number) json.Number {
	if i, ok := new(big.Int).SetString(string(x), 10); ok {
		return json.Number(i.Add(i, big.NewInt(1)).String())
	}
	f, _ := x.Float64()
	return json.Number(strconv.FormatFloat(f+1, 'g', -1, 64))
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
