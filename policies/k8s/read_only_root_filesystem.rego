# METADATA
# title: Containers should use a read-only root filesystem
# description: >-
#   A writable root filesystem lets an attacker drop tools and persist changes in the
#   container. Set readOnlyRootFilesystem to true and mount an emptyDir where the
#   application must write.
# related_resources:
#   - ref: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/
# custom:
#   id: K8S-012
#   severity: warning
package k8s.read_only_root_filesystem

import data.lib.kubernetes as k8s

warn contains result if {
	some c in k8s.containers
	object.get(c.container, ["securityContext", "readOnlyRootFilesystem"], null) != true
	result := {
		"msg": sprintf("%s: %s has a writable root filesystem; set securityContext.readOnlyRootFilesystem to true", [k8s.resource, c.label]),
		"path": k8s.nearest_path(c.container, c.path, ["securityContext", "readOnlyRootFilesystem"]),
	}
}
