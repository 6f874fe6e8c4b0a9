# METADATA
# title: Containers must run as a non-root user
# description: >-
#   Containers must either set runAsNonRoot to true or run with a non-zero
#   runAsUser, in the container's securityContext or the pod's (the container's wins).
#   An explicit runAsUser 0 is always a violation.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
# custom:
#   id: K8S-003
#   severity: error
package k8s.run_as_non_root

import data.lib.kubernetes as k8s

# An explicit root UID, where it is set (container level wins over pod level).
deny contains result if {
	some c in k8s.containers
	[uid, path] := _effective(c, "runAsUser")
	uid == 0
	result := {
		"msg": sprintf("%s: %s runs as root (runAsUser 0); use a non-zero UID", [k8s.resource, c.label]),
		"path": path,
	}
}

# No guarantee of a non-root user at all.
deny contains result if {
	some c in k8s.containers
	not _effective(c, "runAsUser")
	not _non_root_required(c)
	result := {
		"msg": sprintf("%s: %s may run as root; set securityContext.runAsNonRoot to true or a non-zero runAsUser", [k8s.resource, c.label]),
		"path": _missing_path(c),
	}
}

# [value, field path] of a securityContext setting: the container's, else the pod's.
_effective(c, field) := [c.container.securityContext[field], array.concat(c.path, ["securityContext", field])] if {
	c.container.securityContext[field] != null
} else := [c.pod.securityContext[field], array.concat(c.pod_path, ["securityContext", field])] if {
	c.pod.securityContext[field] != null
}

_non_root_required(c) if {
	[value, _] := _effective(c, "runAsNonRoot")
	value == true
}

# An explicit runAsNonRoot false is what to edit; otherwise the container's securityContext.
_missing_path(c) := path if {
	[value, path] := _effective(c, "runAsNonRoot")
	value == false
} else := k8s.nearest_path(c.container, c.path, ["securityContext", "runAsNonRoot"])
