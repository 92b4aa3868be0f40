package backend

import (
	"math"
	"strings"
	"testing"
)

func TestRelationshipValidate(t *testing.T) {
	valid := func() *Relationship {
		return &Relationship{FromID: "a", ToID: "b", Type: RelSolves, Strength: DefaultStrength, Confidence: DefaultConfidence}
	}
	tests := []struct {
		name  string
		edit  func(*Relationship)
		field string
	}{
		{"Valid", func(*Relationship) {}, ""},
		{"EveryType", func(r *Relationship) { r.Type = "VALIDATED_BY" }, ""},
		{"FromEmpty", func(r *Relationship) { r.FromID = "" }, "from_memory_id"},
		{"FromControl", func(r *Relationship) { r.FromID = "a\nb" }, "from_memory_id"},
		{"ToEmpty", func(r *Relationship) { r.ToID = "" }, "to_memory_id"},
		{"ToTooLong", func(r *Relationship) { r.ToID = strings.Repeat("x", MaxIDChars+1) }, "to_memory_id"},
		{"BothEmptyNamesFrom", func(r *Relationship) { r.FromID, r.ToID = "", "" }, "from_memory_id"},
		{"SelfLoop", func(r *Relationship) { r.ToID = r.FromID }, "to_memory_id"},
		{"TypeEmpty", func(r *Relationship) { r.Type = "" }, "relationship_type"},
		{"TypeLowerCase", func(r *Relationship) { r.Type = "solves" }, "relationship_type"},
		{"TypeUnknown", func(r *Relationship) { r.Type = "KNOWS" }, "relationship_type"},
		{"TypeInjection", func(r *Relationship) { r.Type = "SOLVES]->(x) DETACH DELETE x //" }, "relationship_type"},
		{"StrengthZero", func(r *Relationship) { r.Strength = 0 }, ""},
		{"StrengthOne", func(r *Relationship) { r.Strength = 1 }, ""},
		{"StrengthAboveOne", func(r *Relationship) { r.Strength = 1.01 }, "strength"},
		{"StrengthNaN", func(r *Relationship) { r.Strength = math.NaN() }, "strength"},
		{"ConfidenceNegative", func(r *Relationship) { r.Confidence = -1 }, "confidence"},
		{"Context1000", func(r *Relationship) { r.Context = strings.Repeat("é", MaxRelContextChars) }, ""},
		{"Context1001", func(r *Relationship) { r.Context = strings.Repeat("é", MaxRelContextChars+1) }, "context"},
		{"ContextInvalidUTF8", func(r *Relationship) { r.Context = "\xff" }, "context"},
		{"ContextNUL", func(r *Relationship) { r.Context = "\x00" }, "context"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := valid()
			tt.edit(r)
			wantField(t, r.Validate(), tt.field)
		})
	}
}

func TestTypes(t *testing.T) {
	if len(MemoryTypes) != 13 {
		t.Errorf("%d memory types, want 13", len(MemoryTypes))
	}
	if len(RelationshipCategories) != 7 || len(RelationshipTypes) != 35 {
		t.Errorf("%d categories, %d relationship types, want 7 and 35", len(RelationshipCategories), len(RelationshipTypes))
	}
	seen := map[RelationshipType]bool{}
	for _, c := range RelationshipCategories {
		if len(c.Types) != 5 {
			t.Errorf("category %s has %d types, want 5", c.Name, len(c.Types))
		}
		for _, typ := range c.Types {
			if seen[typ] {
				t.Errorf("%s listed twice", typ)
			}
			seen[typ] = true
			if !typ.Valid() || typ.Category() != c.Name {
				t.Errorf("%s: valid %v category %q, want true %q", typ, typ.Valid(), typ.Category(), c.Name)
			}
			if strings.ToUpper(string(typ)) != string(typ) {
				t.Errorf("%s is not upper case", typ)
			}
		}
	}
	for _, typ := range ResolvingTypes {
		if !typ.Valid() {
			t.Errorf("resolving type %s is not a relationship type", typ)
		}
	}
	for _, typ := range []RelationshipType{"", "solves", "KNOWS", "SOLVES "} {
		if typ.Valid() || typ.Category() != "" {
			t.Errorf("%q: valid %v category %q, want false empty", typ, typ.Valid(), typ.Category())
		}
	}
	for _, typ := range MemoryTypes {
		if !typ.Valid() {
			t.Errorf("%s is not valid", typ)
		}
	}
	for _, typ := range []MemoryType{"", "Problem", "note", "problem "} {
		if typ.Valid() {
			t.Errorf("%q is valid", typ)
		}
	}
}

func TestParseTypes(t *testing.T) {
	if typ, err := ParseMemoryType("type", "code_pattern"); err != nil || typ != TypeCodePattern {
		t.Errorf("ParseMemoryType(code_pattern) = %q, %v", typ, err)
	}
	if _, err := ParseMemoryType("memory_type", "pattern"); err == nil {
		t.Errorf("ParseMemoryType(pattern) succeeded")
	} else {
		wantField(t, err, "memory_type")
	}
	if typ, err := ParseRelationshipType("relationship_type", "DEPENDS_ON"); err != nil || typ != "DEPENDS_ON" {
		t.Errorf("ParseRelationshipType(DEPENDS_ON) = %q, %v", typ, err)
	}
	if _, err := ParseRelationshipType("relationship_type", "depends_on"); err == nil {
		t.Errorf("ParseRelationshipType(depends_on) succeeded")
	} else {
		wantField(t, err, "relationship_type")
	}
}
