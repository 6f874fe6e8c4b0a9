"""The process runner: limits, errors, scrubbed environment, children that never outlive us."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from validator.errors import CommandError, CommandTimeoutError
from validator.process import Command, run


def test_output_and_exit_codes() -> None:
    assert run(Command(args=("sh", "-c", "echo hi"))).stdout == b"hi\n"
    with pytest.raises(CommandError, match="exited with code 3: boom"):
        run(Command(args=("sh", "-c", "echo boom >&2; exit 3")))
    assert run(Command(args=("sh", "-c", "exit 3"), ok_codes=frozenset({3}))).returncode == 3


def test_timeout_and_output_limit() -> None:
    with pytest.raises(CommandTimeoutError, match=r"did not finish within 0\.5s"):
        run(Command(args=("sleep", "5"), timeout=0.5))
    with pytest.raises(CommandError, match="more than the limit of 100"):
        run(Command(args=("sh", "-c", "head -c 1000 /dev/zero"), max_output=100))


@pytest.mark.parametrize("stdin", [None, b"input"])
def test_the_time_limit_counts_from_the_start_not_from_when_the_parent_waits(
        stdin: bytes | None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy parent that gets round to waiting only after the limit has passed still
    reports a timeout: whether a render fits its limit must not depend on scheduling
    (CI once saw a 1 ms kustomize render pass because its thread waited late)."""
    late = {"wait": subprocess.Popen.wait, "communicate": subprocess.Popen.communicate}

    def after_a_pause(name: str):  # type: ignore[no-untyped-def]
        def call(self: subprocess.Popen[bytes], *args: object, **kwargs: object) -> object:
            time.sleep(0.3)
            return late[name](self, *args, **kwargs)  # type: ignore[operator]
        return call

    monkeypatch.setattr(subprocess.Popen, "wait", after_a_pause("wait"))
    monkeypatch.setattr(subprocess.Popen, "communicate", after_a_pause("communicate"))
    with pytest.raises(CommandTimeoutError, match=r"did not finish within 0\.1s"):
        run(Command(args=("sh", "-c", "cat > /dev/null; sleep 0.2"), timeout=0.1, stdin=stdin))
    assert run(Command(args=("true",), timeout=5, stdin=stdin)).returncode == 0


def test_missing_program_is_a_command_error() -> None:
    with pytest.raises(CommandError, match="cannot run /no/such/tool"):
        run(Command(args=("/no/such/tool",)))


def test_tokens_never_reach_subprocesses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    env = run(Command(args=("env",), env={"EXTRA": "1"})).stdout.decode()
    assert "secret" not in env
    assert "EXTRA=1" in env
    assert "PATH=" in env


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat").read_text().split()
    return stat[2] != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux only")
def test_a_started_process_dies_with_a_killed_parent(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from validator.process import Command, start\n"
        f"child = start(Command(args=('sleep', '60')), log_path=Path({str(tmp_path / 'log')!r}))\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = run_parent(script)
    child_pid = int(parent.stdout.readline())  # type: ignore[union-attr]
    assert _alive(child_pid)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child_pid)


def run_parent(script: str) -> subprocess.Popen[bytes]:
    """The test's own parent process (product code runs processes only via validator.process)."""
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)


def test_a_timeout_kills_everything_the_command_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    with pytest.raises(CommandTimeoutError):
        run(Command(args=("sh", "-c", f"sleep 30 & echo $! > {pid_file}; wait"), timeout=0.5))
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_a_program_that_cannot_be_executed_is_a_command_error(tmp_path: Path) -> None:
    tool = tmp_path / "tool"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o644)
    with pytest.raises(CommandError, match=r"cannot run .*tool: Permission denied"):
        run(Command(args=(str(tool),)))
