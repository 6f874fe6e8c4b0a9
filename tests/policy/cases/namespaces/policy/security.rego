package k8s.security

deny_privileged contains msg if {
	some container in input.spec.template.spec.containers
	container.securityContext.privileged
	msg := sprintf("k8s.security: container %s is privileged", [container.name])
}
