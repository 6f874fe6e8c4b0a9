# METADATA
# title: Containers must not allow privilege escalation
# description: >-
#   Unless allowPrivilegeEscalation is explicitly false, a process can gain more
#   privileges than its parent (setuid binaries, file capabilities).
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
# custom:
#   id: K8S-002
#   severity: error
#   fix:
#     value: false
#     fields: [allowPrivilegeEscalation]
#     description: Set securityContext.allowPrivilegeEscalation to false.
package k8s.privilege_escalation

import data.lib.kubernetes as k8s

deny contains result if {
	some c in k8s.containers
	object.get(c.container, ["securityContext", "allowPrivilegeEscalation"], null) != false
	result := {
		"msg": sprintf("%s: %s allows privilege escalation; set securityContext.allowPrivilegeEscalation to false", [k8s.resource, c.label]),
		"path": k8s.nearest_path(c.container, c.path, ["securityContext", "allowPrivilegeEscalation"]),
	}
}
