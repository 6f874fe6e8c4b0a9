"""ApplicationSet generators turned into parameter sets, as Argo CD's controller does.

Each entry of ``spec.generators`` yields a list of parameter sets; the template is
rendered once per set. Implemented: ``list`` (``elements``, ``elementsYaml``),
``clusters`` (from the ``clusters:`` of the configuration, with ``selector`` and
``values``), ``git`` directories and files (:mod:`validator.agents.git_generators`),
``matrix`` and ``merge`` (:mod:`validator.agents.combined_generators`),
plus every generator's post-``selector``. With
fasttemplate parameters are flat strings (``values.x``, ``metadata.labels.x``); with
Go templates they are nested (``.values.x``, ``.metadata.labels.x``). Generators that
ask a live service (``scmProvider``, ``pullRequest``, ``clusterDecisionResource``,
``plugin``) raise :class:`NotRendered`; a malformed one :class:`GeneratorError`. Both
carry the field path (in the ApplicationSet document) their finding points at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from validator.agents.gofuncs import sanitize_name
from validator.agents.govalues import go_json, go_print
from validator.agents.model import ClusterConfig
from validator.agents.templating import TemplateMode, render_template
from validator.model import FieldPath

Params = dict[str, Any]

#: Parameter sets one ApplicationSet may produce (and so Applications it may generate).
MAX_PARAM_SETS = 1000
#: How deeply matrix and merge generators may nest.
MAX_NESTING = 3
LIVE_GENERATORS = ("scmProvider", "pullRequest", "clusterDecisionResource", "plugin")


class GeneratorError(Exception):
    """A generator Argo CD would refuse, at ``field_path`` (below ``spec``)."""

    def __init__(self, field_path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.field_path = field_path


class NotRendered(Exception):  # noqa: N818 - an outcome, reported as a skipped entry
    """A generator whose parameters cannot be known offline (``group``: counted reason)."""

    def __init__(self, field_path: FieldPath, group: str, why: str) -> None:
        super().__init__(why)
        self.field_path = field_path
        self.group = group


@dataclass(frozen=True, kw_only=True)
class GeneratorContext:
    """What generators read: the checkout, its URLs, the configured clusters, the mode."""

    root: Path
    repository_urls: frozenset[str]
    clusters: tuple[ClusterConfig, ...]
    mode: TemplateMode
    files_read: list[str] = field(default_factory=list)
    """Repository files a generator read (git files): inputs of every generated target."""
    listings: dict[str, list[str]] = field(default_factory=dict)
    """The checkout's folders and files, listed once per ApplicationSet (a matrix runs its
    second generator once per set of the first)."""


def generate(generator: Any, context: GeneratorContext, where: FieldPath,
             depth: int = 0) -> list[Params]:
    """The parameter sets of one generator (``where``: its field path below ``spec``)."""
    from validator.agents.combined_generators import (  # noqa: PLC0415 - they import this module
        matrix_params,
        merge_params,
    )
    from validator.agents.git_generators import git_params  # noqa: PLC0415

    if not isinstance(generator, Mapping):
        raise GeneratorError(where, "a generator must be a mapping")
    kinds = [k for k in generator if k not in ("selector", "template")]
    if len(kinds) != 1:
        raise GeneratorError(where, f"a generator needs exactly one kind, found {kinds or 'none'}")
    kind = kinds[0]
    spec = generator[kind]
    at = (*where, kind)
    if kind in LIVE_GENERATORS:
        raise NotRendered(at, f"not rendered: generator {kind} needs a live service",
                          f"generator {kind} needs a live service")
    if not isinstance(spec, Mapping):
        raise GeneratorError(at, f"generator {kind} must be a mapping")
    if kind == "list":
        params = list_params(spec, context, at)
    elif kind == "clusters":
        params = cluster_params(spec, context, at)
    elif kind == "git":
        params = git_params(spec, context, at)
    elif kind in ("matrix", "merge"):
        if depth >= MAX_NESTING:
            raise GeneratorError(at, f"{kind} generators nest more than {MAX_NESTING} levels")
        params = (matrix_params if kind == "matrix" else merge_params)(spec, context, at, depth)
    else:
        raise GeneratorError(at, f"unknown generator {kind!r}")
    bound(params, at)
    return select(params, generator.get("selector"), (*where, "selector"))


def bound(params: Sequence[object], where: FieldPath) -> None:
    """At most :data:`MAX_PARAM_SETS` parameter sets (or folders, files) per generator."""
    if len(params) > MAX_PARAM_SETS:
        raise GeneratorError(where, f"the generator yields {len(params)} parameter sets; at most "
                                    f"{MAX_PARAM_SETS} are expanded")


def list_params(spec: Mapping[str, Any], context: GeneratorContext, where: FieldPath) -> list[Params]:
    """``list``: one set per element (fasttemplate: string values, and ``values`` flattened)."""
    elements = spec.get("elements") or []
    if not isinstance(elements, list):
        raise GeneratorError((*where, "elements"), "elements must be a list")
    if isinstance(text := spec.get("elementsYaml"), str):
        try:
            extra = yaml.safe_load(text) or []
        except yaml.YAMLError as err:
            raise GeneratorError((*where, "elementsYaml"), f"elementsYaml is not YAML: {err}") from err
        if not isinstance(extra, list):
            raise GeneratorError((*where, "elementsYaml"), "elementsYaml must hold a list")
        elements = [*elements, *extra]
    result: list[Params] = []
    for index, element in enumerate(elements):
        at = (*where, "elements", index)
        if not isinstance(element, Mapping):
            raise GeneratorError(at, "a list element must be a mapping")
        result.append(go_json(element) if context.mode.go else _flat_element(element, at))
    return result


def _flat_element(element: Mapping[str, Any], where: FieldPath) -> Params:
    params: Params = {}
    for key, value in element.items():
        if key == "values" and isinstance(value, Mapping):
            for name, item in value.items():
                params[f"values.{name}"] = _string_value(item, (*where, key, name))
        else:
            params[str(key)] = _string_value(value, (*where, key))
    return params


def _string_value(value: Any, where: FieldPath) -> str:
    if not isinstance(value, str):
        raise GeneratorError(where, f"error parsing value as string: {go_print(go_json(value))} "
                                    "(without goTemplate, list elements must be strings)")
    return value


def cluster_params(spec: Mapping[str, Any], context: GeneratorContext,
                   where: FieldPath) -> list[Params]:
    """``clusters``: one set per configured cluster its ``selector`` matches."""
    result: list[Params] = []
    for cluster in context.clusters:
        labels = dict(cluster.labels)
        if not matches(spec.get("selector"), labels, (*where, "selector")):
            continue
        if context.mode.go:
            params: Params = {"name": cluster.name, "nameNormalized": sanitize_name(cluster.name),
                              "server": cluster.server, "project": "",
                              "metadata": {"labels": labels,
                                           "annotations": dict(cluster.annotations)}}
        else:
            params = {"name": cluster.name, "nameNormalized": sanitize_name(cluster.name),
                      "server": cluster.server, "project": ""}
            params.update({f"metadata.labels.{k}": v for k, v in labels.items()})
            params.update({f"metadata.annotations.{k}": v for k, v in cluster.annotations.items()})
        result.append(add_values(params, spec.get("values"), context.mode, (*where, "values")))
    return result


def add_values(params: Params, values: Any, mode: TemplateMode, where: FieldPath) -> Params:
    """A generator's ``values``, each rendered with the set's parameters, added to it."""
    if not values:
        return params
    if not isinstance(values, Mapping):
        raise GeneratorError(where, "values must be a mapping of strings")
    rendered = {str(k): render_template(str(v), params, mode, (*where, str(k)))
                for k, v in values.items()}
    if mode.go:
        return {**params, "values": rendered}
    return {**params, **{f"values.{k}": v for k, v in rendered.items()}}


def matches(selector: Any, labels: Mapping[str, str], where: FieldPath) -> bool:
    """A Kubernetes label selector (``matchLabels``, ``matchExpressions``) against ``labels``."""
    if not selector:
        return True
    if not isinstance(selector, Mapping):
        raise GeneratorError(where, "a selector must be a mapping")
    wanted = selector.get("matchLabels") or {}
    if any(labels.get(str(k)) != str(v) for k, v in wanted.items()):
        return False
    for index, expression in enumerate(selector.get("matchExpressions") or []):
        if not _expression(expression, labels, (*where, "matchExpressions", index)):
            return False
    return True


def _expression(expression: Any, labels: Mapping[str, str], where: FieldPath) -> bool:
    if not isinstance(expression, Mapping):
        raise GeneratorError(where, "a match expression must be a mapping")
    key, operator = str(expression.get("key", "")), expression.get("operator")
    values = [str(v) for v in expression.get("values") or []]
    if operator == "In":
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    raise GeneratorError((*where, "operator"), f"unknown selector operator {operator!r}")


def select(params: list[Params], selector: Any, where: FieldPath) -> list[Params]:
    """A generator's post-``selector``: sets whose flattened parameters it matches."""
    if not selector:
        return params
    return [p for p in params if matches(selector, flatten(p), where)]


def flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested parameters as ``a.b`` keys with ``%v`` strings (jeremywohl/flatten DotStyle)."""
    flat: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping) and value:
            flat.update(flatten(value, name))
        elif isinstance(value, list) and value:
            flat.update(flatten({str(i): v for i, v in enumerate(value)}, name))
        else:
            flat[name] = go_print(value)
    return flat
