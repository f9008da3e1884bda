package app

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// Log formats for AMWAHT_LOG_FORMAT.
const (
	LogFormatText = "text"
	LogFormatJSON = "json"
)

// NewLogger returns the worker's logger in the given format ("json" or
// "text"); an empty format picks text when w is a terminal (a person reads
// it) and JSON otherwise (a container's log collector parses it).
func NewLogger(format string, w io.Writer) (*slog.Logger, error) {
	f := strings.ToLower(strings.TrimSpace(format))
	if f == "" {
		f = LogFormatJSON
		if IsTerminal(w) {
			f = LogFormatText
		}
	}
	switch f {
	case LogFormatText:
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case LogFormatJSON:
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	default:
		return nil, fmt.Errorf("AMWAHT_LOG_FORMAT=%q: use json or text", format)
	}
}

// LoggerFromEnv is NewLogger with AMWAHT_LOG_FORMAT.
func LoggerFromEnv(w io.Writer) (*slog.Logger, error) {
	return NewLogger(os.Getenv("AMWAHT_LOG_FORMAT"), w)
}

// IsTerminal tells a character device (a terminal) from a pipe or file,
// without a dependency for the one check.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
