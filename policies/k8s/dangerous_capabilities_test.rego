package k8s.dangerous_capabilities_test

import data.k8s.dangerous_capabilities as rule
import data.lib.fixtures_test as f

_with_add(add) := f.deployment(f.pod_spec(f.container({"securityContext": {"capabilities": {"add": add}}})))

_capabilities := ["spec", "template", "spec", "containers", 0, "securityContext", "capabilities"]

test_sys_admin_and_net_admin_denied if {
	rule.deny == {
		{
			"msg": "Deployment 'web': container 'app' adds the capability SYS_ADMIN; remove it",
			"path": array.concat(_capabilities, ["add", 1]),
		},
		{
			"msg": "Deployment 'web': container 'app' adds the capability CAP_NET_ADMIN; remove it",
			"path": array.concat(_capabilities, ["add", 2]),
		},
	} with input as _with_add(["NET_BIND_SERVICE", "SYS_ADMIN", "CAP_NET_ADMIN"])
}

test_add_all_denied if {
	{r.path | some r in rule.deny} == {array.concat(_capabilities, ["add", 0])} with input as _with_add(["all"])
}

test_harmless_capabilities_allowed if {
	count(rule.deny) == 0 with input as _with_add(["NET_BIND_SERVICE"])
	count(rule.deny) == 0 with input as f.deployment(f.good_pod_spec)
}
