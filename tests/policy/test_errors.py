"""Policy defects are user errors (PolicyError naming file and line); failed queries are
findings on their objects; OPA never hangs a run."""

from __future__ import annotations

import os
import re
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.policy.peer import (
    BUSY_EVALUATING,
    Run,
    conftest,
    cpu_seconds,
    evaluate,
    opa_children,
    process_alive,
    shared_server,
)
from validator.errors import CommandError, PolicyError
from validator.model import Severity
from validator.policy import RegoVersion


@pytest.fixture(autouse=True)
def _no_opa_left_behind() -> Iterator[None]:
    yield
    assert opa_children() == [], "an opa server started by the test is still running"


@pytest.fixture(scope="module")
def _shared() -> Iterator[dict[str, object]]:
    with shared_server(RegoVersion.V1) as overrides:
        yield overrides


@pytest.fixture(params=["local", "shared"])
def mode(request: pytest.FixtureRequest) -> dict[str, object]:
    """Settings overrides: a local server loading the files, or pushing to a shared one."""
    if request.param == "local":
        return {}
    overrides: dict[str, object] = request.getfixturevalue("_shared")
    return overrides


def test_a_compile_error_fails_both_with_the_same_file_and_line(
        mode: dict[str, object]) -> None:
    run = Run(case="compile_error", files=("service.yaml",))
    with pytest.raises(CommandError) as peer:
        conftest(run)
    with pytest.raises(PolicyError) as ours:
        evaluate(run, **mode)
    expected = "policy/broken.rego:5: rego_type_error: undefined function no_such_function"
    assert expected in peer.value.stderr
    assert str(ours.value) == expected


def test_conflicting_rule_values_are_a_finding_on_the_object_that_conflicts(
        mode: dict[str, object]) -> None:
    """A conflict at evaluation time is narrowed down to its object; the others are evaluated."""
    run = Run(case="conflict", files=("service.yaml", "deploy.yaml"))
    result = evaluate(run, **mode)
    [finding] = result.findings
    assert (finding.rule_id, finding.location.path, finding.location.line) == (
        "policy/not-evaluated", "deploy.yaml", 1)
    assert finding.severity is Severity.ERROR
    assert ": policy/conflict.rego:5: eval_conflict_error: " in finding.message
    assert "at policy/conflict.rego:3" in finding.message
    assert "gitops-validator/" not in finding.message  # the run's id prefix is not shown


def test_a_result_object_without_msg_is_an_error_as_in_conftest(
        mode: dict[str, object]) -> None:
    run = Run(case="bad_result", files=("service.yaml",))
    with pytest.raises(CommandError):
        conftest(run)
    with pytest.raises(PolicyError, match=r'^policy/bad\.rego:3: .*without a string "msg"'):
        evaluate(run, **mode)


def test_v0_syntax_is_refused_in_v1_mode(mode: dict[str, object]) -> None:
    run = Run(case="rego_v0", files=("deploy.yaml",))
    with pytest.raises(PolicyError, match=r"^policy/v0\.rego:3: rego_parse_error: ") as err:
        evaluate(run, **mode)
    assert "policy/v0.rego:9: rego_parse_error: `contains` keyword is required" in str(err.value)


def test_missing_policy_dir_is_an_error(tmp_path: Path) -> None:
    run = Run(case="basic", files=("service.json",))
    with pytest.raises(PolicyError, match="does not exist"):
        evaluate(run, policy_dirs=(tmp_path / "nope",))
    with pytest.raises(PolicyError, match=r"no policies \(\*\.rego files\) found"):
        evaluate(run, policy_dirs=(tmp_path,))


def test_a_slow_policy_hits_the_timeout_with_a_clear_message(mode: dict[str, object]) -> None:
    run = Run(case="slow", files=("service.yaml",))
    [finding] = evaluate(run, timeout=1.0, **mode).findings
    assert finding.rule_id == "policy/not-evaluated"
    assert re.search(r"did not finish within 1s.*--policy-timeout", finding.message)


def _kill_opa_once_the_query_runs(stop: threading.Event) -> None:
    """Wait until this process's opa server is busy evaluating the slow policy, then SIGKILL it."""
    while not stop.is_set():
        for pid in opa_children():
            if cpu_seconds(pid) > BUSY_EVALUATING:
                os.kill(pid, signal.SIGKILL)
                return
        stop.wait(0.02)


def test_opa_dying_mid_run_is_a_finding_not_a_hang() -> None:
    run = Run(case="slow", files=("service.yaml",))
    stop = threading.Event()
    killer = threading.Thread(target=_kill_opa_once_the_query_runs, args=(stop,))
    killer.start()
    try:
        [finding] = evaluate(run, timeout=600.0).findings
    finally:
        stop.set()
        killer.join()
    assert finding.rule_id == "policy/not-evaluated"
    assert re.search(r"OPA server died while .*code -9.*\(log: ", finding.message)
    Path(finding.message.rsplit("(log: ", 1)[1].rstrip(")")).unlink()  # kept for the user
    assert not any(process_alive(pid) for pid in opa_children())


def test_if_without_contains_is_refused_as_conftest_refuses_it(
        mode: dict[str, object]) -> None:
    run = Run(case="if_without_contains", files=("service.yaml",))
    with pytest.raises(CommandError) as peer:
        conftest(run)
    assert "rule in policy/policy.rego at line 4" in peer.value.stderr
    with pytest.raises(PolicyError, match=r"^policy/policy\.rego:4: rule deny uses `if` without "):
        evaluate(run, **mode)


def test_policies_outside_the_repository_are_named_by_their_absolute_path(
        tmp_path: Path, mode: dict[str, object]) -> None:
    run = Run(case="compile_error", files=("service.yaml",))
    for policy in (run.root / "policy").iterdir():
        (tmp_path / policy.name).write_text(policy.read_text())
    with pytest.raises(PolicyError) as err:
        evaluate(run, policy_dirs=(tmp_path,), **mode)
    assert str(err.value) == (
        f"{tmp_path}/broken.rego:5: rego_type_error: undefined function no_such_function")
