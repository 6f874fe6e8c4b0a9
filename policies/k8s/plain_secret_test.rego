package k8s.plain_secret_test

import data.k8s.plain_secret as rule

_secret(extra) := object.union({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "prod"}}, extra)

test_secret_data_denied if {
	rule.deny == {{
		"msg": "Secret 'db' holds plain-text data; commit a SealedSecret, an ExternalSecret or a SOPS-encrypted Secret instead",
		"path": ["data"],
	}} with input as _secret({"data": {"password": "aHVudGVyMg=="}})
}

test_secret_string_data_denied if {
	{r.path | some r in rule.deny} == {["stringData"]} with input as _secret({"stringData": {"password": "hunter2"}})
}

test_sops_encrypted_allowed if {
	count(rule.deny) == 0 with input as _secret({"data": {"password": "ENC[AES256_GCM,data:x]"}, "sops": {"version": "3.9.0"}})
}

test_empty_secret_allowed if {
	count(rule.deny) == 0 with input as _secret({})
	count(rule.deny) == 0 with input as _secret({"data": {}})
}

test_other_kinds_allowed if {
	count(rule.deny) == 0 with input as {"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret", "spec": {"encryptedData": {"password": "AgB"}}}
	count(rule.deny) == 0 with input as {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}
}

test_secret_manager_references_allowed if {
	count(rule.deny) == 0 with input as _secret({"stringData": {"password": "op://shop/db/password"}})
	count(rule.deny) == 0 with input as _secret({"data": {"password": base64.encode("op://shop/db/password")}})
	count(rule.deny) == 0 with input as _secret({"stringData": {"a": "ref+vault://secret/db#/pw", "b": "<path:secret/data/db#pw>"}})
}

test_plain_value_beside_a_reference_denied if {
	{r.path | some r in rule.deny} == {["stringData"]} with input as _secret({"stringData": {"user": "op://shop/db/user", "password": "hunter2"}})
}

test_look_alike_values_denied if {
	{r.path | some r in rule.deny} == {["stringData"]} with input as _secret({"stringData": {"a": "xop://vault/item", "b": "ref+vault://"}})
	{r.path | some r in rule.deny} == {["data"]} with input as _secret({"data": {"password": "op://shop/db/password"}})
	{r.path | some r in rule.deny} == {["data"]} with input as _secret({"data": {"password": 7}})
}

test_sops_block_with_plain_values_denied if {
	# a sops key does not encrypt anything: values sops would have encrypted must be ENC[...]
	{r.path | some r in rule.deny} == {["stringData"]} with input as _secret({"stringData": {"password": "hunter2"}, "sops": {"version": "3.9.0"}})
	{r.path | some r in rule.deny} == {["data"]} with input as _secret({"data": {"a": "ENC[AES256_GCM,data:x]", "b": "aHVudGVyMg=="}, "sops": {"version": "3.9.0", "unencrypted_suffix": "_unencrypted"}})
}

test_sops_leaves_keys_plain_by_its_own_rules if {
	count(rule.deny) == 0 with input as _secret({"stringData": {"user_unencrypted": "admin", "pw": "ENC[AES256_GCM,data:x]"}, "sops": {"unencrypted_suffix": "_unencrypted"}})
	count(rule.deny) == 0 with input as _secret({"stringData": {"user": "admin", "password": "ENC[AES256_GCM,data:x]"}, "sops": {"encrypted_regex": "^password$"}})
	count(rule.deny) == 0 with input as _secret({"stringData": {"user": "admin"}, "sops": {"unencrypted_regex": "^user$"}})
	count(rule.deny) == 0 with input as _secret({"data": {"pw_enc": "ENC[AES256_GCM,data:x]", "user": "YWRtaW4="}, "sops": {"encrypted_suffix": "_enc"}})
	{r.path | some r in rule.deny} == {["stringData"]} with input as _secret({"stringData": {"user": "admin", "password": "hunter2"}, "sops": {"encrypted_regex": "^(data|stringData)$"}})
}
