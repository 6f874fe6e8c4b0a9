"""Turning parsed YAML documents into :class:`Document` values and load findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from validator.load.document import Document, Locator
from validator.load.safety import Expansion, LoadLimits
from validator.model import Engine, Finding, Location, Severity, Skipped


@dataclass(frozen=True, kw_only=True)
class LoadOptions:
    """How strictly to load."""

    limits: LoadLimits = field(default_factory=LoadLimits)
    """Size, depth and alias-expansion limits."""
    strict: bool = False
    """Duplicate keys are errors (otherwise warnings)."""
    skip_non_kubernetes: bool = False
    """Documents without ``apiVersion``/``kind`` are reported as skipped instead of as errors
    (documents without ``metadata`` and ``spec`` either are always skipped)."""
    data: bool = False
    """The documents are data (a JSON schema, a values file), not manifests: every mapping is
    kept as it is, with none of the Kubernetes object checks and no list expansion."""


@dataclass(frozen=True, kw_only=True)
class LoadResult:
    """What one file yielded."""

    documents: tuple[Document, ...] = ()
    """The objects to check (``kind: List`` items expanded)."""
    findings: tuple[Finding, ...] = ()
    """Problems found while loading."""
    skipped: tuple[Skipped, ...] = ()
    """Documents or files deliberately not checked."""
    expansion: Expansion = field(default_factory=Expansion)
    """What the loaded documents expand to (for the run's budget)."""


def single_finding(path: str, rule: str, message: str, line: int, column: int = 0) -> LoadResult:
    finding = Finding(rule_id=rule, severity=Severity.ERROR, message=message,
                      location=Location(path=path, line=line, column=column), engine=Engine.LOAD)
    return LoadResult(findings=(finding,))


def _yaml_type(value: object) -> str:
    """How YAML would name the type of ``value`` (for messages, never Python's repr)."""
    match value:
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case Mapping():
            return "a mapping"
        case list():
            return "a sequence"
        case None:
            return "null"
        case _:
            return "a string"


#: Keys that say a mapping means to be a Kubernetes object (then a missing ``kind`` is an error).
_KUBERNETES_KEYS = ("apiVersion", "kind", "metadata", "spec")
#: Non-Kubernetes documents of one file listed one by one; the rest are counted in one entry.
_SKIPPED_LISTED = 10


def is_list_kind(kind: str, body: Mapping[str, Any]) -> bool:
    """``kind: List``, ``DeploymentList``, ``ConfigMapList``...: kubectl applies each of ``items``."""
    return kind.endswith("List") and isinstance(body.get("items"), list)


class DocumentBuilder:
    """Collects the documents and findings of one file (or one render output)."""

    def __init__(self, path: str, locator: Locator, options: LoadOptions, *,
                 render_of: str = "") -> None:
        self.path = path
        self.locator = locator
        self.options = options
        self.render_of = render_of
        """What rendered the text (``helm chart c``), empty for a file loaded as it is."""
        self.documents: list[Document] = []
        self.findings: list[Finding] = []
        self.skipped: list[Skipped] = []
        self._not_kubernetes_count = 0

    def finding(self, rule: str, message: str, line: int, column: int = 0, *,
                severity: Severity = Severity.ERROR, document: Document | None = None) -> None:
        location = Location(path=self.path, line=line, column=column)
        if document is not None:
            location = document.locate(())
        self.findings.append(Finding(
            rule_id=rule, severity=severity, message=message, location=location,
            engine=Engine.LOAD, resource=document.resource if document else None,
            target=document.target if document else ""))

    def text_finding(self, rule: str, message: str, line: int, column: int = 0, *, index: int,
                     severity: Severity = Severity.ERROR) -> None:
        """A finding at ``line`` of the text; in a render output, at the source of document
        ``index`` instead (the output's own lines are no file a reviewer edits)."""
        if not self.render_of:
            self.finding(rule, message, line, column, severity=severity)
            return
        source = self.locator.locate(index, ())
        self.findings.append(Finding(
            rule_id=rule, severity=severity, engine=Engine.LOAD,
            message=f"{message} (in the output of {self.render_of})",
            location=Location(path=source.path, line=source.line)))

    def skip(self, reason: str, line: int = 0) -> None:
        """List the file (from ``line`` on, when given) as not checked, with ``reason``."""
        self.skipped.append(Skipped(path=f"{self.path}:{line}" if line else self.path,
                                    reason=reason))

    def add(self, body: object, index: int, *, json_ready: bool = False) -> None:
        if body is None:  # an empty document: nothing to apply, as kubectl sees it
            return
        if self.options.data and isinstance(body, Mapping):
            self.documents.append(Document(body=body, path=self.path, index=index,
                                           locator=self.locator, json_ready=json_ready))
            return
        if not isinstance(body, Mapping):
            self._skip_document(index, (), f"{_yaml_type(body)}, not a Kubernetes object")
            return
        kind = body.get("kind")
        if isinstance(kind, str) and is_list_kind(kind, body):
            for position, item in enumerate(body["items"]):
                self._add_object(item, index, ("items", position), json_ready)
            return
        self._add_object(body, index, (), json_ready)

    def _add_object(self, body: object, index: int, base: tuple[str | int, ...],
                    json_ready: bool) -> None:
        if not isinstance(body, Mapping):
            found = self.locator.locate(index, base)
            self.findings.append(Finding(
                rule_id="load/not-an-object", severity=Severity.ERROR, engine=Engine.LOAD,
                message=f"List item {base[-1]} is {_yaml_type(body)}, not an object",
                location=Location(path=found.path, line=found.line)))
            return
        document = Document(body=body, path=self.path, index=index, locator=self.locator,
                            base_path=base, json_ready=json_ready)
        missing = [key for key in ("apiVersion", "kind") if not body.get(key)]
        if not missing:
            for key in ("apiVersion", "kind"):
                if not isinstance(body[key], str):
                    found = document.locate((key,))
                    self.findings.append(Finding(
                        rule_id=f"load/invalid-{key.lower()}", severity=Severity.ERROR,
                        message=f"'{key}' must be a string, not {_yaml_type(body[key])}",
                        location=found, engine=Engine.LOAD, resource=document.resource,
                        target=document.target))
            self.documents.append(document)
            return
        what = " and ".join(f"'{key}'" for key in missing)
        if not base and not any(key in body for key in _KUBERNETES_KEYS):
            self._skip_document(index, base, "a mapping without apiVersion, kind, metadata or "
                                "spec: not a Kubernetes object")
            return
        message = f"missing {what}: not a Kubernetes object"
        if self.options.skip_non_kubernetes:
            self._skip_document(index, base, message)
            return
        rule = "load/missing-kind" if "kind" in missing else "load/missing-apiversion"
        self.finding(rule, message, 0, document=document)
        self.documents.append(document)

    def _skip_document(self, index: int, base: tuple[str | int, ...], reason: str) -> None:
        """A document that is plainly not a Kubernetes object: listed (the first few of a
        file one by one), never an error."""
        self._not_kubernetes_count += 1
        if self._not_kubernetes_count <= _SKIPPED_LISTED:
            found = self.locator.locate(index, base)
            self.skipped.append(Skipped(path=f"{found.path}:{found.line}",
                                        reason=f"document {index + 1} is {reason}", unit="document",
                                        group="not checked: not a Kubernetes object"))

    def result(self, expansion: Expansion | None = None) -> LoadResult:
        more = self._not_kubernetes_count - _SKIPPED_LISTED
        if more > 0:
            self.skip(f"{more} more documents that are not Kubernetes objects")
        if not (self.documents or self.findings or self.skipped):
            self.skipped.append(Skipped(path=self.path, reason="no documents (empty or only comments)",
                                        unit="file", group="not checked: no documents"))
        return LoadResult(documents=tuple(self.documents), findings=tuple(self.findings),
                          skipped=tuple(self.skipped), expansion=expansion or Expansion())
