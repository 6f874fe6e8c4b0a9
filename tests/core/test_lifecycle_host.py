"""A long-running host holds one Lifecycle: jobs (also concurrent ones, in worker threads)
install no signal handler and leave no paused collector, temporary root or child behind."""

from __future__ import annotations

import contextlib
import gc
import signal
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.change.gitrepo import GitRepo
from tests.cli.test_diff_cli import APP, SAFE, deployment
from validator.lifecycle import Lifecycle, current, leftovers
from validator.model import FindingStatus
from validator.options import CheckOptions
from validator.policy.library import BUILTIN
from validator.service import CheckRequest, DiffReport, DiffRequest, run_check, run_diff

POD = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\n"
       "spec: {containers: [{name: c, image: nginx}]}\n")


def test_jobs_inside_a_held_lifecycle_install_no_handler_and_leave_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text(POD)
    request = CheckRequest(root=tmp_path, options=CheckOptions(policies=(BUILTIN,), jobs=2))
    installed: list[int] = []
    real = signal.signal
    lifecycle = Lifecycle()
    with lifecycle.hold():
        held = signal.getsignal(signal.SIGTERM)

        def counting(signum: int, handler: Any) -> Any:
            installed.append(signum)
            return real(signum, handler)

        monkeypatch.setattr(signal, "signal", counting)

        def job() -> int:
            with lifecycle.job():
                return len(run_check(request).report.findings)

        with ThreadPoolExecutor(max_workers=2) as pool:
            counts = list(pool.map(lambda _: job(), range(3)))
        assert job() == counts[0]
        assert installed == []
        assert signal.getsignal(signal.SIGTERM) is held
        monkeypatch.undo()
    assert counts[0] > 0
    assert counts == [counts[0]] * 3
    assert leftovers() == ()
    assert gc.isenabled()
    assert tempfile.tempdir is None or "gitops-validator-run-" not in tempfile.tempdir
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def _diff_repo(root: Path) -> tuple[Path, str]:
    repo = GitRepo.init(root)
    repo.write("apps/web.yaml", deployment("web", SAFE))
    repo.write("apps/api.yaml", deployment("api", SAFE))
    base = repo.commit("base")
    repo.write("apps/web.yaml", deployment("web", APP))
    repo.commit("head")
    return repo.root, base


def _new(result: DiffReport) -> list[tuple[str, str]]:
    return sorted((f.rule_id, f.location.path) for f in result.report.findings
                  if f.status is FindingStatus.NEW and f.rule_id == "K8S-001")


def test_service_jobs_run_in_the_held_lifecycle_and_two_diffs_overlap_in_two_threads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, base = _diff_repo(tmp_path / "repo")
    seen: list[int] = []
    request = DiffRequest(folder=root, base=base, options=CheckOptions(policies=(BUILTIN,), jobs=1))
    lifecycle = Lifecycle()
    with lifecycle.hold():
        assert current() is lifecycle
        installed: list[int] = []
        real = signal.signal

        def counting(signum: int, handler: Any) -> Any:
            installed.append(signum)
            return real(signum, handler)

        monkeypatch.setattr(signal, "signal", counting)
        both_running = threading.Barrier(2, timeout=60)

        def job(_: int) -> list[tuple[str, str]]:
            waited = False

            def progress(_label: str, _done: int, _total: int) -> None:
                nonlocal waited
                seen.append(lifecycle.running())
                if not waited:  # once per diff: the two diffs are inside the lifecycle at once
                    waited = True
                    with contextlib.suppress(threading.BrokenBarrierError):
                        both_running.wait()
                    seen.append(lifecycle.running())

            return _new(run_diff(request, progress=progress))

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(job, range(2)))
        check = run_check(CheckRequest(root=root, options=CheckOptions(policies=(BUILTIN,))),
                          progress=lambda *_: seen.append(lifecycle.running()))
        monkeypatch.undo()
        assert installed == []
        assert lifecycle.running() == 0
    assert results[0] == results[1] == [("K8S-001", "apps/web.yaml")]
    assert check.report.findings
    assert 2 in seen  # both diffs were running jobs of the lifecycle at the same time
    assert set(seen) <= {1, 2}
    assert current() is not lifecycle
    assert leftovers() == ()


def test_two_diffs_without_a_host_leave_no_handler_and_no_paused_collector(tmp_path: Path) -> None:
    root, base = _diff_repo(tmp_path / "repo")
    request = DiffRequest(folder=root, base=base, options=CheckOptions(policies=(BUILTIN,), jobs=1))
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    first, second = _new(run_diff(request)), _new(run_diff(request))
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = list(pool.map(lambda _: _new(run_diff(request)), range(2)))
    assert first == second == threaded[0] == threaded[1] == [("K8S-001", "apps/web.yaml")]
    assert {s: signal.getsignal(s) for s in before} == before
    assert gc.isenabled()
    assert leftovers() == ()
    assert current().running() == 0


def test_a_host_that_runs_without_the_collector_keeps_it_off_and_gets_no_false_leftover(
        tmp_path: Path) -> None:
    """Leftovers are judged against the state the first job found: a host that turned the
    collector off itself is not told a job left it paused, and keeps it off."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "pod.yaml").write_text(POD)
    request = CheckRequest(root=tmp_path, options=CheckOptions(no_policy=True))
    lifecycle = Lifecycle()
    gc.disable()
    try:
        with lifecycle.hold():
            with lifecycle.job():
                findings = run_check(request).report.findings
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert findings == run_check(request).report.findings
