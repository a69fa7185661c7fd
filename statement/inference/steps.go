package inference

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/consensys/gnark/constraint"
	"github.com/consensys/gnark/frontend"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/commit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/input"
	"github.com/zkai-dev/zkai/proof"
	"github.com/zkai-dev/zkai/quant"
)

// Compiled describes a compiled directory.
type Compiled struct {
	Dir         string
	Info        CompileInfo
	Commitment  *ModelCommitment // private weights only
	Settings    *quant.Settings
	Constraints int
}

// Compile converts a model into a compiled directory (see the package doc).
func Compile(modelPath string, eopt engine.Options, vis circuit.Options, backend proof.Backend, dir string) (*Compiled, error) {
	modelBytes, err := os.ReadFile(modelPath)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("model file %s does not exist", modelPath)
		}
		return nil, err
	}
	m, err := engine.Open(modelPath, eopt)
	if err != nil {
		return nil, err
	}
	lay, weightsDigest, err := layoutOf(m.Program, vis)
	if err != nil {
		return nil, err
	}
	c, err := circuit.NewInference(m.Program, vis, lay)
	if err != nil {
		return nil, err
	}
	ccs, ccsBytes, err := WriteCircuit(dir, backend, c, modelBytes)
	if err != nil {
		return nil, err
	}
	out := &Compiled{Dir: dir, Settings: m.Settings, Constraints: ccs.GetNbConstraints()}
	out.Info = CompileInfo{Statement: Statement, Backend: backend, Visibility: vis, ModelDigest: proof.Digest(modelBytes),
		CircuitDigest: proof.Digest(ccsBytes), Constraints: ccs.GetNbConstraints(), PublicInputs: ccs.GetNbPublicVariables() - 1,
		Layout: decimal(lay), WeightsDigest: weightsDigest}
	if vis.Weights == circuit.Private {
		salt, err := commit.NewSalt()
		if err != nil {
			return nil, err
		}
		h, err := commit.Commit(commit.DomainWeights, WeightTensors(m.Program), salt)
		if err != nil {
			return nil, err
		}
		out.Commitment = &ModelCommitment{Format: ModelCommitmentFormat, Scheme: "zkai-commit/1", Commitment: decimal(h),
			ModelDigest: out.Info.ModelDigest, Weights: m.Program.Stats().Weights}
		if err := WriteJSON(filepath.Join(dir, CommitmentFile), out.Commitment, 0o644); err != nil {
			return nil, err
		}
		if err := WriteJSON(filepath.Join(dir, OpeningFile), ModelOpening{Format: "zkai-model-opening/1", Commitment: decimal(h), Salt: decimal(salt)}, 0o600); err != nil {
			return nil, err
		}
	}
	if err := SaveSettings(dir, m.Settings, &out.Info, nil); err != nil {
		return nil, err
	}
	return out, nil
}

// WriteCircuit compiles c for the backend and writes the constraint
// system and the model into dir, returning the system and its bytes (for
// the digest settings.json records).
func WriteCircuit(dir string, backend proof.Backend, c frontend.Circuit, modelBytes []byte) (constraint.ConstraintSystem, []byte, error) {
	ccs, err := proof.Compile(backend, c)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	ccsBytes, err := proof.Bytes(ccs)
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, CircuitFile), ccsBytes, 0o644); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ModelFile), modelBytes, 0o644); err != nil {
		return nil, nil, err
	}
	return ccs, ccsBytes, nil
}

// WeightTensors lists a program's weight tensors as committed (the
// model's identity is their zkai-commit/1 commitment).
func WeightTensors(p *quant.Program) []commit.Tensor {
	ts := make([]commit.Tensor, len(p.Weights))
	for k, id := range p.Weights {
		ts[k] = commit.Tensor{Values: p.Consts[id], Bits: p.Tensors[id].Bits}
	}
	return ts
}

func SaveSettings(dir string, s *quant.Settings, ci *CompileInfo, si *SetupInfo) error {
	if s.Extra == nil {
		s.Extra = map[string]json.RawMessage{}
	}
	b, err := json.Marshal(ci)
	if err != nil {
		return err
	}
	s.Extra["compile"] = b
	if si != nil {
		if s.Extra["setup"], err = json.Marshal(si); err != nil {
			return err
		}
	}
	out, err := s.Marshal()
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, SettingsFile), append(out, '\n'), 0o644)
}

// Dir is an opened compiled directory.
type Dir struct {
	Path     string
	Settings *quant.Settings
	Info     CompileInfo
	Setup    *SetupInfo
}

// Open reads a directory compiled for the inference statement.
func Open(dir string) (*Dir, error) {
	d, err := OpenDir(dir)
	if err != nil {
		return nil, err
	}
	if d.Info.Statement != Statement {
		return nil, fmt.Errorf("%s was compiled for the %q statement, not %q", dir, d.Info.Statement, Statement)
	}
	return d, nil
}

// OpenDir reads a compiled directory's settings, whatever its statement
// (setup and key import do not depend on it).
func OpenDir(dir string) (*Dir, error) {
	path := filepath.Join(dir, SettingsFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("%s has no %s; compile the model first (zkai compile MODEL -o %s)", dir, SettingsFile, dir)
	}
	s, err := quant.LoadSettings(path)
	if err != nil {
		return nil, err
	}
	d := &Dir{Path: dir, Settings: s}
	raw, ok := s.Extra["compile"]
	if !ok {
		return nil, fmt.Errorf("%s has no compile section; it was not written by zkai compile", path)
	}
	if err := json.Unmarshal(raw, &d.Info); err != nil {
		return nil, fmt.Errorf("%s: compile section: %v", path, err)
	}
	if raw, ok := s.Extra["setup"]; ok {
		d.Setup = &SetupInfo{}
		if err := json.Unmarshal(raw, d.Setup); err != nil {
			return nil, fmt.Errorf("%s: setup section: %v", path, err)
		}
	}
	return d, nil
}

func (d *Dir) File(name string) string { return filepath.Join(d.Path, name) }

// readChecked decodes a file after checking its digest in a first,
// streaming pass, so that large files (circuit, proving key) are never held
// twice in memory and nothing unverified reaches a decoder.
func readChecked[T any](path, digest, fix string, decode func(io.Reader) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return zero, err
	}
	if "sha256:"+hex.EncodeToString(h.Sum(nil)) != digest {
		return zero, fmt.Errorf("%s does not match the digest in settings.json; %s", path, fix)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return zero, err
	}
	return decode(bufio.NewReaderSize(f, 1<<20))
}

// ReadCCS reads the compiled circuit, checking its digest.
func (d *Dir) ReadCCS() (constraint.ConstraintSystem, error) {
	return readChecked(d.File(CircuitFile), d.Info.CircuitDigest, "recompile", func(r io.Reader) (constraint.ConstraintSystem, error) {
		return proof.ReadCCS(d.Info.Backend, r)
	})
}

// ReadKeys reads the constraint system and the proving key, checking
// their digests.
func (d *Dir) ReadKeys() (constraint.ConstraintSystem, io.WriterTo, error) {
	ccs, err := d.ReadCCS()
	if err != nil {
		return nil, nil, err
	}
	pk, err := d.ReadPK()
	return ccs, pk, err
}

// ReadPK reads the proving key, checking its digest.
func (d *Dir) ReadPK() (io.WriterTo, error) {
	if d.Setup == nil {
		return nil, fmt.Errorf("%s has no keys; run zkai setup %s first", d.Path, d.Path)
	}
	return readChecked(d.File(PKFile), d.Setup.PKDigest, "rerun zkai setup", func(r io.Reader) (io.WriterTo, error) {
		return proof.ReadPK(d.Info.Backend, r)
	})
}

// TrustGroth16 and TrustPlonk state who must run setup for proofs to mean
// anything (they go into settings.json and the CLI's warnings).
const (
	TrustGroth16 = "groth16: whoever ran this setup can forge proofs for this circuit; only the verifier (or a multi-party ceremony) may run it"
	TrustPlonk   = "plonk: sound if the SRS comes from a public ceremony"
)

// RunSetup runs the backend's setup for a compiled directory and writes pk
// and vk. srs is the PLONK SRS from a ceremony (proof.ReadSRSFile); nil
// generates one locally (insecure). settings.json records the SRS digest
// and source; verifiers judge the key themselves (proof.UntrustedSetup).
func RunSetup(dir string, srs *proof.SRS) (*SetupInfo, error) {
	d, err := OpenDir(dir)
	if err != nil {
		return nil, err
	}
	if srs != nil && d.Info.Backend != proof.Plonk {
		return nil, fmt.Errorf("an SRS is for PLONK; %s is compiled for %s, whose setup takes none (compile with --backend plonk, or drop --srs)", dir, d.Info.Backend)
	}
	ccs, err := d.ReadCCS()
	if err != nil {
		return nil, err
	}
	keys, err := proof.Setup(d.Info.Backend, ccs, srs)
	if err != nil {
		return nil, err
	}
	si := &SetupInfo{Trust: TrustGroth16}
	if d.Info.Backend == proof.Plonk {
		si.Trust, si.SRSDigest, si.SRSSource = TrustPlonk, keys.SRS.Digest, keys.SRS.Source
		if keys.Insecure {
			si.Insecure = "locally generated PLONK SRS: whoever generated it can forge proofs; pass --srs with a ceremony's SRS"
		}
	}
	if si.PKDigest, si.VKDigest, err = proof.WriteKeys(keys, d.File(PKFile), d.File(VKFile)); err != nil {
		return nil, err
	}
	return si, SaveSettings(dir, d.Settings, &d.Info, si)
}

// Proven is the result of Prove.
type Proven struct {
	Bundle  *proof.Bundle
	Public  *Public
	Opening *Opening // nil when nothing is hashed
	Result  *engine.RunResult
	// Insecure is the prover's own setup record's warning (settings.json);
	// verifiers judge the key for themselves.
	Insecure string
	// Backend is the time spent in the backend's prover alone; the rest of
	// Prove loads and checks the model, circuit and key and computes the
	// witness.
	Backend time.Duration
}

// Prove proves one input with a compiled, set-up directory.
func Prove(dir string, in *input.File, context *string, zkaiVersion string) (*Proven, error) {
	d, err := Open(dir)
	if err != nil {
		return nil, err
	}
	if d.Setup == nil {
		return nil, fmt.Errorf("%s has no keys; run zkai setup %s first", dir, dir)
	}
	modelBytes, err := os.ReadFile(d.File(ModelFile))
	if err != nil {
		return nil, err
	}
	if proof.Digest(modelBytes) != d.Info.ModelDigest {
		return nil, fmt.Errorf("%s does not match the digest in settings.json", d.File(ModelFile))
	}
	m, err := engine.Open(d.File(ModelFile), engine.Options{Input: in, SettingsFile: d.File(SettingsFile)})
	if err != nil {
		return nil, err
	}
	r, err := m.Run(m.Input.Data)
	if err != nil {
		return nil, err
	}
	lay, weightsDigest, err := layoutOf(m.Program, d.Info.Visibility)
	if err != nil {
		return nil, err
	}
	if decimal(lay) != d.Info.Layout || weightsDigest != d.Info.WeightsDigest {
		return nil, fmt.Errorf("the model's layout (names, shapes, scales, weights) is not the one %s was compiled for; compile again", dir)
	}
	c, err := circuit.NewInference(m.Program, d.Info.Visibility, lay)
	if err != nil {
		return nil, err
	}
	var s circuit.Secrets
	if d.Info.Visibility.Weights == circuit.Private {
		var o ModelOpening
		if err := ReadJSON(d.File(OpeningFile), &o); err != nil {
			return nil, err
		}
		if s.ModelSalt, err = ParseField(o.Salt); err != nil {
			return nil, fmt.Errorf("%s: salt: %v", d.File(OpeningFile), err)
		}
	}
	if d.Info.Visibility.Input == circuit.Hashed {
		if s.InputSalt, err = commit.NewSalt(); err != nil {
			return nil, err
		}
	}
	if d.Info.Visibility.Output == circuit.Hashed {
		if s.OutputSalt, err = commit.NewSalt(); err != nil {
			return nil, err
		}
	}
	a, err := c.Assign(r.Witness, ContextField(context), s)
	if err != nil {
		return nil, err
	}
	if d.Info.Visibility.Weights == circuit.Private {
		var mc ModelCommitment
		if err := ReadJSON(d.File(CommitmentFile), &mc); err != nil {
			return nil, err
		}
		if decimal(a.ModelCommitment[0].(*big.Int)) != mc.Commitment {
			return nil, fmt.Errorf("the weights and salt do not open %s; the directory is inconsistent", d.File(CommitmentFile))
		}
	}
	ccs, pk, err := d.ReadKeys()
	if err != nil {
		return nil, err
	}
	start := time.Now()
	proofBytes, _, err := proof.Prove(d.Info.Backend, ccs, pk, a)
	if err != nil {
		return nil, err
	}
	backend := time.Since(start)
	pub := newPublic(m.Program, r.Witness, a, context, weightsDigest)
	out := &Proven{Public: pub, Result: r, Backend: backend, Insecure: d.Setup.Insecure}
	if s.InputSalt != nil || s.OutputSalt != nil {
		out.Opening = &Opening{Format: OpeningFormat}
		if s.InputSalt != nil {
			out.Opening.Input = &SideOpening{Commitment: pub.Input.Commitment, Salt: decimal(s.InputSalt), Tensors: publicTensors(m.Program, r.Witness, m.Program.Inputs, true)}
		}
		if s.OutputSalt != nil {
			out.Opening.Output = &SideOpening{Commitment: pub.Output.Commitment, Salt: decimal(s.OutputSalt), Tensors: publicTensors(m.Program, r.Witness, m.Program.Outputs, true)}
		}
		// what is written must open what is proven
		if _, err := CheckOpening(pub, out.Opening); err != nil {
			return nil, fmt.Errorf("the opening does not open the proof's commitments (a bug; nothing written): %w", err)
		}
	}
	if out.Bundle, err = proof.NewBundle(Statement, d.Info.Backend, d.Setup.VKDigest, pub, proofBytes, zkaiVersion); err != nil {
		return nil, err
	}
	return out, nil
}

// Result is what Verify reports.
type Result = proof.Verdict[*Public]

// Verify checks a bundle against a verifying key. expectModel, when set,
// is the model identity the caller trusts — a weight commitment in
// canonical decimal, or a public-weights digest "sha256:…" — and the proof
// must be for it. The result says valid or why not; its Public (set only
// when valid) holds nothing the proof does not bind. trusted are the PLONK
// SRSs the caller trusts (proof.ReadSRSVerifyingKey): a PLONK key not made
// from one of them is reported insecure, whatever the bundle says.
func Verify(bundleBytes, vkBytes []byte, expectModel string, trusted ...*proof.SRS) *Result {
	res := &Result{}
	fail := func(format string, args ...any) *Result {
		res.Reason = fmt.Sprintf(format, args...)
		return res
	}
	b, err := proof.ParseBundle(bundleBytes)
	if err != nil {
		return fail("%v", err)
	}
	res.Statement, res.VKDigest = b.Statement, b.VKDigest
	if b.Statement != Statement {
		return fail("bundle is for the %q statement; this verifier checks %q", b.Statement, Statement)
	}
	if got := proof.Digest(vkBytes); got != b.VKDigest {
		return fail("the verifying key's digest %s is not the bundle's %s: the proof is for another circuit or key", got, b.VKDigest)
	}
	var pub Public
	dec := json.NewDecoder(bytes.NewReader(b.Public))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&pub); err != nil {
		return fail("public values: %v", err)
	}
	vec, err := pub.Vector()
	if err != nil {
		return fail("public values: %v", err)
	}
	if err := pub.Model.Match(expectModel); err != nil {
		return fail("%v", err)
	}
	vk, err := proof.ReadVK(b.Backend, vkBytes)
	if err != nil {
		return fail("%v", err)
	}
	res.Insecure = proof.UntrustedSetup(b.Backend, vk, trusted)
	proofBytes, err := b.ProofBytes()
	if err != nil {
		return fail("%v", err)
	}
	if err := proof.Verify(b.Backend, vk, proofBytes, vec); err != nil {
		return fail("the proof does not verify: %v", err)
	}
	res.Valid, res.Reason, res.Public = true, "the proof verifies", &pub
	return res
}

// Match checks the model against the identity the caller expects ("" for
// none), comparing commitments as field elements.
func (m *ModelPublic) Match(expect string) error {
	switch {
	case expect == "":
		return nil
	case strings.HasPrefix(expect, "sha256:"):
		if m.Weights != circuit.Public || m.WeightsDigest != expect {
			return fmt.Errorf("the proof is for model %s, not the expected %s", m.Identity(), expect)
		}
		return nil
	}
	want, err := ParseField(expect)
	if err != nil {
		return fmt.Errorf("the expected model is neither a weights digest (sha256:…) nor a commitment: %v", err)
	}
	if got, err := ParseField(m.Commitment); m.Weights != circuit.Private || err != nil || got.Cmp(want) != 0 {
		return fmt.Errorf("the proof is for model %s, not the expected %s", m.Identity(), expect)
	}
	return nil
}

// Identity is the model's identity as shown: its commitment or digest.
func (m *ModelPublic) Identity() string {
	if m.Weights == circuit.Public {
		return m.WeightsDigest
	}
	return m.Commitment
}

// ImportKeys takes the keys of another compiled directory — typically the
// verifier's, who compiled the same architecture with the prover's
// settings.json and ran setup — after checking that both hold the same
// circuit.
func ImportKeys(dir, from string) (*SetupInfo, error) {
	d, err := OpenDir(dir)
	if err != nil {
		return nil, err
	}
	src, err := OpenDir(from)
	if err != nil {
		return nil, err
	}
	if src.Setup == nil {
		return nil, fmt.Errorf("%s has no keys; run zkai setup %s there first", from, from)
	}
	if src.Info.CircuitDigest != d.Info.CircuitDigest || src.Info.Backend != d.Info.Backend || src.Info.Statement != d.Info.Statement {
		return nil, fmt.Errorf("%s holds another circuit (%s %s) than %s (%s %s); compile with --settings %s",
			from, src.Info.Backend, src.Info.CircuitDigest, dir, d.Info.Backend, d.Info.CircuitDigest, filepath.Join(dir, SettingsFile))
	}
	for _, f := range []struct{ name, digest string }{{PKFile, src.Setup.PKDigest}, {VKFile, src.Setup.VKDigest}} {
		b, err := os.ReadFile(src.File(f.name))
		if err != nil {
			return nil, err
		}
		if proof.Digest(b) != f.digest {
			return nil, fmt.Errorf("%s does not match the digest recorded at its setup", src.File(f.name))
		}
		if err := os.WriteFile(d.File(f.name), b, 0o644); err != nil {
			return nil, err
		}
	}
	return src.Setup, SaveSettings(dir, d.Settings, &d.Info, src.Setup)
}
