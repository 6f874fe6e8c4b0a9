package k8s.resources_test

import data.k8s.resources as rule
import data.lib.fixtures_test as f

_c := ["spec", "template", "spec", "containers", 0]

test_no_resources_denied_once_per_section if {
	obj := f.deployment(f.pod_spec(f.container_without(["resources"])))
	rule.deny == {
		{"msg": "Deployment 'web': container 'app' sets no resources.requests; set cpu and memory requests", "path": _c},
		{"msg": "Deployment 'web': container 'app' sets no resources.limits; set cpu and memory limits", "path": _c},
	} with input as obj
}

test_missing_limits_points_at_resources if {
	obj := f.deployment(f.pod_spec(f.container_without(["resources/limits"])))
	{r.path | some r in rule.deny} == {array.concat(_c, ["resources"])} with input as obj
}

test_missing_memory_limit_denied if {
	obj := f.deployment(f.pod_spec(f.container_without(["resources/limits/memory"])))
	rule.deny == {{
		"msg": "Deployment 'web': container 'app' sets no memory limit; set resources.limits.memory",
		"path": array.concat(_c, ["resources", "limits"]),
	}} with input as obj
}

test_missing_cpu_request_in_init_container_denied if {
	init := json.remove(f.good_container, ["resources/requests/cpu"])
	obj := f.pod({"containers": [f.good_container], "initContainers": [init]})
	{r.path | some r in rule.deny} == {["spec", "initContainers", 0, "resources", "requests"]} with input as obj
}

test_ephemeral_containers_not_checked if {
	obj := f.pod({"containers": [f.good_container], "ephemeralContainers": [{"name": "debug"}]})
	count(rule.deny) == 0 with input as obj
}

test_compliant_allowed if {
	count(rule.deny) == 0 with input as f.deployment(f.good_pod_spec)
}
