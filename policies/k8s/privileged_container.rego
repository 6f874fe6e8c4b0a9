# METADATA
# title: Containers must not run privileged
# description: >-
#   A privileged container has every capability and access to all host devices:
#   a compromise of it is a compromise of the node.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
# custom:
#   id: K8S-001
#   severity: error
#   fix:
#     value: false
#     fields: [privileged]
#     description: Set securityContext.privileged to false.
package k8s.privileged_container

import data.lib.kubernetes as k8s

deny contains result if {
	some c in k8s.containers
	c.container.securityContext.privileged == true
	result := {
		"msg": sprintf("%s: %s runs privileged; set securityContext.privileged to false", [k8s.resource, c.label]),
		"path": array.concat(c.path, ["securityContext", "privileged"]),
	}
}
