package k8s.privilege_escalation_test

import data.k8s.privilege_escalation as rule
import data.lib.fixtures_test as f

test_explicit_true_denied if {
	obj := f.deployment(f.pod_spec(f.container({"securityContext": {"allowPrivilegeEscalation": true}})))
	rule.deny == {{
		"msg": "Deployment 'web': container 'app' allows privilege escalation; set securityContext.allowPrivilegeEscalation to false",
		"path": ["spec", "template", "spec", "containers", 0, "securityContext", "allowPrivilegeEscalation"],
	}} with input as obj
}

test_missing_field_points_at_security_context if {
	obj := f.deployment(f.pod_spec(f.container_without(["securityContext/allowPrivilegeEscalation"])))
	{r.path | some r in rule.deny} == {["spec", "template", "spec", "containers", 0, "securityContext"]} with input as obj
}

test_missing_security_context_points_at_container if {
	obj := f.pod(f.pod_spec(f.container_without(["securityContext"])))
	{r.path | some r in rule.deny} == {["spec", "containers", 0]} with input as obj
}

test_false_allowed if {
	count(rule.deny) == 0 with input as f.deployment(f.good_pod_spec)
}
