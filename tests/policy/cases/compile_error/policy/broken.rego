package main

warn contains msg if {
	input.kind == "Service"
	msg := no_such_function(input.metadata.name)
}
