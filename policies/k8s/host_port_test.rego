package k8s.host_port_test

import data.k8s.host_port as rule
import data.lib.fixtures_test as f

test_host_port_warned if {
	c := f.container({"ports": [{"containerPort": 8080}, {"containerPort": 9090, "hostPort": 9090}]})
	rule.warn == {{
		"msg": "Deployment 'web': container 'app' binds host port 9090; expose it with a Service instead",
		"path": ["spec", "template", "spec", "containers", 0, "ports", 1, "hostPort"],
	}} with input as f.deployment(f.pod_spec(c))
}

test_no_host_port_allowed if {
	count(rule.warn) == 0 with input as f.deployment(f.good_pod_spec)
	c := f.container({"ports": [{"containerPort": 8080, "hostPort": 0}]})
	count(rule.warn) == 0 with input as f.deployment(f.pod_spec(c))
}
