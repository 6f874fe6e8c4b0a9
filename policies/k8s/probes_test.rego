package k8s.probes_test

import data.k8s.probes as rule
import data.lib.fixtures_test as f

test_missing_probes_warned if {
	obj := f.deployment(f.pod_spec(f.container_without(["readinessProbe", "livenessProbe"])))
	rule.warn == {
		{"msg": "Deployment 'web': container 'app' has no readinessProbe", "path": ["spec", "template", "spec", "containers", 0]},
		{"msg": "Deployment 'web': container 'app' has no livenessProbe", "path": ["spec", "template", "spec", "containers", 0]},
	} with input as obj
}

test_sidecar_init_container_checked if {
	sidecar := {"name": "proxy", "restartPolicy": "Always", "livenessProbe": {"tcpSocket": {"port": 15000}}}
	obj := f.pod({"containers": [f.good_container], "initContainers": [sidecar, {"name": "setup"}]})
	rule.warn == {{"msg": "Pod 'web': init container 'proxy' has no readinessProbe", "path": ["spec", "initContainers", 0]}} with input as obj
}

test_batch_kinds_not_checked if {
	spec := f.pod_spec({"name": "task"})
	count(rule.warn) == 0 with input as f.job(spec)
	count(rule.warn) == 0 with input as f.cronjob(spec)
}

test_compliant_allowed if {
	count(rule.warn) == 0 with input as f.deployment(f.good_pod_spec)
}
