# METADATA
# title: Secrets must not be committed in plain text
# description: >-
#   A v1 Secret in a Git repository is only base64-encoded: anyone who can read the
#   repository can read the secret. Commit a SealedSecret or an ExternalSecret, or
#   encrypt the Secret with SOPS (a Secret with a top-level sops key is accepted).
#   A Secret with no data is accepted (controllers fill it in).
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
	count(object.get(input, field, {})) > 0
	result := {
		"msg": sprintf("%s holds plain-text %s; commit a SealedSecret, an ExternalSecret or a SOPS-encrypted Secret instead", [k8s.resource, field]),
		"path": [field],
	}
}
