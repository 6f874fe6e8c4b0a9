package main

deny contains msg if {
	input.kind == "Deployment"
	msg := sprintf("main: %s", [input.metadata.name])
}
