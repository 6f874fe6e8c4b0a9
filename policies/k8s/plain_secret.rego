# METADATA
# title: Secrets must not be committed in plain text
# description: >-
#   A v1 Secret in a Git repository is only base64-encoded: anyone who can read the
#   repository can read the secret. Commit a SealedSecret or an ExternalSecret, or
#   encrypt the Secret with SOPS (a Secret with a top-level sops key is accepted).
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
	not input.sops
	some field in ["data", "stringData"]
	entries := object.get(input, field, {})
	count(entries) > 0
	count([key | some key, value in entries; not _reference(field, value)]) > 0
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
