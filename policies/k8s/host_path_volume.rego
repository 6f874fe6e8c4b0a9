# METADATA
# title: Pods must not mount hostPath volumes
# description: >-
#   A hostPath volume exposes the node's filesystem to the pod; writable mounts of
#   paths like /var/run/docker.sock or /etc give the pod control of the node.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/storage/volumes/#hostpath
# custom:
#   id: K8S-008
#   severity: error
package k8s.host_path_volume

import data.lib.kubernetes as k8s

deny contains result if {
	some pod in k8s.pod_specs
	some i, volume in pod.spec.volumes
	volume.hostPath
	result := {
		"msg": sprintf("%s: volume '%s' mounts the host path '%s'; use an emptyDir, a ConfigMap or a PersistentVolumeClaim", [k8s.resource, object.get(volume, "name", sprintf("#%d", [i])), object.get(volume.hostPath, "path", "")]),
		"path": array.concat(pod.path, ["volumes", i, "hostPath"]),
	}
}
