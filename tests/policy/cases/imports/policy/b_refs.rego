package main

# Calls the library by its full name, without an import: pushed before the library,
# this module fails to compile until the library is there, and is retried.
warn contains msg if {
	data.lib.k8s.is_workload(input)
	count(data.lib.k8s.containers(input)) == 1
	msg := sprintf("%s/%s runs a single container", [input.kind, input.metadata.name])
}
