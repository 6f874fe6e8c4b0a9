package main

import data.lib.k8s

# Uses a function from a module that sorts after this one: upload order must not matter.
deny contains msg if {
	k8s.is_workload(input)
	some container in k8s.containers(input)
	not container.resources.limits.memory
	msg := sprintf("%s/%s: container %s has no memory limit", [input.kind, input.metadata.name, container.name])
}
