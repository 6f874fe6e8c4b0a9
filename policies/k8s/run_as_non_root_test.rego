package k8s.run_as_non_root_test

import data.k8s.run_as_non_root as rule
import data.lib.fixtures_test as f

_no_user := f.container_without(["securityContext/runAsNonRoot"])

_paths(obj) := paths if {
	paths := {r.path | some r in rule.deny} with input as obj
}

test_container_root_uid_denied if {
	obj := f.deployment(f.pod_spec(f.container({"securityContext": {"runAsUser": 0}})))
	rule.deny == {{
		"msg": "Deployment 'web': container 'app' runs as root (runAsUser 0); use a non-zero UID",
		"path": ["spec", "template", "spec", "containers", 0, "securityContext", "runAsUser"],
	}} with input as obj
}

test_pod_root_uid_denied if {
	spec := {"securityContext": {"runAsUser": 0}, "containers": [_no_user]}
	_paths(f.deployment(spec)) == {["spec", "template", "spec", "securityContext", "runAsUser"]}
}

test_container_uid_overrides_pod_uid if {
	spec := {"securityContext": {"runAsUser": 0}, "containers": [f.container({"securityContext": {"runAsUser": 1000}})]}
	count(_paths(f.deployment(spec))) == 0
}

test_no_user_denied if {
	obj := f.deployment(f.pod_spec(_no_user))
	rule.deny == {{
		"msg": "Deployment 'web': container 'app' may run as root; set securityContext.runAsNonRoot to true or a non-zero runAsUser",
		"path": ["spec", "template", "spec", "containers", 0, "securityContext"],
	}} with input as obj
}

test_no_security_context_points_at_container if {
	_paths(f.pod(f.pod_spec({"name": "app"}))) == {["spec", "containers", 0]}
}

test_explicit_false_points_at_it if {
	spec := {"securityContext": {"runAsNonRoot": false}, "containers": [_no_user]}
	_paths(f.pod(spec)) == {["spec", "securityContext", "runAsNonRoot"]}
}

test_container_false_overrides_pod_true if {
	spec := {"securityContext": {"runAsNonRoot": true}, "containers": [f.container({"securityContext": {"runAsNonRoot": false}})]}
	_paths(f.pod(spec)) == {["spec", "containers", 0, "securityContext", "runAsNonRoot"]}
}

test_pod_level_non_root_allowed if {
	spec := {"securityContext": {"runAsNonRoot": true}, "containers": [_no_user], "initContainers": [{"name": "init"}]}
	count(_paths(f.pod(spec))) == 0
}

test_non_zero_uid_allowed if {
	count(_paths(f.pod(f.pod_spec(f.container({"securityContext": {"runAsUser": 10001}}))))) == 0
	count(_paths(f.pod({"securityContext": {"runAsUser": 10001}, "containers": [_no_user]}))) == 0
}

test_compliant_allowed if {
	count(_paths(f.deployment(f.good_pod_spec))) == 0
}
