package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zkai-dev/zkai/circuit"
	"github.com/zkai-dev/zkai/engine"
	"github.com/zkai-dev/zkai/proof"
)

// Statements plug into the shared commands here: each statement's file adds
// itself to compileStatements and verifiers (and its own commands to
// extraCommands) in an init function, so adding a statement edits neither
// compile nor verify.

// compileStatement is one `zkai compile --statement NAME`.
type compileStatement struct {
	// model is whether compile's positional argument, MODEL.onnx, is needed.
	model bool
	// flags registers the statement's own compile flags through the
	// define-once helpers below (two statements may share a flag, e.g.
	// --data-commitment); run reads them back with cmd.Flags().GetX.
	flags func(fl *pflag.FlagSet)
	run   func(cmd *cobra.Command, args []string, c compileContext) error
}

// compileContext is what compile parses for every statement.
type compileContext struct {
	Out     string
	Backend proof.Backend
	Weights circuit.Visibility
	// Engine reads the fixed-point settings flags (--scale, --settings …).
	Engine func() (engine.Options, error)
}

var compileStatements = map[string]compileStatement{}

// verifyArgs is what verify reads for every statement.
type verifyArgs struct {
	file, vk []byte
	// expectModel is --expect-model resolved to a model identity ("" when
	// not given); expectData and opening are the flags as given.
	expectModel, expectData, opening string
	trusted                          []*proof.SRS
}

// verifiers maps a file's "statement" to its verifier; a file whose
// statement is not here is an inference bundle.
var verifiers = map[string]func(cmd *cobra.Command, a verifyArgs) (*verdict, error){}

// verifyFlags registers statements' own verify flags (define-once helpers).
var verifyFlags []func(fl *pflag.FlagSet)

// setupStatements runs `zkai setup DIR` for a directory whose settings.json
// names the statement at its top level ("statement": NAME); inference and
// evaluation directories keep theirs in the compile section and are set up
// by compile's own code.
var setupStatements = map[string]func(cmd *cobra.Command, dir string, srs *proof.SRS) error{}

// dirStatement is the top-level "statement" of DIR/settings.json, or "".
func dirStatement(dir string) string {
	b, err := readBounded(filepath.Join(dir, "settings.json"), 16<<20)
	if err != nil {
		return ""
	}
	var s struct {
		Statement string `json:"statement"`
	}
	_ = json.Unmarshal(b, &s)
	return s.Statement
}

// extraCommands are statements' own commands (prove-NAME …).
var extraCommands []func() *cobra.Command

func sortedStatements() []string {
	var names []string
	for n := range compileStatements {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func statementNames() string {
	return strings.Join(append([]string{"inference"}, sortedStatements()...), ", ")
}

// flagString and its siblings define a flag once: a second statement that
// shares the flag reuses the first definition.
func flagString(fl *pflag.FlagSet, name, value, usage string) {
	if fl.Lookup(name) == nil {
		fl.String(name, value, usage)
	}
}

func flagInt(fl *pflag.FlagSet, name string, value int, usage string) {
	if fl.Lookup(name) == nil {
		fl.Int(name, value, usage)
	}
}

func flagFloat(fl *pflag.FlagSet, name string, value float64, usage string) {
	if fl.Lookup(name) == nil {
		fl.Float64(name, value, usage)
	}
}

func flagBool(fl *pflag.FlagSet, name string, usage string) {
	if fl.Lookup(name) == nil {
		fl.Bool(name, false, usage)
	}
}

func flagStrings(fl *pflag.FlagSet, name, usage string) {
	if fl.Lookup(name) == nil {
		fl.StringSlice(name, nil, usage)
	}
}

// needModel is the error for a model-based statement given no model.
func needModel(statement string, args []string) error {
	if len(args) != 1 {
		return withHint(fmt.Errorf("--statement %s compiles a model: give MODEL.onnx", statement), "zkai compile MODEL.onnx -o DIR --statement "+statement+" …")
	}
	return nil
}
