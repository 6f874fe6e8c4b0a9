# METADATA
# title: Containers must not add dangerous capabilities
# description: >-
#   SYS_ADMIN is close to root on the node, NET_ADMIN can reconfigure the pod's (and
#   with hostNetwork the node's) networking, and the others listed here allow
#   escaping or tampering with the node. Adding ALL undoes any drop.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
# custom:
#   id: K8S-014
#   severity: error
package k8s.dangerous_capabilities

import data.lib.kubernetes as k8s

_dangerous := {
	"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE",
	"SYS_RAWIO", "SYS_BOOT", "BPF", "DAC_READ_SEARCH", "NET_RAW",
}

deny contains result if {
	some c in k8s.containers
	some i, name in c.container.securityContext.capabilities.add
	_dangerous[k8s.capability(name)]
	result := {
		"msg": sprintf("%s: %s adds the capability %s; remove it", [k8s.resource, c.label, name]),
		"path": array.concat(c.path, ["securityContext", "capabilities", "add", i]),
	}
}
