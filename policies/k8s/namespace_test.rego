package k8s.namespace_test

import data.k8s.namespace as rule

test_missing_namespace_warned if {
	rule.warn == {{
		"msg": "ConfigMap 'settings' sets no metadata.namespace; set it explicitly",
		"path": ["metadata"],
	}} with input as {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}
}

test_empty_namespace_warned if {
	{r.path | some r in rule.warn} == {["metadata", "namespace"]} with input as {"kind": "Service", "metadata": {"name": "web", "namespace": ""}}
}

test_no_metadata_points_at_object if {
	{r.path | some r in rule.warn} == {[]} with input as {"kind": "Deployment"}
}

test_namespace_set_allowed if {
	count(rule.warn) == 0 with input as {"kind": "Deployment", "metadata": {"name": "web", "namespace": "prod"}}
}

test_cluster_scoped_and_unknown_kinds_not_checked if {
	count(rule.warn) == 0 with input as {"kind": "Namespace", "metadata": {"name": "prod"}}
	count(rule.warn) == 0 with input as {"kind": "ClusterRole", "metadata": {"name": "reader"}}
	count(rule.warn) == 0 with input as {"kind": "Widget", "metadata": {"name": "w"}}
}
