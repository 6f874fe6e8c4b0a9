package k8s.read_only_root_filesystem_test

import data.k8s.read_only_root_filesystem as rule
import data.lib.fixtures_test as f

test_writable_warned if {
	obj := f.deployment(f.pod_spec(f.container({"securityContext": {"readOnlyRootFilesystem": false}})))
	rule.warn == {{
		"msg": "Deployment 'web': container 'app' has a writable root filesystem; set securityContext.readOnlyRootFilesystem to true",
		"path": ["spec", "template", "spec", "containers", 0, "securityContext", "readOnlyRootFilesystem"],
	}} with input as obj
}

test_missing_points_at_nearest_parent if {
	without_field := f.deployment(f.pod_spec(f.container_without(["securityContext/readOnlyRootFilesystem"])))
	{r.path | some r in rule.warn} == {["spec", "template", "spec", "containers", 0, "securityContext"]} with input as without_field
	{r.path | some r in rule.warn} == {["spec", "containers", 0]} with input as f.pod(f.pod_spec({"name": "bare"}))
}

test_read_only_allowed if {
	count(rule.warn) == 0 with input as f.deployment(f.good_pod_spec)
}
