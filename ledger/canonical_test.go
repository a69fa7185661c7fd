package ledger

import (
	"strings"
	"testing"
)

func TestCanonicalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// RFC 8785 section 3.2.2 and appendix B number samples.
		{`[1E30, 4.50, 2e-3, 0.000000000000000000000000001, -0, 1e21, 1e20, 333333333.33333329, 1e-7, 0.000001, 9007199254740992, -1.5]`,
			`[1e+30,4.5,0.002,1e-27,0,1e+21,100000000000000000000,333333333.3333333,1e-7,0.000001,9007199254740992,-1.5]`},
		{"{\"b\": 1, \"a\": {\"z\": null, \"y\": [true, false]}}", `{"a":{"y":[true,false],"z":null},"b":1}`},
		// Sorting by UTF-16 code units: U+1F600 (surrogates D83D…) sorts before U+FB33.
		{"{\"\uFB33\": 1, \"\U0001F600\": 2, \"\u00e9\": 3, \"Z\": 4}", "{\"Z\":4,\"\u00e9\":3,\"\U0001F600\":2,\"\uFB33\":1}"},
		{`"\u0041\n\u001f\/<>\u2028"`, "\"A\\n\\u001f/<>\u2028\""},
		// A surrogate pair, and an escaped backslash before "ud800" text.
		{`["\ud83d\ude00", "\\ud800"]`, "[\"\U0001F600\",\"\\\\ud800\"]"},
	} {
		got, err := Canonicalize([]byte(c.in))
		if err != nil {
			t.Errorf("Canonicalize(%s): %v", c.in, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("Canonicalize(%s)\n got %s\nwant %s", c.in, got, c.want)
		}
	}
	// Regression (issue 8 item 14): a lone surrogate became U+FFFD and of
	// two case variants of a member encoding/json kept the last, silently.
	for _, c := range []struct{ in, want string }{
		{`{"name":"a\ud800"}`, `lone surrogate escape \ud800`},
		{`{"name":"\udc00x"}`, `lone surrogate escape \udc00`},
		{`["\ud83d\u0041"]`, `lone surrogate escape \ud83d`},
		{`{"name":"a","Name":"b"}`, `members "name" and "Name" differ only in case`},
		{"{\"kind\":1,\"\u212aind\":2}", `differ only in case`}, // U+212A KELVIN SIGN folds to k
	} {
		if _, err := Canonicalize([]byte(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Canonicalize(%s) = %v, want an error containing %q", c.in, err, c.want)
		}
	}
	for _, bad := range []string{``, `{`, `{"a":1,"a":2}`, `1 2`, `1e999`, "\"\xff\"", `[` + strings.Repeat("[", 100) + strings.Repeat("]", 101), `{"a" 1}`, `nul`} {
		if _, err := Canonicalize([]byte(bad)); err == nil {
			t.Errorf("Canonicalize(%q) succeeded, want an error", bad)
		}
	}
}
