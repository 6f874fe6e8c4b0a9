"""Repeatable renders of charts that use random functions.

Helm has no seed for sprig's random functions, so a chart that calls ``randAlphaNum``,
``uuidv4``, ``genCA`` and the like renders differently every time: object names,
values, messages and fingerprints would change between two identical runs. When a
chart's template actions (or values strings that ``tpl`` may run) name such a
function, or the chart holds a packed subchart whose templates cannot be scanned,
the chart is rendered twice; every scalar that differs between the two renders is
replaced by a deterministic stand-in of the same form (:mod:`validator.render.standin`),
seeded by target, template, object kind, the object's position among that template's
objects of that kind, and field path. Schemas and policies judge a value of the real
form, and every run prints the same bytes.

Times taken from the clock are fixed first (:mod:`validator.render.helm_time`), as two
renders a moment apart only differ in a time's last digits.

A difference that is not a scalar (a key, a list length, a type, the set of objects)
cannot be stood in for: the first render is checked as it is and the difference is
a ``render/helm-not-repeatable`` warning on the template line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from validator.load import Document
from validator.model import Engine, FieldPath, Finding, Location, Severity, format_field_path
from validator.render.standin import Memo, standin_int, standin_text

_RANDOM_FUNCTIONS = ("randAlphaNum", "randAlpha", "randNumeric", "randAscii", "randInt",
                     "randBytes", "uuidv4", "genPrivateKey", "genCA", "genCAWithKey",
                     "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert",
                     "genSignedCertWithKey", "shuffle", "bcrypt", "htpasswd", "encryptAES")
_TIME_FUNCTIONS = ("now", "date", "dateInZone", "date_in_zone", "htmlDate", "htmlDateInZone",
                   "ago", "unixEpoch", "dateModify", "date_modify", "mustDateModify",
                   "must_date_modify")
_RANDOM = re.compile(r"\b(?:" + "|".join(_RANDOM_FUNCTIONS) + r")\b")
_TIME = re.compile(r"\b(?:" + "|".join(_TIME_FUNCTIONS) + r")\b")
RULE = "render/helm-not-repeatable"


@dataclass(frozen=True, kw_only=True)
class ChartFunctions:
    """Which kinds of unrepeatable functions a chart's template actions may call."""

    random: bool = False
    """Random values, names, keys and certificates (render twice and compare)."""
    time: bool = False
    """The clock (fix times near it, see :mod:`validator.render.helm_time`)."""


def chart_functions(root: Path, inputs: Sequence[str]) -> ChartFunctions:
    """What the template actions in ``inputs`` may call; a packed subchart, whose
    templates are not scanned, may call anything."""
    random = time = False
    for path in inputs:
        if path.endswith((".tgz", ".tar.gz")):
            return ChartFunctions(random=True, time=True)
        try:
            if not (root / path).is_file():  # a FIFO would block the read: helm reports it
                continue
            text = (root / path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for chunk in text.split("{{")[1:]:  # linear: no regex backtracking over untrusted text
            action = chunk.split("}}", 1)[0]
            random = random or _RANDOM.search(action) is not None
            time = time or _TIME.search(action) is not None
    return ChartFunctions(random=random, time=time)


@dataclass(frozen=True, kw_only=True)
class Stabilised:
    """The first render with random scalars replaced, and what could not be replaced."""

    documents: tuple[Document, ...]
    """The first render's documents, stand-ins in place of the values that differed."""
    findings: tuple[Finding, ...] = ()
    """``render/helm-not-repeatable`` warnings for differences that are not scalars."""


def stabilise(first: Sequence[Document], second: Sequence[Document], *, target: str,
              chart_file: str) -> Stabilised:
    """Replace what differs between two renders of ``target`` by deterministic stand-ins."""
    shape = [(d.path, d.index, d.base_path, d.kind) for d in first]
    if shape != [(d.path, d.index, d.base_path, d.kind) for d in second]:
        message = (f"helm template ({target}) renders a different set of objects each time "
                   "(random functions decide which objects exist); the first render is "
                   "checked, and results may differ between runs")
        return Stabilised(documents=tuple(first), findings=(_warning(chart_file, 0, (), message),))
    memo: Memo = {}
    ordinals: dict[tuple[str, str], int] = {}
    documents, findings = [], []
    for a, b in zip(first, second, strict=True):
        ordinal = ordinals.get((a.path, a.kind), 0)
        ordinals[(a.path, a.kind)] = ordinal + 1
        merge = _Merge(seed=f"{target}\x1f{a.path}\x1f{a.kind}\x1f{ordinal}", memo=memo)
        body, changed = merge.value(a.body, b.body, ())
        documents.append(replace(a, body=body) if changed else a)
        for path in merge.unstable[:1]:
            location = a.locate(path)
            findings.append(_warning(location.path, location.line, path,
                                     f"{format_field_path(path) or 'the object'} differs in "
                                     f"structure between two renders of {target} (random "
                                     "functions decide it); the first render is checked, and "
                                     "results may differ between runs"))
    return Stabilised(documents=tuple(documents), findings=tuple(findings))


@dataclass(kw_only=True)
class _Merge:
    """One document of two renders merged; ``unstable`` lists the paths that could not be."""

    seed: str
    memo: Memo
    unstable: list[FieldPath] = field(default_factory=list)

    def value(self, a: Any, b: Any, path: FieldPath) -> tuple[Any, bool]:
        """``(merged, whether it differs from a)``."""
        if isinstance(a, Mapping) and isinstance(b, Mapping) and a.keys() == b.keys():
            merged = {key: self.value(item, b[key], (*path, key)) for key, item in a.items()}
            if not any(changed for _, changed in merged.values()):
                return a, False
            return {key: item for key, (item, _) in merged.items()}, True
        if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            items = [self.value(x, y, (*path, i)) for i, (x, y) in enumerate(zip(a, b, strict=True))]
            if not any(changed for _, changed in items):
                return a, False
            return [item for item, _ in items], True
        if type(a) is type(b) and a == b:
            return a, False
        standin = None
        if type(a) is type(b) and not isinstance(a, (Mapping, list)):
            standin = self._scalar(a, b, f"{self.seed}\x1f{format_field_path(path)}")
        if standin is None:  # other keys, another length or type: no stand-in for that
            self.unstable.append(path)
        return (a, False) if standin is None else (standin, True)

    def _scalar(self, a: Any, b: Any, seed: str) -> Any:
        """A stand-in for differing scalars of one type, or None when there is none."""
        if isinstance(a, str):
            return standin_text(a, b, seed=seed, memo=self.memo)
        if isinstance(a, bool):
            return False
        if isinstance(a, int):
            return standin_int(a, b, seed=seed)
        if isinstance(a, float) and math.isfinite(a) and math.isfinite(b):
            return float(standin_int(int(a), int(b), seed=seed))
        return None


def _warning(path: str, line: int, field_path: FieldPath, message: str) -> Finding:
    return Finding(rule_id=RULE, severity=Severity.WARNING, engine=Engine.RENDER, message=message,
                   location=Location(path=path, line=line, field_path=field_path))
