# METADATA
# title: Namespaced objects should set metadata.namespace
# description: >-
#   Without metadata.namespace an object lands in whatever namespace the GitOps agent
#   or the person applying it defaults to. Set it explicitly (a Kustomize namespace
#   transformer counts: the validator checks rendered output). Only well-known
#   namespaced kinds are checked, since the scope of a custom resource is not known here.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/
# custom:
#   id: K8S-016
#   severity: warning
package k8s.namespace

import data.lib.kubernetes as k8s

_namespaced_kinds := {
	"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
	"Job", "CronJob", "Service", "ConfigMap", "Secret", "ServiceAccount", "Role",
	"RoleBinding", "Ingress", "NetworkPolicy", "PersistentVolumeClaim",
	"HorizontalPodAutoscaler", "PodDisruptionBudget", "Endpoints", "EndpointSlice",
	"LimitRange", "ResourceQuota", "PodTemplate",
}

warn contains result if {
	_namespaced_kinds[input.kind]
	not _has_namespace
	result := {
		"msg": sprintf("%s sets no metadata.namespace; set it explicitly", [k8s.resource]),
		"path": k8s.nearest_path(input, [], ["metadata", "namespace"]),
	}
}

_has_namespace if {
	is_string(input.metadata.namespace)
	input.metadata.namespace != ""
}
