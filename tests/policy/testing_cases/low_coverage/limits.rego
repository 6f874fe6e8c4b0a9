package limits

deny contains msg if {
	input.replicas > 10
	msg := "too many replicas"
}

deny contains msg if {
	input.replicas < 1
	msg := "no replicas"
}
