package mcp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

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
