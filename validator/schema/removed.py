"""Built-in Kubernetes APIs that were removed: when, and what replaces them.

From the Kubernetes deprecated API migration guide
(https://kubernetes.io/docs/reference/using-api/deprecation-guide/). An object of a
removed ``apiVersion``/``kind`` is refused by the API server of that version and
later, so it is an error (``schema/removed-api``) whatever ``--ignore-missing-schemas``
says: a missing schema is a gap in what we know, a removed API is a known failure.
"""

from __future__ import annotations

from dataclasses import dataclass

from validator.schema.naming import normalize_version


@dataclass(frozen=True, kw_only=True)
class RemovedApi:
    """When one ``apiVersion``/``kind`` stopped being served, and what to use instead."""

    removed_in: str
    """The Kubernetes ``major.minor`` that no longer serves it."""
    replacement: str
    """The ``apiVersion`` to migrate to (or what replaces the kind)."""


def _entries(removed_in: str, replacement: str, api_versions: tuple[str, ...],
             kinds: tuple[str, ...]) -> dict[tuple[str, str], RemovedApi]:
    entry = RemovedApi(removed_in=removed_in, replacement=replacement)
    return {(api_version, kind): entry for api_version in api_versions for kind in kinds}


_WORKLOADS = ("DaemonSet", "Deployment", "ReplicaSet", "StatefulSet")

#: ``(apiVersion, kind)`` -> when it was removed and what replaces it.
REMOVED_APIS: dict[tuple[str, str], RemovedApi] = {
    # 1.16
    **_entries("1.16", "apps/v1", ("extensions/v1beta1",), ("DaemonSet", "Deployment", "ReplicaSet")),
    **_entries("1.16", "apps/v1", ("apps/v1beta1",), ("Deployment", "StatefulSet")),
    **_entries("1.16", "apps/v1", ("apps/v1beta2",), _WORKLOADS),
    **_entries("1.16", "networking.k8s.io/v1", ("extensions/v1beta1",), ("NetworkPolicy",)),
    **_entries("1.16", "policy/v1beta1 (itself removed in 1.25)", ("extensions/v1beta1",),
               ("PodSecurityPolicy",)),
    # 1.22
    **_entries("1.22", "admissionregistration.k8s.io/v1", ("admissionregistration.k8s.io/v1beta1",),
               ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")),
    **_entries("1.22", "apiextensions.k8s.io/v1", ("apiextensions.k8s.io/v1beta1",),
               ("CustomResourceDefinition",)),
    **_entries("1.22", "apiregistration.k8s.io/v1", ("apiregistration.k8s.io/v1beta1",),
               ("APIService",)),
    **_entries("1.22", "authentication.k8s.io/v1", ("authentication.k8s.io/v1beta1",),
               ("TokenReview",)),
    **_entries("1.22", "authorization.k8s.io/v1", ("authorization.k8s.io/v1beta1",),
               ("SubjectAccessReview", "LocalSubjectAccessReview", "SelfSubjectAccessReview")),
    **_entries("1.22", "certificates.k8s.io/v1", ("certificates.k8s.io/v1beta1",),
               ("CertificateSigningRequest",)),
    **_entries("1.22", "coordination.k8s.io/v1", ("coordination.k8s.io/v1beta1",), ("Lease",)),
    **_entries("1.22", "networking.k8s.io/v1", ("extensions/v1beta1", "networking.k8s.io/v1beta1"),
               ("Ingress",)),
    **_entries("1.22", "networking.k8s.io/v1", ("networking.k8s.io/v1beta1",), ("IngressClass",)),
    **_entries("1.22", "rbac.authorization.k8s.io/v1", ("rbac.authorization.k8s.io/v1beta1",),
               ("ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")),
    **_entries("1.22", "scheduling.k8s.io/v1", ("scheduling.k8s.io/v1beta1",), ("PriorityClass",)),
    **_entries("1.22", "storage.k8s.io/v1", ("storage.k8s.io/v1beta1",),
               ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")),
    # 1.25
    **_entries("1.25", "batch/v1", ("batch/v1beta1",), ("CronJob",)),
    **_entries("1.25", "discovery.k8s.io/v1", ("discovery.k8s.io/v1beta1",), ("EndpointSlice",)),
    **_entries("1.25", "events.k8s.io/v1", ("events.k8s.io/v1beta1",), ("Event",)),
    **_entries("1.25", "autoscaling/v2", ("autoscaling/v2beta1",), ("HorizontalPodAutoscaler",)),
    **_entries("1.25", "policy/v1", ("policy/v1beta1",), ("PodDisruptionBudget",)),
    **_entries("1.25", "Pod Security Admission (no replacement object)", ("policy/v1beta1",),
               ("PodSecurityPolicy",)),
    **_entries("1.25", "node.k8s.io/v1", ("node.k8s.io/v1beta1",), ("RuntimeClass",)),
    # 1.26
    **_entries("1.26", "flowcontrol.apiserver.k8s.io/v1", ("flowcontrol.apiserver.k8s.io/v1beta1",),
               ("FlowSchema", "PriorityLevelConfiguration")),
    **_entries("1.26", "autoscaling/v2", ("autoscaling/v2beta2",), ("HorizontalPodAutoscaler",)),
    # 1.27
    **_entries("1.27", "storage.k8s.io/v1", ("storage.k8s.io/v1beta1",), ("CSIStorageCapacity",)),
    # 1.29, 1.32
    **_entries("1.29", "flowcontrol.apiserver.k8s.io/v1", ("flowcontrol.apiserver.k8s.io/v1beta2",),
               ("FlowSchema", "PriorityLevelConfiguration")),
    **_entries("1.32", "flowcontrol.apiserver.k8s.io/v1", ("flowcontrol.apiserver.k8s.io/v1beta3",),
               ("FlowSchema", "PriorityLevelConfiguration")),
}


def _minor(version: str) -> tuple[int, int]:
    major, minor = normalize_version(version).split(".")
    return int(major), int(minor)


def removed_api(kind: str, api_version: str, kubernetes_version: str) -> RemovedApi | None:
    """The removal of ``kind`` in ``api_version`` if ``kubernetes_version`` no longer serves it."""
    entry = REMOVED_APIS.get((api_version, kind))
    if entry is None or _minor(kubernetes_version) < _minor(entry.removed_in):
        return None
    return entry


def removed_message(kind: str, api_version: str, entry: RemovedApi, kubernetes_version: str) -> str:
    """``DaemonSet extensions/v1beta1 was removed in Kubernetes 1.16 (...): use apps/v1``."""
    return (f"{kind} {api_version} was removed in Kubernetes {entry.removed_in} (checking against "
            f"{kubernetes_version}): use {entry.replacement}")
