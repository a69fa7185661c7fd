package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal. Progress bars and spinners redraw themselves with carriage
// returns, so they are drawn only there: `zkai eval … 2>log` must leave a readable log.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// bar is a progress bar over n steps on stderr, or nothing (a nil bar) when stderr is not a terminal or
// quiet is set.
type bar struct{ pb *progressbar.ProgressBar }

func newBar(cmd *cobra.Command, n int, what string, quiet bool) *bar {
	errw := cmd.ErrOrStderr()
	if quiet || !isTerminal(errw) {
		return nil
	}
	return &bar{progressbar.NewOptions(n, progressbar.OptionSetWriter(errw), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))}
}

// set records that done steps are complete.
func (b *bar) set(done int) {
	if b != nil {
		_ = b.pb.Set(done)
	}
}

func (b *bar) finish() {
	if b != nil {
		_ = b.pb.Finish()
	}
}

// spin shows a spinner labelled what on a terminal stderr until stop is called; elsewhere it writes
// "what…" once as a plain line.
func spin(cmd *cobra.Command, what string) (stop func()) {
	errw := cmd.ErrOrStderr()
	if !isTerminal(errw) {
		fmt.Fprintf(errw, "%s…\n", what)
		return func() {}
	}
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(errw), progressbar.OptionSetDescription(what),
		progressbar.OptionSpinnerType(14), progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = bar.Add(1)
			}
		}
	}()
	return func() {
		close(done)
		_ = bar.Finish()
	}
}
