//go:build !desktop

package app

import "context"

// desktopBuilt says this build has no tray and no window: it is the
// static, cgo-free build (CLI, MCP over stdio and HTTP, the web UI).
const desktopBuilt = false

func runTrayUI(context.Context, *desktop) error { return errNoDesktop }

func runWindowUI(context.Context, windowOptions) error { return errNoDesktop }
