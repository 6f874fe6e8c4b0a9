"""Turning parsed YAML documents into :class:`Document` values and load findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

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
    """Documents without ``apiVersion``/``kind`` are reported as skipped instead of as errors."""


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


class DocumentBuilder:
    """Collects the documents and findings of one file."""

    def __init__(self, path: str, locator: Locator, options: LoadOptions) -> None:
        self.path = path
        self.locator = locator
        self.options = options
        self.documents: list[Document] = []
        self.findings: list[Finding] = []
        self.skipped: list[Skipped] = []

    def finding(self, rule: str, message: str, line: int, column: int = 0, *,
                severity: Severity = Severity.ERROR, document: Document | None = None) -> None:
        location = Location(path=self.path, line=line, column=column)
        if document is not None:
            location = document.locate(())
        self.findings.append(Finding(
            rule_id=rule, severity=severity, message=message, location=location,
            engine=Engine.LOAD, resource=document.resource if document else None,
            target=document.target if document else ""))

    def add(self, body: object, index: int, *, json_ready: bool = False) -> None:
        if body is None:  # an empty document: nothing to apply, as kubectl sees it
            return
        if not isinstance(body, Mapping):
            line = self.locator.locate(index, ()).line
            self._not_kubernetes(f"document {index + 1} is {_yaml_type(body)}, not a Kubernetes object",
                                 line, None)
            return
        document = Document(body=body, path=self.path, index=index, locator=self.locator)
        if document.kind == "List" and isinstance(body.get("items"), list):
            for position, item in enumerate(body["items"]):
                self._add_object(item, index, ("items", position), json_ready)
            return
        self._add_object(body, index, (), json_ready)

    def _add_object(self, body: object, index: int, base: tuple[str | int, ...],
                    json_ready: bool) -> None:
        if not isinstance(body, Mapping):
            line = self.locator.locate(index, base).line
            self._not_kubernetes(f"List item {base[-1]} is not an object", line, None)
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
        message = f"missing {what}: not a Kubernetes object"
        if self.options.skip_non_kubernetes:
            line = document.locate(()).line
            self.skipped.append(Skipped(path=f"{self.path}:{line}", reason=message))
            return
        rule = "load/missing-kind" if "kind" in missing else "load/missing-apiversion"
        self.finding(rule, message, 0, document=document)
        self.documents.append(document)

    def _not_kubernetes(self, message: str, line: int, document: Document | None) -> None:
        if self.options.skip_non_kubernetes:
            self.skipped.append(Skipped(path=f"{self.path}:{line}", reason=message))
        else:
            self.finding("load/not-an-object", message, line, document=document)

    def result(self, expansion: Expansion | None = None) -> LoadResult:
        if not (self.documents or self.findings or self.skipped):
            self.skipped.append(Skipped(path=self.path, reason="no documents (empty or only comments)"))
        return LoadResult(documents=tuple(self.documents), findings=tuple(self.findings),
                          skipped=tuple(self.skipped), expansion=expansion or Expansion())
