package k8s.apps

warn contains msg if {
	input.kind == "Deployment"
	input.spec.replicas > 5
	msg := sprintf("k8s.apps: %s runs %d replicas", [input.metadata.name, input.spec.replicas])
}
