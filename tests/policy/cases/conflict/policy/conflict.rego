package main

replicas := 1

replicas := 2 if input.kind == "Deployment"

deny contains msg if {
	replicas > 1
	msg := "never reached"
}
