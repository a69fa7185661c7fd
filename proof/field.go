package proof

import (
	"fmt"
	"math/big"
)

// MaxFieldDigits is the most decimal digits a BN254 scalar can have.
const MaxFieldDigits = 78

// ParseField reads an untrusted field element in canonical decimal: digits
// only (no sign, no spaces, no leading zeros), at most MaxFieldDigits of
// them, and below the modulus. The length is checked before any parsing,
// so an enormous number costs nothing to refuse; canonical form means two
// strings name the same element exactly when they are equal.
func ParseField(s string) (*big.Int, error) {
	switch {
	case len(s) == 0:
		return nil, fmt.Errorf("an empty string is not a field element")
	case len(s) > MaxFieldDigits:
		return nil, fmt.Errorf("a %d-digit number is not a field element (at most %d digits)", len(s), MaxFieldDigits)
	case len(s) > 1 && s[0] == '0':
		return nil, fmt.Errorf("%q is not in canonical decimal (leading zero)", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, fmt.Errorf("%q is not a field element in decimal (only digits are allowed)", s)
		}
	}
	v, _ := new(big.Int).SetString(s, 10)
	if v.Cmp(Field()) >= 0 {
		return nil, fmt.Errorf("%s is not below the field modulus", s)
	}
	return v, nil
}
