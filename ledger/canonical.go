package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth bounds the nesting of JSON the canonicaliser accepts, so that
// hostile input cannot exhaust the stack.
const maxJSONDepth = 64

// Canonicalize returns the RFC 8785 (JSON Canonicalization Scheme) form of
// the JSON value in b: object members sorted by the UTF-16 code units of
// their names, no insignificant whitespace, strings with the minimal escapes,
// numbers in the ECMAScript shortest round-trip form. It rejects what RFC 8785
// cannot represent or I-JSON (RFC 7493) forbids: invalid UTF-8, lone
// surrogate escapes, duplicate member names, numbers that overflow a
// float64, trailing data; and member names of one object that differ only
// in case, which encoding/json matches to one field: either would otherwise
// change the value silently (a lone surrogate decodes as U+FFFD, the
// last case variant wins).
func Canonicalize(b []byte) ([]byte, error) {
	if !utf8.Valid(b) {
		return nil, errors.New("json: invalid UTF-8")
	}
	if err := checkSurrogates(b); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out bytes.Buffer
	if err := canonValue(dec, &out, 0); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("json: trailing data after the value")
	}
	return out.Bytes(), nil
}

// canonicalMarshal marshals v with encoding/json and canonicalises it.
func canonicalMarshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Canonicalize(b)
}

func canonValue(dec *json.Decoder, out *bytes.Buffer, depth int) error {
	if depth > maxJSONDepth {
		return fmt.Errorf("json: nested deeper than %d", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("json: %w", err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			type member struct {
				key string
				val []byte
			}
			var members []member
			seen := map[string]string{} // case-folded name → name
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return fmt.Errorf("json: %w", err)
				}
				k, ok := kt.(string)
				if !ok {
					return errors.New("json: object key is not a string")
				}
				f := foldName(k)
				if prev, dup := seen[f]; dup {
					if prev == k {
						return fmt.Errorf("json: duplicate member %q", k)
					}
					return fmt.Errorf("json: members %q and %q differ only in case", prev, k)
				}
				seen[f] = k
				var vb bytes.Buffer
				if err := canonValue(dec, &vb, depth+1); err != nil {
					return err
				}
				members = append(members, member{k, vb.Bytes()})
			}
			if _, err := dec.Token(); err != nil {
				return fmt.Errorf("json: %w", err)
			}
			slices.SortFunc(members, func(a, b member) int { return compareUTF16(a.key, b.key) })
			out.WriteByte('{')
			for i, m := range members {
				if i > 0 {
					out.WriteByte(',')
				}
				writeCanonString(out, m.key)
				out.WriteByte(':')
				out.Write(m.val)
			}
			out.WriteByte('}')
		case '[':
			out.WriteByte('[')
			for i := 0; dec.More(); i++ {
				if i > 0 {
					out.WriteByte(',')
				}
				if err := canonValue(dec, out, depth+1); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil {
				return fmt.Errorf("json: %w", err)
			}
			out.WriteByte(']')
		default:
			return fmt.Errorf("json: unexpected %q", t)
		}
	case string:
		writeCanonString(out, t)
	case json.Number:
		s, err := canonNumber(string(t))
		if err != nil {
			return err
		}
		out.WriteString(s)
	case bool:
		out.WriteString(strconv.FormatBool(t))
	case nil:
		out.WriteString("null")
	}
	return nil
}

// foldName maps names that encoding/json matches to the same field to the
// same string: each rune to the smallest of its Unicode simple-fold orbit,
// then ASCII letters to lower case, so that the usual lower-case ASCII name
// maps to itself without allocating.
func foldName(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf && (s[i] < 'A' || s[i] > 'Z') {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		for {
			next := unicode.SimpleFold(r)
			if next <= r {
				r = next
				break
			}
			r = next
		}
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// checkSurrogates refuses a \u escape of a UTF-16 surrogate that is not
// half of a high-low pair. Backslashes appear only in strings in valid
// JSON; anything else malformed is left to the decoder.
func checkSurrogates(b []byte) error {
	hex4 := func(at int) (uint64, bool) {
		if at+4 > len(b) {
			return 0, false
		}
		v, err := strconv.ParseUint(string(b[at:at+4]), 16, 16)
		return v, err == nil
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if i+1 < len(b) && b[i+1] != 'u' {
			i++ // an escaped character, possibly a backslash
			continue
		}
		c, ok := hex4(i + 2)
		if !ok {
			continue
		}
		if c >= 0xD800 && c < 0xDC00 && i+7 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
			if lo, ok := hex4(i + 8); ok && lo >= 0xDC00 && lo < 0xE000 {
				i += 11
				continue
			}
		}
		if c >= 0xD800 && c < 0xE000 {
			return fmt.Errorf("json: lone surrogate escape %s", b[i:i+6])
		}
		i += 5
	}
	return nil
}

func compareUTF16(a, b string) int {
	return slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
}

func writeCanonString(out *bytes.Buffer, s string) {
	out.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			out.WriteString(`\"`)
		case '\\':
			out.WriteString(`\\`)
		case '\b':
			out.WriteString(`\b`)
		case '\f':
			out.WriteString(`\f`)
		case '\n':
			out.WriteString(`\n`)
		case '\r':
			out.WriteString(`\r`)
		case '\t':
			out.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(out, `\u%04x`, r)
			} else {
				out.WriteRune(r)
			}
		}
	}
	out.WriteByte('"')
}

// canonNumber formats a JSON number as ECMAScript's Number.prototype.toString
// does (RFC 8785 section 3.2.2.3).
func canonNumber(s string) (string, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", fmt.Errorf("json: number %s is not representable as a float64", s)
	}
	if f == 0 {
		return "0", nil
	}
	sign := ""
	if f < 0 {
		sign, f = "-", -f
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	mant, exps, _ := strings.Cut(e, "e")
	digits := strings.Replace(mant, ".", "", 1)
	exp, _ := strconv.Atoi(exps)
	k, n := len(digits), exp+1
	var r string
	switch {
	case k <= n && n <= 21:
		r = digits + strings.Repeat("0", n-k)
	case 0 < n && n <= 21:
		r = digits[:n] + "." + digits[n:]
	case -6 < n && n <= 0:
		r = "0." + strings.Repeat("0", -n) + digits
	default:
		r = digits[:1]
		if k > 1 {
			r += "." + digits[1:]
		}
		es := "+"
		if n-1 < 0 {
			es = "-"
		}
		r += "e" + es + strconv.Itoa(abs(n-1))
	}
	return sign + r, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
