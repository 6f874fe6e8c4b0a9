package k8s.image_digest_test

import data.k8s.image_digest as rule
import data.lib.fixtures_test as f

test_tag_only_warned if {
	obj := f.deployment(f.pod_spec(f.container({"image": "nginx:1.27.2"})))
	rule.warn == {{
		"msg": "Deployment 'web': container 'app' uses image 'nginx:1.27.2' without a digest; pin it as image@sha256:<digest>",
		"path": ["spec", "template", "spec", "containers", 0, "image"],
	}} with input as obj
}

test_init_container_in_cronjob_warned if {
	obj := f.cronjob({"containers": [f.good_container], "initContainers": [{"name": "init", "image": "busybox:1.36"}]})
	{r.path | some r in rule.warn} == {["spec", "jobTemplate", "spec", "template", "spec", "initContainers", 0, "image"]} with input as obj
}

test_digest_allowed if {
	count(rule.warn) == 0 with input as f.deployment(f.good_pod_spec)
}

test_non_string_image_ignored if {
	count(rule.warn) == 0 with input as f.deployment(f.pod_spec(f.container({"image": ["x"]})))
}
