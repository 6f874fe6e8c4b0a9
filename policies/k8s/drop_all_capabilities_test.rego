package k8s.drop_all_capabilities_test

import data.k8s.drop_all_capabilities as rule
import data.lib.fixtures_test as f

_c := ["spec", "template", "spec", "containers", 0]

test_partial_drop_denied if {
	c := json.patch(f.good_container, [{"op": "replace", "path": "/securityContext/capabilities/drop", "value": ["NET_RAW"]}])
	rule.deny == {{
		"msg": "Deployment 'web': container 'app' does not drop all capabilities; set securityContext.capabilities.drop to [\"ALL\"]",
		"path": array.concat(_c, ["securityContext", "capabilities", "drop"]),
	}} with input as f.deployment(f.pod_spec(c))
}

test_missing_capabilities_points_at_security_context if {
	obj := f.deployment(f.pod_spec(f.container_without(["securityContext/capabilities"])))
	{r.path | some r in rule.deny} == {array.concat(_c, ["securityContext"])} with input as obj
}

test_drop_all_allowed if {
	count(rule.deny) == 0 with input as f.deployment(f.good_pod_spec)
	c := json.patch(f.good_container, [{"op": "replace", "path": "/securityContext/capabilities/drop", "value": ["all"]}])
	count(rule.deny) == 0 with input as f.deployment(f.pod_spec(c))
}
