package k8s.host_path_volume_test

import data.k8s.host_path_volume as rule
import data.lib.fixtures_test as f

test_host_path_denied if {
	spec := {"containers": [f.good_container], "volumes": [{"name": "tmp", "emptyDir": {}}, {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}]}
	rule.deny == {{
		"msg": "DaemonSet 'agent': volume 'docker' mounts the host path '/var/run/docker.sock'; use an emptyDir, a ConfigMap or a PersistentVolumeClaim",
		"path": ["spec", "template", "spec", "volumes", 1, "hostPath"],
	}} with input as {"kind": "DaemonSet", "metadata": {"name": "agent"}, "spec": {"template": {"spec": spec}}}
}

test_unnamed_volume_without_path if {
	spec := {"containers": [f.good_container], "volumes": [{"hostPath": {}}]}
	[r] := [r | some r in rule.deny] with input as f.pod(spec)
	r.path == ["spec", "volumes", 0, "hostPath"]
	contains(r.msg, "volume '#0' mounts the host path ''")
}

test_other_volumes_allowed if {
	spec := {"containers": [f.good_container], "volumes": [{"name": "cache", "emptyDir": {}}]}
	count(rule.deny) == 0 with input as f.deployment(spec)
	count(rule.deny) == 0 with input as f.deployment(f.good_pod_spec)
}
