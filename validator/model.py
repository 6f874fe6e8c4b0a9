"""The plain data every stage passes along: severities, locations, resources, findings, reports.

Everything here is a frozen, keyword-only dataclass or an enum, with no I/O and no
behaviour beyond ordering and small derived values, so that reporters stay pure
functions and findings can be compared across revisions by their fingerprint.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from validator.fingerprint import api_group, fingerprint_digest, normalise_message

#: A field path: mapping keys are strings, sequence indexes are ints.
FieldPath = tuple[str | int, ...]

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def escape_surrogates(text: str) -> str:
    """``text`` with lone surrogates made visible and encodable, the same way every time.

    A file name that is not valid UTF-8 reaches us from ``os.walk`` with each bad byte
    as a surrogate (``bad\\udcff.yaml``): it becomes ``bad\\xff.yaml``. Any other lone
    surrogate (from a ``"\\udc00"`` escape in YAML) becomes ``\\udc00``.
    """
    if text.isascii() or not _SURROGATE_RE.search(text):
        return text
    return _SURROGATE_RE.sub(lambda m: f"\\x{ord(m[0]) - 0xDC00:02x}"
                             if "\udc80" <= m[0] <= "\udcff" else f"\\u{ord(m[0]):04x}", text)


def _escape_fields(value: object, *names: str) -> None:
    """Escape the named string fields of a frozen dataclass in place (from ``__post_init__``)."""
    for name in names:
        text = getattr(value, name)
        if not text.isascii():
            object.__setattr__(value, name, escape_surrogates(text))


class Severity(enum.IntEnum):
    """How much a finding matters; ordered so that ``ERROR > WARNING > INFO``."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """The lower-case name used in every output format."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Parse ``error`` / ``warning`` / ``info`` (any case; ``warn`` too)."""
        normalised = text.strip().lower()
        if normalised == "warn":
            normalised = "warning"
        try:
            return cls[normalised.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}: use error, warning or info") from None


class Engine(enum.StrEnum):
    """Which part of the validator produced a finding."""

    LOAD = "load"
    """Reading and parsing the file (syntax errors, limits, duplicate keys)."""
    SCHEMA = "schema"
    """The in-process JSON schema engine."""
    KUBECONFORM = "kubeconform"
    """The kubeconform schema engine."""
    POLICY = "policy"
    """Rego policies evaluated by OPA."""
    RENDER = "render"
    """Kustomize or Helm rendering."""
    CONFIG = "config"
    """The validator's own configuration."""


def format_field_path(path: Sequence[str | int]) -> str:
    """Render a field path as ``spec.template.spec.containers[0].image``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif out and (not part.replace("_", "").replace("-", "").isalnum()):
            out.append(f"[{part!r}]")
        else:
            out.append(f".{part}" if out else part)
    return "".join(out)


@dataclass(frozen=True, kw_only=True, order=True)
class Location:
    """Where a finding points: the file (and line) a reviewer would edit."""

    path: str
    """Repository-relative POSIX path of the file."""
    line: int = 0
    """1-based line; 0 when the finding concerns the whole file."""
    column: int = 0
    """1-based column; 0 when unknown."""
    field_path: FieldPath = ()
    """The field within the resource the finding is about, if any."""
    field_key: str = ""
    """The field path with items of named lists written by name (``containers[name='app']``),
    set by ``Document.locate``; what fingerprints use. Empty: the same as :attr:`field`."""

    def __post_init__(self) -> None:
        _escape_fields(self, "path")

    @property
    def field(self) -> str:
        """The field path as text (empty when the finding is about the whole object)."""
        return format_field_path(self.field_path)


@dataclass(frozen=True, kw_only=True, order=True)
class ResourceRef:
    """The identity of a Kubernetes object: stable across line moves."""

    api_version: str = ""
    """``apiVersion`` as written (``apps/v1``)."""
    kind: str = ""
    """``kind`` as written (``Deployment``)."""
    namespace: str = ""
    """``metadata.namespace``; empty when not set."""
    name: str = ""
    """``metadata.name`` (or ``generateName``); empty when not set."""

    def __post_init__(self) -> None:
        _escape_fields(self, "api_version", "kind", "namespace", "name")

    def __str__(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        kind = self.kind or "<no kind>"
        return f"{kind} {ns}{self.name or '<no name>'}"


@dataclass(frozen=True, kw_only=True)
class Rule:
    """Metadata about a rule, shown by reporters (SARIF rules, help links)."""

    id: str
    """Stable rule id, e.g. ``schema/type`` or ``K8S-001``."""
    title: str = ""
    """One-line title."""
    description: str = ""
    """Longer explanation."""
    help_uri: str = ""
    """A link explaining the rule and how to fix it."""


#: A fix's value: the YAML scalar the offending field should hold.
FixValue = bool | int | float | str | None


@dataclass(frozen=True, kw_only=True)
class Fix:
    """A safe, mechanical fix a rule declares (METADATA ``custom.fix``): set the offending
    field to ``value``. Only a suggestion: :mod:`validator.fix` turns it into a replacement
    line when the field's line is a plain ``key: scalar`` entry, and into nothing otherwise."""

    value: FixValue
    """The scalar the field at the finding's ``field_path`` should be set to."""
    description: str = ""
    """What the fix does, in words a reviewer reads next to the suggestion."""
    fields: tuple[str, ...] = ()
    """The field names (last element of the finding's field path) the fix may set; empty:
    whichever field the finding points at. A rule that points at the nearest written
    ancestor of a missing field names its field here, so the ancestor is never set."""


class FindingStatus(enum.StrEnum):
    """A finding of a compared change (``diff``): how the head stands against the base."""

    NEW = "new"
    """Found on the head, not on the base: the change brought it."""
    EXISTING = "existing"
    """Found on both sides (matched by fingerprint, renames followed)."""
    FIXED = "fixed"
    """Found on the base only: the change removed it."""


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem found in one place."""

    rule_id: str
    """Stable rule id (``schema/type``, ``load/syntax``, a policy's ``custom.id``...)."""
    severity: Severity
    """How much it matters; compared against ``--fail-on``."""
    message: str
    """What is wrong, in one sentence a reviewer understands."""
    location: Location
    """Where to fix it."""
    engine: Engine
    """What produced it."""
    resource: ResourceRef | None = None
    """The object it is about, when it is about one."""
    title: str = ""
    """Short title of the rule, when the rule has one."""
    help_uri: str = ""
    """A link to the rule's documentation, when there is one."""
    target: str = ""
    """The render target the object came from (a chart's value set, an overlay); empty for plain
    files. For a finding several targets share, the first of ``targets``."""
    targets: tuple[str, ...] = ()
    """Every render target that produced this same finding, sorted (one finding on a base file
    reached through several overlays); empty for plain files and for a single target."""
    status: FindingStatus | None = None
    """New, existing or fixed when a base and a head were compared (``diff``); None for ``check``."""
    fix: Fix | None = None
    """The rule's declared fix (METADATA ``custom.fix``), if any; not part of the fingerprint
    (adding a fix to a rule must not make its findings look new)."""

    def __post_init__(self) -> None:
        _escape_fields(self, "message", "target")

    def sort_key(self) -> tuple[object, ...]:
        """Deterministic order: file, line, column, then severity (worst first), rule, text."""
        loc = self.location
        return (loc.path, loc.line, loc.column, -self.severity, self.rule_id, self.message,
                loc.field_path and format_field_path(loc.field_path), str(self.resource or ""),
                self.target)

    @property
    def all_targets(self) -> tuple[str, ...]:
        """Every render target of the finding: ``targets``, or ``(target,)``, or ``()``."""
        return self.targets or ((self.target,) if self.target else ())

    @property
    def fingerprint(self) -> str:
        """An id that survives line moves, reformatting and items inserted in named lists.

        Rule, file, resource identity (API group, kind, name; the namespace only for plain
        files, as overlays set their own), field key and normalised message: see
        :mod:`validator.fingerprint` and docs/fingerprints.md.
        """
        return self.fingerprint_at(self.location.path)

    def fingerprint_at(self, path: str) -> str:
        """The fingerprint this finding would have in the file ``path`` (a renamed file)."""
        resource = self.resource
        identity = "" if resource is None else "\x1e".join((
            api_group(resource.api_version), resource.kind,
            "" if self.all_targets else resource.namespace, resource.name))
        return fingerprint_digest((self.rule_id, path, identity,
                                   self.location.field_key or self.location.field,
                                   normalise_message(self.message)))


def natural_path_key(path: str) -> tuple[tuple[tuple[tuple[int, int | str], ...], ...], str]:
    """A sort key that orders paths as people do: folder by folder, numbers by value
    (``app2`` before ``app10``; ``a/b`` before ``a-b``, which plain string order reverses);
    the path itself breaks ties (``x1`` and ``x01``), so the order is total."""
    return tuple(map(_natural_component, path.split("/"))), path


_DIGITS = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=4096)  # folder names repeat across thousands of paths
def _natural_component(component: str) -> tuple[tuple[int, int | str], ...]:
    if not _DIGITS.search(component):
        return ((1, component),)
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in _DIGITS.split(component) if part)


def sort_findings(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    """Sort findings deterministically and drop exact duplicates."""
    unique = {(f.sort_key(), f.engine, f.title, f.help_uri): f for f in findings}
    return tuple(unique[key] for key in sorted(unique, key=lambda k: k[0]))


@dataclass(frozen=True, kw_only=True)
class Skipped:
    """Something that was deliberately not checked, reported so nothing is silently skipped."""

    path: str
    """Repository-relative path of the skipped file or object."""
    reason: str
    """Why it was skipped (``--skip-kinds Secret``, ``not a Kubernetes object``...)."""
    unit: str = "item"
    """What was not checked, in the singular: ``resource``, ``file``, ``HelmRelease chart``."""
    group: str = ""
    """The reason as counted on the summary line (``not schema-checked: no schema``), short
    and free of names so that like entries add up; empty: ``not checked: <reason>``."""
    count: int = 1
    """How many ``unit`` this entry stands for (one entry may cover every resource of a run)."""

    @property
    def summary_group(self) -> str:
        """The group this entry is counted in: ``group``, or the reason itself."""
        return self.group or f"not checked: {self.reason}"

    def __post_init__(self) -> None:
        _escape_fields(self, "path", "reason")


@dataclass(frozen=True, kw_only=True)
class Report:
    """Everything a run found, ready for the reporters."""

    findings: tuple[Finding, ...]
    """All findings, sorted with :func:`sort_findings`."""
    resources: int
    """How many Kubernetes objects were checked."""
    files: int
    """How many files were read."""
    rules: tuple[Rule, ...] = ()
    """Metadata of the rules that produced findings (or ran), for SARIF and help links."""
    skipped: tuple[Skipped, ...] = ()
    """Files and objects that were not checked, and why."""
    tool_versions: tuple[tuple[str, str], ...] = field(default=())
    """``(tool, version)`` pairs for the external tools used in the run."""
    compared: bool = False
    """True when a head was compared with a base (``diff``): every finding has a ``status``
    and ``fixed`` lists the base findings the head no longer has."""
    fixed: tuple[Finding, ...] = ()
    """Base findings with no match on the head (status FIXED, base paths and lines), sorted;
    never counted in :meth:`count` or :meth:`worst`."""

    def not_checked(self) -> tuple[tuple[str, str, int], ...]:
        """``(unit, group, count)`` of everything skipped, one per unit and group, sorted
        (a check turned off in a run with no resources skipped nothing, so it is left out)."""
        totals: dict[tuple[str, str], int] = {}
        for item in self.skipped:
            key = (item.unit, item.summary_group)
            totals[key] = totals.get(key, 0) + item.count
        return tuple((unit, group, count) for (unit, group), count in sorted(totals.items()) if count)

    def count(self, severity: Severity) -> int:
        """How many findings have exactly this severity."""
        return sum(1 for f in self.findings if f.severity is severity)

    def worst(self) -> Severity | None:
        """The highest severity among the findings, or None when there are none."""
        return max((f.severity for f in self.findings), default=None)
