package main

import (
	"io"
	"os"
)

// isTerminal: progress is drawn only for a person watching; in a pipe, a
// file or CI the commands stay quiet and print only their result.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
