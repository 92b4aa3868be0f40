package app

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
)

// appStatus is what the tray icon shows at a glance.
type appStatus int

const (
	statusRunning     appStatus = iota // serving, store reachable
	statusPaused                       // MCP refused on purpose
	statusUnreachable                  // the store does not answer
)

// statusColors are the icon's colours per status: indigo like the web UI's
// accent when all is well, grey when paused, red when the store is gone.
var statusColors = map[appStatus]color.NRGBA{
	statusRunning:     {0x4f, 0x46, 0xe5, 0xff},
	statusPaused:      {0x8a, 0x8f, 0x9c, 0xff},
	statusUnreachable: {0xdc, 0x26, 0x26, 0xff},
}

// iconPNG draws Engram's mark — three memories joined by relationships —
// size pixels square in the status's colour, as a PNG. Drawn in code so the
// tray, the window and the packaged icon can never disagree.
func iconPNG(size int, status appStatus) []byte {
	img := drawIcon(size, statusColors[status])
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory NRGBA image cannot fail
	}
	return buf.Bytes()
}

// iconICO wraps a PNG in an .ico container, which Windows' tray needs
// (an ICO entry may hold a PNG since Windows Vista).
func iconICO(pngData []byte, size int) []byte {
	var buf bytes.Buffer
	dim := byte(size)
	if size >= 256 {
		dim = 0 // 0 means 256 in an ICO directory entry
	}
	header := struct {
		Reserved, Type, Count uint16
		Width, Height         byte
		Colors, Reserved2     byte
		Planes, BitCount      uint16
		Size, Offset          uint32
	}{0, 1, 1, dim, dim, 0, 0, 1, 32, uint32(len(pngData)), 22}
	binary.Write(&buf, binary.LittleEndian, header) // cannot fail on a bytes.Buffer
	buf.Write(pngData)
	return buf.Bytes()
}

// drawIcon renders the mark with 4×4 supersampling for smooth edges.
func drawIcon(size int, c color.NRGBA) *image.NRGBA {
	s := float64(size)
	type pt struct{ x, y float64 }
	nodes := []pt{{0.27 * s, 0.30 * s}, {0.73 * s, 0.38 * s}, {0.42 * s, 0.76 * s}}
	radius := []float64{0.15 * s, 0.12 * s, 0.13 * s}
	edge := 0.045 * s
	inside := func(x, y float64) (fill, ring bool) {
		for i, n := range nodes {
			d := math.Hypot(x-n.x, y-n.y)
			if d <= radius[i] {
				return true, d >= radius[i]*0.55 // hollow centre keeps it light at 16 px
			}
		}
		for i := range nodes {
			a, b := nodes[i], nodes[(i+1)%len(nodes)]
			if segmentDistance(x, y, a.x, a.y, b.x, b.y) <= edge {
				return true, true
			}
		}
		return false, false
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const samples = 4
	for py := range size {
		for px := range size {
			covered := 0
			for sy := range samples {
				for sx := range samples {
					x := float64(px) + (float64(sx)+0.5)/samples
					y := float64(py) + (float64(sy)+0.5)/samples
					if fill, ring := inside(x, y); fill && ring {
						covered++
					}
				}
			}
			if covered > 0 {
				img.SetNRGBA(px, py, color.NRGBA{c.R, c.G, c.B, uint8(int(c.A) * covered / (samples * samples))})
			}
		}
	}
	return img
}

// segmentDistance is the distance from (px, py) to the segment a–b.
func segmentDistance(px, py, ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	t := ((px-ax)*dx + (py-ay)*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(px-(ax+t*dx), py-(ay+t*dy))
}
