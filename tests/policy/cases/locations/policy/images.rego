package main

# Results carry the offending field's path: as a list ...
deny contains {"msg": msg, "path": ["spec", "template", "spec", "containers", i, "image"]} if {
	some i, container in input.spec.template.spec.containers
	endswith(container.image, ":latest")
	msg := sprintf("container %s uses the latest tag", [container.name])
}

# ... or as text.
warn contains {"msg": msg, "path": sprintf("spec.template.spec.containers[%d].resources", [i])} if {
	some i, container in input.spec.template.spec.containers
	not container.resources.limits
	msg := sprintf("container %s has no resource limits", [container.name])
}

# Without a path the finding is on the object's first line.
violation contains {"msg": msg} if {
	not input.metadata.labels.team
	msg := sprintf("%s has no team label", [input.metadata.name])
}
