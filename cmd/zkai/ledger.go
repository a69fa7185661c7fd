package main

import (
	"errors"

	"github.com/spf13/cobra"
	"github.com/zkai-dev/zkai/ledger/ledgercmd"
)

// newKeygen, newLedger and newRegistry register the ledger's commands
// (package ledgercmd), turning their hinted errors into this CLI's.
func newKeygen() *cobra.Command   { return withLedgerHints(ledgercmd.Keygen()) }
func newLedger() *cobra.Command   { return withLedgerHints(ledgercmd.Ledger()) }
func newRegistry() *cobra.Command { return withLedgerHints(ledgercmd.Registry()) }

func withLedgerHints(cmd *cobra.Command) *cobra.Command {
	if run := cmd.RunE; run != nil {
		cmd.RunE = func(c *cobra.Command, args []string) error {
			err := run(c, args)
			var he *ledgercmd.HintError
			if errors.As(err, &he) {
				return withHint(err, he.Hint)
			}
			return err
		}
	}
	for _, sub := range cmd.Commands() {
		withLedgerHints(sub)
	}
	return cmd
}
