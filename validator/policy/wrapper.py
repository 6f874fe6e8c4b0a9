"""The generated policy that evaluates every document of a run in one query.

For each selected namespace it collects the value of each checked rule
(``deny``/``violation``/``warn``...) and of ``exception``, with ``input`` set to
one document and ``data.conftest.file`` set as conftest sets it; ``results`` maps
that over ``input.documents``. Each value is wrapped in a one-or-zero element
array so that an undefined rule never makes the whole document's entry undefined.
Only non-empty values are returned, keyed by document index, so that the answer
stays small when most documents pass.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class NamespacePlan:
    """What to evaluate in one namespace."""

    namespace: str
    """The namespace as the user names it (the key in the results)."""
    package: tuple[str, ...]
    """Its package path below ``data`` (empty when no module defines it)."""
    rules: tuple[str, ...]
    """Checked rule names, sorted."""
    has_exception: bool
    """Whether the package defines ``exception``."""


#: Name of the rule in the wrapper package that holds the per-document results.
RESULTS_RULE = "results"


def _ref(package: Sequence[str], rule: str) -> str:
    return "data" + "".join(f"[{json.dumps(part)}]" for part in (*package, rule))


def _collect(ref: str) -> str:
    return f"[x | x := {ref}]"


def wrapper_module(package: Sequence[str], plans: Sequence[NamespacePlan]) -> str:
    """Rego source of the wrapper module (valid in both v0-compatible and v1 servers)."""
    lines = [f"package {'.'.join(package)}", "", "import rego.v1", ""]
    entries = []
    for index, plan in enumerate(plans):
        names = list(plan.rules) + (["exception"] if plan.has_exception else [])
        fields = ", ".join(f"{json.dumps(name)}: {_collect(_ref(plan.package, name))}"
                           for name in names if plan.package)
        lines.append(f"_ns{index} := {{{fields}}}")
        entries.append(f"{json.dumps(plan.namespace)}: _ns{index}")
    lines += [
        f"_all := {{{', '.join(entries)}}}",
        "",
        "_empty(value) if count(value) == 0",
        "",
        "_nonempty(values) := {name: v | some name, v in values; count(v) > 0; not _empty(v[0])}",
        "",
        f"{RESULTS_RULE} := {{i: r |",
        "\tsome i, d in input.documents",
        "\tall := _all with input as d.input with data.conftest.file as d.file",
        "\tr := {ns: v | some ns, values in all; v := _nonempty(values); count(v) > 0}",
        "\tcount(r) > 0",
        "}",
        "",
    ]
    return "\n".join(lines)
