package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Einsum is a two-operand Einstein summation (the matmul-like equations:
// "ij,jk->ik", "bij,bjk->bik", "i,i->" …): output element j is the sum,
// over every value of the letters absent from the output, of A[..]·B[..].
// It is a Linear op. Equations with one operand load as EinsumSum.
type Einsum struct{ Equation string }

func (*Einsum) Type() string                           { return "Einsum" }
func (e *Einsum) Infer(in []Value) ([]Value, error)    { return inferLinear(e, in) }
func (e *Einsum) Eval(in []*Tensor) ([]*Tensor, error) { return evalLinear(e, in) }

func (e *Einsum) Terms(in []Value) (*Terms, error) {
	if err := wantInputs(in, 2, 2); err != nil {
		return nil, err
	}
	shape, per, err := einsumEnumerate(e.Equation, in)
	if err != nil {
		return nil, err
	}
	b := newTermBuilder(shape, len(per)*2)
	for _, terms := range per {
		for _, t := range terms {
			b.add(t[0], t[1])
		}
		b.next()
	}
	return &b.t, nil
}

// EinsumSum is a one-operand Einstein summation (transpose, diagonal,
// sums over axes): output element j is the sum of the input elements whose
// letters agree with j's.
type EinsumSum struct{ Equation string }

func (*EinsumSum) Type() string { return "Einsum" }

// Groups returns the output shape and the input elements each output sums.
func (e *EinsumSum) Groups(in Value) ([]int, [][]int, error) {
	shape, per, err := einsumEnumerate(e.Equation, []Value{in})
	if err != nil {
		return nil, nil, err
	}
	groups := make([][]int, len(per))
	for j, terms := range per {
		for _, t := range terms {
			groups[j] = append(groups[j], t[0])
		}
	}
	return shape, groups, nil
}

func (e *EinsumSum) Infer(in []Value) ([]Value, error) {
	if err := wantInputs(in, 1, 1); err != nil {
		return nil, err
	}
	if in[0].DType == Bool {
		return nil, fmt.Errorf("input is bool; want numbers")
	}
	shape, _, err := e.Groups(in[0])
	if err != nil {
		return nil, err
	}
	return []Value{{DType: in[0].DType, Shape: shape}}, nil
}

func (e *EinsumSum) Eval(in []*Tensor) ([]*Tensor, error) {
	shape, groups, err := e.Groups(in[0].Value(""))
	if err != nil {
		return nil, err
	}
	out := New(in[0].DType, shape)
	for j, g := range groups {
		s := 0.0
		for _, i := range g {
			s += in[0].At(i)
		}
		out.Set(j, s)
	}
	return []*Tensor{out}, nil
}

// EinsumOperands counts the operands of an equation (for the loader).
func EinsumOperands(eq string) int {
	lhs, _, _ := strings.Cut(strings.ReplaceAll(eq, " ", ""), "->")
	return strings.Count(lhs, ",") + 1
}

// ellipsisRune is the first rune that spells out an ellipsis's axes.
const ellipsisRune = 0x100

// einsumEnumerate parses eq for the given operands and returns the output
// shape and, per output element in row-major order, the flat operand
// indices of every term of its sum.
func einsumEnumerate(eq string, in []Value) ([]int, [][][2]int, error) {
	eq = strings.ReplaceAll(eq, " ", "")
	lhs, rhs, explicit := strings.Cut(eq, "->")
	ops := strings.Split(lhs, ",")
	if len(ops) != len(in) {
		return nil, nil, fmt.Errorf("equation %q has %d operands; the node has %d inputs", eq, len(ops), len(in))
	}
	// an ellipsis stands for the axes no letter names, right-aligned across
	// operands: spell them out with letters of their own (runes from
	// ellipsisRune on), equal sizes required (no broadcasting)
	ell := 0
	for i, op := range ops {
		if strings.Count(op, "...") > 1 || strings.Count(strings.ReplaceAll(op, "...", ""), ".") > 0 {
			return nil, nil, fmt.Errorf("equation %q: operand %d has a malformed ellipsis", eq, i)
		}
		if strings.Contains(op, "...") {
			ell = max(ell, len(in[i].Shape)-len([]rune(op))+3)
		}
	}
	spell := func(k int) string {
		r := make([]rune, max(k, 0))
		for j := range r {
			r[j] = ellipsisRune + rune(ell-len(r)+j)
		}
		return string(r)
	}
	for i, op := range ops {
		ops[i] = strings.Replace(op, "...", spell(len(in[i].Shape)-len([]rune(op))+3), 1)
	}
	implicitEll := ""
	if explicit {
		rhs = strings.Replace(rhs, "...", spell(ell), 1)
	} else if strings.Contains(lhs, "...") {
		implicitEll = spell(ell)
	}
	size := map[rune]int{}
	count := map[rune]int{}
	for i, op := range ops {
		if len([]rune(op)) != len(in[i].Shape) {
			return nil, nil, fmt.Errorf("equation %q: operand %d has %d letters for rank %d", eq, i, len([]rune(op)), len(in[i].Shape))
		}
		for d, r := range []rune(op) {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= ellipsisRune) {
				return nil, nil, fmt.Errorf("equation %q: %q is not a letter", eq, r)
			}
			if n, ok := size[r]; ok && n != in[i].Shape[d] {
				return nil, nil, fmt.Errorf("equation %q: %c has sizes %d and %d", eq, r, n, in[i].Shape[d])
			}
			size[r] = in[i].Shape[d]
			count[r]++
		}
	}
	var out []rune
	if explicit {
		for _, r := range rhs {
			if _, ok := size[r]; !ok || slices.Contains(out, r) {
				return nil, nil, fmt.Errorf("equation %q: output letter %q is repeated or not in the inputs", eq, r)
			}
			out = append(out, r)
		}
	} else {
		for r, n := range count {
			if n == 1 && r < ellipsisRune {
				out = append(out, r)
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		out = append([]rune(implicitEll), out...)
	}
	var sum []rune
	for _, op := range ops {
		for _, r := range []rune(op) {
			if !slices.Contains(out, r) && !slices.Contains(sum, r) {
				sum = append(sum, r)
			}
		}
	}
	shape := make([]int, len(out))
	for i, r := range out {
		shape[i] = size[r]
	}
	sumShape := make([]int, len(sum))
	for i, r := range sum {
		sumShape[i] = size[r]
	}
	if err := checkTerms("einsum terms", Size(shape), Size(sumShape)); err != nil {
		return nil, nil, err
	}
	strides := make([]map[rune]int, len(ops))
	for i, op := range ops {
		strides[i] = map[rune]int{}
		st := Strides(in[i].Shape)
		for d, r := range []rune(op) {
			strides[i][r] += st[d]
		}
	}
	per := make([][][2]int, Size(shape))
	forEachIndex(shape, func(j int, oc []int) {
		base := [2]int{}
		for i := range ops {
			for d, r := range out {
				base[i] += oc[d] * strides[i][r]
			}
		}
		terms := make([][2]int, 0, Size(sumShape))
		forEachIndex(sumShape, func(_ int, sc []int) {
			t := base
			for i := range ops {
				for d, r := range sum {
					t[i] += sc[d] * strides[i][r]
				}
			}
			terms = append(terms, t)
		})
		per[j] = terms
	})
	return shape, per, nil
}
