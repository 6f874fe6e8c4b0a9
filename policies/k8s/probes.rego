# METADATA
# title: Containers should set readiness and liveness probes
# description: >-
#   Without a readiness probe traffic reaches a pod before it can serve it; without a
#   liveness probe a hung container is never restarted. Jobs and CronJobs run to
#   completion and are not checked; init containers are checked only when they are
#   sidecars (restartPolicy Always).
# related_resources:
#   - ref: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
# custom:
#   id: K8S-005
#   severity: warning
package k8s.probes

import data.lib.kubernetes as k8s

warn contains result if {
	not k8s.batch_kinds[input.kind]
	some c in k8s.long_running_containers
	some probe in ["readinessProbe", "livenessProbe"]
	not is_object(object.get(c.container, probe, null))
	result := {
		"msg": sprintf("%s: %s has no %s", [k8s.resource, c.label, probe]),
		"path": c.path,
	}
}
