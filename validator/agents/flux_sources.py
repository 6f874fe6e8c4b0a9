"""What the Flux readers share: the source an object names, paths in it, ConfigMap/Secret data.

A Flux object is rendered only when its source is a ``GitRepository`` whose ``spec.url``
names this repository (:mod:`validator.agents.repo_urls`). The GitRepository has to be
in the repository for its URL to be compared: one that is not (a source made by hand
on the cluster) is reported as not rendered, never guessed to be this repository, not
even the ``flux-system`` of ``flux bootstrap`` (which commits it in ``gotk-sync.yaml``).
"""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext
from validator.agents.repo_urls import normalise
from validator.model import Engine, Finding, Location, Severity, Skipped
from validator.render.options import FieldPath, ValueSource

CONFIG_FILE = ".gitops-validator.yaml"
#: Longest word of an object's own text quoted in a message (a URL, a path, a name).
_MAX_WORD = 160


def mapping(value: object) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one (the schema check reports it)."""
    return value if isinstance(value, Mapping) else {}


def entries(value: object) -> list[Mapping[str, Any]]:
    """The mapping items of a list field (others are the schema check's to report)."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


@dataclass(frozen=True, kw_only=True)
class NotOwn:
    """Why an object's source is not this repository: the summary group and the detail."""

    group: str
    why: str


def own_source(found: FoundObject, ref: object, context: AgentContext) -> NotOwn | None:
    """None when ``ref`` (a ``sourceRef``) is a GitRepository naming this repository."""
    ref = mapping(ref)
    kind, name = str(ref.get("kind", "")), str(ref.get("name", ""))
    namespace = str(ref.get("namespace") or found.namespace)
    if kind != "GitRepository":
        return NotOwn(group="not rendered: another repository",
                      why=f"its source is {kind or 'a source'} {namespace}/{name}, not a "
                          "GitRepository of this repository")
    source = context.index.get("GitRepository", namespace, name)
    if source is None:
        return NotOwn(group="not rendered: source not found",
                      why=f"GitRepository {namespace}/{name} is not in the repository, so "
                          "whether it is this repository is unknown (commit it, as flux "
                          "bootstrap does in gotk-sync.yaml)")
    url = str(mapping(source.body.get("spec")).get("url", ""))
    if normalise(url) in context.repository_urls:
        return None
    listed = ", ".join(sorted(context.repository_urls)) or "none"
    return NotOwn(group="not rendered: another repository",
                  why=f"GitRepository {namespace}/{name} ({source.path}:{source.line()}) is "
                      f"{url or 'without a url'}, not this repository (repository_urls in "
                      f"{CONFIG_FILE}: {listed}; add its URL there if it is this one)")


def repo_path(raw: object, base: str = "") -> str | None:
    """``./apps`` -> ``apps`` (``base`` joined first; the root is ``.``); None when the
    path leaves the repository. A leading ``/`` is the source's root, as Flux joins it."""
    text = str(raw or "").strip() or "."
    joined = posixpath.normpath(posixpath.join(base or ".", text.lstrip("/")))
    if joined == ".." or joined.startswith("../"):
        return None
    return joined


_LONG_WORD = re.compile(rf"\S{{{_MAX_WORD + 1},}}")


def shown(text: str) -> str:
    """``text`` with every over-long word (a URL, a path, a name the object wrote) cut to a
    readable length: a message quotes what the object says, never all of it."""
    return _LONG_WORD.sub(lambda m: m.group()[:_MAX_WORD] + "...", text)


def finding(found: FoundObject, field_path: FieldPath, rule: str, message: str,
            severity: Severity = Severity.ERROR) -> Finding:
    """A problem of ``found`` at the line of ``field_path``, naming the object."""
    return Finding(rule_id=f"agent/{rule}", severity=severity, engine=Engine.RENDER,
                   message=shown(f"{found.agent_object()}: {message}"),
                   location=Location(path=found.path, line=found.line(field_path)))


def not_rendered(found: FoundObject, unit: str, group: str, what: str, why: str) -> Skipped:
    return Skipped(path=f"{found.path}:{found.line()}", unit=unit, group=group,
                   reason=shown(f"{found.agent_object()}: {what} is not rendered: {why}"))


@dataclass(frozen=True, kw_only=True)
class ConfigData:
    """The string data of a ConfigMap or Secret in the repository, each with its field."""

    found: FoundObject
    values: Mapping[str, tuple[str, FieldPath]] = field(default_factory=dict)
    encrypted: bool = False
    """A SOPS-encrypted Secret: its values are ciphertext until the cluster decrypts it."""
    problems: tuple[str, ...] = ()
    """Keys whose ``data`` is not base64."""

    def source(self, key: str) -> ValueSource:
        return ValueSource(path=self.found.path, index=self.found.index,
                           field=self.values[key][1])


def config_data(context: AgentContext, kind: str, namespace: str, name: str) -> ConfigData | None:
    """The ConfigMap or Secret ``namespace/name`` of the repository (one written without a
    namespace when none has it: a kustomization may give it one), or None."""
    found = context.index.get(kind, namespace, name) or context.index.get(kind, "", name)
    if found is None:
        return None
    values: dict[str, tuple[str, FieldPath]] = {}
    problems = []
    if kind == "Secret":
        for key, value in mapping(found.body.get("data")).items():
            try:
                decoded = base64.b64decode(str(value), validate=True).decode()
            except (binascii.Error, ValueError):
                problems.append(str(key))
                continue
            values[str(key)] = (decoded, ("data", str(key)))
        for key, value in mapping(found.body.get("stringData")).items():
            values[str(key)] = (str(value), ("stringData", str(key)))  # the API server's order
    else:
        values = {str(key): (str(value), ("data", str(key)))
                  for key, value in mapping(found.body.get("data")).items()}
    return ConfigData(found=found, values=values, encrypted="sops" in found.body,
                      problems=tuple(problems))


def referenced_data(found: FoundObject, context: AgentContext, entry: Mapping[str, Any],
                    where: FieldPath, *, field_name: str, controller: str,
                    problems: list[Finding], read: list[str]) -> ConfigData | None:
    """The ConfigMap or Secret a ``valuesFrom`` / ``substituteFrom`` entry names, its file
    added to ``read``; None when it is not in the repository (a finding on the entry, unless
    it is optional: the controller fails only then)."""
    kind, name = str(entry.get("kind", "")), str(entry.get("name", ""))
    data = config_data(context, kind, found.namespace, name) \
        if kind in ("ConfigMap", "Secret") else None
    if data is None:
        if not entry.get("optional"):
            rule = "values-from-missing" if field_name == "valuesFrom" else "substitute-from-missing"
            problems.append(finding(found, where, rule,
                                    f"{field_name} {kind} {found.namespace}/{name} is not in the "
                                    f"repository ({controller} fails unless it exists on the "
                                    "cluster, or the entry is optional)"))
        return None
    read.append(data.found.path)
    return data


def files_of_tree(context: AgentContext, folder: str) -> list[str]:
    """The kustomization files under ``folder`` and every file they read (empty when the
    folder has no kustomization)."""
    return [path for k in context.kustomize_tree(folder) for path in (k.path, *k.files)]


def depends_on(found: FoundObject, spec: Mapping[str, Any]) -> str:
    """``, depends on Kustomization flux-system/infra`` (``dependsOn``; the object's kind and
    namespace unless the entry names one), or empty."""
    names = [f"{item.get('namespace') or found.namespace}/{item.get('name')}".lstrip("/")
             for item in entries(spec.get("dependsOn"))]
    return f", depends on {found.kind} {', '.join(names)}" if names else ""
