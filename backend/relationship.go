package backend

import (
	"time"
	"unicode/utf8"
)

// Relationship is a directed, typed edge between two memories. There is at
// most one per (FromID, ToID, Type).
type Relationship struct {
	ID            string           `json:"id"`
	FromID        string           `json:"from_id"`
	ToID          string           `json:"to_id"`
	Type          RelationshipType `json:"type"`
	Strength      float64          `json:"strength"`
	Confidence    float64          `json:"confidence"`
	Context       string           `json:"context,omitempty"`
	EvidenceCount int64            `json:"evidence_count"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// Validate checks every field of r and names the first one that breaks a rule.
func (r *Relationship) Validate() error {
	if err := ValidateID("from_memory_id", r.FromID); err != nil {
		return err
	}
	if err := ValidateID("to_memory_id", r.ToID); err != nil {
		return err
	}
	if r.FromID == r.ToID {
		return Invalid("to_memory_id", "a memory cannot be related to itself; pick two different memories")
	}
	if !r.Type.Valid() {
		return Invalid("relationship_type", "%q is not a relationship type; use one of %v", r.Type, RelationshipTypes)
	}
	if err := ValidateUnit("strength", r.Strength); err != nil {
		return err
	}
	if err := ValidateUnit("confidence", r.Confidence); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(r.Context); n > MaxRelContextChars {
		return Invalid("context", "must be at most %d characters (got %d)", MaxRelContextChars, n)
	}
	return validUTF8("context", r.Context)
}
