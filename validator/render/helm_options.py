"""What an agent object's Helm options (``Target.helm``) add to ``helm template``.

Argo CD and Flux template a chart with more than values files: inline values
(``helm.values``, ``valuesObject``, Flux ``spec.values`` and ``valuesFrom``), ``--set``
parameters, CRDs skipped, a Kubernetes version and API versions. This module turns
:class:`~validator.render.options.HelmOptions` into the arguments, in the order the
agents pass them: the target's values files, then each inline mapping as a values file
of its own written into the render's temporary folder, then ``--set`` / ``--set-string``
/ ``--set-file``. ``--set`` is parsed by helm itself, never here; a parameter's name is
checked so that it cannot become another flag or another assignment (each one is a
single ``--set=name=value`` argument), and a ``--set-file`` file must be a regular file
inside the repository. A value's commas are escaped as Argo CD escapes them.

Flux's ``valuesFrom[].targetPath`` sets one value at a dotted path with helm's ``--set``
parser (helm-controller's ``ReplacePathValue``): when no later inline mapping touches that
path it is passed as ``--set`` (``--set-string`` for a quoted value), so helm parses it
exactly as Flux does; otherwise it is built into a mapping (:func:`layers`) merged in its
place. A value with an unescaped comma, which Flux's parser splits and then refuses, is
a finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from validator.model import Engine, Finding, Location, Severity, Skipped
from validator.render.options import HelmOptions, HelmParameter, InlineValues, ValueSource
from validator.render.paths import inside_root
from validator.render.sourcemap import SourceFiles
from validator.render.targets import Target

#: A ``--set`` key: names, dots, list indexes and backslash escapes; never a flag, never a
#: second assignment (``=``, ``,``) or whitespace.
_NAME = re.compile(r"[A-Za-z0-9_$][A-Za-z0-9_$.\[\]\\/@:+-]*")
#: A comma not escaped by a backslash (helm's strvals splits assignments there).
_COMMA = re.compile(r"(?<!\\),")
_QUOTES = "'\""


@dataclass(frozen=True, kw_only=True)
class ValuesLayer:
    """One mapping merged after the target's values files, and where it was written."""

    values: Mapping[str, Any]
    """The values as helm merges them (a ``targetPath`` value built into its mapping)."""
    source: ValueSource
    """Where they were written; a key path ``k.l`` sits at ``source.field + (k, l)``."""
    target_path: tuple[str, ...] = ()
    """Flux ``targetPath`` split into keys: the whole layer is the value at ``source``."""


def layers(options: HelmOptions | None) -> tuple[ValuesLayer, ...]:
    """Each inline mapping in merge order (a ``targetPath`` one built as Flux builds it)."""
    out = []
    for inline in options.inline_values if options else ():
        if not inline.target_path:
            out.append(ValuesLayer(values=inline.values, source=inline.source))
            continue
        keys, value = target_path_keys(inline.target_path), _target_value(inline)
        if keys is None or value is None:
            continue  # a finding of option_problems
        built: Any = _typed(value)
        for key in reversed(keys):
            built = {key: built}
        out.append(ValuesLayer(values=built, source=inline.source, target_path=keys))
    return tuple(out)


def target_path_keys(path: str) -> tuple[str, ...] | None:
    """``a.b\\.c`` -> ``("a", "b.c")``; None for what strvals would read otherwise (list
    indexes, ``=``, ``,``) or an empty key."""
    if not path or re.search(r"[\[\]=,\s]", path):
        return None
    keys = [key.replace("\\.", ".") for key in re.split(r"(?<!\\)\.", path)]
    return tuple(keys) if all(keys) else None


def parameter_keys(name: str) -> tuple[str, ...] | None:
    """The values path a ``--set`` name writes, when it is plain keys (for locating only)."""
    return target_path_keys(name) if "\\" not in name.replace("\\.", "") else None


def _target_value(inline: InlineValues) -> str | None:
    """The raw text a ``targetPath`` entry sets: the mapping's one value (the reader gives
    ``{targetPath: text}``)."""
    value = inline.values.get(inline.target_path)
    if value is None and len(inline.values) == 1:
        value = next(iter(inline.values.values()))
    return value if isinstance(value, str) else None


def _quoted(value: str) -> bool:
    return len(value) >= 2 and value[0] == value[-1] and value[0] in "'\""


def _typed(value: str) -> Any:
    """What strvals makes of a value (helm-controller: quoted values stay strings)."""
    if _quoted(value):
        return value.strip(_QUOTES)
    value = re.sub(r"\\(.)", r"\1", value)
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    if value == "0" or (value[:1] != "0" and re.fullmatch(r"[+-]?\d+", value)
                        and -(2**63) <= int(value) < 2**63):
        return int(value)
    return value


def option_problems(root: Path, target: Target, sources: SourceFiles) -> list[Finding]:
    """What in the object's Helm options cannot be passed to helm, on the option's line."""
    options = target.helm
    if options is None:
        return []
    problems = []
    for inline in options.inline_values:
        if inline.target_path and (why := _target_path_problem(inline)):
            problems.append(_problem(sources, inline.source, target, "agent/helm-target-path",
                                     f"{why}; {target.name} not rendered"))
    for parameter in options.parameters:
        if not _NAME.fullmatch(parameter.name):
            problems.append(_problem(sources, parameter.source, target, "agent/helm-parameter",
                                     f"parameter name {parameter.name!r} is not a Helm value "
                                     f"path; {target.name} not rendered"))
        elif parameter.from_file and not _file_inside(root, parameter.value):
            problems.append(_problem(sources, parameter.source, target, "agent/helm-file-parameter",
                                     f"file parameter {parameter.name!r}: {parameter.value!r} is "
                                     "not a file inside the repository; refused, "
                                     f"{target.name} not rendered"))
    return problems


def _target_path_problem(inline: InlineValues) -> str:
    """Why a ``targetPath`` entry cannot be set as Flux sets it (empty: it can)."""
    value = _target_value(inline)
    if target_path_keys(inline.target_path) is None:
        return (f"targetPath {inline.target_path!r} is not a dotted path of keys (list indexes "
                "are not supported here)")
    if value is None:
        return f"the value for targetPath {inline.target_path!r} is not a string"
    if _COMMA.search(value.strip(_QUOTES) if _quoted(value) else value):
        return (f"the value for targetPath {inline.target_path!r} holds a comma: Flux's parser "
                "splits it there and helm-controller fails the release")
    return ""


def _file_inside(root: Path, relative: str) -> bool:
    path = root / relative
    return not Path(relative).is_absolute() and inside_root(root, path) and path.is_file()


def _problem(sources: SourceFiles, source: ValueSource | None, target: Target, rule: str,
             message: str) -> Finding:
    return Finding(rule_id=rule, severity=Severity.ERROR, message=message, engine=Engine.RENDER,
                   location=value_location(sources, source, target))


def value_location(sources: SourceFiles, source: ValueSource | None, target: Target) -> Location:
    """The line an option was written on (without a source: the agent object's line)."""
    if source is None:
        agent = target.agent
        return Location(path=agent.path, line=agent.line) if agent else Location(path=target.path)
    found = sources.get(source.path)
    if found is None:
        return Location(path=source.path, line=0)
    return found.locator.locate(source.index, source.field)


def helm_option_args(root: Path, options: HelmOptions | None, folder: Path) -> list[str]:
    """The arguments after the target's own ``--values``: inline values files (written into
    ``folder``), parameters, CRDs, API versions. ``--kube-version`` is :func:`kube_version`."""
    if options is None:
        return ["--include-crds"]
    args: list[str] = []
    built = layers(options)
    for number, layer in enumerate(built):
        if layer.target_path and not _touched_later(layer, built[number + 1:]):
            continue  # passed as --set below, parsed by helm as Flux parses it
        file = folder / f"inline-values-{number}.yaml"
        file.write_text(yaml.safe_dump(_plain(layer.values), sort_keys=False), encoding="utf-8")
        args.append(values_argument(file))
    for number, layer in enumerate(built):
        if layer.target_path and not _touched_later(layer, built[number + 1:]):
            inline = next(i for i in options.inline_values
                          if i.source == layer.source and i.target_path)
            args.append(_target_path_argument(inline))
    args += [_set_argument(root, parameter) for parameter in options.parameters]
    if options.include_crds:
        args.append("--include-crds")
    args += [f"--api-versions={api}" for api in options.api_versions]
    return args


def values_argument(path: Path) -> str:
    """One ``--values`` argument for one file: helm reads the flag as comma-separated values
    (CSV), so ``v,/etc/x`` would read ``/etc/x`` too; the path is given as one quoted field."""
    quoted = str(path).replace('"', '""')
    return f'--values="{quoted}"'


def passes_set(options: HelmOptions | None) -> bool:
    """Whether helm gets ``--set`` arguments (then helm, not we, knows the values they give)."""
    if options is None:
        return False
    built = layers(options)
    return bool(options.parameters) or any(
        layer.target_path and not _touched_later(layer, built[number + 1:])
        for number, layer in enumerate(built))


def kube_version(options: HelmOptions | None, default: str) -> str:
    """``--kube-version``: the object's, else the run's."""
    return options.kube_version if options and options.kube_version else default


def _touched_later(layer: ValuesLayer, later: Sequence[ValuesLayer]) -> bool:
    """Whether a later mapping sets the layer's path, one of its ancestors or descendants
    (then ``--set``, applied after every values file, would come in the wrong order)."""
    for other in later:
        node: Any = other.values
        for key in layer.target_path:
            if not isinstance(node, Mapping) or key not in node:
                break
            node = node[key]
        else:
            return True
        if not isinstance(node, Mapping):
            return True  # an ancestor replaced by a scalar
    return False


def _target_path_argument(inline: InlineValues) -> str:
    """helm-controller's ``ReplacePathValue`` as one ``--set`` argument."""
    value = _target_value(inline) or ""
    if _quoted(value):
        return f"--set-string={inline.target_path}={value.strip(_QUOTES)}"
    return f"--set={inline.target_path}={value}"


def _set_argument(root: Path, parameter: HelmParameter) -> str:
    """One ``--set...=name=value`` argument: a single argv item, so nothing in it is a flag."""
    if parameter.from_file:  # helm's parser splits at a comma: the path is escaped as a whole
        return f"--set-file={parameter.name}={_strvals_escaped(str(root / parameter.value))}"
    flag = "--set-string" if parameter.force_string else "--set"
    return f"{flag}={parameter.name}={_argo_escaped(parameter.value)}"


def _strvals_escaped(value: str) -> str:
    """``value`` read by helm's ``strvals`` as one literal value: a backslash escapes the next
    character, so ``,`` (another assignment, e.g. ``b=/etc/passwd``) and ``\\`` are escaped."""
    return re.sub(r"([\\,])", r"\\\1", value)


def _argo_escaped(value: str) -> str:
    """Argo CD's ``cleanSetParameters``: commas escaped unless the value is a ``{a,b}`` list."""
    if value.startswith("{") and value.endswith("}"):
        return value
    return _COMMA.sub(r"\\,", value)


def _plain(value: Any) -> Any:
    """Mappings and sequences as dict and list, for a safe YAML dump."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def option_key(options: HelmOptions | None) -> str:
    """Every option, for the render cache key (two targets of one chart with different
    options never share a render)."""
    return "" if options is None else json.dumps(asdict(options), sort_keys=True, default=str)


def missing_values_notes(target: Target) -> tuple[Skipped, ...]:
    """One note per values file the object names that does not exist and may be missing."""
    if target.helm is None:
        return ()
    agent = f"{target.agent} ({target.agent.where})" if target.agent else target.name
    return tuple(Skipped(path=path, unit="values file", group="not read: missing values file",
                         reason=f"{agent}: values file {path} does not exist; ignored "
                                "(ignoreMissingValueFiles)")
                 for path in target.helm.missing_values_files)
