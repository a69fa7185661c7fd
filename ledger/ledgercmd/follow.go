package ledgercmd

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/zkai-dev/zkai/ledger"
)

const (
	hintLogKey  = "give the log's verifier key you trust: the name+hash+key line 'zkai keygen' printed for the log's key, or a file holding it"
	hintState   = "--state FILE keeps the last checkpoint you trusted of one log; it is created on first use"
	hintRefused = "do not trust this log: keep the state file and the log's checkpoint ('zkai ledger checkpoint LOGDIR') as evidence that it showed two histories, and ask its operator"
)

// ReadLogKey reads a --log-key argument, a verifier key or a file holding
// one, and returns the key. A key is public, so it may be given inline; a
// file spares quoting it. An inline value is never echoed in an error: it
// may be a secret key given by mistake.
func ReadLogKey(arg string) (string, error) {
	if arg == "" {
		return "", hint(errors.New("--log-key is required"), hintLogKey)
	}
	s, what := strings.TrimSpace(arg), "the --log-key value"
	if _, err := os.Stat(arg); err == nil {
		b, _, err := readFileMax(arg, maxKeyFile, "a verifier key file")
		if err != nil {
			return "", hint(fmt.Errorf("--log-key: %w", err), hintLogKey)
		}
		s, what = strings.TrimSpace(string(b)), "--log-key file "+arg
	}
	if strings.HasPrefix(s, "PRIVATE+KEY+") {
		return "", hint(fmt.Errorf("%s is a secret signer key, not the log's public verifier key", what), "give its public verifier key, the line 'zkai keygen' printed, and keep the secret key with the log's operator (one typed on a command line may be in your shell history)")
	}
	if _, err := note.NewVerifier(s); err != nil {
		return "", hint(fmt.Errorf("%s is not a verifier key (name+hash+key as 'zkai keygen' prints it) nor a file holding one: %v", what, err), hintLogKey)
	}
	return s, nil
}

// Pin checks that the log in l is the one the caller trusts: its log.json
// names the verifier key vkey (unless vkey is empty) and the checkpoint
// origin origin (unless origin is empty). Without it a log is checked
// against the key and origin its own directory names, and a directory
// replaced wholesale — log.json, entries and checkpoints signed by another
// key, or another log of the same key — checks out against itself.
func Pin(l *ledger.Log, vkey, origin string) error {
	if vkey != "" && l.VerifierKey() != vkey {
		return hint(fmt.Errorf("the log names the verifier key %s, not the trusted key %s: the directory holds another log, or was replaced", l.VerifierKey(), vkey), "keep the directory as evidence; check --log-key against the key the log's operator published")
	}
	if origin != "" && l.Origin() != origin {
		return hint(fmt.Errorf("the log's origin is %q, not the trusted origin %q: the directory holds another log", l.Origin(), origin), "check --origin against the origin the log's operator published")
	}
	return nil
}

// Followed is the outcome of [Follow]: the checkpoint trusted before (nil on
// first use) and the one trusted now.
type Followed struct {
	Old *ledger.SignedCheckpoint
	New ledger.SignedCheckpoint
}

// Follow moves the trusted checkpoint kept in statePath to l's latest
// checkpoint, signed by the trusted key vkey and proven consistent with the
// one trusted before, or returns an error naming the rollback, fork or
// wrong key and leaves the state as it was. The first call trusts l's
// checkpoint on first use.
func Follow(l *ledger.Log, vkey, statePath string) (*Followed, error) {
	if statePath == "" {
		return nil, hint(errors.New("--state is required"), hintState)
	}
	c, err := ledger.NewClient(l.Origin(), vkey, statePath)
	if err != nil {
		return nil, hint(err, "the state file holds a checkpoint of another log, or one under another key: give the --log-key it was made with, or a separate --state for each log")
	}
	var f Followed
	if t, ok := c.Trusted(); ok {
		f.Old = &t
	}
	if f.New, err = c.Follow(l); err != nil {
		err = fmt.Errorf("refused the log's checkpoint, state %s unchanged: %w", statePath, err)
		var fe *ledger.ForkError
		if errors.Is(err, ledger.ErrRollback) || errors.As(err, &fe) {
			return nil, hint(err, hintRefused)
		}
		return nil, hint(err, "check --log-key (the key the log's operator published) and the log directory; 'zkai ledger audit LOGDIR' re-verifies its storage")
	}
	return &f, nil
}

func followCmd() *cobra.Command {
	var logKey, state, origin string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "follow LOGDIR --log-key PUBKEY --state FILE [--origin NAME]",
		Short: "Advance a trusted checkpoint to the log's latest, refusing rollbacks and forks",
		Long: `follow is what a monitor or auditor runs periodically. It keeps the last
checkpoint it trusted in FILE and accepts the log's latest checkpoint only if
it is signed by PUBKEY and a consistency proof shows the trusted tree is a
prefix of it. A smaller checkpoint (rollback), one that does not extend the
trusted tree (fork), or one under another key exits 1 and leaves FILE as it
was. The first run trusts the log's checkpoint on first use, and its origin
(the log's name) unless --origin pins it; check both against what the log's
operator published. The state file pins the origin from then on.`,
		Example: `  zkai ledger follow LOG --log-key log.pub --state LOG.trusted`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			vkey, err := ReadLogKey(logKey)
			if err != nil {
				return err
			}
			l, err := openLog(args[0], nil)
			if err != nil {
				return err
			}
			if err := Pin(l, "", origin); err != nil {
				return err
			}
			f, err := Follow(l, vkey, state)
			if err != nil {
				return err
			}
			if asJSON {
				var old *int64
				if f.Old != nil {
					old = &f.Old.Size
				}
				return printJSON(cmd.OutOrStdout(), map[string]any{"origin": f.New.Origin, "first_use": f.Old == nil, "old_size": old, "new_size": f.New.Size,
					"root_hash": f.New.Hash[:], "checkpoint": string(f.New.Note), "state": state})
			}
			w := cmd.OutOrStdout()
			switch {
			case f.Old == nil:
				pinned := "pinned by --origin"
				if origin == "" {
					pinned = "taken from the log directory: pin it with --origin"
				}
				fmt.Fprintf(w, "trusted on first use: %s at size %d, root %s (saved to %s); check it against a checkpoint the operator published\norigin %s (%s)\n", f.New.Origin, f.New.Size, f.New.Hash, state, f.New.Origin, pinned)
			case f.Old.Size == f.New.Size:
				fmt.Fprintf(w, "size %d → %d: unchanged\n", f.Old.Size, f.New.Size)
			default:
				fmt.Fprintf(w, "size %d → %d: consistent with the trusted checkpoint; %s updated\n", f.Old.Size, f.New.Size, state)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&logKey, "log-key", "", "the log's verifier key you trust (name+hash+key, or a file holding it)")
	cmd.Flags().StringVar(&state, "state", "", "file keeping the last trusted checkpoint (created on first use)")
	cmd.Flags().StringVar(&origin, "origin", "", "the log's checkpoint origin you trust (default: on first use, the one the log names)")
	cmd.Flags().BoolVar(&asJSON, "json", false, `print {"origin", "first_use", "old_size", "new_size", "root_hash", "checkpoint", "state"}`)
	return cmd
}
