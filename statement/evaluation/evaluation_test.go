package evaluation

import (
	"encoding/json"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consensys/gnark/logger"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/datacommit"
	"github.com/zkai-dev/zkai/dataset"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/evaluate"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/statement/inference"
)

func init() { logger.Disable() }

const (
	digitsModel = "../../testdata/models/digits_mlp/model.onnx"
	digitsData  = "../../testdata/models/digits_mlp/data.json"
)

// subset is the first n rows of the digits test split.
func subset(t testing.TB, n int) *dataset.Set {
	t.Helper()
	s, err := dataset.Load(digitsData, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.X, s.Y = s.X[:n], s.Y[:n]
	return s
}

type fixture struct {
	dir     string
	set     *dataset.Set
	data    *datacommit.Commitment
	opening *datacommit.Opening
	vk      []byte
	file    []byte
	proven  *Proven
}

// setUp commits the first n rows in leaves of perLeaf, compiles with the
// options, runs setup and proves.
func setUp(t testing.TB, n, perLeaf int, opt Options) *fixture {
	t.Helper()
	return setUpSet(t, digitsModel, subset(t, n), perLeaf, opt)
}

// setUpSet commits set in leaves of perLeaf, compiles model with the
// options, runs setup and proves.
func setUpSet(t testing.TB, model string, set *dataset.Set, perLeaf int, opt Options) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir(), set: set}
	d, err := datacommit.FromSet(f.set, datacommit.Options{Scale: -1, LabelScale: -1, RowsPerLeaf: perLeaf})
	if err != nil {
		t.Fatal(err)
	}
	if f.data, f.opening, err = datacommit.New(d, "test-set"); err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(model, engine.Options{}, f.data, opt, f.dir); err != nil {
		t.Fatal(err)
	}
	if _, err := inference.RunSetup(f.dir, nil); err != nil {
		t.Fatal(err)
	}
	if f.proven, err = Prove(f.dir, f.set, f.opening, "test", nil); err != nil {
		t.Fatal(err)
	}
	if f.file, err = json.Marshal(f.proven.File); err != nil {
		t.Fatal(err)
	}
	if f.vk, err = os.ReadFile(filepath.Join(f.dir, inference.VKFile)); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestExactAccuracy: 40 rows in leaves of 8, shards of 16 rows (the last
// one holds a single real leaf and a padding slot); the proven figure is
// zkai eval's fixed-point accuracy on the same rows, and tampering with
// the file is caught.
func TestExactAccuracy(t *testing.T) {
	f := setUp(t, 40, 8, Options{Batch: 16, Weights: circuit.Private, Backend: proof.Groth16})
	m, err := engine.Open(digitsModel, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evaluate.Run(m.Graph, m.Program, subset(t, 40), nil)
	if err != nil {
		t.Fatal(err)
	}
	pub := f.proven.File.Public
	if len(f.proven.File.Shards) != 3 || *pub.Accuracy != rep.FixedAccuracy || *pub.Correct != int(rep.FixedAccuracy*40+0.5) {
		t.Fatalf("proved %d/%d in %d shards; zkai eval says %v", *pub.Correct, pub.N, len(f.proven.File.Shards), rep.FixedAccuracy)
	}
	if r := Verify(f.file, f.vk, Expect{Data: f.data, Model: pub.Model.Commitment}); !r.Valid {
		t.Fatalf("honest evaluation rejected: %s", r.Reason)
	}
	tamper(t, f, false)
}

// TestThresholdAccuracy proves accuracy ≥ 0.8 without the exact count.
func TestThresholdAccuracy(t *testing.T) {
	at := 0.8
	f := setUp(t, 24, 8, Options{Batch: 8, AtLeast: &at, Weights: circuit.Public, Backend: proof.Groth16})
	pub := f.proven.File.Public
	if pub.Correct != nil || pub.Accuracy != nil || *pub.AtLeast != 20 || strings.Contains(string(f.file), `"correct":`) {
		t.Fatalf("threshold form leaks or misstates: %s", f.file)
	}
	if r := Verify(f.file, f.vk, Expect{}); !r.Valid {
		t.Fatalf("honest evaluation rejected: %s", r.Reason)
	}
	tamper(t, f, true)

	// A threshold the model does not reach cannot be proven.
	hi := 1.0
	d := t.TempDir()
	if _, err := Compile(digitsModel, engine.Options{}, f.data, Options{Batch: 8, AtLeast: &hi, Weights: circuit.Public}, d); err != nil {
		t.Fatal(err)
	}
	// the threshold is a public input: the same circuit and keys serve
	if _, err := inference.ImportKeys(d, f.dir); err != nil {
		t.Fatal(err)
	}
	if _, err := Prove(d, f.set, f.opening, "test", nil); err == nil || !strings.Contains(err.Error(), "below the --at-least") {
		t.Fatalf("an unreached threshold: %v", err)
	}
}

// tamper edits a proven file in every way the issue lists and checks each
// is rejected.
func tamper(t *testing.T, f *fixture, threshold bool) {
	edit := func(fn func(ef *File)) []byte {
		var ef File
		if err := json.Unmarshal(f.file, &ef); err != nil {
			t.Fatal(err)
		}
		fn(&ef)
		b, err := json.Marshal(&ef)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	shardEdit := func(k int, fn func(sp *ShardPublic)) func(ef *File) {
		return func(ef *File) {
			var sp ShardPublic
			if err := json.Unmarshal(ef.Shards[k].Public, &sp); err != nil {
				t.Fatal(err)
			}
			fn(&sp)
			b, _ := json.Marshal(&sp)
			ef.Shards[k].Public = b
		}
	}
	other, _, _ := datacommit.New(mustData(t, f.set), "other")
	cases := []struct {
		name string
		file []byte
	}{
		{"shards reordered", edit(func(ef *File) { ef.Shards[0], ef.Shards[1] = ef.Shards[1], ef.Shards[0] })},
		{"shard dropped", edit(func(ef *File) { ef.Shards = ef.Shards[:len(ef.Shards)-1] })},
		{"shard duplicated", edit(func(ef *File) { ef.Shards[1] = ef.Shards[0] })},
		{"a leaf changed", edit(shardEdit(0, func(sp *ShardPublic) { sp.Leaves[0] = "12345" }))},
		{"rows changed", edit(shardEdit(0, func(sp *ShardPublic) { sp.Rows-- }))},
		{"another data-set root", edit(func(ef *File) { ef.Public.Data = *other; ef.Public.DataRoot = other.Root })},
		{"proof bytes", edit(func(ef *File) {
			p := []byte(ef.Shards[1].Proof)
			p[10] ^= 1
			if p[10] == '+' || p[10] == '/' {
				p[10] = 'A'
			}
			ef.Shards[1].Proof = string(p)
		})},
	}
	if threshold {
		cases = append(cases,
			struct {
				name string
				file []byte
			}{"threshold raised", edit(func(ef *File) {
				n := *ef.Public.AtLeast + 1
				ef.Public.AtLeast = &n
				a := float64(n) / float64(ef.Public.N)
				ef.Public.AccuracyAtLeast = &a
				for k := range ef.Shards {
					shardEdit(k, func(sp *ShardPublic) { sp.Count.AtLeast = n })(ef)
				}
			})},
			struct {
				name string
				file []byte
			}{"count chain broken", edit(shardEdit(1, func(sp *ShardPublic) { sp.Count.In = "7" }))},
		)
	} else {
		for _, d := range []int64{1, -1} {
			cases = append(cases, struct {
				name string
				file []byte
			}{"count off by one", edit(func(ef *File) {
				c := *ef.Public.Correct + int(d)
				a := float64(c) / float64(ef.Public.N)
				ef.Public.Correct, ef.Public.Accuracy = &c, &a
				shardEdit(0, func(sp *ShardPublic) { v := *sp.Correct + d; sp.Correct = &v })(ef)
			})})
		}
		cases = append(cases, struct {
			name string
			file []byte
		}{"claim differs from the shards", edit(func(ef *File) { c := *ef.Public.Correct - 1; ef.Public.Correct = &c })})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r := Verify(c.file, f.vk, Expect{}); r.Valid {
				t.Fatal("accepted")
			} else {
				t.Log(r.Reason)
			}
		})
	}
	t.Run("another vk", func(t *testing.T) {
		vk := append([]byte(nil), f.vk...)
		vk[len(vk)/2] ^= 1
		if r := Verify(f.file, vk, Expect{}); r.Valid {
			t.Fatal("accepted")
		}
	})
	t.Run("unexpected data set", func(t *testing.T) {
		if r := Verify(f.file, f.vk, Expect{DataRoot: other.Root}); r.Valid {
			t.Fatal("accepted")
		}
	})
}

func mustData(t *testing.T, set *dataset.Set) *datacommit.Data {
	d, err := datacommit.FromSet(set, datacommit.Options{Scale: -1, RowsPerLeaf: 8})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestProveRejectsOtherData: a changed label, feature or row count, or
// another opening, is refused before anything is proven.
func TestProveRejectsOtherData(t *testing.T) {
	set := subset(t, 16)
	d, _ := datacommit.FromSet(set, datacommit.Options{Scale: -1, RowsPerLeaf: 8})
	c, o, _ := datacommit.New(d, "digits")
	dir := t.TempDir()
	if _, err := Compile(digitsModel, engine.Options{}, c, Options{Weights: circuit.Public}, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := inference.RunSetup(dir, nil); err != nil {
		t.Fatal(err)
	}
	_, o2, _ := datacommit.New(d, "digits")
	for _, tc := range []struct {
		name string
		set  func() *dataset.Set
		o    *datacommit.Opening
		want string
	}{
		{"label", func() *dataset.Set { s := subset(t, 16); s.Y[3] = float64((int(s.Y[3]) + 1) % 10); return s }, o, "not the committed"},
		{"feature", func() *dataset.Set { s := subset(t, 16); s.X[9][9] += 1.0 / 16; return s }, o, "not the committed"},
		{"row dropped", func() *dataset.Set { return subset(t, 15) }, o, "15 rows"},
		{"opening of another set", func() *dataset.Set { return subset(t, 16) }, o2, "another data set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Prove(dir, tc.set(), tc.o, "test", nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v; want %q", err, tc.want)
			}
		})
	}
}

func TestBinaryThreshold(t *testing.T) {
	for _, c := range []struct {
		thr   float64
		scale int
		want  int64
	}{{0.5, 8, 128}, {0, 8, 0}, {0.5, 0, 1}, {0.3, 2, 2}} {
		if got := binaryThreshold(c.thr, c.scale); got != c.want {
			t.Errorf("binaryThreshold(%v, %d) = %d; want %d", c.thr, c.scale, got, c.want)
		}
	}
}

// TestRescaledData: data committed at a finer scale (2^-14) than the
// model's input (2^-12) are rounded in the circuit (RoundShift); the proof
// verifies and its count is zkai eval's on the same values.
func TestRescaledData(t *testing.T) {
	set := subset(t, 8)
	for _, row := range set.X {
		for j := range row {
			row[j] += 3.0 / 16384 // not exact at 2^-12: rounding matters
		}
	}
	d, err := datacommit.FromSet(set, datacommit.Options{Scale: -1})
	if err != nil {
		t.Fatal(err)
	}
	if d.Shape.Scale != 14 {
		t.Fatalf("data scale %d; want 14", d.Shape.Scale)
	}
	c, o, err := datacommit.New(d, "digits")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	comp, err := Compile(digitsModel, engine.Options{}, c, Options{Weights: circuit.Public}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if comp.Info.InputShift != -2 {
		t.Fatalf("input shift %d; want -2", comp.Info.InputShift)
	}
	if _, err := inference.RunSetup(dir, nil); err != nil {
		t.Fatal(err)
	}
	p, err := Prove(dir, set, o, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := json.Marshal(p.File)
	vk, _ := os.ReadFile(filepath.Join(dir, inference.VKFile))
	if r := Verify(file, vk, Expect{DataRoot: c.Root}); !r.Valid {
		t.Fatal(r.Reason)
	}
	m, err := engine.Open(digitsModel, engine.Options{SettingsFile: filepath.Join(dir, inference.SettingsFile)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := evaluate.Run(m.Graph, m.Program, set, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *p.File.Public.Accuracy != rep.FixedAccuracy {
		t.Fatalf("proved %v; zkai eval says %v", *p.File.Public.Accuracy, rep.FixedAccuracy)
	}
}

// TestMSE proves the mean squared error of credit_logreg's probability
// against the 0/1 labels (its Brier score) on 16 rows, and checks it against
// the fixed-point outputs computed outside the circuit.
func TestMSE(t *testing.T) {
	const model = "../../testdata/models/credit_logreg/model.onnx"
	set, err := dataset.Load("../../testdata/models/credit_logreg/data.json", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	set.X, set.Y = set.X[:16], set.Y[:16]
	d, err := datacommit.FromSet(set, datacommit.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	c, o, err := datacommit.New(d, "credit")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := Compile(model, engine.Options{}, c, Options{Metric: MetricMSE, Weights: circuit.Private}, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := inference.RunSetup(dir, nil); err != nil {
		t.Fatal(err)
	}
	p, err := Prove(dir, set, o, "test", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.Open(model, engine.Options{SettingsFile: filepath.Join(dir, inference.SettingsFile)})
	if err != nil {
		t.Fatal(err)
	}
	ed, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := ed.Eval.spec(inference.ModelPublic{Weights: circuit.Private})
	if err != nil {
		t.Fatal(err)
	}
	outScale := m.Program.Tensors[m.Program.Outputs[0]].Scale
	var want float64
	for i, row := range d.X {
		out, err := run(m.Program, row, &spec)
		if err != nil {
			t.Fatal(err)
		}
		o := math.Ldexp(float64(out[0]), -outScale)
		want += (o - set.Y[i]) * (o - set.Y[i])
	}
	want /= 16
	got := *p.File.Public.MSE
	if math.Abs(got-want) > 1e-12 || got <= 0 || got >= 1 {
		t.Fatalf("proved mse %v; the fixed-point outputs give %v", got, want)
	}
	file, _ := json.Marshal(p.File)
	vk, _ := os.ReadFile(filepath.Join(dir, inference.VKFile))
	if r := Verify(file, vk, Expect{DataRoot: c.Root}); !r.Valid {
		t.Fatal(r.Reason)
	}
	edit := func(fn func(ef *File)) []byte {
		var ef File
		if err := json.Unmarshal(file, &ef); err != nil {
			t.Fatal(err)
		}
		fn(&ef)
		b, _ := json.Marshal(&ef)
		return b
	}
	shard := func(ef *File, fn func(sp *ShardPublic)) {
		var sp ShardPublic
		_ = json.Unmarshal(ef.Shards[0].Public, &sp)
		fn(&sp)
		ef.Shards[0].Public, _ = json.Marshal(&sp)
	}
	for name, b := range map[string][]byte{
		"mse halved": edit(func(ef *File) { h := *ef.Public.MSE / 2; ef.Public.MSE = &h }),
		"error scale claimed coarser (mse ×4)": edit(func(ef *File) {
			s := *ef.Public.ErrScale - 1
			ef.Public.ErrScale = &s
			m := *ef.Public.MSE * 4
			ef.Public.MSE = &m
			for k := range ef.Shards {
				var sp ShardPublic
				_ = json.Unmarshal(ef.Shards[k].Public, &sp)
				sp.ErrScale = &s
				ef.Shards[k].Public, _ = json.Marshal(&sp)
			}
		}),
		"a shard's sse minus one": edit(func(ef *File) {
			shard(ef, func(sp *ShardPublic) {
				v, _ := new(big.Int).SetString(sp.SSE, 10)
				sp.SSE = v.Sub(v, big.NewInt(1)).String()
			})
			v, _ := new(big.Int).SetString(ef.Public.SSE, 10)
			ef.Public.SSE = v.Sub(v, big.NewInt(1)).String()
		}),
		"an accuracy claimed instead": edit(func(ef *File) { ef.Public.Metric = MetricAccuracy }),
	} {
		if r := Verify(b, vk, Expect{}); r.Valid {
			t.Errorf("%s: accepted", name)
		}
	}
	// regression targets outside the class range are proven, not refused
	targets := &dataset.Set{X: set.X[:4], Y: []float64{-1.5, 2.25, 0, 3}, Columns: set.Columns}
	dt, _ := datacommit.FromSet(targets, datacommit.DefaultOptions())
	ct, ot, _ := datacommit.New(dt, "targets")
	tdir := t.TempDir()
	if _, err := Compile(model, engine.Options{}, ct, Options{Metric: MetricMSE, Weights: circuit.Public}, tdir); err != nil {
		t.Fatal(err)
	}
	if _, err := inference.RunSetup(tdir, nil); err != nil {
		t.Fatal(err)
	}
	pt, err := Prove(tdir, targets, ot, "test", nil)
	if err != nil {
		t.Fatalf("mse against targets -1.5..3: %v", err)
	}
	tf, _ := json.Marshal(pt.File)
	tvk, _ := os.ReadFile(filepath.Join(tdir, inference.VKFile))
	if r := Verify(tf, tvk, Expect{DataRoot: ct.Root}); !r.Valid || *r.Public.MSE < 1 {
		t.Fatalf("mse against targets -1.5..3: %v %s", *r.Public.MSE, r.Reason)
	}
	// a classifier's accuracy on fractional labels makes no sense
	y := make([]float64, 4)
	for i := range y {
		y[i] = 0.25 * float64(i)
	}
	d2, _ := datacommit.FromSet(&dataset.Set{X: set.X[:4], Y: y, Columns: set.Columns}, datacommit.DefaultOptions())
	c2, _, _ := datacommit.New(d2, "fractional")
	if _, err := Compile(model, engine.Options{}, c2, Options{}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "--metric mse") {
		t.Fatalf("accuracy on fractional labels: %v", err)
	}
	if _, err := Compile(digitsModel, engine.Options{}, c2, Options{Metric: MetricMSE}, t.TempDir()); err == nil {
		t.Fatal("mse of a 10-output model compiled")
	}
}

// TestModelOpening: with an inference compile's opening, the evaluation
// names the model by the same commitment; a foreign opening is refused.
func TestModelOpening(t *testing.T) {
	idir := t.TempDir()
	ic, err := inference.Compile(digitsModel, engine.Options{}, circuit.DefaultOptions(), proof.Groth16, idir)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := datacommit.FromSet(subset(t, 8), datacommit.DefaultOptions())
	c, _, _ := datacommit.New(d, "digits")
	ec, err := Compile(digitsModel, engine.Options{}, c, Options{ModelOpening: filepath.Join(idir, inference.OpeningFile)}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if ec.Commitment.Commitment != ic.Commitment.Commitment {
		t.Fatalf("evaluation commitment %s; inference %s", ec.Commitment.Commitment, ic.Commitment.Commitment)
	}
	fresh, err := Compile(digitsModel, engine.Options{}, c, Options{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Commitment.Commitment == ic.Commitment.Commitment {
		t.Fatal("a fresh compile reused the inference salt")
	}
	forged := writeOpening(t, inference.ModelOpening{Format: "zkai-model-opening/1", Commitment: "123", Salt: "5"})
	if _, err := Compile(digitsModel, engine.Options{}, c, Options{ModelOpening: forged}, t.TempDir()); err == nil || !strings.Contains(err.Error(), "opens commitment 123") {
		t.Fatalf("a foreign opening: %v", err)
	}
}

func writeOpening(t *testing.T, o inference.ModelOpening) string {
	p := filepath.Join(t.TempDir(), "o.json")
	if err := inference.WriteJSON(p, o, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
