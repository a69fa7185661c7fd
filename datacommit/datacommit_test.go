package datacommit

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/zkai-dev/zkai/dataset"
)

func digits(t *testing.T) *dataset.Set {
	t.Helper()
	s, err := dataset.Load("../testdata/models/digits_mlp/data.json", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCommitAndMatch(t *testing.T) {
	set := digits(t)
	d, err := FromSet(set, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	// Digits pixels are multiples of 1/16: the default scale keeps them exact.
	if d.Shape.Scale != 4 || d.Shape.Rows != 450 || d.Shape.RowsPerLeaf != 225 || d.Shape.FeatureBits != 6 {
		t.Fatalf("shape %+v", d.Shape)
	}
	c, o, err := New(d, "digits")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Match(c, o, digits(t), nil); err != nil {
		t.Fatalf("the committed set does not match: %v", err)
	}
	c2, o2, _ := New(d, "digits")
	if c2.Root == c.Root {
		t.Fatal("two commitments of the same data share a root: salts are not fresh")
	}

	tamper := []struct {
		name string
		edit func(s *dataset.Set) (*Commitment, *Opening)
		want string
	}{
		{"one label", func(s *dataset.Set) (*Commitment, *Opening) { s.Y[17] = float64((int(s.Y[17]) + 1) % 10); return c, o }, "not the committed data set"},
		{"one feature", func(s *dataset.Set) (*Commitment, *Opening) { s.X[300][5] += 1.0 / 16; return c, o }, "not the committed data set"},
		{"rows swapped", func(s *dataset.Set) (*Commitment, *Opening) {
			s.X[0], s.X[1], s.Y[0], s.Y[1] = s.X[1], s.X[0], s.Y[1], s.Y[0]
			return c, o
		}, "not the committed data set"},
		{"row dropped", func(s *dataset.Set) (*Commitment, *Opening) { s.X, s.Y = s.X[1:], s.Y[1:]; return c, o }, "449 rows"},
		{"row duplicated", func(s *dataset.Set) (*Commitment, *Opening) {
			s.X, s.Y = append(s.X, s.X[0]), append(s.Y, s.Y[0])
			return c, o
		}, "451 rows"},
		{"opening of another set", func(s *dataset.Set) (*Commitment, *Opening) { return c, o2 }, "another data set"},
		{"salts of another set", func(s *dataset.Set) (*Commitment, *Opening) {
			o3 := *o2
			o3.Root = c.Root
			return c, &o3
		}, "not the committed data set"},
		{"schema mismatch", func(s *dataset.Set) (*Commitment, *Opening) {
			for i := range s.X {
				s.X[i] = s.X[i][:63]
			}
			s.Columns = s.Columns[:63]
			return c, o
		}, "63 features"},
		{"column renamed", func(s *dataset.Set) (*Commitment, *Opening) { s.Columns[3] = "pixel3"; return c, o }, `feature 3 is "pixel3"`},
		{"value outside the committed width", func(s *dataset.Set) (*Commitment, *Opening) { s.X[2][2] = 3; return c, o }, "do not fit"},
	}
	for _, tc := range tamper {
		t.Run(tc.name, func(t *testing.T) {
			s := digits(t)
			cc, oo := tc.edit(s)
			_, _, err := Match(cc, oo, s, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestAnswerKey(t *testing.T) {
	key := make([]int, 1000)
	for i := range key {
		key[i] = (i * 7) % 5
	}
	d, err := FromLabels(key, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if d.Shape.Features != 0 || d.Shape.LabelBits != 4 || d.Shape.RowsPerLeaf != 250 {
		t.Fatalf("shape %+v", d.Shape)
	}
	c, o, err := New(d, "key")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := Match(c, o, nil, key); err != nil {
		t.Fatal(err)
	}
	key[999] = 4 - key[999]
	if _, _, err := Match(c, o, nil, key); err == nil {
		t.Fatal("a changed answer key matched")
	}
	if _, _, err := Match(c, o, digits(t), nil); err == nil || !strings.Contains(err.Error(), "answer key") {
		t.Fatalf("features accepted against an answer key: %v", err)
	}
}

func TestValidate(t *testing.T) {
	d, _ := FromLabels([]int{1, 2, 3}, DefaultOptions())
	c, _, _ := New(d, "")
	for _, tc := range []struct {
		name string
		edit func(c *Commitment)
		want string
	}{
		{"format", func(c *Commitment) { c.Format = "zkai-bundle/1" }, "want \"zkai-data-commitment/1\""},
		{"construction", func(c *Commitment) { c.Construction = "zkai-data/9" }, "not supported"},
		{"root", func(c *Commitment) { c.Root = "-1" }, "not a field element"},
		{"rows", func(c *Commitment) { c.Rows = 0 }, "0 rows"},
		{"columns", func(c *Commitment) { c.Columns = nil }, "columns"},
	} {
		cc := *c
		tc.edit(&cc)
		if err := cc.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v; want %q", tc.name, err, tc.want)
		}
	}
}

// FuzzCommitment: whatever a commitment file holds, validating it and
// deriving its shape and root never panics.
func FuzzCommitment(f *testing.F) {
	d, _ := FromLabels([]int{1, 2, 3}, DefaultOptions())
	c, o, _ := New(d, "k")
	cb, _ := json.Marshal(c)
	ob, _ := json.Marshal(o)
	f.Add(cb, ob)
	f.Add([]byte(`{"format":"zkai-data-commitment/1","construction":"zkai-data/1","root":"1","rows":-5,"rows_per_leaf":0,"columns":[]}`), ob)
	f.Fuzz(func(t *testing.T, cb, ob []byte) {
		var c Commitment
		var o Opening
		if json.Unmarshal(cb, &c) != nil || json.Unmarshal(ob, &o) != nil {
			return
		}
		if c.Validate() != nil {
			return
		}
		if _, _, err := Match(&c, &o, nil, []int{1, 2, 3}); err == nil && c.Root == "" {
			t.Fatal("matched an empty root")
		}
	})
}
