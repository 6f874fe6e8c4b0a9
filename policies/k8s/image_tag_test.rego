package k8s.image_tag_test

import data.k8s.image_tag as rule
import data.lib.fixtures_test as f

_image(image) := f.deployment(f.pod_spec(f.container({"image": image})))

test_latest_denied if {
	rule.deny == {{
		"msg": "Deployment 'web': container 'app' uses image 'nginx:latest' with the tag latest; name a fixed version tag",
		"path": ["spec", "template", "spec", "containers", 0, "image"],
	}} with input as _image("nginx:latest")
}

test_no_tag_denied if {
	rule.deny == {{
		"msg": "Deployment 'web': container 'app' uses image 'registry:5000/team/app' without a tag; name a fixed version tag",
		"path": ["spec", "template", "spec", "containers", 0, "image"],
	}} with input as _image("registry:5000/team/app")
}

test_ephemeral_container_checked if {
	obj := f.pod({"containers": [f.good_container], "ephemeralContainers": [{"name": "debug", "image": "busybox"}]})
	{r.path | some r in rule.deny} == {["spec", "ephemeralContainers", 0, "image"]} with input as obj
}

test_fixed_tag_allowed if {
	count(rule.deny) == 0 with input as _image("nginx:1.27.2")
	count(rule.deny) == 0 with input as _image("registry:5000/team/app:v2")
}

test_digest_allowed if {
	count(rule.deny) == 0 with input as _image(concat("@", ["nginx", f.digest]))
	count(rule.deny) == 0 with input as _image(concat("@", ["nginx:latest", f.digest]))
}

test_non_string_image_ignored if {
	count(rule.deny) == 0 with input as _image(42)
}
