package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/zkai-dev/zkai/ledger/registry"
)

// verifyLedger is verify's --ledger check, run once the proof itself
// verified: the proof's model must be a registered version included under
// the log's checkpoint signed by the trusted --log-key. It prints the
// lineage (with --json, as a second JSON object after the verdict), or
// "invalid: ledger: …" and exits 1.
func verifyLedger(cmd *cobra.Command, bundle []byte, logDir, logKey string, asJSON bool) error {
	w := cmd.OutOrStdout()
	lin, err := checkLedger(bundle, logDir, logKey)
	if asJSON {
		out := map[string]any{"valid": err == nil, "ledger": lin}
		if err != nil {
			out["reason"] = "ledger: " + err.Error()
		}
		if perr := printJSON(w, out); perr != nil {
			return perr
		}
	} else if err != nil {
		fmt.Fprintf(w, "invalid: ledger: %s\n", err)
	} else {
		printLineage(w, lin)
	}
	if err != nil {
		return errInvalid
	}
	for _, warn := range lin.Warnings {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: lineage: %s\n", warn)
	}
	return nil
}

func checkLedger(bundle []byte, logDir, logKey string) (*registry.Lineage, error) {
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
