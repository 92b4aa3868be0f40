package backend

// MemoryType is the kind of a memory. Only the values in MemoryTypes exist.
type MemoryType string

// The 13 memory types.
const (
	TypeTask         MemoryType = "task"
	TypeCodePattern  MemoryType = "code_pattern"
	TypeProblem      MemoryType = "problem"
	TypeSolution     MemoryType = "solution"
	TypeProject      MemoryType = "project"
	TypeTechnology   MemoryType = "technology"
	TypeError        MemoryType = "error"
	TypeFix          MemoryType = "fix"
	TypeCommand      MemoryType = "command"
	TypeFileContext  MemoryType = "file_context"
	TypeWorkflow     MemoryType = "workflow"
	TypeGeneral      MemoryType = "general"
	TypeConversation MemoryType = "conversation"
)

// MemoryTypes lists every memory type in a stable order.
var MemoryTypes = []MemoryType{
	TypeTask, TypeCodePattern, TypeProblem, TypeSolution, TypeProject, TypeTechnology,
	TypeError, TypeFix, TypeCommand, TypeFileContext, TypeWorkflow, TypeGeneral, TypeConversation,
}

// Valid reports whether t is one of MemoryTypes.
func (t MemoryType) Valid() bool {
	for _, v := range MemoryTypes {
		if v == t {
			return true
		}
	}
	return false
}

// RelationshipType is the kind of a directed edge. Only the values in
// RelationshipTypes exist; stores may use it as a native label only after
// checking Valid, so user input never reaches a query as text.
type RelationshipType string

// RelationshipCategory groups five relationship types.
type RelationshipCategory struct {
	Name  string             `json:"name"`
	Types []RelationshipType `json:"types"`
}

// RelationshipCategories lists the 7 categories of 5 types each.
var RelationshipCategories = []RelationshipCategory{
	{"causal", []RelationshipType{"CAUSES", "TRIGGERS", "LEADS_TO", "PREVENTS", "BREAKS"}},
	{"solution", []RelationshipType{"SOLVES", "ADDRESSES", "ALTERNATIVE_TO", "IMPROVES", "REPLACES"}},
	{"context", []RelationshipType{"OCCURS_IN", "APPLIES_TO", "WORKS_WITH", "REQUIRES", "USED_IN"}},
	{"learning", []RelationshipType{"BUILDS_ON", "CONTRADICTS", "CONFIRMS", "GENERALIZES", "SPECIALIZES"}},
	{"similarity", []RelationshipType{"SIMILAR_TO", "VARIANT_OF", "RELATED_TO", "ANALOGY_TO", "OPPOSITE_OF"}},
	{"workflow", []RelationshipType{"FOLLOWS", "DEPENDS_ON", "ENABLES", "BLOCKS", "PARALLEL_TO"}},
	{"quality", []RelationshipType{"EFFECTIVE_FOR", "INEFFECTIVE_FOR", "PREFERRED_OVER", "DEPRECATED_BY", "VALIDATED_BY"}},
}

// Relationship types named in code.
const (
	RelSolves    RelationshipType = "SOLVES"
	RelAddresses RelationshipType = "ADDRESSES"
	RelRelatedTo RelationshipType = "RELATED_TO"
)

// RelationshipTypes lists all 35 relationship types, category by category.
var RelationshipTypes = func() []RelationshipType {
	var all []RelationshipType
	for _, c := range RelationshipCategories {
		all = append(all, c.Types...)
	}
	return all
}()

// Valid reports whether t is one of RelationshipTypes.
func (t RelationshipType) Valid() bool {
	return t.Category() != ""
}

// Category returns the category of t, or "" when t is not a known type.
func (t RelationshipType) Category() string {
	for _, c := range RelationshipCategories {
		for _, v := range c.Types {
			if v == t {
				return c.Name
			}
		}
	}
	return ""
}

// ResolvingTypes are the edge types that mark a problem or error as resolved
// when they point at it.
var ResolvingTypes = []RelationshipType{RelSolves, RelAddresses}

// ParseMemoryType returns the memory type named s or an EINVALID error for field.
func ParseMemoryType(field, s string) (MemoryType, error) {
	t := MemoryType(s)
	if !t.Valid() {
		return "", Invalid(field, "%q is not a memory type; use one of %v", s, MemoryTypes)
	}
	return t, nil
}

// ParseRelationshipType returns the relationship type named s or an EINVALID
// error for field.
func ParseRelationshipType(field, s string) (RelationshipType, error) {
	t := RelationshipType(s)
	if !t.Valid() {
		return "", Invalid(field, "%q is not a relationship type; use one of %v", s, RelationshipTypes)
	}
	return t, nil
}
