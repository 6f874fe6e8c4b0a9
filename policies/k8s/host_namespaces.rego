# METADATA
# title: Pods must not share the host's network, PID or IPC namespace
# description: >-
#   hostNetwork, hostPID and hostIPC remove the isolation between the pod and the
#   node: the pod can sniff node traffic, signal host processes or read shared memory.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline
# custom:
#   id: K8S-009
#   severity: error
#   fix:
#     value: false
#     fields: [hostNetwork, hostPID, hostIPC]
#     description: Set the field to false, which shares nothing with the host.
package k8s.host_namespaces

import data.lib.kubernetes as k8s

deny contains result if {
	some pod in k8s.pod_specs
	some field in ["hostNetwork", "hostPID", "hostIPC"]
	pod.spec[field] == true
	result := {
		"msg": sprintf("%s: the pod sets %s: true; remove it", [k8s.resource, field]),
		"path": array.concat(pod.path, [field]),
	}
}
