"""Run the real conftest and evaluate_policies on the same case, in one comparable shape."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from validator import process
from validator.errors import CommandError
from validator.load import Document, load_file
from validator.model import Severity
from validator.policy import PolicyResult, PolicySettings, RegoVersion, evaluate_policies
from validator.policy.server import local_opa_server
from validator.tools import Tool, require_tool

CASES = Path(__file__).parent / "cases"


@dataclass(frozen=True, kw_only=True)
class Run:
    """One case run: the files to check and conftest's flags, as settings."""

    case: str
    files: tuple[str, ...]
    namespaces: tuple[str, ...] = ("main",)
    all_namespaces: bool = False
    data: tuple[str, ...] = ()
    combine: bool = False
    rego_version: RegoVersion = RegoVersion.V1

    @property
    def root(self) -> Path:
        return CASES / self.case

    def settings(self, **overrides: object) -> PolicySettings:
        values: dict[str, object] = {
            "policy_dirs": (self.root / "policy",), "namespaces": self.namespaces,
            "all_namespaces": self.all_namespaces,
            "data_paths": tuple(self.root / d for d in self.data),
            "combine": self.combine, "rego_version": self.rego_version, "timeout": 30.0}
        values.update(overrides)
        return PolicySettings(**values)  # type: ignore[arg-type]


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """Sorted (file, kind, message) triples plus the number of exceptions applied."""

    results: tuple[tuple[str, str, str], ...]
    exceptions: int


def conftest(run: Run) -> Outcome:
    """``conftest test --output json`` with the run's flags; CommandError when it cannot run."""
    args = [str(require_tool(Tool.CONFTEST)), "test", "--no-color", "--output", "json",
            "--policy", "policy", "--rego-version", run.rego_version.value]
    args += ["--all-namespaces"] if run.all_namespaces else [
        arg for ns in run.namespaces for arg in ("--namespace", ns)]
    args += [arg for d in run.data for arg in ("--data", d)]
    args += ["--combine"] if run.combine else []
    result = process.run(process.Command(
        args=(*args, *run.files), cwd=run.root, ok_codes=frozenset({0, 1}), timeout=120))
    try:
        checks = json.loads(result.stdout)
    except ValueError as exc:
        raise CommandError(f"conftest failed: {result.stderr.strip()}", stderr=result.stderr,
                           returncode=result.returncode) from exc
    triples = []
    exceptions = 0
    for check in checks:
        triples += [(check["filename"], "failure", r["msg"]) for r in check.get("failures") or []]
        triples += [(check["filename"], "warning", r["msg"]) for r in check.get("warnings") or []]
        exceptions += len(check.get("exceptions") or [])
    return Outcome(results=tuple(sorted(triples)), exceptions=exceptions)


def documents(run: Run) -> list[Document]:
    docs: list[Document] = []
    for name in run.files:
        docs += load_file(run.root / name, display_path=name).documents
    return docs


def evaluate(run: Run, **overrides: object) -> PolicyResult:
    return evaluate_policies(documents(run), run.settings(**overrides), root=run.root)


def ours(run: Run, **overrides: object) -> Outcome:
    """evaluate_policies on the same files, as conftest would list the results."""
    result = evaluate(run, **overrides)
    triples = tuple(sorted(
        ("Combined" if run.combine else f.location.path,
         "failure" if f.severity is Severity.ERROR else "warning", f.message)
        for f in result.findings))
    return Outcome(results=triples, exceptions=len(result.skipped))


#: Servers deliberately kept across tests (module-scoped "shared server" fixtures).
LONG_LIVED: set[int] = set()


def opa_children() -> list[int]:
    """Live ``opa`` processes whose parent is this test process (long-lived ones excepted)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        pid = int(entry.name)
        if comm == "opa" and state != "Z" and int(ppid) == os.getpid() and pid not in LONG_LIVED:
            found.append(pid)
    return found


def process_alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:].split()[0] != "Z"


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) ``pid`` has used so far; 0 when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


#: CPU seconds after which an opa server running the "slow" case must be evaluating it:
#: starting and compiling the case takes a small fraction of this.
BUSY_EVALUATING = 1.5


@contextlib.contextmanager
def shared_server(rego_version: RegoVersion) -> Iterator[dict[str, object]]:
    """A server standing in for ``--opa-url``: the settings overrides that point at it."""
    with local_opa_server(rego_version=rego_version) as server:
        LONG_LIVED.add(server.process.pid)
        try:
            yield {"opa_url": server.url, "opa_token": server.token}
        finally:
            LONG_LIVED.discard(server.process.pid)
