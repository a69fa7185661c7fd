package proof

import (
	"math/big"
	"strings"
	"testing"
)

func TestParseFieldCanonical(t *testing.T) {
	pMinus1 := new(big.Int).Sub(Field(), big.NewInt(1)).String()
	for _, ok := range []string{"0", "1", "42", pMinus1} {
		if _, err := ParseField(ok); err != nil {
			t.Errorf("ParseField(%q): %v", ok, err)
		}
	}
	bad := []string{"", "-1", "+1", "01", "00", " 1", "1 ", "1e3", "0x10", "１",
		Field().String(), strings.Repeat("9", 79)}
	for _, s := range bad {
		if v, err := ParseField(s); err == nil {
			t.Errorf("ParseField(%q) = %v; want an error", s, v)
		}
	}
}

// A huge number is refused by its length, before any parsing (parsing a
// 64 MiB decimal would take about an hour).
func TestParseFieldHugeRefusedByLength(t *testing.T) {
	_, err := ParseField(strings.Repeat("7", 64<<20))
	if err == nil || !strings.Contains(err.Error(), "67108864-digit") {
		t.Fatalf("a 64 MiB number: got %v; want a refusal by its length", err)
	}
}

func TestLayoutDigestSeparates(t *testing.T) {
	type L struct {
		Scale int      `json:"scale"`
		Names []string `json:"names"`
	}
	a, _ := LayoutDigest("inference", L{12, []string{"y"}})
	for _, other := range []struct {
		st string
		l  L
	}{{"evaluation", L{12, []string{"y"}}}, {"inference", L{0, []string{"y"}}}, {"inference", L{12, []string{"z"}}}} {
		b, _ := LayoutDigest(other.st, other.l)
		if a.Cmp(b) == 0 {
			t.Errorf("layout %v of %s has the same digest as the original", other.l, other.st)
		}
	}
	again, _ := LayoutDigest("inference", L{12, []string{"y"}})
	if a.Cmp(again) != 0 || a.Cmp(Field()) >= 0 {
		t.Errorf("digest not deterministic or not a field element")
	}
}

func TestIsDigest(t *testing.T) {
	if d := Digest([]byte("x")); !IsDigest(d) {
		t.Errorf("IsDigest(%q) = false", d)
	}
	hex := strings.Repeat("ab", 32)
	for _, s := range []string{"", "sha256:", "sha256:" + hex[:63], "sha256:" + hex + "0", "sha256:" + strings.ToUpper(hex), "SHA256:" + hex, "sha512:" + hex, "sha256:" + hex[:62] + "g0"} {
		if IsDigest(s) {
			t.Errorf("IsDigest(%q) = true", s)
		}
	}
}
