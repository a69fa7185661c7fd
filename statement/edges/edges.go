// Package edges is how a statement tells the ledger what one of its proof
// files links: the data sets and models it takes in and those it makes. A
// statement registers a reader for its file format (in an init function);
// the registry (ledger/registry) records any registered file as a proof
// record with these edges, so adding a statement never edits the ledger.
//
// A reader only parses: it must not verify (that is zkai verify), but it
// must take every edge from the file's public values — values the proof
// binds — never from informational fields.
package edges

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Edges are what a proof file links.
type Edges struct {
	Statement string
	VKDigest  string
	// Public is the file's public values, recorded with the proof.
	Public []byte
	// Model is the identity of the model the proof is about or starts from
	// ("" for none); Datasets the data-set roots it reads.
	Model    string
	Datasets []string
	// ModelsOut and DatasetsOut are identities the proof produces (a
	// trained model, a derived data set).
	ModelsOut, DatasetsOut []string
}

// Reader extracts a file's edges; it rejects a malformed file.
type Reader func(file []byte) (*Edges, error)

var (
	mu      sync.RWMutex
	readers = map[string]Reader{}
)

// Register adds the reader of a file format ("zkai-training/1" …); a format
// registered twice is a programming error and panics at init.
func Register(format string, r Reader) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := readers[format]; dup {
		panic(fmt.Sprintf("edges: format %q registered twice", format))
	}
	readers[format] = r
}

// Lookup returns the reader of a format.
func Lookup(format string) (Reader, bool) {
	mu.RLock()
	defer mu.RUnlock()
	r, ok := readers[format]
	return r, ok
}

// Formats lists the registered formats, for error messages.
func Formats() string {
	mu.RLock()
	defer mu.RUnlock()
	var fs []string
	for f := range readers {
		fs = append(fs, f)
	}
	sort.Strings(fs)
	return strings.Join(fs, ", ")
}
