package main

deny contains msg if {
	some container in input.spec.template.spec.containers
	not allowed(container.image)
	msg := sprintf("image %s is not from an allowed registry", [container.image])
}

allowed(image) if {
	some prefix in data.registries.allowed
	startswith(image, prefix)
}

warn contains msg if {
	input.spec.replicas > data.limits.max_replicas
	msg := sprintf("%s: %d replicas is more than %d", [input.metadata.name, input.spec.replicas, data.limits.max_replicas])
}
