"""Flux ``postBuild`` substitution applied to a built target, with the way back to each variable.

kustomize-controller substitutes after the build, object by object, on the YAML text of
each (then parses it again); an object labelled or annotated
``kustomize.toolkit.fluxcd.io/substitute: disabled`` is left alone, and nothing is
substituted when no variable is defined. ``kustomize build`` prints each object as
kustomize-controller serialises it, so the same text is substituted here
(:mod:`validator.agents.substitute`), document by document, before it is loaded.

A field whose value came from a variable is located at that variable's definition (the
Kustomization's ``substitute`` entry, the ConfigMap or Secret data key:
``Substitution.sources``) by :class:`SubstitutedLocator`, wrapped around the render's
own locator; when a value holds several variables the last defined one is taken (a
tag, a suffix: the most specific part, by convention). A variable used without a value
or default is a warning on the line that uses it (Flux substitutes an empty string); a
substitution that fails or breaks the object's YAML is an error on the object.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from validator.agents.substitute import MAX_EXPANDED, SubstitutionError, expand
from validator.load import Document, Locator
from validator.model import Engine, FieldPath, Finding, Location, Severity
from validator.render.options import Substitution, ValueSource
from validator.render.settings import RenderResult
from validator.render.sourcemap import SourceFiles
from validator.render.targets import Target

DISABLE_KEY = "kustomize.toolkit.fluxcd.io/substitute"
_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def post_build(output: bytes, target: Target, root: Path,
               load: Callable[[bytes], RenderResult]) -> RenderResult:
    """``load(output)`` after ``target``'s substitution (as it is without one)."""
    substitution = target.substitution
    if substitution is None or not substitution.variables:
        return load(output)
    try:
        text = output.decode("utf-8")
    except UnicodeDecodeError:
        return load(output)  # the loader reports the encoding
    results = []
    budget = MAX_EXPANDED  # for the whole build, not each object (many objects x 64 MiB)
    for part in _documents(text):
        results.append(substitute_document(part, substitution, limit=max(budget, 0)))
        budget -= len(results[-1].text) - len(part)
    loaded = load("---\n".join(r.text for r in results).encode())
    locator = _Wrap(substitution, SourceFiles(root), {i: r.fields for i, r in enumerate(results)})
    documents = tuple(replace(d, locator=locator.around(d.locator)) for d in loaded.documents)
    findings = [f for d in documents for f in _problems(d, results, target, substitution)]
    return replace(loaded, documents=documents, findings=(*loaded.findings, *findings))


def _documents(text: str) -> list[str]:
    """The documents of a ``kustomize build`` output, each with its text as printed."""
    parts = _SEPARATOR.split(text)
    if parts and not parts[0].strip():
        parts = parts[1:]
    return [part.lstrip("\n") for part in parts]


@dataclass(frozen=True, kw_only=True)
class DocumentSubstitution:
    """One object's text after substitution, and what it used."""

    text: str
    fields: Mapping[FieldPath, str] = field(default_factory=dict)
    """Field path (after substitution) -> the variable its value came from."""
    undefined: tuple[tuple[FieldPath, str], ...] = ()
    error: str = ""
    """Why the object could not be substituted (it is then left as built)."""


def substitute_document(text: str, substitution: Substitution, *,
                        limit: int = MAX_EXPANDED) -> DocumentSubstitution:
    """``text`` (one object's YAML) substituted as kustomize-controller does; the variables
    may produce at most ``limit`` characters (else the object is left as built, a finding)."""
    if "$" not in text:  # most objects of a large build: nothing to substitute or unescape
        return DocumentSubstitution(text=text)
    try:
        body = yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return DocumentSubstitution(text=text)  # the loader reports it
    if not isinstance(body, Mapping) or _disabled(body):
        return DocumentSubstitution(text=text)
    variables = substitution.variables
    try:
        expanded = expand(text, variables, limit=limit).text
        yaml.load(expanded, Loader=yaml.CSafeLoader)
    except SubstitutionError as exc:
        return DocumentSubstitution(text=text, error=f"variable substitution failed: {exc}")
    except yaml.YAMLError as exc:
        problem = str(getattr(exc, "problem", "") or exc).strip()
        return DocumentSubstitution(text=text, error=f"the substituted values break its YAML "
                                                     f"({problem})")
    fields: dict[FieldPath, str] = {}
    undefined: list[tuple[FieldPath, str]] = []
    for path, value in _strings(body, (), variables):
        try:
            result = expand(value, variables)
        except SubstitutionError:
            continue
        defined = [name for name in result.used if name in substitution.sources]
        if defined:
            fields[path] = defined[-1]
        undefined += [(path, name) for name in dict.fromkeys(result.undefined)]
    return DocumentSubstitution(text=expanded, fields=fields, undefined=tuple(undefined))


def _disabled(body: Mapping[str, Any]) -> bool:
    meta = body.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    return any(isinstance(m := meta.get(key), Mapping) and m.get(DISABLE_KEY) == "disabled"
               for key in ("labels", "annotations"))


def _strings(node: object, path: FieldPath, variables: Mapping[str, str]
             ) -> Iterator[tuple[FieldPath, str]]:
    """Every string holding ``${`` (keys too), with its path after substitution."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            name = key
            if isinstance(key, str) and "${" in key:
                try:
                    name = expand(key, variables).text
                except SubstitutionError:
                    continue
                yield (*path, name), key
            yield from _strings(value, (*path, name), variables)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _strings(item, (*path, index), variables)
    elif isinstance(node, str) and "${" in node:
        yield path, node


class _Wrap:
    """Makes a :class:`SubstitutedLocator` around a render's locator (one per output)."""

    def __init__(self, substitution: Substitution, sources: SourceFiles,
                 fields: Mapping[int, Mapping[FieldPath, str]]) -> None:
        self._substitution = substitution
        self._sources = sources
        self._fields = fields
        self._made: dict[int, SubstitutedLocator] = {}

    def around(self, inner: Locator) -> Locator:
        if id(inner) not in self._made:
            self._made[id(inner)] = SubstitutedLocator(inner, self._substitution, self._sources,
                                                       self._fields)
        return self._made[id(inner)]


class SubstitutedLocator:
    """Locates a substituted field at its variable's definition; others as ``inner`` does."""

    def __init__(self, inner: Locator, substitution: Substitution, sources: SourceFiles,
                 fields: Mapping[int, Mapping[FieldPath, str]]) -> None:
        self._inner = inner
        self._substitution = substitution
        self._sources = sources
        self._fields = fields

    def locate(self, document_index: int, field_path: FieldPath) -> Location:
        """See :class:`validator.load.document.Locator`."""
        fields = self._fields.get(document_index, {})
        for length in range(len(field_path), 0, -1):
            name = fields.get(field_path[:length])
            if name is not None:
                found = self._definition(self._substitution.sources[name], field_path)
                if found is not None:
                    return found
        return self._inner.locate(document_index, field_path)

    def built(self, document_index: int, field_path: FieldPath) -> Location:
        """Where ``field_path`` is written in what was built (before substitution)."""
        return self._inner.locate(document_index, field_path)

    def _definition(self, source: ValueSource, field_path: FieldPath) -> Location | None:
        file = self._sources.get(source.path)
        if file is None:
            return None
        return replace(file.locator.locate(source.index, source.field), field_path=field_path)


def _problems(document: Document, results: list[DocumentSubstitution], target: Target,
              substitution: Substitution) -> Iterator[Finding]:
    """The substitution problems of ``document``'s object, on the lines a reviewer edits."""
    if not 0 <= document.index < len(results) or document.base_path:
        return
    result = results[document.index]
    who = f"{target.agent or target.name}"
    what = f"{document.kind} {document.resource.namespace}/{document.resource.name}".replace(" /", " ")
    if result.error:
        yield Finding(rule_id="agent/substitute-failed", severity=Severity.ERROR,
                      engine=Engine.RENDER, location=document.locate(()),
                      resource=document.resource, target=target.name,
                      message=f"{who}: post-build substitution of {what} fails: {result.error} "
                              "(kustomize-controller fails the Kustomization); checked as built")
    severity = Severity.ERROR if substitution.strict else Severity.WARNING
    for path, name in result.undefined:
        locator = document.locator
        location = locator.built(document.index, path) \
            if isinstance(locator, SubstitutedLocator) else document.locate(path)
        yield Finding(rule_id="agent/substitute-undefined", severity=severity,
                      engine=Engine.RENDER, location=replace(location, field_path=path),
                      resource=document.resource, target=target.name,
                      message=f"{who}: variable {name} in {what} is not defined (no substitute, "
                              "substituteFrom or default): kustomize-controller substitutes an "
                              "empty string")
