package registry

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/zkai-dev/zkai/ledger"
	"golang.org/x/mod/sumdb/note"
)

// A Node is one entry of a lineage.
type Node struct {
	Index     int64  `json:"index"`
	Kind      string `json:"kind"`
	Role      string `json:"role"` // dataset, model, parent model, this proof, or another proof's statement
	Summary   string `json:"summary"`
	Time      string `json:"time"`
	Submitter string `json:"submitter"`
	LeafHash  []byte `json:"leaf_hash"`
}

// A Lineage is what the ledger knows about a proof's model: the entries that
// reference each other by digest — data sets, the model's registered
// versions and their parents, and the proofs about the model — in log order,
// each proven included under Checkpoint, plus warnings about their order.
type Lineage struct {
	Model      string   `json:"model"`  // the model identity
	Origin     string   `json:"origin"` // the log's, as its checkpoint is signed
	Recorded   bool     `json:"recorded"`
	TreeSize   int64    `json:"tree_size"`
	Checkpoint string   `json:"checkpoint"`
	Entries    []Node   `json:"entries"`
	Warnings   []string `json:"warnings,omitempty"`
}

// ErrNotRegistered reports a proof whose model is no registered version.
var ErrNotRegistered = errors.New("the proof's model is not registered in the ledger")

// Check answers, for a proof bundle (already verified by the caller), whether
// its model is a registered version included under the log's latest
// checkpoint, which must be signed by trusted; and returns the lineage.
// An unregistered model is ErrNotRegistered; a checkpoint not signed by
// trusted, or an entry not included under it, is an error too.
func (r *Registry) Check(bundle []byte, trusted note.Verifier) (*Lineage, error) {
	cp, err := r.Log.Checkpoint()
	if err != nil {
		return nil, err
	}
	return r.CheckAt(bundle, cp, trusted)
}

// CheckAt is [Registry.Check] under cp, a checkpoint of this log that need
// not be the latest: the one a [ledger.Client] just accepted, so that the
// answer is under the checkpoint the caller trusts even if the log moved on.
func (r *Registry) CheckAt(bundle []byte, cp ledger.SignedCheckpoint, trusted note.Verifier) (*Lineage, error) {
	rec, err := ProofRecordOf(bundle)
	if err != nil {
		return nil, err
	}
	// The log directory names its own key; only the caller's is trusted.
	// The note is re-opened so that cp's fields are the signed ones.
	cp, err = ledger.OpenCheckpoint(cp.Note, r.Log.Origin(), trusted)
	if err != nil {
		return nil, fmt.Errorf("the ledger's checkpoint is not signed by the trusted log key %s: %w", trusted.Name(), err)
	}
	synced, err := r.Sync()
	if err != nil {
		return nil, err
	}
	if synced.Size < cp.Size {
		return nil, fmt.Errorf("the log's latest checkpoint has size %d, smaller than the checkpoint of size %d being checked: it was rolled back meanwhile (run 'zkai ledger audit')", synced.Size, cp.Size)
	}
	n := cp.Size
	lin := &Lineage{Model: rec.Model, Origin: cp.Origin, TreeSize: n, Checkpoint: string(cp.Note)}
	seen := map[int64]bool{}
	add := func(f Found, role string) error {
		if seen[f.Index] {
			return nil
		}
		p, err := r.Log.InclusionProof(f.Index, n)
		if err == nil {
			err = ledger.VerifyInclusion(cp.Checkpoint, f.Index, f.data, p)
		}
		if err != nil {
			return fmt.Errorf("entry %d is not included under the signed checkpoint of size %d: %w (run 'zkai ledger audit')", f.Index, n, err)
		}
		seen[f.Index] = true
		lin.Entries = append(lin.Entries, Node{Index: f.Index, Kind: f.Entry.Kind, Role: role, Summary: summary(f.Entry),
			Time: f.Entry.Time, Submitter: f.Entry.Submitter, LeafHash: f.LeafHash})
		return nil
	}

	models, err := r.find("model:"+rec.Model, n, func(e *ledger.Entry) bool {
		m, ok := e.Value.(*ledger.Model)
		return ok && (m.WeightCommitment == rec.Model || m.VKDigest == rec.Model)
	})
	if err != nil {
		return nil, err
	}
	if len(models) == 0 {
		return nil, fmt.Errorf("%w: no version has identity %s under the checkpoint of size %d", ErrNotRegistered, rec.Model, n)
	}
	uses := map[string][]Found{} // data-set commitment → entries using it
	vkRecorded, vkStated := false, false
	flagged := map[[2]string]bool{}
	for _, f := range models {
		if err := add(f, "model"); err != nil {
			return nil, err
		}
		m := f.Entry.Value.(*ledger.Model)
		if err := r.flagRepeated(m, n, flagged, lin); err != nil {
			return nil, err
		}
		vkStated = vkStated || m.VKDigest != ""
		vkRecorded = vkRecorded || m.VKDigest == rec.VKDigest
		for _, d := range m.Datasets {
			uses[d] = append(uses[d], f)
		}
		if err := r.addParents(m, n, add, lin); err != nil {
			return nil, err
		}
	}
	if vkStated && !vkRecorded && rec.Model != rec.VKDigest {
		lin.Warnings = append(lin.Warnings, fmt.Sprintf("the proof's verifying key %s is not the vk digest recorded for any registered version of this model", rec.VKDigest))
	}

	proofs, err := r.find("uses-model:"+rec.Model, n, func(e *ledger.Entry) bool {
		p, ok := e.Value.(*ledger.ProofRecord)
		return ok && p.Model == rec.Model
	})
	if err != nil {
		return nil, err
	}
	for _, f := range proofs {
		p := f.Entry.Value.(*ledger.ProofRecord)
		role := p.Statement
		if p.VKDigest == rec.VKDigest && p.PublicInputDigest == rec.PublicInputDigest {
			role, lin.Recorded = "this proof", true
		}
		if err := add(f, role); err != nil {
			return nil, err
		}
		for _, d := range p.Datasets {
			uses[d] = append(uses[d], f)
		}
		if f.Index < models[0].Index {
			lin.Warnings = append(lin.Warnings, fmt.Sprintf("entry %d (%s proof) was logged before the model's first registration (entry %d)", f.Index, role, models[0].Index))
		}
	}

	commitments := make([]string, 0, len(uses))
	for d := range uses {
		commitments = append(commitments, d)
	}
	sort.Strings(commitments)
	for _, d := range commitments {
		ds, err := r.find("dataset:"+d, n, func(e *ledger.Entry) bool {
			v, ok := e.Value.(*ledger.Dataset)
			return ok && v.Commitment == d
		})
		if err != nil {
			return nil, err
		}
		if len(ds) == 0 {
			lin.Warnings = append(lin.Warnings, fmt.Sprintf("data set %s, used by entry %d, is not in the ledger", d, uses[d][0].Index))
			continue
		}
		if err := add(ds[0], "dataset"); err != nil {
			return nil, err
		}
		for _, u := range uses[d] {
			// A data set committed after the result that uses it could have
			// been chosen to fit the result.
			if ds[0].Index > u.Index {
				lin.Warnings = append(lin.Warnings, fmt.Sprintf("data set %s was logged (entry %d) after entry %d (%s) that uses it", d, ds[0].Index, u.Index, roleOf(u.Entry)))
			}
		}
	}
	sort.Slice(lin.Entries, func(i, j int) bool { return lin.Entries[i].Index < lin.Entries[j].Index })
	return lin, nil
}

// flagRepeated warns when m's (name, version) is registered more than once
// under the tree of size n: a writer that skipped the registry's rule (see
// [Registry.Append]) let a version name two models.
func (r *Registry) flagRepeated(m *ledger.Model, n int64, flagged map[[2]string]bool, lin *Lineage) error {
	key := [2]string{m.Name, m.Version}
	if flagged[key] {
		return nil
	}
	vs, err := r.Versions(m.Name, n)
	if err != nil {
		return err
	}
	var at []string
	for _, v := range vs {
		if v.Entry.Value.(*ledger.Model).Version == m.Version {
			at = append(at, fmt.Sprint(v.Index))
		}
	}
	if len(at) > 1 {
		flagged[key] = true
		lin.Warnings = append(lin.Warnings, fmt.Sprintf("%s version %s is registered %d times (entries %s): a version must name one model, so this name and version identify nothing", m.Name, m.Version, len(at), strings.Join(at, ", ")))
	}
	return nil
}

// addParents adds the chain of parent versions of m.
func (r *Registry) addParents(m *ledger.Model, n int64, add func(Found, string) error, lin *Lineage) error {
	if m.Parent == "" {
		return nil
	}
	vs, err := r.Versions(m.Name, n)
	if err != nil {
		return err
	}
	byVersion := map[string]Found{}
	for _, v := range vs {
		if vm := v.Entry.Value.(*ledger.Model); byVersion[vm.Version].Entry == nil {
			byVersion[vm.Version] = v
		}
	}
	visited := map[string]bool{m.Version: true}
	for p := m.Parent; p != "" && !visited[p]; {
		visited[p] = true
		f, ok := byVersion[p]
		if !ok {
			lin.Warnings = append(lin.Warnings, fmt.Sprintf("parent version %q of %s is not registered", p, m.Name))
			return nil
		}
		if err := add(f, "parent model"); err != nil {
			return err
		}
		p = f.Entry.Value.(*ledger.Model).Parent
	}
	return nil
}

func roleOf(e *ledger.Entry) string {
	if p, ok := e.Value.(*ledger.ProofRecord); ok {
		return p.Statement + " proof"
	}
	return e.Kind
}

// summary describes an entry in one line.
func summary(e *ledger.Entry) string {
	var b strings.Builder
	switch v := e.Value.(type) {
	case *ledger.Model:
		fmt.Fprintf(&b, "%s version %s", v.Name, v.Version)
		if v.Parent != "" {
			fmt.Fprintf(&b, " (parent %s)", v.Parent)
		}
		if v.WeightCommitment != "" {
			fmt.Fprintf(&b, ", weight commitment %s", v.WeightCommitment)
		}
		if v.VKDigest != "" {
			fmt.Fprintf(&b, ", vk %s", v.VKDigest)
		}
		if len(v.Datasets) > 0 {
			fmt.Fprintf(&b, ", trained on %s", strings.Join(v.Datasets, ", "))
		}
	case *ledger.Dataset:
		if v.Name != "" {
			fmt.Fprintf(&b, "%s, ", v.Name)
		}
		fmt.Fprintf(&b, "commitment %s, %d rows", v.Commitment, v.Rows)
	case *ledger.ProofRecord:
		fmt.Fprintf(&b, "%s proof, vk %s, public inputs %s", v.Statement, v.VKDigest, v.PublicInputDigest)
		if len(v.Datasets) > 0 {
			fmt.Fprintf(&b, ", data %s", strings.Join(v.Datasets, ", "))
		}
	}
	return b.String()
}
