"""The webhook app as real processes: ``gitops-validator serve`` and ``worker`` for the tests.

:class:`AppConfig` is what an operator would put in the environment (an App registered on the
GitHub API test server, its installation, the webhook secret, a data folder, optionally Redis);
:class:`AppProcess` starts one process of it in its own process group with its output in a log
file, waits until it answers ``/healthz`` (``serve``) and stops it (SIGTERM, then SIGKILL), or
kills it outright (a crash). The log is what a failing test shows (:meth:`AppProcess.log_text`).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from tests.change.gitrepo import GIT_TEST_ENV
from tests.support.github_api import GitHubApiServer
from validator import process
from validator.process import Command

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_ID = 4242
INSTALLATION_ID = 77001
WEBHOOK_SECRET = "e2e-webhook-secret"
APP_PERMISSIONS = {"checks": "write", "pull_requests": "write", "contents": "read", "metadata": "read"}
#: Generous bound on every wait of the harness (a loaded 2-core machine runs seven suites).
START_DEADLINE = 90.0


def free_port() -> int:
    """A loopback port nothing listens on now (the app binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, kw_only=True)
class AppConfig:
    """The environment every process of one deployment of the app shares."""

    api_url: str
    app_id: int
    private_key: str
    webhook_secret: str
    data_dir: Path
    home: Path
    redis_url: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)
    """More variables (``GITOPS_VALIDATOR_LEASE_SECONDS`` ...), over the defaults below."""

    def environment(self, **overrides: str) -> dict[str, str]:
        """The variables a process of the app is started with (``overrides`` last)."""
        env = {
            **GIT_TEST_ENV,
            "HOME": str(self.home),
            "PYTHONPATH": str(REPO_ROOT),
            "GITOPS_VALIDATOR_TOOLS_DIR": os.environ.get("GITOPS_VALIDATOR_TOOLS_DIR", ""),
            "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME", str(self.home / ".cache")),
            "GITHUB_APP_ID": str(self.app_id),
            "GITHUB_APP_PRIVATE_KEY": self.private_key,
            "GITHUB_WEBHOOK_SECRET": self.webhook_secret,
            "GITHUB_API_URL": self.api_url,
            "GITOPS_VALIDATOR_DATA_DIR": str(self.data_dir),
            "GITOPS_VALIDATOR_RECONCILE_SECONDS": "0",
            "PYTHONUNBUFFERED": "1",
        }
        if self.redis_url:
            env["GITOPS_VALIDATOR_REDIS_URL"] = self.redis_url
        env.update(self.extra)
        env.update(overrides)
        return env


def register_app(gh: GitHubApiServer, tmp: Path, repositories: list[str], *, redis_url: str = "",
                 extra: Mapping[str, str] | None = None) -> AppConfig:
    """Register a GitHub App on the test server, install it on ``repositories``; its config."""
    app = gh.add_app(app_id=APP_ID)
    gh.add_installation(APP_ID, installation_id=INSTALLATION_ID, repositories=repositories,
                        permissions=dict(APP_PERMISSIONS))
    home = tmp / "app-home"
    home.mkdir(parents=True, exist_ok=True)
    return AppConfig(api_url=gh.url, app_id=APP_ID, private_key=app.private_key,
                     webhook_secret=WEBHOOK_SECRET, data_dir=tmp / "app-data", home=home,
                     redis_url=redis_url, extra=dict(extra or {}))


class AppProcess:
    """One ``serve`` or ``worker`` process of the app, or the intake under ``gunicorn``."""

    def __init__(self, role: str, config: AppConfig, log_dir: Path, *, name: str | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        if role not in ("serve", "worker", "gunicorn"):
            raise ValueError(f"role {role!r}: serve, worker or gunicorn")
        self.role = role
        self.config = config
        self.name = name or role
        self.env = dict(env or {})
        self.log_path = log_dir / f"{self.name}.log"
        self.port = 0 if role == "worker" else free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of a ``serve`` (or ``gunicorn``) process."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> tuple[str, ...]:
        """How the process is started (the console script's module, from this tree)."""
        if self.role == "gunicorn":  # the production intake (docs/app.md): web only, no workers
            return (sys.executable, "-m", "gunicorn", "--workers", self.env.get("GUNICORN_WORKERS", "2"),
                    "--threads", self.env.get("GUNICORN_THREADS", "4"), "--bind", f"127.0.0.1:{self.port}",
                    "--log-level", "warning", "validator.app.wsgi:app")
        args: tuple[str, ...] = (sys.executable, "-m", "validator", self.role)
        if self.role == "serve":
            args += ("--host", "127.0.0.1", "--port", str(self.port))
        return args

    def start(self, *, wait: bool = True) -> AppProcess:
        """Start it (log appended to :attr:`log_path`); ``wait``: until it is up."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a") as log:
            log.write(f"--- start {self.name}: {' '.join(self.command())}\n")
        self.proc = process.start(Command(args=self.command(), cwd=self.config.home,
                                          env=self.config.environment(**self.env)),
                                  log_path=self.log_path)
        if wait:
            self.wait_up()
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_up(self, deadline: float = START_DEADLINE) -> None:
        """Until ``/healthz`` answers 200 (``serve``; a ``worker`` has no endpoint: running is all);
        AssertionError with the log when the process ends or the deadline passes first."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if not self.running():
                raise AssertionError(f"{self.name} exited with code {self.returncode()}:\n{self.log_text()}")
            if self.role != "worker" and self._healthy():
                return
            if self.role == "worker":
                return  # it says nothing when ready: a worker that fails to start shows in the waits
            time.sleep(0.1)
        raise AssertionError(f"{self.name} did not come up within {deadline:g}s:\n{self.log_text()}")

    def _healthy(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM (finish or release the current jobs), SIGKILL after ``grace`` seconds."""
        if self.proc is not None:
            process.stop(self.proc, grace=grace)
            with self.log_path.open("a") as log:
                log.write(f"--- stopped {self.name}: exit {self.proc.returncode}\n")

    def kill(self) -> None:
        """SIGKILL the whole process group now (a crashed host: nothing is released)."""
        if self.proc is None:
            return
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        process.stop(self.proc, grace=0)
        with self.log_path.open("a") as log:
            log.write(f"--- killed {self.name} (SIGKILL)\n")

    def log_text(self) -> str:
        """Everything it wrote so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


@dataclass
class AppCluster:
    """The processes of one deployment: ``serve`` (intake, maybe workers) and ``worker`` processes."""

    config: AppConfig
    log_dir: Path
    processes: list[AppProcess] = field(default_factory=list)

    def add(self, role: str, *, name: str | None = None, env: Mapping[str, str] | None = None,
            wait: bool = True) -> AppProcess:
        """Start one more process of ``role``."""
        proc = AppProcess(role, self.config, self.log_dir, name=name, env=env)
        self.processes.append(proc)
        return proc.start(wait=wait)

    def stop(self) -> None:
        """Stop every process still running (workers first, then intake)."""
        for proc in sorted(self.processes, key=lambda p: p.role == "serve"):
            if proc.running():
                proc.stop()

    def logs(self) -> str:
        """The logs of every process, one after the other (what a failing test prints)."""
        return "\n".join(f"===== {p.name} ({p.log_path})\n{p.log_text()}" for p in self.processes)


def post_webhook(url: str, event: str, body: bytes, *, delivery: str, signature: str | None,
                 timeout: float = 30.0) -> tuple[int, str]:
    """POST a delivery to ``url/webhooks/github`` as GitHub sends it; status and text."""
    host, _, port = url.removeprefix("http://").partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
               "X-GitHub-Delivery": delivery, "User-Agent": "GitHub-Hookshot/e2e",
               "X-GitHub-Hook-Installation-Target-Type": "integration"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    try:
        conn.request("POST", "/webhooks/github", body=body, headers=headers)
        answer = conn.getresponse()
        return answer.status, answer.read().decode(errors="replace")
    finally:
        conn.close()


def get(url: str, path: str, *, timeout: float = 30.0) -> tuple[int, str]:
    """GET ``path`` of the app; status and text."""
    host, _, port = url.removeprefix("http://").partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path)
        answer = conn.getresponse()
        return answer.status, answer.read().decode(errors="replace")
    finally:
        conn.close()
