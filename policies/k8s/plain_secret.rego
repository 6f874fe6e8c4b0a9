# METADATA
# title: Secrets must not be committed in plain text
# description: >-
#   A v1 Secret in a Git repository is only base64-encoded: anyone who can read the
#   repository can read the secret. Commit a SealedSecret or an ExternalSecret, or
#   encrypt the Secret with SOPS (with a top-level sops key, every value SOPS would encrypt
#   by the rules in its metadata, unencrypted_suffix, encrypted_regex and the like, must
#   be ENC[...]: a sops key alone encrypts nothing).
#   A Secret with no data is accepted (controllers fill it in), and so is one whose every
#   value is a reference to a secret manager resolved at deploy time: 1Password
#   (op://vault/item/field), vals (ref+vault://..., ref+awssecrets://...) and
#   argocd-vault-plugin placeholders (<path:secret/data/x#key>); in data the decoded
#   value is what counts.
# related_resources:
#   - ref: https://kubernetes.io/docs/concepts/security/secrets-good-practices/
# custom:
#   id: K8S-010
#   severity: error
package k8s.plain_secret

import data.lib.kubernetes as k8s

deny contains result if {
	input.kind == "Secret"
	input.apiVersion == "v1"
	some field in ["data", "stringData"]
	entries := object.get(input, field, {})
	count(entries) > 0
	count([key | some key, value in entries; not _reference(field, value); not _sops(field, key, value)]) > 0
	result := {
		"msg": sprintf("%s holds plain-text %s; commit a SealedSecret, an ExternalSecret or a SOPS-encrypted Secret instead", [k8s.resource, field]),
		"path": [field],
	}
}

# A value that names a secret in a secret manager instead of holding it.
_reference("stringData", value) := _names_a_secret(value)

_reference("data", value) := _names_a_secret(base64.decode(value)) if {
	is_string(value)
	base64.is_valid(value)
}

_names_a_secret(value) if startswith(value, "op://")

_names_a_secret(value) if regex.match(`^ref\+[a-z0-9]+://\S+$`, value)

_names_a_secret(value) if regex.match(`^<path:[^<>]+>$`, value)

# A value SOPS encrypted, or one the SOPS rules in the Secret's metadata leave in plain text.
_sops(_, _, value) if {
	input.sops
	is_string(value)
	startswith(value, "ENC[")
}

_sops(field, key, _) if {
	input.sops
	_left_plain(field, key)
}

# SOPS matches its rules on every key on the way to a value (here: data or stringData, then the key).
_left_plain(field, key) if {
	some name in [field, key]
	regex.match(input.sops.unencrypted_regex, name)
}

_left_plain(field, key) if {
	suffix := input.sops.unencrypted_suffix
	suffix != ""
	some name in [field, key]
	endswith(name, suffix)
}

_left_plain(field, key) if {
	pattern := input.sops.encrypted_regex
	not regex.match(pattern, field)
	not regex.match(pattern, key)
}

_left_plain(field, key) if {
	suffix := input.sops.encrypted_suffix
	not endswith(field, suffix)
	not endswith(key, suffix)
}
