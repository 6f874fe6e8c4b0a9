"""A long-running host holds one Lifecycle: jobs (also concurrent ones, in worker threads)
install no signal handler and leave no paused collector, temporary root or child behind."""

from __future__ import annotations

import gc
import signal
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from validator.lifecycle import Lifecycle, leftovers
from validator.options import CheckOptions
from validator.policy.library import BUILTIN
from validator.service import CheckRequest, run_check

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
