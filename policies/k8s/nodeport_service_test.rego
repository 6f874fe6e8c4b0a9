package k8s.nodeport_service_test

import data.k8s.nodeport_service as rule

_service(type) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": type, "ports": [{"port": 80}]}}

test_node_port_warned if {
	rule.warn == {{
		"msg": "Service 'web' is of type NodePort; use ClusterIP behind an Ingress or Gateway, or LoadBalancer",
		"path": ["spec", "type"],
	}} with input as _service("NodePort")
}

test_other_types_allowed if {
	count(rule.warn) == 0 with input as _service("ClusterIP")
	count(rule.warn) == 0 with input as _service("LoadBalancer")
	count(rule.warn) == 0 with input as {"kind": "Service", "spec": {}}
}
