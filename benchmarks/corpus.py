"""A reproducible corpus of realistic Kubernetes manifests for the benchmarks.

``generate_corpus(dest)`` writes ``files`` YAML files of ``docs_per_file`` documents
each (2,000 by default) of mixed kinds (Deployment, StatefulSet, Service, Ingress,
ConfigMap, CronJob, ServiceAccount, Role, RoleBinding, HorizontalPodAutoscaler,
PodDisruptionBudget, NetworkPolicy), with about one document in a hundred carrying
a deliberate schema error (wrong type, unknown field, missing required field).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

Doc = dict[str, Any]


def _meta(name: str, ns: str, rng: random.Random) -> Doc:
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": f"shop-{ns}",
              "team": rng.choice(["payments", "search", "platform", "web"])}
    return {"name": name, "namespace": ns, "labels": labels,
            "annotations": {"example.com/owner": f"{labels['team']}@example.com"}}


def _container(name: str, rng: random.Random) -> Doc:
    return {
        "name": name, "image": f"registry.example.com/{name}:{rng.randint(1, 9)}.{rng.randint(0, 30)}",
        "imagePullPolicy": "IfNotPresent",
        "args": ["--port=8080", f"--workers={rng.randint(1, 8)}"],
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"},
                  {"name": "metrics", "containerPort": 9090}],
        "env": [{"name": f"VAR_{i}", "value": str(rng.random())} for i in range(rng.randint(2, 8))]
        + [{"name": "SECRET", "valueFrom": {"secretKeyRef": {"name": f"{name}-secret", "key": "k"}}}],
        "resources": {"requests": {"cpu": f"{rng.randint(50, 500)}m", "memory": "128Mi"},
                      "limits": {"cpu": "1", "memory": f"{rng.randint(256, 2048)}Mi"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 10},
        "livenessProbe": {"httpGet": {"path": "/live", "port": 8080}, "failureThreshold": 3},
        "securityContext": {"runAsNonRoot": True, "readOnlyRootFilesystem": True,
                            "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "config", "mountPath": "/etc/app", "readOnly": True}],
    }


def _pod_template(name: str, ns: str, rng: random.Random) -> Doc:
    containers = [_container(name, rng)] + ([_container(f"{name}-sidecar", rng)]
                                            if rng.random() < 0.3 else [])
    return {"metadata": {"labels": {"app.kubernetes.io/name": name}},
            "spec": {"serviceAccountName": name, "containers": containers,
                     "volumes": [{"name": "config", "configMap": {"name": f"{name}-config"}}],
                     "nodeSelector": {"kubernetes.io/os": "linux"},
                     "tolerations": [{"key": "dedicated", "operator": "Equal", "value": ns,
                                      "effect": "NoSchedule"}]}}


def deployment(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(name, ns, rng),
            "spec": {"replicas": rng.randint(1, 5),
                     "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "strategy": {"type": "RollingUpdate",
                                  "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
                     "template": _pod_template(name, ns, rng)}}


def statefulset(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _meta(name, ns, rng),
            "spec": {"serviceName": name, "replicas": 3,
                     "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "template": _pod_template(name, ns, rng),
                     "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                         "accessModes": ["ReadWriteOnce"],
                         "resources": {"requests": {"storage": "10Gi"}}}}]}}


def service(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "v1", "kind": "Service", "metadata": _meta(name, ns, rng),
            "spec": {"selector": {"app.kubernetes.io/name": name}, "type": "ClusterIP",
                     "ports": [{"name": "http", "port": 80, "targetPort": "http"},
                               {"name": "metrics", "port": 9090, "targetPort": 9090}]}}


def ingress(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": _meta(name, ns, rng),
            "spec": {"ingressClassName": "nginx",
                     "tls": [{"hosts": [f"{name}.example.com"], "secretName": f"{name}-tls"}],
                     "rules": [{"host": f"{name}.example.com", "http": {"paths": [
                         {"path": "/", "pathType": "Prefix", "backend": {
                             "service": {"name": name, "port": {"name": "http"}}}}]}}]}}


def configmap(name: str, ns: str, rng: random.Random) -> Doc:
    data = {f"setting_{i}": f"value-{rng.random()}" for i in range(rng.randint(3, 20))}
    data["app.yaml"] = "\n".join(f"key{i}: {rng.randint(0, 999)}" for i in range(20))
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(f"{name}-config", ns, rng),
            "data": data}


def cronjob(name: str, ns: str, rng: random.Random) -> Doc:
    template = _pod_template(name, ns, rng)
    template["spec"]["restartPolicy"] = "OnFailure"
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _meta(f"{name}-job", ns, rng),
            "spec": {"schedule": f"{rng.randint(0, 59)} 3 * * *", "concurrencyPolicy": "Forbid",
                     "jobTemplate": {"spec": {"backoffLimit": 2, "template": template}}}}


def serviceaccount(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(name, ns, rng),
            "automountServiceAccountToken": False}


def role(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": _meta(f"{name}-reader", ns, rng),
            "rules": [{"apiGroups": [""], "resources": ["configmaps", "pods"],
                       "verbs": ["get", "list", "watch"]}]}


def rolebinding(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": _meta(f"{name}-reader", ns, rng),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                        "name": f"{name}-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}]}


def hpa(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": _meta(name, ns, rng),
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                     "minReplicas": 2, "maxReplicas": 10, "metrics": [
                         {"type": "Resource", "resource": {"name": "cpu", "target": {
                             "type": "Utilization", "averageUtilization": 70}}}]}}


def pdb(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(name, ns, rng),
            "spec": {"minAvailable": 1,
                     "selector": {"matchLabels": {"app.kubernetes.io/name": name}}}}


def networkpolicy(name: str, ns: str, rng: random.Random) -> Doc:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": _meta(name, ns, rng),
            "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": name}},
                     "policyTypes": ["Ingress"],
                     "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"team": "web"}}}],
                                  "ports": [{"protocol": "TCP", "port": 8080}]}]}}


BUILDERS: tuple[tuple[Callable[[str, str, random.Random], Doc], int], ...] = (
    (deployment, 6), (service, 6), (configmap, 5), (serviceaccount, 3), (statefulset, 2),
    (ingress, 3), (cronjob, 2), (role, 2), (rolebinding, 2), (hpa, 2), (pdb, 2), (networkpolicy, 1),
)


def _break(doc: Doc, rng: random.Random) -> None:
    """Introduce one schema error."""
    choice = rng.randrange(3)
    if choice == 0:
        doc["metadata"]["labels"] = ["not", "a", "map"]
    elif choice == 1:
        doc.setdefault("spec", {})["unknownField"] = True
        doc["metadatta"] = {"typo": True}
    else:
        doc["metadata"]["name"] = 12345


def generate_corpus(dest: Path, *, files: int = 250, docs_per_file: int = 8, seed: int = 1) -> int:
    """Write the corpus into ``dest``; return how many manifests were written."""
    rng = random.Random(seed)
    kinds = [builder for builder, weight in BUILDERS for _ in range(weight)]
    total = 0
    for number in range(files):
        ns = f"team-{number % 17}"
        docs = []
        for position in range(docs_per_file):
            name = f"app-{number}-{position}"
            doc = rng.choice(kinds)(name, ns, rng)
            if rng.random() < 0.01:
                _break(doc, rng)
            docs.append(doc)
        folder = dest / ns / f"app-{number // 10}"
        folder.mkdir(parents=True, exist_ok=True)
        text = yaml.dump_all(docs, Dumper=yaml.CSafeDumper, sort_keys=False,
                             default_flow_style=False)
        (folder / f"manifests-{number}.yaml").write_text(text, encoding="utf-8")
        total += len(docs)
    return total
