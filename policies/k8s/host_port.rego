# METADATA
# title: Containers should not bind host ports
# description: >-
#   A hostPort binds the port on the node's address: it limits scheduling to one
#   such pod per node and bypasses network policies. Expose the port with a Service.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/configuration/overview/#services
# custom:
#   id: K8S-015
#   severity: warning
package k8s.host_port

import data.lib.kubernetes as k8s

warn contains result if {
	some c in k8s.containers
	some i, port in c.container.ports
	object.get(port, "hostPort", 0) != 0
	result := {
		"msg": sprintf("%s: %s binds host port %v; expose it with a Service instead", [k8s.resource, c.label, port.hostPort]),
		"path": array.concat(c.path, ["ports", i, "hostPort"]),
	}
}
