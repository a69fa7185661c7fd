// Package atomicfile writes files whole or not at all, with the mode asked
// for: the bytes go to a temporary file in the target's directory, created
// 0600 and set to the mode before any byte is written, which is fsync'd and
// then renamed (or, for [Create], linked) into place, and the directory is
// fsync'd. A reader never sees a partial file, and a file that existed
// keeps neither its old bytes nor its old mode (os.WriteFile keeps an
// existing file's mode: an opening written over a 0644 file stayed
// world-readable).
//
// A writer killed midway leaves a temporary file named ".NAME.tmp…"
// ([IsTemp]); whoever owns the directory may remove those.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Write replaces the file at path by b, with the given permission bits.
func Write(path string, b []byte, mode fs.FileMode) error {
	return write(path, b, mode, os.Rename)
}

// Create writes b to path with the given permission bits only if path does
// not exist; else it returns an error matching fs.ErrExist and leaves the
// file as it was.
func Create(path string, b []byte, mode fs.FileMode) error {
	return write(path, b, mode, os.Link)
}

func write(path string, b []byte, mode fs.FileMode, place func(tmp, path string) error) error {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+name+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after Link, and after a failure
	err = f.Chmod(mode.Perm())
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = place(tmp, path)
	}
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", path, fs.ErrExist)
		}
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// IsTemp reports whether name (a base name) is a temporary file left by
// [Write] or [Create].
func IsTemp(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp")
}
