package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxProblems is how many problems an argument error spells out; a call
// wrong in a thousand ways gets a readable answer, not a wall of text.
const maxProblems = 10

// argError lists everything wrong with a call's arguments, each problem
// naming its field, so the assistant can fix them all in one retry.
type argError struct{ problems []string }

// Error joins the problems, at most maxProblems of them.
func (e *argError) Error() string {
	if n := len(e.problems); n > maxProblems {
		return strings.Join(e.problems[:maxProblems], "; ") + fmt.Sprintf("; and %d more problems", n-maxProblems)
	}
	return strings.Join(e.problems, "; ")
}

func (e *argError) add(format string, args ...any) {
	e.problems = append(e.problems, fmt.Sprintf(format, args...))
}

// decodeArgs reads raw tool arguments (JSON bytes or an already decoded
// value) into a T and checks every rule of T's tags. Absent arguments and
// explicit nulls both leave a field unset. The error is an *argError.
func decodeArgs[T any](raw any) (T, error) {
	var out T
	o := objectOf(reflect.TypeFor[T]())
	data, ok := raw.(json.RawMessage)
	if !ok && raw != nil {
		var err error
		if data, err = json.Marshal(raw); err != nil {
			return out, &argError{[]string{"arguments: must be a JSON object"}}
		}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = json.RawMessage("{}")
	}
	errs := &argError{}
	o.decode("", data, reflect.ValueOf(&out).Elem(), errs)
	if len(errs.problems) > 0 {
		return out, errs
	}
	return out, nil
}

func (o *object) decode(prefix string, data json.RawMessage, dst reflect.Value, errs *argError) {
	var values map[string]json.RawMessage
	if err := json.Unmarshal(data, &values); err != nil {
		where := "arguments"
		if prefix != "" {
			where = strings.TrimSuffix(prefix, ".")
		}
		errs.add("%s: must be a JSON object with the fields %s", where, o.names())
		return
	}
	var unknown []string
	for name := range values {
		if o.byName[name] == nil {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	what, takes := "argument", "this tool takes"
	if prefix != "" {
		what, takes = "field", strings.TrimSuffix(prefix, ".")+" takes"
	}
	for _, name := range unknown {
		if guess := o.guess(name); guess != "" {
			errs.add("%s%s: unknown %s; did you mean %q?", prefix, clip(name, 60), what, guess)
		} else {
			errs.add("%s%s: unknown %s; %s %s", prefix, clip(name, 60), what, takes, o.names())
		}
	}
	for _, f := range o.fields {
		v, present := values[f.name]
		if !present || string(bytes.TrimSpace(v)) == "null" {
			if f.required {
				errs.add("%s%s: is required; it %s", prefix, f.name, f.expect())
			}
			continue
		}
		fv := dst.Field(f.index)
		if f.pointer {
			p := reflect.New(fv.Type().Elem())
			fv.Set(p)
			fv = p.Elem()
		}
		f.decode(prefix+f.name, v, fv, errs)
	}
}

func (o *object) names() string {
	names := make([]string, len(o.fields))
	for i, f := range o.fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}

// guess returns the field an unknown name probably meant: the same name in
// another case or spelling (memoryId, memory-id), or the one field that ends
// in it (id for memory_id).
func (o *object) guess(name string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(s))
	}
	var suffixed []string
	for _, f := range o.fields {
		if norm(f.name) == norm(name) {
			return f.name
		}
		if strings.HasSuffix(f.name, "_"+strings.ToLower(name)) {
			suffixed = append(suffixed, f.name)
		}
	}
	if len(suffixed) == 1 {
		return suffixed[0]
	}
	return ""
}

// decode reads one present, non-null value into dst (the field itself, or
// the value a pointer field points to).
func (f *field) decode(path string, v json.RawMessage, dst reflect.Value, errs *argError) {
	bad := func() { errs.add("%s: %s (got %s)", path, f.expect(), shorten(v)) }
	switch f.kind {
	case kindString, kindEnum, kindTime:
		s, ok := jsonString(v)
		if !ok {
			bad()
			return
		}
		if problem := f.checkString(f.kind, s, false); problem != "" {
			errs.add("%s: %s", path, problem)
			return
		}
		if f.kind == kindTime {
			t, _ := time.Parse(time.RFC3339, s) // checkString has parsed it already
			dst.Set(reflect.ValueOf(t.UTC()))
			return
		}
		dst.SetString(s)
	case kindBool:
		var b bool
		if json.Unmarshal(v, &b) != nil {
			bad()
			return
		}
		dst.SetBool(b)
	case kindInt, kindNumber:
		var n float64
		if json.Unmarshal(v, &n) != nil || !f.inRange(n) {
			bad()
			return
		}
		if f.kind == kindNumber {
			dst.SetFloat(n)
			return
		}
		dst.SetInt(int64(n))
	case kindList:
		var items []json.RawMessage
		if json.Unmarshal(v, &items) != nil {
			bad()
			return
		}
		if f.maxItems > 0 && len(items) > f.maxItems {
			errs.add("%s: must have at most %d entries (got %d)", path, f.maxItems, len(items))
			return
		}
		list := reflect.MakeSlice(dst.Type(), 0, len(items))
		for i, item := range items {
			s, ok := jsonString(item)
			if !ok {
				errs.add("%s[%d]: %s (got %s)", path, i, f.expectItem(), shorten(item))
				continue
			}
			if problem := f.checkString(f.item, s, true); problem != "" {
				errs.add("%s[%d]: %s", path, i, problem)
				continue
			}
			list = reflect.Append(list, reflect.ValueOf(s).Convert(dst.Type().Elem()))
		}
		dst.Set(list)
	case kindObject:
		f.object.decode(path+".", v, dst, errs)
	case kindStringMap:
		var m map[string]json.RawMessage
		if json.Unmarshal(v, &m) != nil {
			bad()
			return
		}
		if f.maxProps > 0 && len(m) > f.maxProps {
			errs.add("%s: must have at most %d keys (got %d)", path, f.maxProps, len(m))
			return
		}
		out := reflect.MakeMapWithSize(dst.Type(), len(m))
		for _, k := range slices.Sorted(maps.Keys(m)) {
			var s string
			if json.Unmarshal(m[k], &s) != nil {
				errs.add("%s.%s: must be a string (got %s)", path, clip(k, 60), shorten(m[k]))
				continue
			}
			out.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(s))
		}
		dst.Set(out)
	}
}

// jsonString decodes v, part of a valid JSON document, if it is a string.
// A string without escapes, the usual case, is taken as it is: decoding it
// would scan it twice more.
func jsonString(v json.RawMessage) (string, bool) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v) {
		return string(v[1 : len(v)-1]), true
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err == nil
}

// checkString checks a string value of kind k: the field's own value, or
// with item set, one entry of a list. It returns what is wrong, or "".
func (f *field) checkString(k argKind, s string, item bool) string {
	switch k {
	case kindEnum:
		if slices.Contains(f.enum, s) {
			return ""
		}
		for _, e := range f.enum {
			if strings.EqualFold(e, s) {
				return fmt.Sprintf("%q is not allowed; did you mean %q?", s, e)
			}
		}
		return fmt.Sprintf("%q is not allowed; use one of %s", clip(s, 40), strings.Join(f.enum, ", "))
	case kindTime:
		if _, err := time.Parse(time.RFC3339, s); err != nil {
			return fmt.Sprintf("must be an RFC 3339 date-time such as 2025-01-31T09:00:00Z (got %q)", clip(s, 40))
		}
		return ""
	}
	minLen, maxLen := f.minLength, f.maxLength
	if item {
		minLen, maxLen = 0, f.itemMaxLen
	}
	n := utf8.RuneCountInString(s)
	if minLen > 0 && n < minLen {
		return "must not be empty"
	}
	if maxLen > 0 && n > maxLen {
		return fmt.Sprintf("must be at most %d characters (got %d)", maxLen, n)
	}
	return ""
}

func (f *field) inRange(n float64) bool {
	if f.kind == kindInt && (n != math.Trunc(n) || math.Abs(n) > 1<<53) {
		return false
	}
	return (f.minimum == nil || n >= *f.minimum) && (f.maximum == nil || n <= *f.maximum)
}

// expect says in words what a valid value of f looks like.
func (f *field) expect() string {
	switch f.kind {
	case kindEnum:
		return "must be one of " + strings.Join(f.enum, ", ")
	case kindTime:
		return "must be an RFC 3339 date-time such as 2025-01-31T09:00:00Z"
	case kindBool:
		return "must be true or false"
	case kindInt:
		return "must be a whole number" + f.bounds()
	case kindNumber:
		return "must be a number" + f.bounds()
	case kindList:
		s := "must be a list of strings"
		switch {
		case f.item == kindEnum:
			s += " from " + strings.Join(f.enum, ", ")
		case f.itemMaxLen > 0:
			s += fmt.Sprintf(" of at most %d characters each", f.itemMaxLen)
		}
		if f.maxItems > 0 {
			s += fmt.Sprintf(", at most %d of them", f.maxItems)
		}
		return s
	case kindObject:
		return "must be an object with the fields " + f.object.names()
	case kindStringMap:
		return "must be an object whose values are strings"
	}
	s := "must be a string"
	if f.minLength > 0 {
		s = "must be a non-empty string"
	}
	if f.maxLength > 0 {
		s += fmt.Sprintf(" of at most %d characters", f.maxLength)
	}
	return s
}

// expectItem says what one entry of a list field must be.
func (f *field) expectItem() string {
	if f.item == kindEnum {
		return "must be one of " + strings.Join(f.enum, ", ")
	}
	if f.itemMaxLen > 0 {
		return fmt.Sprintf("must be a string of at most %d characters", f.itemMaxLen)
	}
	return "must be a string"
}

func (f *field) bounds() string {
	num := func(p *float64) string { return strconv.FormatFloat(*p, 'f', -1, 64) }
	switch {
	case f.minimum != nil && f.maximum != nil:
		return " between " + num(f.minimum) + " and " + num(f.maximum)
	case f.minimum != nil:
		return " of at least " + num(f.minimum)
	case f.maximum != nil:
		return " of at most " + num(f.maximum)
	}
	return ""
}

// shorten returns a JSON value for an error message, clipped so a huge
// wrong value cannot blow up the reply.
func shorten(v json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return clip(string(v), 40)
	}
	return clip(b.String(), 40)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
