# METADATA
# title: Services should not be of type NodePort
# description: >-
#   A NodePort service opens the same port on every node, bypassing ingress controls
#   and load balancers. Use a ClusterIP service behind an Ingress or Gateway, or a
#   LoadBalancer service.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
# custom:
#   id: K8S-011
#   severity: warning
package k8s.nodeport_service

import data.lib.kubernetes as k8s

warn contains result if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	result := {
		"msg": sprintf("%s is of type NodePort; use ClusterIP behind an Ingress or Gateway, or LoadBalancer", [k8s.resource]),
		"path": ["spec", "type"],
	}
}
