package main

deny_run_as_root contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("%s runs as root", [input.metadata.name])
}

deny contains msg if {
	not input.metadata.labels.owner
	msg := sprintf("%s has no owner label", [input.metadata.name])
}

warn_latest contains msg if {
	some container in input.spec.template.spec.containers
	endswith(container.image, ":latest")
	msg := sprintf("%s uses a latest image", [input.metadata.name])
}

violation_replicas contains {"msg": msg} if {
	input.spec.replicas == 1
	msg := sprintf("%s has a single replica", [input.metadata.name])
}

exception contains rules if {
	input.metadata.name == "legacy"
	rules := ["run_as_root", "latest"]
}

exception contains rules if {
	input.metadata.annotations["policy/skip-owner"] == "true"
	rules := [""]
}
