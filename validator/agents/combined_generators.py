"""The ApplicationSet generators made of generators: ``matrix`` and ``merge``.

- ``matrix``: exactly two child generators; the second's strings (except its ``values``
  and ``template``) are rendered with each parameter set of the first, then every pair
  is combined: with fasttemplate the union (one key with two values is an error, as
  Argo CD's ``CombineStringMaps``), with Go templates the two merged, the first's value
  winning.
- ``merge``: the first generator's sets, each overridden by the set of a later
  generator with the same values of ``mergeKeys``; later sets matching none are
  dropped; sets not unique by the keys are an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from validator.agents.generators import GeneratorContext, GeneratorError, Params, bound, generate
from validator.agents.govalues import go_print
from validator.agents.templating import TemplateMode, render_template
from validator.model import FieldPath


def matrix_params(spec: Mapping[str, Any], context: GeneratorContext, where: FieldPath,
                  depth: int) -> list[Params]:
    """``matrix``: every pair of sets of its two generators (the second generator's strings
    rendered with each set of the first; Go templates: the first set wins a shared key)."""
    children = spec.get("generators")
    if not isinstance(children, list) or len(children) != 2:
        raise GeneratorError((*where, "generators"), "a matrix generator needs exactly two generators")
    result: list[Params] = []
    for first in generate(children[0], context, (*where, "generators", 0), depth + 1):
        child = _interpolated(children[1], first, context.mode, (*where, "generators", 1))
        for second in generate(child, context, (*where, "generators", 1), depth + 1):
            result.append(_combine(first, second, context.mode, where))
            bound(result, where)
    return result


def _interpolated(generator: Any, params: Params, mode: TemplateMode, where: FieldPath) -> Any:
    if not isinstance(generator, Mapping):
        return generator
    own = ("values", "template")  # rendered later with the combined set
    return {kind: {k: v if k in own else render_template(v, params, mode, (*where, kind, k))
                   for k, v in spec.items()} if isinstance(spec, Mapping) else spec
            for kind, spec in generator.items()}


def _combine(first: Params, second: Params, mode: TemplateMode, where: FieldPath) -> Params:
    if mode.go:
        return deep_merge(deep_merge({}, second), first)
    for key, value in second.items():
        if key in first and first[key] != value:
            raise GeneratorError(where, f"found duplicate key {key} with different value, "
                                        f"a: {first[key]} ,b: {value}")
    return {**first, **second}


def deep_merge(base: Params, override: Mapping[str, Any]) -> Params:
    """``override`` merged into ``base`` (mergo ``WithOverride``): nested maps merged."""
    for key, value in override.items():
        if isinstance(base.get(key), dict) and isinstance(value, Mapping):
            base[key] = deep_merge(dict(base[key]), value)
        else:
            base[key] = value
    return base


def merge_params(spec: Mapping[str, Any], context: GeneratorContext, where: FieldPath,
                 depth: int) -> list[Params]:
    """``merge``: the first generator's sets, each updated by the set of every later generator
    that has the same values of ``mergeKeys``; sets of later generators matching none are dropped."""
    keys = spec.get("mergeKeys")
    children = spec.get("generators")
    if not isinstance(keys, list) or not keys:
        raise GeneratorError((*where, "mergeKeys"), "a merge generator needs mergeKeys")
    if not isinstance(children, list) or len(children) < 2:
        raise GeneratorError((*where, "generators"), "a merge generator needs at least two generators")
    base: dict[str, Params] = {}
    for index, child in enumerate(children):
        at = (*where, "generators", index)
        by_key = _by_merge_key(generate(child, context, at, depth + 1), keys, at)
        if index == 0:
            base = by_key
            continue
        for key, params in base.items():
            if key in by_key:
                base[key] = deep_merge(dict(params), by_key[key]) if context.mode.go \
                    else {**params, **by_key[key]}
    return list(base.values())


def _by_merge_key(params: list[Params], keys: list[Any], where: FieldPath) -> dict[str, Params]:
    result: dict[str, Params] = {}
    for item in params:
        key = go_print([go_print(item.get(str(k))) for k in dict.fromkeys(keys)])
        if key in result:
            raise GeneratorError(where, "the parameters from a generator were not unique by the "
                                        f"given mergeKeys. Duplicate key was {key}")
        result[key] = item
    return result
