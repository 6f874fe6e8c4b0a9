package main

# METADATA
# title: Containers must not run as root
# description: Set securityContext.runAsNonRoot on every container.
# related_resources:
# - https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
# custom:
#   id: K8S-001
deny contains msg if {
	input.kind == "Deployment"
	not input.spec.template.spec.securityContext.runAsNonRoot
	msg := sprintf("Deployment %s: containers must not run as root", [input.metadata.name])
}

warn contains msg if {
	input.kind == "Deployment"
	some container in input.spec.template.spec.containers
	endswith(container.image, ":latest")
	msg := sprintf("container %s uses the latest tag", [container.name])
}

violation contains {"msg": msg, "details": {"replicas": input.spec.replicas}} if {
	input.kind == "Deployment"
	input.spec.replicas < 2
	msg := sprintf("Deployment %s should have at least 2 replicas", [input.metadata.name])
}

deny_missing_team contains msg if {
	not input.metadata.labels.team
	msg := sprintf("%s %s has no team label", [input.kind, input.metadata.name])
}

# METADATA
# custom:
#   severity: info
warn_no_probe contains msg if {
	input.kind == "Deployment"
	some container in input.spec.template.spec.containers
	not container.readinessProbe
	msg := sprintf("container %s has no readiness probe", [container.name])
}
