"""A Flux ``HelmRelease`` read as the Flux ``Kustomization`` that applies it applies it.

kustomize-controller runs post-build substitution on every object it applies, the
HelmReleases included, before helm-controller reads them: ``replicaCount:
${replicas}`` in a HelmRelease's values reaches Helm as the variable's value. So a
HelmRelease whose file is an input of a Kustomization target with variables is read
with that Kustomization's substitution applied (once per such Kustomization: two
clusters substitute one base differently), and the files the variables come from are
inputs of its target, so a change to them affects it in ``diff``.

Lines stay the HelmRelease file's: a finding a substituted value causes points at the
value that uses the variable. Patches an overlay applies to a HelmRelease need a build
and are not applied here (known gap).
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
    """``read(found)``, once per substituting Kustomization among ``planned`` that applies
    ``found``'s file, on the body it substitutes (plain ``read(found)`` when none does)."""
    if not _uses_variables(found.body):  # most releases: nothing to substitute
        return read(found, context)
    appliers = [(t.agent, t.substitution) for t in planned
                if t.substitution is not None and t.substitution.variables
                and t.agent is not None and t.agent.kind == "Kustomization"
                and found.path in t.inputs]
    if not appliers:
        return read(found, context)
    # one target per Kustomization, named after it (and where it is, when two clusters'
    # Kustomizations share a name)
    shown = Counter(str(agent) for agent, _ in appliers)
    reads = [_read_applied(found, context, read, substitution,
                           label="" if len(appliers) == 1 else
                           f"{agent} ({agent.where})" if shown[str(agent)] > 1 else str(agent),
                           inputs=(agent.path,))
             for agent, substitution in appliers]
    return AgentRead(targets=tuple(t for r in reads for t in r.targets),
                     skipped=tuple(dict.fromkeys(s for r in reads for s in r.skipped)),
                     findings=tuple(dict.fromkeys(f for r in reads for f in r.findings)))


def _read_applied(found: FoundObject, context: AgentContext, read: Reader,
                  substitution: Substitution, *, label: str, inputs: tuple[str, ...]) -> AgentRead:
    text = yaml.safe_dump(dict(found.body), sort_keys=False)
    substituted = substitute_document(text, substitution)
    body = yaml.load(substituted.text, Loader=yaml.CSafeLoader) if not substituted.error else None
    result = read(replace(found, body=body) if isinstance(body, Mapping) else found, context)
    sources = sorted({source.path for source in substitution.sources.values()})
    targets = tuple(replace(t, inputs=tuple(dict.fromkeys((*t.inputs, *inputs, *sources))),
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
