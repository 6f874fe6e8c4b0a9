"""A Flux ``HelmRelease`` read as the Flux ``Kustomization`` that applies it applies it.

kustomize-controller runs post-build substitution on every object it applies, the
HelmReleases included, before helm-controller reads them: ``replicaCount:
${replicas}`` in a HelmRelease's values reaches Helm as the variable's value. So a
HelmRelease whose file is an input of a Kustomization target with variables it uses is
read with that Kustomization's substitution applied (once per such Kustomization: two
clusters substitute one base differently), and the files the variables come from are
inputs of its target, so a change to them affects it in ``diff``.

Lines stay the HelmRelease file's: a finding a substituted value causes points at the
value that uses the variable. ``targetNamespace``, patches, ``namePrefix`` and the other
overrides a Kustomization applies to a HelmRelease are not applied here (known gap):
``targetNamespace`` moves the ConfigMaps and sources the release looks up as well, which
the object index, reading the files as written, does not know.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import yaml

from validator.agents.objects import FoundObject
from validator.agents.plan import AgentContext, AgentRead, Reader
from validator.render.options import Substitution
from validator.render.post_build import substitute_document
from validator.render.targets import Target


def read_as_applied(found: FoundObject, context: AgentContext, planned: Sequence[Target],
                    read: Reader) -> AgentRead:
    """``read(found)``, once per Kustomization among ``planned`` that applies ``found``'s
    file and substitutes variables it uses, on the body it substitutes (plain
    ``read(found)`` when none does)."""
    if not _uses_variables(found.body):  # most releases: nothing to substitute
        return read(found, context)
    appliers = [t for t in planned
                if t.agent is not None and t.agent.kind == "Kustomization"
                and found.path in t.inputs and _variables(t) is not None]
    if not appliers:
        return read(found, context)
    # one target per Kustomization, named after it (and where it is, when two clusters'
    # Kustomizations share a name)
    shown = Counter(str(t.agent) for t in appliers)
    reads = [_read_applied(found, context, read, t,
                           label="" if len(appliers) == 1 else
                           f"{t.agent} ({t.agent.where})" if shown[str(t.agent)] > 1 else str(t.agent))
             for t in appliers if t.agent is not None]
    return AgentRead(targets=tuple(t for r in reads for t in r.targets),
                     skipped=tuple(dict.fromkeys(s for r in reads for s in r.skipped)),
                     findings=tuple(dict.fromkeys(f for r in reads for f in r.findings)))


def _variables(target: Target) -> Substitution | None:
    substitution = target.substitution
    return substitution if substitution is not None and substitution.variables else None


def _read_applied(found: FoundObject, context: AgentContext, read: Reader, applier: Target,
                  *, label: str) -> AgentRead:
    body: Mapping[str, Any] = found.body
    inputs = [applier.agent.path] if applier.agent is not None else []
    if (substitution := _variables(applier)) is not None:
        substituted = substitute_document(yaml.safe_dump(dict(body), sort_keys=False), substitution)
        loaded = yaml.load(substituted.text, Loader=yaml.CSafeLoader) if not substituted.error else None
        body = loaded if isinstance(loaded, Mapping) else body
        inputs += sorted({source.path for source in substitution.sources.values()})
    result = read(replace(found, body=body), context)
    targets = tuple(replace(t, inputs=tuple(dict.fromkeys((*t.inputs, *inputs))),
                            name=f"{t.name} (applied by {label})" if label else t.name)
                    for t in result.targets)
    return replace(result, targets=targets)


def _uses_variables(node: Any) -> bool:
    """Whether a string (or key) of ``node`` holds ``${``: only then is there work to do."""
    if isinstance(node, Mapping):
        return any(_uses_variables(k) or _uses_variables(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_uses_variables(item) for item in node)
    return isinstance(node, str) and "${" in node
