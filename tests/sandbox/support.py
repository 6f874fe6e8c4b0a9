"""Running the real CLI as a subprocess with its own TMPDIR, and finding what it left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHART_YAML = "apiVersion: v2\nname: {name}\nversion: 0.1.0\n"

#: A template that loops about 10^10 times with little memory: far longer than any test.
SLOW_TEMPLATE = """\
{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}
apiVersion: v1
kind: ConfigMap
metadata: {name: slow}
"""

#: The template of the issue: one allocation of 2 GB.
HUNGRY_TEMPLATE = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: hungry}
data:
  big: {{ repeat 2000000000 "x" | len | quote }}
"""


def write(root: Path, path: str, text: str) -> Path:
    """Write ``text`` to ``root/path`` (creating folders)."""
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    return file


def write_chart(root: Path, chart: str, template: str) -> None:
    """A one-template chart at ``root/chart``."""
    write(root, f"{chart}/Chart.yaml", CHART_YAML.format(name=Path(chart).name))
    write(root, f"{chart}/templates/cm.yaml", template)


def cli_env(tmpdir: Path) -> dict[str, str]:
    """The environment of a CLI subprocess: our path, the tools, ``TMPDIR=tmpdir``."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": os.pathsep.join(sys.path),
           "TMPDIR": str(tmpdir), "HOME": str(tmpdir.parent)}
    for name in ("GITOPS_VALIDATOR_TOOLS_DIR", "XDG_CACHE_HOME"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def start_cli(root: Path, tmpdir: Path, *args: str) -> subprocess.Popen[bytes]:
    """``gitops-validator check root -o json ARGS`` as a real process with its own TMPDIR."""
    tmpdir.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "validator", "check", str(root), "-o", "json", *args],
        cwd=root, env=cli_env(tmpdir), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_cli(root: Path, tmpdir: Path, *args: str,
            timeout: float = 180) -> tuple[int, dict[str, Any], str]:
    """Run the CLI to the end: exit code, parsed JSON report ({} if none), standard error."""
    proc = start_cli(root, tmpdir, *args)
    out, err = proc.communicate(timeout=timeout)
    try:
        report = json.loads(out)
    except ValueError:
        report = {}
    return proc.returncode, report, err.decode("utf-8", "replace")


def processes_with_tmpdir(tmpdir: Path) -> list[tuple[int, str]]:
    """(pid, command) of every live process whose TMPDIR is ``tmpdir`` or below it."""
    marker = f"TMPDIR={tmpdir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] == "Z":
            continue
        if any(var.startswith(marker) for var in environ.split(b"\0")):
            found.append((int(entry.name), cmdline))
    return found


def wait_until_gone(tmpdir: Path, bound: float = 15.0) -> list[tuple[int, str]]:
    """Poll (up to ``bound`` seconds: a cap on waiting, not a timing check) until no process
    of the run is left; return those still there."""
    deadline = time.monotonic() + bound
    while (left := processes_with_tmpdir(tmpdir)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (0 when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_busy_child(proc: subprocess.Popen[bytes], tmpdir: Path, names: Sequence[str],
                        busy: float = 0.5, bound: float = 120.0) -> int:
    """The pid of a process of the run named one of ``names`` once it has used ``busy`` CPU s."""
    deadline = time.monotonic() + bound
    while proc.poll() is None and time.monotonic() < deadline:
        for pid, cmdline in processes_with_tmpdir(tmpdir):
            if Path(cmdline.split(" ", 1)[0]).name in names and cpu_seconds(pid) >= busy:
                return pid
        time.sleep(0.02)
    _, err = proc.communicate() if proc.poll() is not None else (b"", b"")
    raise AssertionError(f"no busy {names} child (exit {proc.returncode}): {err.decode()[-2000:]}")


def leftovers(tmpdir: Path) -> list[str]:
    """Everything left in the run's TMPDIR."""
    return sorted(str(p.relative_to(tmpdir)) for p in tmpdir.rglob("*"))
