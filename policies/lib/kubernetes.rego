# METADATA
# title: Kubernetes helpers
# description: >-
#   Shared helpers for the k8s.* rules: the pod specs of every pod-bearing kind,
#   their containers with field paths, image reference parsing and resource labels.
#   `input` is one Kubernetes object, as conftest and gitops-validator pass it.
package lib.kubernetes

# Kinds whose pod template lives at spec.template.spec.
template_kinds := {
	"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
	"ReplicationController", "Job",
}

# Kinds that run to completion: probes make no sense there.
batch_kinds := {"Job", "CronJob"}

# The container lists of a pod spec, with the label used in messages.
container_lists := {
	"containers": "container",
	"initContainers": "init container",
	"ephemeralContainers": "ephemeral container",
}

# Every pod spec in the input object: {"spec": <pod spec>, "path": <its field path>}.
pod_specs contains {"spec": input.spec, "path": ["spec"]} if {
	input.kind == "Pod"
	is_object(input.spec)
}

pod_specs contains {"spec": input.spec.template.spec, "path": ["spec", "template", "spec"]} if {
	template_kinds[input.kind]
	is_object(input.spec.template.spec)
}

pod_specs contains {"spec": input.template.spec, "path": ["template", "spec"]} if {
	input.kind == "PodTemplate"
	is_object(input.template.spec)
}

pod_specs contains spec_entry if {
	input.kind == "CronJob"
	spec := input.spec.jobTemplate.spec.template.spec
	is_object(spec)
	spec_entry := {"spec": spec, "path": ["spec", "jobTemplate", "spec", "template", "spec"]}
}

# Every container of every pod spec:
# {"container": <object>, "path": <field path of the container>, "list": <list name>,
#  "label": "container 'app'", "pod": <pod spec>, "pod_path": <field path of the pod spec>}.
containers contains entry if {
	some pod in pod_specs
	some list, kind_label in container_lists
	some i, container in pod.spec[list]
	entry := {
		"container": container,
		"path": array.concat(pod.path, [list, i]),
		"list": list,
		"label": sprintf("%s '%s'", [kind_label, object.get(container, "name", sprintf("#%d", [i]))]),
		"pod": pod.spec,
		"pod_path": pod.path,
	}
}

# Containers that keep running (not init or ephemeral containers): probes and resources apply.
# Init containers with restartPolicy Always are sidecars and count as long-running.
long_running_containers contains entry if {
	some entry in containers
	entry.list == "containers"
}

long_running_containers contains entry if {
	some entry in containers
	entry.list == "initContainers"
	entry.container.restartPolicy == "Always"
}

# "Deployment 'web'": the object as messages name it.
resource := sprintf("%s '%s'", [object.get(input, "kind", "object"), name])

default name := "<unnamed>"

name := input.metadata.name if is_string(input.metadata.name)

else := input.metadata.generateName if is_string(input.metadata.generateName)

# The field path of the deepest existing field along `keys` below `obj`, prefixed by `prefix`:
# where a reviewer adds a missing field.
nearest_path(obj, prefix, keys) := array.concat(prefix, array.slice(keys, 0, depth)) if {
	depth := max({n |
		some n in numbers.range(0, count(keys))
		object.get(obj, array.slice(keys, 0, n), null) != null
	})
}

# The tag of an image reference ("" when there is none); a digest does not count as a tag.
image_tag(image) := tag if {
	name_part := split(image, "@")[0]
	last := regex.split(`/`, name_part)[count(regex.split(`/`, name_part)) - 1]
	tag := _tag_of(last)
}

_tag_of(last) := substring(last, indexof(last, ":") + 1, -1) if contains(last, ":")

else := ""

# True when the image reference is pinned by a digest (name@sha256:...).
has_digest(image) if regex.match(`@sha256:[a-f0-9]{64}$`, image)

# Capability names as Linux spells them ("SYS_ADMIN"), whatever the manifest wrote ("CAP_sys_admin").
capability(name) := trim_prefix(upper(name), "CAP_")
