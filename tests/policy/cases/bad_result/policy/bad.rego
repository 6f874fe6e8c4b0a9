package main

deny contains {"message": "a result object needs a msg field"} if {
	input.kind == "Service"
}
