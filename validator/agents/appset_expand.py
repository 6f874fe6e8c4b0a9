"""An ApplicationSet expanded into the Application bodies Argo CD's controller would create.

Pure: the body and a :class:`GeneratorContext` in, :class:`Expansion` out. For each
generator, its parameter sets (:mod:`validator.agents.generators`) fill the template:
the generator's own ``template`` merged over ``spec.template`` as Argo CD merges them
(mergo without override: a field the generator's template sets wins, an empty one is
filled from the spec's), then ``templatePatch`` (rendered like the template, as
Argo CD's controller does) applied as a strategic merge patch (maps merged, lists
replaced, ``null`` deletes). Every Application is created in the ApplicationSet's
namespace. Problems carry the field path of the ApplicationSet they concern: the
caller turns them into findings on that line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from validator.agents.generators import (
    MAX_PARAM_SETS,
    GeneratorContext,
    GeneratorError,
    NotRendered,
    Params,
    generate,
)
from validator.agents.govalues import TemplateError, UnsupportedConstructError
from validator.agents.templating import TemplateFieldError, TemplateMode, render_string, render_template
from validator.model import FieldPath, Severity

TEMPLATE = ("spec", "template")


@dataclass(frozen=True, kw_only=True)
class Problem:
    """Something wrong in the ApplicationSet, at ``field_path``."""

    rule: str
    """``agent/appset-generator``, ``agent/appset-template``, ``agent/appset-name``,
    ``agent/appset-limit``."""
    field_path: FieldPath
    message: str
    severity: Severity = Severity.ERROR


@dataclass(frozen=True, kw_only=True)
class NotExpanded:
    """A generator whose Applications cannot be known here (a live service, another
    repository, a template construct this subset lacks)."""

    field_path: FieldPath
    group: str
    why: str


@dataclass(frozen=True, kw_only=True)
class Generated:
    """One Application body, and where its template is written in the ApplicationSet."""

    body: dict[str, Any]
    template_path: FieldPath
    """``("spec", "template")``, or the generator's own ``template`` when the spec has none."""


@dataclass(kw_only=True)
class Expansion:
    applications: list[Generated] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    not_expanded: list[NotExpanded] = field(default_factory=list)


def template_mode(spec: Mapping[str, Any]) -> TemplateMode:
    options = spec.get("goTemplateOptions") or ()
    return TemplateMode(go=spec.get("goTemplate") is True,
                        options=tuple(str(o) for o in options) if isinstance(options, list) else ())


def expand(body: Mapping[str, Any], context: GeneratorContext) -> Expansion:
    """The Applications ``body`` (an ApplicationSet) generates, and what went wrong."""
    result = Expansion()
    spec = body.get("spec")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("generators"), list):
        result.problems.append(Problem(rule="agent/appset-generator", field_path=("spec",),
                                       message="spec.generators must be a list"))
        return result
    if context.mode.go and (option := context.mode.check_options()):
        result.not_expanded.append(NotExpanded(
            field_path=("spec", "goTemplateOptions"), group="not rendered: template option",
            why=f"goTemplateOptions {option!r} is not supported"))
        return result
    namespace = _namespace(body)
    names: dict[str, FieldPath] = {}
    for index, generator in enumerate(spec["generators"]):
        where: FieldPath = ("spec", "generators", index)
        try:
            params = generate(generator, context, where)
        except RecursionError:
            result.problems.append(Problem(rule="agent/appset-generator", field_path=where,
                                           message="the generator is nested too deeply to expand"))
            continue
        except NotRendered as err:
            result.not_expanded.append(NotExpanded(field_path=err.field_path, group=err.group,
                                                   why=str(err)))
            continue
        except GeneratorError as err:
            result.problems.append(Problem(rule="agent/appset-generator",
                                           field_path=err.field_path, message=str(err)))
            continue
        except TemplateFieldError as err:
            _template_problem(result, err, (), err.field_path)
            continue
        own, own_path = _own_template(generator, where)
        template, root = _merged_template(own, spec.get("template"), own_path)
        _fill(result, template, root, params, patch=spec.get("templatePatch"), namespace=namespace,
              names=names, context=context)
    return result


def _namespace(body: Mapping[str, Any]) -> str:
    meta = body.get("metadata")
    value = meta.get("namespace") if isinstance(meta, Mapping) else None
    return value if isinstance(value, str) else ""


def _fill(result: Expansion, template: dict[str, Any], root: FieldPath, params: list[Params], *,
          patch: Any, namespace: str, names: dict[str, FieldPath],
          context: GeneratorContext) -> None:
    for item in params:
        try:
            rendered = _rendered(template, item, context.mode)
            if patch is not None:
                rendered = _patched(rendered, patch, item, context.mode)
        except TemplateFieldError as err:
            field_root = ("spec", "templatePatch") if err.field_path == ("templatePatch",) else root
            path = () if field_root[-1] == "templatePatch" else err.field_path
            if _template_problem(result, err, field_root, path):
                return  # the same construct fails every set: said once
            continue
        app = _application(rendered, namespace)
        name = app["metadata"].get("name")
        if not isinstance(name, str) or not name:
            result.problems.append(Problem(rule="agent/appset-name", field_path=(*root, "metadata", "name"),
                                           message="a generated Application has no name"))
            continue
        if name in names:
            result.problems.append(Problem(
                rule="agent/appset-name", field_path=(*root, "metadata", "name"),
                message=f"ApplicationSet generates more than one Application named {name!r}; "
                        "Argo CD refuses the ApplicationSet (only the first is rendered)"))
            continue
        if len(names) >= MAX_PARAM_SETS:
            result.problems.append(Problem(
                rule="agent/appset-limit", field_path=("spec", "generators"),
                message=f"ApplicationSet generates more than {MAX_PARAM_SETS} Applications; "
                        "the rest are not rendered"))
            return
        names[name] = root
        result.applications.append(Generated(body=app, template_path=root))


def _rendered(template: dict[str, Any], params: Params, mode: TemplateMode) -> Any:
    try:
        return render_template(template, params, mode)
    except RecursionError as err:
        raise TemplateFieldError((), "the template is nested too deeply to render",
                                 unsupported=True) from err


def _template_problem(result: Expansion, err: TemplateFieldError, root: FieldPath,
                      path: FieldPath) -> bool:
    """Record ``err`` (once per place and message); True when it is a construct this subset
    lacks, which fails every parameter set alike."""
    problem = Problem(rule="agent/appset-template", field_path=(*root, *path),
                      message=str(err) + ("; the ApplicationSet is not rendered" if err.unsupported
                                          else ""))
    if problem not in result.problems:
        result.problems.append(problem)
    if err.unsupported:
        result.not_expanded.append(NotExpanded(
            field_path=(*root, *path), group="not rendered: template construct not supported",
            why=str(err)))
    return err.unsupported


def _own_template(generator: Mapping[str, Any], where: FieldPath) -> tuple[Any, FieldPath]:
    """A generator's own ``template`` (``list.template``, ``git.template``...) and its path."""
    for kind, spec in generator.items():
        if kind != "selector" and isinstance(spec, Mapping) and "template" in spec:
            return spec["template"], (*where, kind, "template")
    return None, ()


def _merged_template(own: Any, common: Any, own_path: FieldPath) -> tuple[dict[str, Any], FieldPath]:
    """The generator's template over ``spec.template`` (mergo.Merge without override)."""
    base = dict(common) if isinstance(common, Mapping) else {}
    if not isinstance(own, Mapping):
        return base, TEMPLATE
    return _fill_empty(dict(own), base), TEMPLATE if base else own_path


def _fill_empty(dest: dict[str, Any], src: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in src.items():
        current = dest.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            dest[key] = _fill_empty(dict(current), value)
        elif current in (None, "", 0, False, [], {}):
            dest[key] = value
    return dest


def _patched(app: Any, patch: Any, params: Params, mode: TemplateMode) -> Any:
    if not isinstance(patch, str):
        raise TemplateFieldError(("templatePatch",), "templatePatch must be a string")
    try:
        text = render_string(patch, params, mode)
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise TemplateFieldError(("templatePatch",), f"templatePatch is not YAML once rendered: {err}"
                                 ) from err
    except UnsupportedConstructError as err:
        raise TemplateFieldError(("templatePatch",), str(err), unsupported=True) from err
    except (TemplateError, RecursionError) as err:
        raise TemplateFieldError(("templatePatch",), f"templatePatch: {err}") from err
    if loaded is None:
        return app
    if not isinstance(loaded, Mapping):
        raise TemplateFieldError(("templatePatch",), "templatePatch must render to a mapping")
    return merge_patch(app, loaded)


def merge_patch(base: Any, patch: Mapping[str, Any]) -> Any:
    """``patch`` applied to ``base`` as a strategic merge patch on an Application (whose
    lists have no merge keys): maps merged, lists and scalars replaced, ``null`` deletes."""
    merged = dict(base) if isinstance(base, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping):
            merged[key] = merge_patch(merged.get(key), value)
        else:
            merged[key] = value
    return merged


def _application(rendered: Mapping[str, Any], namespace: str) -> dict[str, Any]:
    meta = dict(rendered.get("metadata") or {})
    if namespace:
        meta["namespace"] = namespace
    body: dict[str, Any] = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                            "metadata": meta}
    body.update({k: v for k, v in rendered.items() if k not in ("metadata", "apiVersion", "kind")})
    return body
