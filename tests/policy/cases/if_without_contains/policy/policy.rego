package main

# In Rego v1 this is a map from msg to true, not a set of messages: conftest refuses it.
deny[msg] if {
	input.kind == "Service"
	msg := "services are not allowed"
}
