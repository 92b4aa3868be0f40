package frontend

import (
	"bytes"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders memory content. Raw HTML is left out (goldmark's
// default without html.WithUnsafe) and dangerous link schemes such as
// javascript: are dropped, so content written by an assistant cannot run
// script in the page.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM))

func renderMarkdown(src string) (string, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	return buf.String(), nil
}
