"""Hostile objects against the policy stage: an object that makes a naive policy slow or
conflict costs only its own query (``policy/not-evaluated``), never the run's report."""

from __future__ import annotations

from pathlib import Path

from tests.hostile.gallery import hostile

#: Quadratic in the number of data keys: naive, but a trusted policy may be written so.
_PAIRS = """package main

deny contains msg if {
\tsome k1, v1 in input.data
\tsome k2, v2 in input.data
\tk1 != k2
\tv1 == v2
\tmsg := sprintf("%s and %s hold the same value", [k1, k2])
}
"""

#: A partial rule whose value an object can make conflict (two different team labels).
_CONFLICT = """package main

team := input.metadata.labels.team

team := input.metadata.labels.owner

deny contains msg if {
\tteam == "nobody"
\tmsg := "owned by nobody"
}
"""


@hostile("object-slowing-a-quadratic-policy",
         extra_args=("--policy", "case/policy", "--policy-timeout", "2"))
def slow_for_policy(folder: Path) -> None:
    (folder / "policy").mkdir()
    (folder / "policy" / "pairs.rego").write_text(_PAIRS)
    data = "".join(f"  k{i}: v{i}\n" for i in range(20_000))
    (folder / "wide.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\n  namespace: gallery\ndata:\n{data}")


@hostile("object-making-a-policy-conflict", extra_args=("--policy", "case/policy"))
def conflict_for_policy(folder: Path) -> None:
    (folder / "policy").mkdir()
    (folder / "policy" / "team.rego").write_text(_CONFLICT)
    (folder / "labels.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: labels\n  namespace: gallery\n"
        "  labels: {team: a, owner: b}\ndata: {k: v}\n")
