# METADATA
# title: Containers must drop all capabilities
# description: >-
#   The default capability set of a container runtime is wider than most
#   applications need. Drop ALL and add back only what the process needs
#   (NET_BIND_SERVICE at most, for the restricted Pod Security Standard).
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
# custom:
#   id: K8S-013
#   severity: error
package k8s.drop_all_capabilities

import data.lib.kubernetes as k8s

deny contains result if {
	some c in k8s.containers
	not _drops_all(c.container)
	result := {
		"msg": sprintf("%s: %s does not drop all capabilities; set securityContext.capabilities.drop to [\"ALL\"]", [k8s.resource, c.label]),
		"path": k8s.nearest_path(c.container, c.path, ["securityContext", "capabilities", "drop"]),
	}
}

_drops_all(container) if {
	some name in container.securityContext.capabilities.drop
	k8s.capability(name) == "ALL"
}
