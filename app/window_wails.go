//go:build desktop

package app

import (
	"context"
	"encoding/json"
	"sync"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// This is the one file that imports Wails: everything else builds and
// tests without it.

// runWindowUI shows the window until it is closed, the tray says quit, or
// ctx ends. Wails needs the main thread: call it from the main goroutine.
func runWindowUI(ctx context.Context, o windowOptions) error {
	var once sync.Once
	return wails.Run(&options.App{
		Title:            "Engram",
		Width:            1280,
		Height:           820,
		MinWidth:         640,
		MinHeight:        480,
		BackgroundColour: &options.RGBA{R: 0xf7, G: 0xf7, B: 0xfb, A: 0xff},
		AssetServer:      &assetserver.Options{Handler: o.Handler},
		Linux:            &linux.Options{ProgramName: "engram", Icon: o.Icon, WebviewGpuPolicy: linux.WebviewGpuPolicyOnDemand},
		OnStartup: func(wctx context.Context) {
			go obeyTray(ctx, wctx, o.Commands)
		},
		OnDomReady: func(wctx context.Context) {
			once.Do(func() { o.Logger.Info("window ready") })
		},
	})
}

// obeyTray carries out the tray's commands until they end (the tray is
// gone) or ctx ends, then closes the window.
func obeyTray(ctx, wctx context.Context, commands <-chan windowCommand) {
	for {
		select {
		case <-ctx.Done():
			runtime.Quit(wctx)
			return
		case cmd, ok := <-commands:
			if !ok || cmd.Quit {
				runtime.Quit(wctx)
				return
			}
			runtime.WindowUnminimise(wctx)
			runtime.WindowShow(wctx)
			showPage(wctx, cmd.Show)
		}
	}
}

// showPage navigates the window to a page of Engram (a path checked by
// isLocalPath), quoted as a JSON string so it cannot break out of the script.
func showPage(wctx context.Context, path string) {
	quoted, _ := json.Marshal(path) // a string always marshals
	runtime.WindowExecJS(wctx, "if (location.pathname + location.search !== "+string(quoted)+") location.assign("+string(quoted)+")")
}
