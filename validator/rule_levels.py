"""Rules turned off or re-levelled by id: ``rules:`` in the config file and ``--rule ID=LEVEL``.

A level applies to every finding with that rule id, whatever produced it (a policy's
``custom.id`` such as ``K8S-016``, or a built-in id such as ``schema/type``). A turned-off
rule's findings are not reported but counted as skipped, so nothing disappears
silently. An id that names no rule is an error: a policy id must belong to a rule that
ran or that a loaded policy declares (its package may be left out of the run); built-in
ids (``schema/...``, ``load/...``, ``render/...``, ``config/...``) are always accepted.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import assert_never

from validator.errors import ConfigError, UsageError, ValidatorError
from validator.model import Finding, Severity, Skipped

#: ``# id: K8S-016`` in a METADATA comment block, and ``package k8s.namespace``.
_METADATA_ID = re.compile(r"^[ \t]*#[ \t]+id:[ \t]*[\"']?([^\s\"']+)[\"']?[ \t]*$", re.MULTILINE)
_PACKAGE = re.compile(r"^[ \t]*package[ \t]+([\w.]+)", re.MULTILINE)

#: Rule id prefixes of the validator's own checks.
BUILTIN_PREFIXES = ("schema/", "load/", "render/", "config/")


class RuleLevel(enum.StrEnum):
    """What to do with a rule's findings."""

    OFF = "off"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def severity(self) -> Severity | None:
        """The severity findings get, or None when the rule is off."""
        match self:
            case RuleLevel.OFF:
                return None
            case RuleLevel.ERROR:
                return Severity.ERROR
            case RuleLevel.WARNING:
                return Severity.WARNING
            case RuleLevel.INFO:
                return Severity.INFO
            case _:
                assert_never(self)


@dataclass(frozen=True, kw_only=True)
class RuleOverride:
    """One rule's level, and where it was set."""

    rule_id: str
    """The rule id it applies to (``K8S-016``, ``schema/type``)."""
    level: RuleLevel
    """Off, or the severity its findings get."""
    source: str
    """Where it was set, for messages: ``--rule K8S-016`` or ``.gitops-validator.yaml:3: rules.K8S-016``."""

    @property
    def from_flag(self) -> bool:
        """Whether ``--rule`` set it (errors are usage errors, not configuration errors)."""
        return self.source.startswith("--rule")


def parse_rule_flags(values: Iterable[str]) -> tuple[RuleOverride, ...]:
    """``("K8S-016=off", "K8S-005=warning")`` as overrides; :class:`UsageError` when malformed."""
    overrides = []
    for value in values:
        rule_id, equals, level = (part.strip() for part in value.partition("="))
        try:
            if not (rule_id and equals):
                raise ValueError
            parsed = RuleLevel(level.lower())
        except ValueError:
            raise UsageError(f"--rule {value}: the level must be off, error, warning or info, "
                             "written ID=LEVEL (--rule K8S-016=off)") from None
        overrides.append(RuleOverride(rule_id=rule_id, level=parsed, source=f"--rule {rule_id}"))
    return tuple(overrides)


def merge_rule_levels(*layers: Sequence[RuleOverride]) -> tuple[RuleOverride, ...]:
    """One override per rule id; a later layer (flags after the file) wins for its ids."""
    merged: dict[str, RuleOverride] = {}
    for layer in layers:
        merged.update({override.rule_id: override for override in layer})
    return tuple(merged[rule_id] for rule_id in sorted(merged))


def declared_rule_ids(files: Iterable[Path]) -> tuple[frozenset[str], frozenset[str]]:
    """The ids the METADATA of the policy ``files`` declare (``custom: id: K8S-016``) and
    their packages: a rule exists whether or not its package is evaluated in this run."""
    ids: set[str] = set()
    packages: set[str] = set()
    for file in files:
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue  # the policy stage reports an unreadable policy
        ids.update(_METADATA_ID.findall(text))
        packages.update(_PACKAGE.findall(text))
    return frozenset(ids), frozenset(packages)


def check_rule_ids(overrides: Sequence[RuleOverride], policy_rules: Iterable[str],
                   declared: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
                   ) -> None:
    """Raise when an override's id names no rule (``policy_rules``: ids of the rules that ran;
    ``declared``: ids and packages of every loaded policy, see :func:`declared_rule_ids`)."""
    known = sorted(set(policy_rules))
    ids, packages = declared
    for override in overrides:
        if override.rule_id.startswith(BUILTIN_PREFIXES) or override.rule_id in known \
                or override.rule_id in ids or override.rule_id.rpartition(".")[0] in packages:
            continue
        error: type[ValidatorError] = UsageError if override.from_flag else ConfigError
        ran = f"policy rules that ran: {', '.join(known)}" if known else "no policy rule ran"
        raise error(f"{override.source}: no rule has this id ({ran}; built-in ids start with "
                    f"{', '.join(BUILTIN_PREFIXES)})")


def apply_rule_levels(findings: Iterable[Finding], overrides: Sequence[RuleOverride]
                      ) -> tuple[list[Finding], list[Skipped]]:
    """Findings with their rules' levels applied; a turned-off rule's findings as skipped entries."""
    by_id = {override.rule_id: override for override in overrides}
    kept: list[Finding] = []
    dropped: list[Skipped] = []
    for finding in findings:
        override = by_id.get(finding.rule_id)
        if override is None:
            kept.append(finding)
        elif (severity := override.level.severity) is None:
            where = finding.location
            dropped.append(Skipped(
                path=f"{where.path}:{where.line}" if where.line else where.path,
                reason=f"{finding.rule_id} turned off ({override.source}): {finding.message}",
                unit="finding", group="not reported: rule turned off"))
        else:
            kept.append(replace(finding, severity=severity))
    return kept, dropped
