package frontend

import (
	"errors"
	"github.com/a-h/templ"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/engramhq/engram/backend"
)

// readMemoryForm reads the editor's fields as typed.
func readMemoryForm(r *http.Request) memoryForm {
	v := func(name string) string { return r.PostFormValue(name) }
	return memoryForm{
		Type: v("type"), Title: v("title"), Content: v("content"), Summary: v("summary"),
		Tags: v("tags"), Importance: v("importance"), Confidence: v("confidence"),
		ProjectPath: v("project_path"), Files: v("files"), Languages: v("languages"),
		Frameworks: v("frameworks"), GitBranch: v("git_branch"), GitCommit: v("git_commit"),
	}
}

// parsed is a memory form turned into service input.
type parsed struct {
	Type       backend.MemoryType
	Tags       []string
	Importance float64
	Confidence float64
	Context    backend.Context
}

// parse checks what only the form can (numbers) and converts the rest;
// the Service checks everything else and names the field.
func (f *memoryForm) parse() (parsed, bool) {
	f.Errors = map[string]string{}
	unit := func(field, s string, def float64) float64 {
		if strings.TrimSpace(s) == "" {
			return def
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			f.Errors[field] = "must be a number between 0 and 1, such as 0.5"
		}
		return x
	}
	p := parsed{
		Type:       backend.MemoryType(f.Type),
		Tags:       splitList(f.Tags, ","),
		Importance: unit("importance", f.Importance, backend.DefaultImportance),
		Confidence: unit("confidence", f.Confidence, backend.DefaultConfidence),
		Context: backend.Context{
			ProjectPath: f.ProjectPath, Files: splitList(f.Files, "\n"),
			Languages: splitList(f.Languages, ","), Frameworks: splitList(f.Frameworks, ","),
			GitBranch: f.GitBranch, GitCommit: f.GitCommit,
		},
	}
	return p, len(f.Errors) == 0
}

// refuse puts a service error on the form: beside its field when it names
// one of the form's fields, above the form otherwise.
func (f *memoryForm) refuse(err error) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	var be *backend.Error
	if errors.As(err, &be) && be.Code == backend.EINVALID {
		field := strings.TrimPrefix(be.Field, "context.")
		if slices.Contains(formFields, field) {
			f.Errors[field] = be.Message
			return
		}
	}
	f.Problem = backend.ErrorMessage(err)
}

// formFields are the memory editor's fields, named as the service names
// them (without "context.").
var formFields = []string{"type", "title", "content", "summary", "tags", "importance", "confidence",
	"project_path", "files", "languages", "frameworks", "git_branch", "git_commit"}

func splitList(s, sep string) []string {
	var out []string
	for _, part := range strings.Split(s, sep) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

func formAction(f memoryForm) string {
	if f.ID == "" {
		return "/memories/new"
	}
	return "/memories/" + f.ID
}

// errorAttrs marks a control whose value was refused and points it at
// the message beside it, for screen readers.
func errorAttrs(errs map[string]string, field string) templ.Attributes {
	if _, bad := errs[field]; bad {
		return templ.Attributes{"aria-invalid": "true", "aria-describedby": "error-" + field}
	}
	return templ.Attributes{}
}

// contextOpen opens the context fields when they hold something to see.
func contextOpen(f memoryForm) bool {
	for _, k := range []string{"project_path", "files", "languages", "frameworks", "git_branch", "git_commit"} {
		if _, bad := f.Errors[k]; bad {
			return true
		}
	}
	return false
}

func join(list []string) string { return strings.Join(list, ", ") }

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func itoa(n int) string { return strconv.Itoa(n) }

func resultClass(result string, isError bool) string {
	switch {
	case result == "":
		return "result"
	case isError:
		return "result error-box"
	}
	return "result ok-box"
}
