"""The local OPA server never outlives the run: Ctrl-C (SIGINT) and SIGTERM stop it too."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.policy.peer import BUSY_EVALUATING, CASES, Run, cpu_seconds, evaluate, process_alive
from validator import process
from validator.errors import PolicyError
from validator.policy import server

if TYPE_CHECKING:
    from subprocess import Popen

SCRIPT = """
import sys
import time
from pathlib import Path
from validator.load import load_file
from validator.policy import PolicySettings, evaluate_policies
root = Path(sys.argv[1])
docs = load_file(root / "service.yaml", display_path="service.yaml").documents
evaluate_policies(docs, PolicySettings(policy_dirs=(root / "policy",), timeout=600), root=root)
"""


def _children(pid: int, name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1:stat.rindex(")")]
            if comm == name and int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _evaluating_opa(parent: Popen[bytes]) -> int:
    """The pid of ``parent``'s opa server once it is busy evaluating the slow policy."""
    while parent.poll() is None:
        for pid in _children(parent.pid, "opa"):
            if cpu_seconds(pid) > BUSY_EVALUATING:
                return pid
        time.sleep(0.02)
    raise AssertionError(f"the run ended before evaluating (exit code {parent.returncode})")


def _ends(pid: int, *, within: float) -> bool:
    """Whether ``pid`` ends within ``within`` seconds: a SIGTERM kills the run at once and its
    children die by ``PR_SET_PDEATHSIG``, which the kernel delivers after the parent is gone."""
    deadline = time.monotonic() + within
    while process_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_to_the_run_stops_its_opa_server(signum: int, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    run = process.start(process.Command(args=(sys.executable, "-c", SCRIPT, str(CASES / "slow")),
                                        cwd=Path(__file__).parents[2]), log_path=log)
    opa = 0
    try:
        opa = _evaluating_opa(run)
        os.kill(run.pid, signum)
        run.wait(timeout=60)
        assert _ends(opa, within=10.0), log.read_text()
        assert run.returncode != 0
    finally:
        process.stop(run)
        if opa and process_alive(opa):  # do not leave an orphan behind when the test fails
            os.kill(opa, signal.SIGKILL)


def test_an_opa_that_cannot_start_is_a_policy_error_with_its_log(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The real opa fails to start: the port it is given is already taken."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        monkeypatch.setattr(server, "_free_port", lambda: taken.getsockname()[1])
        with pytest.raises(PolicyError, match=r"OPA server did not start: OPA exited with code 1: "
                                              r".*address already in use.*\(log: .*\.log\)$") as err:
            evaluate(Run(case="basic", files=("service.json",)))
    log = Path(str(err.value).rsplit("(log: ", 1)[1].rstrip(")"))
    assert "address already in use" in log.read_text()
    log.unlink()
