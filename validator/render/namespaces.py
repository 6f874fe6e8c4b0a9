"""The namespace a Helm release puts an object in when its template names none.

``helm install --namespace ns`` (and Argo CD or Flux installing a chart) creates every
namespaced object without ``metadata.namespace`` in ``ns``; ``helm template`` prints
them without one. Checks must see what the agent applies, so rendered objects of a
Helm target get the release namespace, except objects of cluster-scoped kinds. Scope
is known from a table of the Kubernetes API's cluster-scoped kinds and from the
``scope`` of CustomResourceDefinitions rendered beside them; a custom kind of unknown
scope is taken as namespaced, as nearly all custom resources are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from validator.load import Document

#: ``(API group, kind)`` of the cluster-scoped kinds of the Kubernetes API (``""``: core).
CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset({
    ("", "Namespace"), ("", "Node"), ("", "PersistentVolume"), ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"), ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"), ("storage.k8s.io", "VolumeAttachment"),
    ("storage.k8s.io", "VolumeAttributesClass"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("networking.k8s.io", "IngressClass"), ("networking.k8s.io", "IPAddress"),
    ("networking.k8s.io", "ServiceCIDR"),
    ("node.k8s.io", "RuntimeClass"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
    ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    ("certificates.k8s.io", "ClusterTrustBundle"),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("policy", "PodSecurityPolicy"),
    ("resource.k8s.io", "DeviceClass"), ("resource.k8s.io", "ResourceSlice"),
    ("storagemigration.k8s.io", "StorageVersionMigration"),
    ("internal.apiserver.k8s.io", "StorageVersion"),
})


def api_group(api_version: str) -> str:
    """``apps`` for ``apps/v1``; ``""`` for the core group's ``v1``."""
    group, slash, _ = api_version.rpartition("/")
    return group if slash else ""


def cluster_scoped_crds(documents: Iterable[Document]) -> frozenset[tuple[str, str]]:
    """``(group, kind)`` of the custom kinds that CRDs among ``documents`` declare cluster-scoped."""
    kinds = set()
    for document in documents:
        if (api_group(document.api_version), document.kind) != ("apiextensions.k8s.io",
                                                                  "CustomResourceDefinition"):
            continue
        spec = document.body.get("spec")
        if not isinstance(spec, Mapping) or spec.get("scope") != "Cluster":
            continue
        names = spec.get("names")
        kind = names.get("kind") if isinstance(names, Mapping) else None
        if isinstance(spec.get("group"), str) and isinstance(kind, str):
            kinds.add((spec["group"], kind))
    return frozenset(kinds)


def in_release_namespace(document: Document, namespace: str,
                         cluster_scoped: frozenset[tuple[str, str]] = frozenset()) -> Document:
    """``document`` as the release installs it: in ``namespace`` unless it names one or is
    cluster-scoped. The original is left as it is; an odd ``metadata`` is left for the schema check."""
    meta = document.body.get("metadata")
    if not namespace or not document.kind or not isinstance(meta, Mapping) or meta.get("namespace"):
        return document
    scope_key = (api_group(document.api_version), document.kind)
    if scope_key in CLUSTER_SCOPED or scope_key in cluster_scoped:
        return document
    body = {**document.body, "metadata": {**meta, "namespace": namespace}}
    return replace(document, body=body)
