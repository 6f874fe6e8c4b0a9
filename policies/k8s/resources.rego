# METADATA
# title: Containers must set CPU and memory requests and limits
# description: >-
#   Requests let the scheduler place a pod on a node with room for it; limits stop
#   one container from starving its neighbours. Ephemeral containers cannot set
#   resources and are not checked.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
# custom:
#   id: K8S-004
#   severity: error
package k8s.resources

import data.lib.kubernetes as k8s

_sections := ["requests", "limits"]

_resources := ["cpu", "memory"]

# A whole section (requests or limits) is missing: one finding for it.
deny contains result if {
	some c in k8s.containers
	c.list != "ephemeralContainers"
	some section in _sections
	not is_object(object.get(c.container, ["resources", section], null))
	result := {
		"msg": sprintf("%s: %s sets no resources.%s; set cpu and memory %s", [k8s.resource, c.label, section, section]),
		"path": k8s.nearest_path(c.container, c.path, ["resources", section]),
	}
}

# The section is there but one of cpu / memory is missing from it.
deny contains result if {
	some c in k8s.containers
	c.list != "ephemeralContainers"
	some section in _sections
	is_object(c.container.resources[section])
	some resource in _resources
	object.get(c.container.resources[section], resource, null) == null
	result := {
		"msg": sprintf("%s: %s sets no %s %s; set resources.%s.%s", [k8s.resource, c.label, resource, trim_suffix(section, "s"), section, resource]),
		"path": array.concat(c.path, ["resources", section]),
	}
}
