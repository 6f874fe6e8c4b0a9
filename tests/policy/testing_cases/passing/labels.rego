# A tiny policy with full test coverage.
package labels

deny contains msg if {
	not input.metadata.labels.team
	msg := "the object has no team label"
}
