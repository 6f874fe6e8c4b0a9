package lib.kubernetes_test

import data.lib.fixtures_test as f
import data.lib.kubernetes as k8s

_spec := {
	"containers": [{"name": "app"}],
	"initContainers": [{"name": "init"}],
	"ephemeralContainers": [{"name": "debug"}],
}

_container_paths(obj) := {[e.path, e.label] | some e in k8s.containers with input as obj}

test_pod_containers if {
	_container_paths(f.pod(_spec)) == {
		[["spec", "containers", 0], "container 'app'"],
		[["spec", "initContainers", 0], "init container 'init'"],
		[["spec", "ephemeralContainers", 0], "ephemeral container 'debug'"],
	}
}

test_template_kinds if {
	every kind in ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"] {
		obj := {"kind": kind, "spec": {"template": {"spec": _spec}}}
		count(_container_paths(obj)) == 3
		[["spec", "template", "spec", "initContainers", 0], "init container 'init'"] in _container_paths(obj)
	}
}

test_cronjob if {
	[["spec", "jobTemplate", "spec", "template", "spec", "containers", 0], "container 'app'"] in _container_paths(f.cronjob(_spec))
}

test_pod_template if {
	obj := {"kind": "PodTemplate", "template": {"spec": _spec}}
	[["template", "spec", "containers", 0], "container 'app'"] in _container_paths(obj)
}

test_other_kinds_have_no_pod_spec if {
	count(k8s.pod_specs) == 0 with input as {"kind": "Service", "spec": {"containers": [{}]}}
	count(k8s.pod_specs) == 0 with input as {"kind": "Pod", "spec": "not an object"}
	count(k8s.pod_specs) == 0 with input as {"kind": "Deployment", "spec": {}}
}

test_unnamed_container_label if {
	_container_paths(f.pod({"containers": [{"image": "x"}]})) == {[["spec", "containers", 0], "container '#0'"]}
}

test_long_running_containers if {
	spec := {
		"containers": [{"name": "app"}],
		"initContainers": [{"name": "init"}, {"name": "sidecar", "restartPolicy": "Always"}],
		"ephemeralContainers": [{"name": "debug"}],
	}
	names := {e.container.name | some e in k8s.long_running_containers with input as f.pod(spec)}
	names == {"app", "sidecar"}
}

test_resource_names if {
	k8s.resource == "Deployment 'web'" with input as f.deployment(f.good_pod_spec)
	k8s.resource == "Pod 'job-'" with input as {"kind": "Pod", "metadata": {"generateName": "job-"}}
	k8s.resource == "object '<unnamed>'" with input as {}
}

test_nearest_path if {
	k8s.nearest_path({"a": {"b": 1}}, ["x"], ["a", "b", "c"]) == ["x", "a", "b"]
	k8s.nearest_path({"a": {"b": 1}}, ["x"], ["a", "b"]) == ["x", "a", "b"]
	k8s.nearest_path({}, ["x"], ["a", "b"]) == ["x"]
	k8s.nearest_path({"a": null}, [], ["a"]) == []
}

test_image_tag if {
	k8s.image_tag("nginx") == ""
	k8s.image_tag("nginx:1.27") == "1.27"
	k8s.image_tag("nginx:latest") == "latest"
	k8s.image_tag("registry:5000/team/app") == ""
	k8s.image_tag("registry:5000/team/app:v2") == "v2"
	k8s.image_tag(concat("@", ["app", f.digest])) == ""
	k8s.image_tag(concat("@", ["app:1.0", f.digest])) == "1.0"
}

test_has_digest if {
	k8s.has_digest(concat("@", ["app", f.digest]))
	not k8s.has_digest("app:1.0")
	not k8s.has_digest("app@sha256:short")
}

test_capability if {
	k8s.capability("CAP_sys_admin") == "SYS_ADMIN"
	k8s.capability("all") == "ALL"
}
