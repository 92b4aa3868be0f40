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
	"sync"
	"time"
	"unicode/utf8"

	"github.com/engramhq/engram/backend"
)

// Tool arguments are typed structs whose tags say everything about each
// field: `json` names it, `jsonschema_description` explains it, and
// `jsonschema` holds the rules (required, minimum=, maximum=, minLength=,
// maxLength=, maxItems=, itemMaxLength=, maxProperties=, default=). Enums
// come from the field's domain type (backend.MemoryType and friends).
//
// One reading of those tags gives both the input schema the assistant sees
// and the decoder that checks a call, so the two cannot disagree. mcp-go's
// WithInputSchema[T] cannot carry bounds (its generator, google/jsonschema-go,
// takes only a description from the jsonschema tag, and mcp-go adds enums
// but not on array items), and its typed handlers report bind errors as
// "json: cannot unmarshal string into Go struct field …", which names a Go
// type rather than the argument and says nothing about the allowed values.

// enumValues lists the values of each enum type arguments may use.
var enumValues = map[reflect.Type][]string{
	reflect.TypeFor[backend.MemoryType]():       enumStrings(backend.MemoryTypes),
	reflect.TypeFor[backend.RelationshipType](): enumStrings(backend.RelationshipTypes),
	reflect.TypeFor[backend.TagMode]():          {string(backend.TagsAny), string(backend.TagsAll)},
	reflect.TypeFor[backend.Direction]():        {string(backend.DirOut), string(backend.DirIn), string(backend.DirBoth)},
}

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

var timeType = reflect.TypeFor[time.Time]()

// argKind is how a field's JSON value is read.
type argKind int

const (
	kindString argKind = iota
	kindEnum
	kindTime
	kindBool
	kindInt
	kindNumber
	kindList
	kindObject
	kindStringMap
)

// field is one argument (or one field of a nested object) and its rules.
type field struct {
	name        string
	index       int
	kind        argKind
	pointer     bool // the Go field is a pointer: absent stays nil
	description string
	required    bool
	enum        []string // kindEnum, or the items of a kindList
	minimum     *float64
	maximum     *float64
	minLength   int
	maxLength   int
	maxItems    int
	itemMaxLen  int
	maxProps    int
	def         json.RawMessage
	item        argKind // the kind of a kindList's items
	object      *object // kindObject
}

// object is the set of fields of an argument struct.
type object struct {
	fields []*field
	byName map[string]*field
}

var objects sync.Map // reflect.Type -> *object

// objectOf returns the fields of struct type t. A malformed tag is a
// programming error: it panics, and since the tool registry is built when
// the package loads, every test catches it.
func objectOf(t reflect.Type) *object {
	if o, ok := objects.Load(t); ok {
		return o.(*object)
	}
	o := &object{byName: map[string]*field{}}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if !sf.IsExported() || name == "" || name == "-" {
			panic(fmt.Sprintf("mcp: argument field %s.%s needs a json name", t, sf.Name))
		}
		f := &field{name: name, index: i, description: sf.Tag.Get("jsonschema_description")}
		ft := sf.Type
		if ft.Kind() == reflect.Pointer {
			f.pointer = true
			ft = ft.Elem()
		}
		f.kind, f.enum = kindOf(ft)
		switch f.kind {
		case kindList:
			f.item, f.enum = kindOf(ft.Elem())
			if f.item != kindString && f.item != kindEnum {
				panic(fmt.Sprintf("mcp: argument field %s.%s: only lists of strings are supported", t, sf.Name))
			}
		case kindObject:
			f.object = objectOf(ft)
		}
		parseRules(t, sf, f)
		o.fields = append(o.fields, f)
		o.byName[name] = f
	}
	actual, _ := objects.LoadOrStore(t, o)
	return actual.(*object)
}

func kindOf(t reflect.Type) (argKind, []string) {
	if vs, ok := enumValues[t]; ok {
		return kindEnum, vs
	}
	if t == timeType {
		return kindTime, nil
	}
	switch t.Kind() {
	case reflect.String:
		return kindString, nil
	case reflect.Bool:
		return kindBool, nil
	case reflect.Int, reflect.Int64:
		return kindInt, nil
	case reflect.Float64:
		return kindNumber, nil
	case reflect.Slice:
		return kindList, nil
	case reflect.Struct:
		return kindObject, nil
	case reflect.Map:
		if t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.String {
			return kindStringMap, nil
		}
	}
	panic(fmt.Sprintf("mcp: unsupported argument type %s", t))
}

func parseRules(t reflect.Type, sf reflect.StructField, f *field) {
	tag, ok := sf.Tag.Lookup("jsonschema")
	if !ok {
		return
	}
	for rule := range strings.SplitSeq(tag, ",") {
		key, val, _ := strings.Cut(rule, "=")
		num := func() float64 {
			v, err := strconv.ParseFloat(val, 64)
			if err != nil {
				panic(fmt.Sprintf("mcp: %s.%s: rule %q needs a number", t, sf.Name, rule))
			}
			return v
		}
		switch key {
		case "required":
			f.required = true
		case "minimum":
			f.minimum = new(num())
		case "maximum":
			f.maximum = new(num())
		case "minLength":
			f.minLength = int(num())
		case "maxLength":
			f.maxLength = int(num())
		case "maxItems":
			f.maxItems = int(num())
		case "itemMaxLength":
			f.itemMaxLen = int(num())
		case "maxProperties":
			f.maxProps = int(num())
		case "default":
			if !json.Valid([]byte(val)) {
				panic(fmt.Sprintf("mcp: %s.%s: default %q is not JSON", t, sf.Name, val))
			}
			f.def = json.RawMessage(val)
		default:
			panic(fmt.Sprintf("mcp: %s.%s: unknown rule %q", t, sf.Name, rule))
		}
	}
}

// ---- schema ----

// orderedObject is a JSON object that keeps its keys in insertion order, so
// a schema lists properties in field order (the important ones first)
// rather than alphabetically.
type orderedObject struct {
	keys []string
	vals map[string]any
}

func (o *orderedObject) set(k string, v any) *orderedObject {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

// MarshalJSON writes the keys in insertion order.
func (o *orderedObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(k)
		val, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// inputSchema returns the JSON schema of argument struct T.
func inputSchema[T any]() json.RawMessage {
	raw, err := json.Marshal(objectOf(reflect.TypeFor[T]()).schema())
	if err != nil {
		panic(fmt.Sprintf("mcp: schema of %s: %v", reflect.TypeFor[T](), err))
	}
	return raw
}

func (o *object) schema() *orderedObject {
	props := &orderedObject{}
	required := []string{}
	for _, f := range o.fields {
		props.set(f.name, f.schema())
		if f.required {
			required = append(required, f.name)
		}
	}
	s := (&orderedObject{}).set("type", "object").set("properties", props)
	if len(required) > 0 {
		s.set("required", required)
	}
	return s.set("additionalProperties", false)
}

func (f *field) schema() *orderedObject {
	s := &orderedObject{}
	switch f.kind {
	case kindList:
		item := scalarSchema(f.item, f.enum)
		if f.itemMaxLen > 0 {
			item.set("maxLength", f.itemMaxLen)
		}
		s.set("type", "array").set("items", item)
		if f.maxItems > 0 {
			s.set("maxItems", f.maxItems)
		}
	case kindObject:
		s = f.object.schema()
	case kindStringMap:
		s.set("type", "object").set("additionalProperties", map[string]string{"type": "string"})
		if f.maxProps > 0 {
			s.set("maxProperties", f.maxProps)
		}
	default:
		s = scalarSchema(f.kind, f.enum)
	}
	if f.description != "" {
		s.set("description", f.description)
	}
	if f.minimum != nil {
		s.set("minimum", *f.minimum)
	}
	if f.maximum != nil {
		s.set("maximum", *f.maximum)
	}
	if f.minLength > 0 {
		s.set("minLength", f.minLength)
	}
	if f.maxLength > 0 {
		s.set("maxLength", f.maxLength)
	}
	if f.def != nil {
		s.set("default", f.def)
	}
	return s
}

func scalarSchema(k argKind, enum []string) *orderedObject {
	s := &orderedObject{}
	switch k {
	case kindString:
		s.set("type", "string")
	case kindEnum:
		s.set("type", "string").set("enum", enum)
	case kindTime:
		s.set("type", "string").set("format", "date-time")
	case kindBool:
		s.set("type", "boolean")
	case kindInt:
		s.set("type", "integer")
	case kindNumber:
		s.set("type", "number")
	}
	return s
}

// ---- decoding ----

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
		var s string
		if json.Unmarshal(v, &s) != nil {
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
			var s string
			if json.Unmarshal(item, &s) != nil {
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
