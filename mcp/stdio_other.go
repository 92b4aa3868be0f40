//go:build !unix

package mcp

import "io"

// pollable returns in unchanged: only Unix pipes are made non-blocking.
func pollable(in io.Reader) (io.Reader, func()) { return in, func() {} }
