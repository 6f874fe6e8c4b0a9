"""A failed evaluation query costs only its own objects: they become ``policy/not-evaluated``
findings, and every other batch's findings (and the rest of the report) are kept.

The real OPA runs every case: a policy slow for one object times out its batch only,
a conflict at evaluation time is narrowed down to the object that conflicts, an OPA
killed mid-run leaves the batches it already answered in the report.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.policy.peer import BUSY_EVALUATING, cpu_seconds, opa_children, process_alive
from validator import process
from validator.load import Document, load_file
from validator.model import Finding, Severity
from validator.policy import PolicySettings, evaluate_policies
from validator.policy.query import MAX_BATCH_DOCUMENTS

NOT_EVALUATED = "policy/not-evaluated"

#: Slow (about 10^10 steps) for the object named "slow" only; one finding for every other.
POLICY = """package main

deny contains msg if {
\tinput.metadata.name == "slow"
\tsome i in numbers.range(1, 100000)
\tsome j in numbers.range(1, 100000)
\ti * j == -1
\tmsg := "unreachable"
}

deny contains msg if {
\tinput.metadata.labels.team == "none"
\tmsg := sprintf("%s has no team", [input.metadata.name])
}
"""


@pytest.fixture(autouse=True)
def _no_opa_left_behind() -> Iterator[None]:
    yield
    assert opa_children() == [], "an opa server started by the test is still running"


def _write(root: Path, names: list[str]) -> list[Document]:
    (root / "policy").mkdir(parents=True)
    (root / "policy" / "policy.rego").write_text(POLICY)
    text = "".join(f"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"
                   "  labels: {team: none}\ndata: {a: b}\n" for name in names)
    (root / "many.yaml").write_text(text)
    return list(load_file(root / "many.yaml", display_path="many.yaml").documents)


def _by_object(findings: tuple[Finding, ...]) -> dict[str, list[Finding]]:
    found: dict[str, list[Finding]] = {}
    for finding in findings:
        assert finding.resource is not None, finding
        found.setdefault(finding.resource.name, []).append(finding)
    return found


def _names(count: int, slow_at: int) -> list[str]:
    return [("slow" if i == slow_at else f"cm-{i}") for i in range(count)]


def test_a_policy_timeout_costs_only_the_batch_of_the_slow_object(tmp_path: Path) -> None:
    names = _names(3 * MAX_BATCH_DOCUMENTS, slow_at=MAX_BATCH_DOCUMENTS + 7)
    documents = _write(tmp_path, names)
    result = evaluate_policies(documents, PolicySettings(policy_dirs=(tmp_path / "policy",),
                                                         timeout=5.0), root=tmp_path)
    found = _by_object(result.findings)
    assert set(found) == set(names)  # every object: its finding, or why it has none
    missed = sorted(name for name, fs in found.items() if fs[0].rule_id == NOT_EVALUATED)
    assert "slow" in missed
    assert len(missed) <= MAX_BATCH_DOCUMENTS
    assert len(names) - len(missed) >= 2 * MAX_BATCH_DOCUMENTS - 1  # the other batches count
    for name, fs in found.items():
        assert len(fs) == 1, fs
        if name in missed:
            assert fs[0].severity is Severity.ERROR
            assert "did not finish within 5s" in fs[0].message
            line = 2 + 7 * names.index(name)  # "apiVersion" of the object
            assert (fs[0].location.path, fs[0].location.line) == ("many.yaml", line)
        else:
            assert fs[0].message == f"{name} has no team"
    assert NOT_EVALUATED in {rule.id for rule in result.rules}


def _kill_opa_once_busy(stop: threading.Event) -> None:
    while not stop.is_set():
        for pid in opa_children():
            if cpu_seconds(pid) > BUSY_EVALUATING:
                os.kill(pid, signal.SIGKILL)
                return
        stop.wait(0.02)


def test_an_opa_killed_mid_run_keeps_the_batches_it_answered(tmp_path: Path) -> None:
    count = 3 * MAX_BATCH_DOCUMENTS
    names = _names(count, slow_at=count - 1)  # in the last batch
    documents = _write(tmp_path, names)
    stop = threading.Event()
    killer = threading.Thread(target=_kill_opa_once_busy, args=(stop,))
    killer.start()
    try:
        result = evaluate_policies(documents, PolicySettings(
            policy_dirs=(tmp_path / "policy",), timeout=600.0), root=tmp_path)
    finally:
        stop.set()
        killer.join()
    found = _by_object(result.findings)
    assert set(found) == set(names)
    missed = {name for name, fs in found.items() if fs[0].rule_id == NOT_EVALUATED}
    assert "slow" in missed
    assert count - len(missed) >= MAX_BATCH_DOCUMENTS  # the answered batches are kept
    message = found["slow"][0].message
    assert "OPA server died while evaluating policies: OPA exited with code -9" in message
    Path(message.rsplit("(log: ", 1)[1].split(")", 1)[0]).unlink(missing_ok=True)
    assert not any(process_alive(pid) for pid in opa_children())


def test_the_report_keeps_schema_findings_when_a_policy_times_out(tmp_path: Path) -> None:
    """End to end: exit 1 (not 2), the schema finding of another file and the
    not-evaluated findings in one complete report."""
    _write(tmp_path, ["slow", "fine"])
    (tmp_path / ".git").mkdir()
    (tmp_path / "bad.yaml").write_text(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: bad\nspec:\n  ports: 80\n")
    cli = str(Path(sys.executable).with_name("gitops-validator"))
    result = process.run(process.Command(
        args=(cli, "check", "--no-progress", "--policy", "policy", "--policy-timeout", "2",
              "-o", "json", "."), cwd=tmp_path, ok_codes=frozenset({0, 1, 2}), timeout=300,
        env={"PYTHONPATH": os.pathsep.join(sys.path), **{
            k: v for k, v in os.environ.items() if k.startswith("GITOPS_VALIDATOR_")}}))
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    rules = {(f["path"], f["rule_id"]) for f in findings}
    assert ("bad.yaml", "schema/type") in rules, findings
    assert ("many.yaml", NOT_EVALUATED) in rules, findings
