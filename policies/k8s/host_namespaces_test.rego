package k8s.host_namespaces_test

import data.k8s.host_namespaces as rule
import data.lib.fixtures_test as f

test_host_namespaces_denied if {
	spec := {"containers": [f.good_container], "hostNetwork": true, "hostPID": true, "hostIPC": true}
	rule.deny == {
		{"msg": "Deployment 'web': the pod sets hostNetwork: true; remove it", "path": ["spec", "template", "spec", "hostNetwork"]},
		{"msg": "Deployment 'web': the pod sets hostPID: true; remove it", "path": ["spec", "template", "spec", "hostPID"]},
		{"msg": "Deployment 'web': the pod sets hostIPC: true; remove it", "path": ["spec", "template", "spec", "hostIPC"]},
	} with input as f.deployment(spec)
}

test_host_network_in_cronjob_denied if {
	spec := {"containers": [f.good_container], "hostNetwork": true}
	{r.path | some r in rule.deny} == {["spec", "jobTemplate", "spec", "template", "spec", "hostNetwork"]} with input as f.cronjob(spec)
}

test_false_allowed if {
	spec := {"containers": [f.good_container], "hostNetwork": false, "hostPID": false}
	count(rule.deny) == 0 with input as f.deployment(spec)
	count(rule.deny) == 0 with input as f.deployment(f.good_pod_spec)
}
