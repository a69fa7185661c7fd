// Package datacommit commits a labelled data set (or an answer key) so that
// it can later be used in proofs without being revealed: it quantises the
// rows to fixed-point integers, cuts them into leaves, draws a fresh salt
// per leaf and computes the zkai-data/1 root (package commit, DataShape).
//
// Two files come out. The commitment (public) holds the root, the row count
// and the schema — column names, scale, lane widths — and no data. The
// opening (secret, kept by the data owner) holds the salts; with the data it
// re-derives the root, so the owner can show later which data were committed.
//
// What it promises: New and Check compute the same root from the same data
// and salts; Check fails, naming what differs, on any other data. Values are
// quantised as round(x·2^scale) (quant.Quantize); with the default scale —
// the smallest 0..16 at which every feature is exact — no value is rounded,
// so the committed integers are the data.
package datacommit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"slices"

	"github.com/zkai-dev/zkai/commit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/quant"
)

// File formats.
const (
	CommitmentFormat = "zkai-data-commitment/1"
	OpeningFormat    = "zkai-data-opening/1"
	// Construction names the commitment scheme the root is computed with.
	Construction = "zkai-data/1"
)

// Commitment is the public description of a committed data set.
type Commitment struct {
	Format       string   `json:"format"`
	Construction string   `json:"construction"`
	Name         string   `json:"name,omitempty"`
	Root         string   `json:"root"` // decimal field element
	Rows         int      `json:"rows"`
	RowsPerLeaf  int      `json:"rows_per_leaf"`
	Columns      []string `json:"columns"` // empty for an answer key
	Label        string   `json:"label"`
	Scale        int      `json:"scale"`
	LabelScale   int      `json:"label_scale"`
	FeatureBits  int      `json:"feature_bits,omitempty"`
	LabelBits    int      `json:"label_bits"`
}

// Opening is the secret that, with the data, re-derives a commitment.
type Opening struct {
	Format string   `json:"format"`
	Root   string   `json:"root"`
	Salts  []string `json:"salts"` // one per leaf, decimal
}

// Options choose how a set is committed.
type Options struct {
	// Scale is the number of fractional bits of the features; −1 picks the
	// default (the smallest 0..16 at which every feature is exact, else 16).
	Scale int
	// LabelScale is the number of fractional bits of the labels; −1 picks
	// the default the same way (0 for integer labels such as class
	// indices). 0 refuses labels that are not integers rather than round
	// them.
	LabelScale int
	// RowsPerLeaf is the leaf size; 0 picks ⌈N/⌈N/256⌉⌉ (leaves of at
	// most 256 rows, as even as possible).
	RowsPerLeaf int
}

// DefaultOptions picks the default scales and leaf size.
func DefaultOptions() Options { return Options{Scale: -1, LabelScale: -1} }

// Data is a data set as committed: fixed-point rows and integer labels.
type Data struct {
	Shape commit.DataShape
	X     [][]int64 // nil for an answer key
	Y     []int64
}

// LeafRows returns the rows and labels of leaf j (the last may be short).
func (d *Data) LeafRows(j int) ([][]int64, []int64) {
	lo := j * d.Shape.RowsPerLeaf
	hi := min(lo+d.Shape.RowsPerLeaf, len(d.Y))
	if d.X == nil {
		return nil, d.Y[lo:hi]
	}
	return d.X[lo:hi], d.Y[lo:hi]
}

// Leaves commits every leaf under its salt.
func (d *Data) Leaves(salts []*big.Int) ([]*big.Int, error) {
	if len(salts) != d.Shape.Leaves() {
		return nil, fmt.Errorf("datacommit: %d salts for %d leaves", len(salts), d.Shape.Leaves())
	}
	out := make([]*big.Int, len(salts))
	for j := range out {
		x, y := d.LeafRows(j)
		l, err := d.Shape.Leaf(x, y, salts[j])
		if err != nil {
			return nil, fmt.Errorf("datacommit: leaf %d: %w", j, err)
		}
		out[j] = l
	}
	return out, nil
}

// Root is the zkai-data/1 root of d under salts.
func (d *Data) Root(salts []*big.Int) (*big.Int, error) {
	leaves, err := d.Leaves(salts)
	if err != nil {
		return nil, err
	}
	return d.Shape.Root(leaves)
}

// FromSet quantises a labelled set; a negative opt.Scale or
// opt.LabelScale picks the default.
func FromSet(set *dataset.Set, opt Options) (*Data, error) {
	if set.Y == nil {
		return nil, fmt.Errorf("datacommit: %s has no labels", set.Name)
	}
	scale := opt.Scale
	if scale < 0 {
		scale = defaultScale(set.X)
	}
	x, all, err := quantize(set.X, scale, "x")
	if err != nil {
		return nil, err
	}
	lscale := opt.LabelScale
	if lscale < 0 {
		lscale = defaultScale([][]float64{set.Y})
	}
	if lscale == 0 {
		for i, v := range set.Y {
			if v != math.Trunc(v) {
				return nil, fmt.Errorf("datacommit: label y[%d] = %v is not an integer; labels at scale 0 must be (use the default label scale, or --label-scale N)", i, v)
			}
		}
	}
	y, _, err := quantize([][]float64{set.Y}, lscale, "y")
	if err != nil {
		return nil, err
	}
	d := &Data{X: x, Y: y[0]}
	d.Shape = commit.DataShape{
		Rows: len(set.Y), Features: len(set.Columns), FeatureBits: commit.SignedBits(all...),
		LabelBits: commit.SignedBits(d.Y...), Scale: scale, LabelScale: lscale,
		Columns: set.Columns, Label: "y",
	}
	return d, d.setLeafSize(opt.RowsPerLeaf)
}

// quantize rounds rows to scale, naming a value that does not fit as
// what[i][j] (or what[j] for a single row).
func quantize(rows [][]float64, scale int, what string) ([][]int64, []int64, error) {
	if scale > 30 {
		return nil, nil, fmt.Errorf("datacommit: scale %d is above 30", scale)
	}
	out := make([][]int64, len(rows))
	var all []int64
	for i, row := range rows {
		out[i] = make([]int64, len(row))
		for j, v := range row {
			q, err := quant.Quantize(v, scale)
			if err != nil || q >= 1<<62 || q < -(1<<62) {
				at := fmt.Sprintf("%s[%d][%d]", what, i, j)
				if len(rows) == 1 {
					at = fmt.Sprintf("%s[%d]", what, j)
				}
				return nil, nil, fmt.Errorf("datacommit: %s = %v does not fit at scale %d; lower the scale", at, v, scale)
			}
			out[i][j] = q
			all = append(all, q)
		}
	}
	return out, all, nil
}

// FromLabels is an answer key: labels only.
func FromLabels(labels []int, opt Options) (*Data, error) {
	d := &Data{Y: ints(labels)}
	d.Shape = commit.DataShape{Rows: len(labels), LabelBits: commit.SignedBits(d.Y...), Columns: []string{}, Label: "y"}
	return d, d.setLeafSize(opt.RowsPerLeaf)
}

func (d *Data) setLeafSize(r int) error {
	n := d.Shape.Rows
	if r == 0 {
		r = (n + (n+255)/256 - 1) / ((n + 255) / 256)
	}
	d.Shape.RowsPerLeaf = r
	if err := d.Shape.Check(); err != nil {
		return fmt.Errorf("datacommit: %w", err)
	}
	return nil
}

func ints(v []int) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// defaultScale is the smallest s ≤ 16 with every x·2^s an integer, else 16.
func defaultScale(rows [][]float64) int {
	for s := 0; s < 16; s++ {
		exact := true
		for _, row := range rows {
			for _, v := range row {
				if y := math.Ldexp(v, s); y != math.Trunc(y) {
					exact = false
					break
				}
			}
			if !exact {
				break
			}
		}
		if exact {
			return s
		}
	}
	return 16
}

// New commits d under fresh salts.
func New(d *Data, name string) (*Commitment, *Opening, error) {
	salts := make([]*big.Int, d.Shape.Leaves())
	for j := range salts {
		s, err := commit.NewSalt()
		if err != nil {
			return nil, nil, err
		}
		salts[j] = s
	}
	root, err := d.Root(salts)
	if err != nil {
		return nil, nil, err
	}
	c := &Commitment{Format: CommitmentFormat, Construction: Construction, Name: name, Root: root.String(),
		Rows: d.Shape.Rows, RowsPerLeaf: d.Shape.RowsPerLeaf, Columns: d.Shape.Columns, Label: d.Shape.Label,
		Scale: d.Shape.Scale, LabelScale: d.Shape.LabelScale, FeatureBits: d.Shape.FeatureBits, LabelBits: d.Shape.LabelBits}
	o := &Opening{Format: OpeningFormat, Root: c.Root, Salts: make([]string, len(salts))}
	for j, s := range salts {
		o.Salts[j] = s.String()
	}
	return c, o, nil
}

// Shape is the commitment's DataShape.
func (c *Commitment) Shape() commit.DataShape {
	return commit.DataShape{Rows: c.Rows, RowsPerLeaf: c.RowsPerLeaf, Features: len(c.Columns), FeatureBits: c.FeatureBits,
		LabelBits: c.LabelBits, Scale: c.Scale, LabelScale: c.LabelScale, Columns: c.Columns, Label: c.Label}
}

// RootInt is the root as a field element.
func (c *Commitment) RootInt() (*big.Int, error) { return fieldElement(c.Root, "root") }

// Diff names the first field in which o differs from c ("" when none
// does): a verifier holding a commitment it trusts requires a proof's copy
// to be the same in every field, not just in its root.
func (c *Commitment) Diff(o *Commitment) string {
	switch {
	case c.Root != o.Root:
		return "root"
	case c.Format != o.Format:
		return "format"
	case c.Construction != o.Construction:
		return "construction"
	case c.Name != o.Name:
		return "name"
	case c.Rows != o.Rows:
		return "rows"
	case c.RowsPerLeaf != o.RowsPerLeaf:
		return "rows_per_leaf"
	case !slices.Equal(c.Columns, o.Columns):
		return "columns"
	case c.Label != o.Label:
		return "label"
	case c.Scale != o.Scale:
		return "scale"
	case c.LabelScale != o.LabelScale:
		return "label_scale"
	case c.FeatureBits != o.FeatureBits:
		return "feature_bits"
	case c.LabelBits != o.LabelBits:
		return "label_bits"
	}
	return ""
}

// Validate checks a commitment file's fields.
func (c *Commitment) Validate() error {
	if c.Format != CommitmentFormat {
		return fmt.Errorf("format is %q; want %q (is this a data-set commitment from zkai commit?)", c.Format, CommitmentFormat)
	}
	if c.Construction != Construction {
		return fmt.Errorf("construction %q is not supported; this zkai reads %q", c.Construction, Construction)
	}
	if c.Columns == nil {
		return errors.New(`"columns" is missing (an answer key has [])`)
	}
	if _, err := c.RootInt(); err != nil {
		return err
	}
	s := c.Shape()
	return s.Check()
}

// SaltsFor decodes the opening's salts, checking them against c.
func (o *Opening) SaltsFor(c *Commitment) ([]*big.Int, error) {
	if o.Format != OpeningFormat {
		return nil, fmt.Errorf("opening format is %q; want %q", o.Format, OpeningFormat)
	}
	if o.Root != c.Root {
		return nil, errors.New("the opening is for another data set (its root differs from the commitment's)")
	}
	s := c.Shape()
	if len(o.Salts) != s.Leaves() {
		return nil, fmt.Errorf("the opening has %d salts; the commitment has %d leaves", len(o.Salts), s.Leaves())
	}
	out := make([]*big.Int, len(o.Salts))
	for j, v := range o.Salts {
		x, err := fieldElement(v, fmt.Sprintf("salts[%d]", j))
		if err != nil {
			return nil, err
		}
		out[j] = x
	}
	return out, nil
}

func fieldElement(s, what string) (*big.Int, error) {
	v, err := proof.ParseField(s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return v, nil
}

// Match quantises a data set the way commitment c says, and checks that it
// is the committed one under the opening: the same schema, row count and
// values. It returns the committed data and salts for proving.
func Match(c *Commitment, o *Opening, set *dataset.Set, labelsOnly []int) (*Data, []*big.Int, error) {
	if err := c.Validate(); err != nil {
		return nil, nil, fmt.Errorf("datacommit: commitment: %w", err)
	}
	salts, err := o.SaltsFor(c)
	if err != nil {
		return nil, nil, fmt.Errorf("datacommit: %w", err)
	}
	opt := Options{Scale: c.Scale, LabelScale: c.LabelScale, RowsPerLeaf: c.RowsPerLeaf}
	var d *Data
	switch {
	case set != nil:
		if len(c.Columns) == 0 {
			return nil, nil, errors.New("datacommit: the commitment is an answer key (labels only) but the data have features")
		}
		if len(set.Columns) != len(c.Columns) {
			return nil, nil, fmt.Errorf("datacommit: schema mismatch: the data have %d features; the commitment has %d", len(set.Columns), len(c.Columns))
		}
		for j, name := range set.Columns {
			if name != c.Columns[j] {
				return nil, nil, fmt.Errorf("datacommit: schema mismatch: feature %d is %q in the data but %q in the commitment", j, name, c.Columns[j])
			}
		}
		d, err = FromSet(set, opt)
	default:
		if len(c.Columns) != 0 {
			return nil, nil, fmt.Errorf("datacommit: the commitment has %d feature columns; an answer key has none", len(c.Columns))
		}
		d, err = FromLabels(labelsOnly, opt)
	}
	if err != nil {
		return nil, nil, err
	}
	if d.Shape.Rows != c.Rows {
		return nil, nil, fmt.Errorf("datacommit: the data have %d rows; the commitment has %d", d.Shape.Rows, c.Rows)
	}
	// The committed widths, not the data's own: a value outside them is
	// another data set.
	d.Shape.FeatureBits, d.Shape.LabelBits, d.Shape.Label = c.FeatureBits, c.LabelBits, c.Label
	root, err := d.Root(salts)
	if err != nil {
		return nil, nil, fmt.Errorf("datacommit: the data do not fit the commitment: %w", err)
	}
	if root.String() != c.Root {
		return nil, nil, errors.New("datacommit: the data are not the committed data set (the root differs): a value, a label, the row order or a column name changed")
	}
	return d, salts, nil
}

// ReadCommitment loads and validates a commitment file.
func ReadCommitment(path string) (*Commitment, error) {
	var c Commitment
	if err := readJSON(path, &c); err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("datacommit: %s: %w", path, err)
	}
	return &c, nil
}

// ReadPair loads a commitment and its opening (Match checks that they go
// together).
func ReadPair(commitmentPath, openingPath string) (*Commitment, *Opening, error) {
	c, err := ReadCommitment(commitmentPath)
	if err != nil {
		return nil, nil, err
	}
	o, err := ReadOpening(openingPath)
	if err != nil {
		return nil, nil, err
	}
	return c, o, nil
}

// ReadOpening loads an opening file.
func ReadOpening(path string) (*Opening, error) {
	var o Opening
	if err := readJSON(path, &o); err != nil {
		return nil, err
	}
	if o.Format != OpeningFormat {
		return nil, fmt.Errorf("datacommit: %s: format is %q; want %q (the opening written by zkai commit --opening)", path, o.Format, OpeningFormat)
	}
	return &o, nil
}

const maxFileBytes = 64 << 20

func readJSON(path string, v any) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("datacommit: %w", err)
	}
	if st.Size() > maxFileBytes {
		return fmt.Errorf("datacommit: %s is %d bytes; at most %d accepted", path, st.Size(), maxFileBytes)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("datacommit: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("datacommit: %s: %v", path, err)
	}
	return nil
}
