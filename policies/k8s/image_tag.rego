# METADATA
# title: Images must name a tag other than latest
# description: >-
#   An image without a tag or with the tag latest changes under the same manifest:
#   what runs is not what was reviewed, and a rollback does not roll back. An image
#   pinned by digest is accepted whatever its tag.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/containers/images/#image-names
# custom:
#   id: K8S-006
#   severity: error
package k8s.image_tag

import data.lib.kubernetes as k8s

deny contains result if {
	some c in k8s.containers
	image := c.container.image
	is_string(image)
	not k8s.has_digest(image)
	tag := k8s.image_tag(image)
	tag in {"", "latest"}
	result := {
		"msg": sprintf("%s: %s uses image '%s' %s; name a fixed version tag", [k8s.resource, c.label, image, _problem(tag)]),
		"path": array.concat(c.path, ["image"]),
	}
}

_problem("") := "without a tag"

_problem("latest") := "with the tag latest"
