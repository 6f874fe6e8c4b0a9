# METADATA
# title: Images should be pinned by digest
# description: >-
#   A tag can be moved to another image; a digest (image@sha256:...) cannot. Pinning
#   by digest makes the reviewed manifest exactly what runs.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/containers/images/#image-names
# custom:
#   id: K8S-007
#   severity: info
package k8s.image_digest

import data.lib.kubernetes as k8s

warn contains result if {
	some c in k8s.containers
	image := c.container.image
	is_string(image)
	not k8s.has_digest(image)
	result := {
		"msg": sprintf("%s: %s uses image '%s' without a digest; pin it as image@sha256:<digest>", [k8s.resource, c.label, image]),
		"path": array.concat(c.path, ["image"]),
	}
}
