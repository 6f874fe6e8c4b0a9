# METADATA
# description: >-
#   Objects shared by the library's unit tests: a compliant container and pod spec,
#   and wrappers that put a pod spec into each pod-bearing kind. No test_ rules here.
package lib.fixtures_test

digest := "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

good_container := {
	"name": "app",
	"image": concat("@", ["registry.example.com/team/app:1.4.2", digest]),
	"securityContext": {
		"allowPrivilegeEscalation": false,
		"runAsNonRoot": true,
		"readOnlyRootFilesystem": true,
		"capabilities": {"drop": ["ALL"]},
	},
	"resources": {
		"requests": {"cpu": "100m", "memory": "128Mi"},
		"limits": {"cpu": "500m", "memory": "256Mi"},
	},
	"readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
	"livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
	"ports": [{"containerPort": 8080}],
}

# The compliant container with `patch` merged in (recursively).
container(patch) := object.union(good_container, patch)

# The compliant container without the fields at the given JSON pointers ("securityContext/runAsNonRoot").
container_without(paths) := json.remove(good_container, paths)

good_pod_spec := {"containers": [good_container]}

# A pod spec with one container.
pod_spec(c) := {"containers": [c]}

metadata := {"name": "web", "namespace": "prod"}

deployment(spec) := {
	"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata,
	"spec": {"template": {"spec": spec}},
}

pod(spec) := {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}

cronjob(spec) := {
	"apiVersion": "batch/v1", "kind": "CronJob", "metadata": metadata,
	"spec": {"jobTemplate": {"spec": {"template": {"spec": spec}}}},
}

job(spec) := {
	"apiVersion": "batch/v1", "kind": "Job", "metadata": metadata,
	"spec": {"template": {"spec": spec}},
}
