package main

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/note"

	"github.com/zkai-dev/zkai/ledger/ledgercmd"
	"github.com/zkai-dev/zkai/ledger/registry"
)

// checkLedger is verify's --ledger check, run once the proof itself
// verified: the proof's model must be a registered version included under
// the log's checkpoint signed by the trusted --log-key, of the trusted
// origin (--log-origin) if given. With --state the checkpoint must first be
// consistent with the one this verifier trusted before (ledgercmd.Follow),
// so that a log rolled back or forked since is refused, and the state pins
// the origin. It records the lineage, or makes the verdict invalid with
// "ledger: …".
func (v *verdict) checkLedger(bundle []byte, logDir, logKey, origin, statePath string) {
	lin, followed, err := lineageOf(bundle, logDir, logKey, origin, statePath)
	if err != nil {
		v.valid, v.reason = false, "ledger: "+err.Error()
		// The reason is all a verifier sees of the error: keep its advice.
		var he *ledgercmd.HintError
		if errors.As(err, &he) {
			v.reason += " (" + he.Hint + ")"
		}
		return
	}
	v.lineage = lin
	if followed != nil && followed.Old == nil {
		v.warnings = append(v.warnings, fmt.Sprintf("ledger: trusted the log's checkpoint of size %d on first use (saved to %s); check it against one the operator published", followed.New.Size, statePath))
	}
	if origin == "" && (followed == nil || followed.Old == nil) {
		v.warnings = append(v.warnings, fmt.Sprintf("ledger: the origin %s was taken from the log directory, not pinned: give --log-origin as the log's operator published it", lin.Origin))
	}
	for _, w := range lin.Warnings {
		v.warnings = append(v.warnings, "lineage: "+w)
	}
}

// lineageOf checks the bundle's model in the ledger; followed is nil
// without --state.
func lineageOf(bundle []byte, logDir, logKey, origin, statePath string) (lin *registry.Lineage, followed *ledgercmd.Followed, err error) {
	if logKey == "" {
		return nil, nil, fmt.Errorf("--log-key is required with --ledger: give the log's verifier key you trust (name+hash+key, or a file holding it)")
	}
	vkey, err := ledgercmd.ReadLogKey(logKey)
	if err != nil {
		return nil, nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, nil, err
	}
	r, err := registry.Open(logDir, nil)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	if err := ledgercmd.Pin(r.Log, "", origin); err != nil {
		return nil, nil, err
	}
	if statePath == "" {
		lin, err = r.Check(bundle, v)
		return lin, nil, err
	}
	if followed, err = ledgercmd.Follow(r.Log, vkey, statePath); err != nil {
		return nil, nil, err
	}
	lin, err = r.CheckAt(bundle, followed.New, v)
	return lin, followed, err
}

func printLineage(w io.Writer, lin *registry.Lineage) {
	fmt.Fprintf(w, "  ledger: model %s is registered, under the signed checkpoint of size %d of log %s\n", lin.Model, lin.TreeSize, lin.Origin)
	if !lin.Recorded {
		fmt.Fprintln(w, "  ledger: this proof itself is not recorded (zkai registry record-proof)")
	}
	fmt.Fprintln(w, "  lineage (log order):")
	for _, n := range lin.Entries {
		fmt.Fprintf(w, "    %d\t%-12s\t%s\t%s\n", n.Index, n.Role, n.Time, n.Summary)
	}
}
