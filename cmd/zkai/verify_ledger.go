package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/zkai-dev/zkai/ledger/registry"
)

// checkLedger is verify's --ledger check, run once the proof itself
// verified: the proof's model must be a registered version included under
// the log's checkpoint signed by the trusted --log-key. It records the
// lineage, or makes the verdict invalid with "ledger: …".
func (v *verdict) checkLedger(bundle []byte, logDir, logKey string) {
	lin, err := lineageOf(bundle, logDir, logKey)
	if err != nil {
		v.valid, v.reason = false, "ledger: "+err.Error()
		return
	}
	v.lineage = lin
	for _, w := range lin.Warnings {
		v.warnings = append(v.warnings, "lineage: "+w)
	}
}

func lineageOf(bundle []byte, logDir, logKey string) (*registry.Lineage, error) {
	if logKey == "" {
		return nil, fmt.Errorf("--log-key is required with --ledger: give the log's verifier key you trust (name+hash+key, or a file holding it)")
	}
	v, err := trustedLogKey(logKey)
	if err != nil {
		return nil, err
	}
	r, err := registry.Open(logDir, nil)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return r.Check(bundle, v)
}

// trustedLogKey reads --log-key: a verifier key, or a file holding one.
func trustedLogKey(arg string) (note.Verifier, error) {
	s := arg
	if b, err := os.ReadFile(arg); err == nil {
		s = strings.TrimSpace(string(b))
	}
	v, err := note.NewVerifier(s)
	if err != nil {
		return nil, fmt.Errorf("--log-key %q is not a verifier key (name+hash+key as 'zkai keygen' prints it) nor a file holding one: %v", arg, err)
	}
	return v, nil
}

func printLineage(w io.Writer, lin *registry.Lineage) {
	fmt.Fprintf(w, "  ledger: model %s is registered, under the signed checkpoint of size %d\n", lin.Model, lin.TreeSize)
	if !lin.Recorded {
		fmt.Fprintln(w, "  ledger: this proof itself is not recorded (zkai registry record-proof)")
	}
	fmt.Fprintln(w, "  lineage (log order):")
	for _, n := range lin.Entries {
		fmt.Fprintf(w, "    %d\t%-12s\t%s\t%s\n", n.Index, n.Role, n.Time, n.Summary)
	}
}
