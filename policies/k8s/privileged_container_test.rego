package k8s.privileged_container_test

import data.k8s.privileged_container as rule
import data.lib.fixtures_test as f

test_privileged_container_denied if {
	obj := f.deployment(f.pod_spec(f.container({"securityContext": {"privileged": true}})))
	rule.deny == {{
		"msg": "Deployment 'web': container 'app' runs privileged; set securityContext.privileged to false",
		"path": ["spec", "template", "spec", "containers", 0, "securityContext", "privileged"],
	}} with input as obj
}

test_privileged_init_container_in_cronjob_denied if {
	spec := {"containers": [f.good_container], "initContainers": [{"name": "setup", "securityContext": {"privileged": true}}]}
	[r] := [r | some r in rule.deny] with input as f.cronjob(spec)
	r.path == ["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "securityContext", "privileged"]
	contains(r.msg, "init container 'setup'")
}

test_unprivileged_allowed if {
	count(rule.deny) == 0 with input as f.deployment(f.good_pod_spec)
	count(rule.deny) == 0 with input as f.deployment(f.pod_spec(f.container({"securityContext": {"privileged": false}})))
}
