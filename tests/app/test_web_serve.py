"""``gitops-validator serve`` and ``worker`` as a user runs them: a real process on loopback."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.support import github_events as ev
from tests.support.github_events import PR
from validator.app.settings import CONFIG_VARIABLE
from validator.cli.main import main

SECRET = "webhook-secret"
DEADLINE = 60.0


@pytest.fixture(scope="module")
def private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption()).decode()


@pytest.fixture
def env(tmp_path: Path, private_key: str) -> dict[str, str]:
    return {**os.environ, "GITHUB_APP_ID": "4242", "GITHUB_APP_PRIVATE_KEY": private_key,
            "GITHUB_WEBHOOK_SECRET": SECRET, "GITHUB_API_URL": "http://127.0.0.1:9/api/v3",
            "GITOPS_VALIDATOR_DATA_DIR": str(tmp_path / "data"), "GITOPS_VALIDATOR_RECONCILE_SECONDS": "0"}


@dataclass
class Served:
    process: subprocess.Popen[str]
    url: str
    stderr: list[str]


@contextmanager
def _serve(env: dict[str, str], *args: str) -> Iterator[Served]:
    process = subprocess.Popen([sys.executable, "-m", "validator", "-v", "serve", "--port", "0", *args],
                               env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    lines: list[str] = []
    found = threading.Event()
    url: list[str] = []

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            match = re.search(r"serving on (http://\S+)", line)
            if match and not url:
                url.append(match[1])
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert found.wait(DEADLINE), "serve did not start"
        assert url, "".join(lines)
        yield Served(process, url[0], lines)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(DEADLINE)
        reader.join(DEADLINE)


def _request(url: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    if data is None:
        response = requests.get(url, timeout=DEADLINE)
    else:
        response = requests.post(url, data=data, headers=headers, timeout=DEADLINE)
    return response.status_code, response.text


def _deliver(url: str, delivery: str) -> tuple[int, str]:
    body = json.dumps(ev.with_installation(ev.pull_request_event("opened", "acme/deploy", PR()), 3)).encode()
    return _request(f"{url}/webhooks/github", body, {
        "X-GitHub-Event": "pull_request", "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": ev.sign(SECRET, body), "Content-Type": "application/json"})


def _depth(url: str) -> float:
    status, text = _request(f"{url}/metrics")
    assert status == 200
    match = re.search(r"^gitops_validator_queue_depth (\S+)$", text, re.MULTILINE)
    assert match, text
    return float(match[1])


def test_serve_answers_stops_on_sigterm_and_keeps_queued_jobs_across_a_restart(env: dict[str, str]) -> None:
    with _serve(env, "--workers", "0") as served:
        assert _request(f"{served.url}/healthz") == (200, "ok\n")
        assert _request(f"{served.url}/readyz") == (200, "ready\n")
        status, text = _deliver(served.url, "d-1")
        assert (status, text.split(":")[0]) == (202, "queued 1 job")
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(DEADLINE) == 0, "".join(served.stderr)
    with _serve(env, "--workers", "0") as served:
        assert _depth(served.url) == 1  # the queued job survived the restart
        assert _deliver(served.url, "d-1")[0] == 200  # and so did the delivery record
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(DEADLINE) == 0


def test_serve_with_worker_threads_stops_cleanly_on_sigterm(env: dict[str, str]) -> None:
    with _serve({**env, "PYTHONFAULTHANDLER": "1"}, "--workers", "2") as served:
        assert _request(f"{served.url}/readyz")[0] == 200
        served.process.send_signal(signal.SIGTERM)
        assert _exit_code(served) == 0, "".join(served.stderr)
        assert any("stopping" in line for line in served.stderr)


def _exit_code(served: Served) -> int | None:
    """The exit code within the deadline; else None, after SIGABRT made the process print
    every thread's stack (``PYTHONFAULTHANDLER``) into ``served.stderr``, to say where it hung."""
    try:
        return served.process.wait(DEADLINE)
    except subprocess.TimeoutExpired:
        served.process.send_signal(signal.SIGABRT)
        served.process.wait(DEADLINE)
        time.sleep(1)  # the reader thread collects the dump
        return None


def test_bad_settings_stop_serve_with_every_problem(env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "app.yaml"
    config.write_text("workers: lots\n")
    bad = {**env, "GITHUB_APP_PRIVATE_KEY": "nope", "GITOPS_VALIDATOR_MAX_BODY_BYTES": "-5"}
    del bad["GITHUB_WEBHOOK_SECRET"]
    result = subprocess.run([sys.executable, "-m", "validator", "serve", "--config", str(config)],
                            env=bad, capture_output=True, text=True, timeout=DEADLINE, check=False)
    assert result.returncode == 2
    assert f"{config}:1 workers: expected an integer, got 'lots'" in result.stderr
    assert "GITOPS_VALIDATOR_MAX_BODY_BYTES: expected a positive number, got '-5'" in result.stderr
    assert "GITHUB_APP_PRIVATE_KEY: expected the App's private key" in result.stderr
    assert "GITHUB_WEBHOOK_SECRET is not set" in result.stderr
    assert "nope" not in result.stderr


def test_help_teaches_the_production_setup() -> None:
    serve_help = CliRunner().invoke(main, ["serve", "--help"]).output
    assert "gunicorn --workers 4 --bind 0.0.0.0:8080 validator.app.wsgi:app" in serve_help
    assert "GITHUB_WEBHOOK_SECRET" in serve_help
    assert f"${CONFIG_VARIABLE}" in serve_help
    worker_help = CliRunner().invoke(main, ["worker", "--help"]).output
    redis_example = "GITOPS_VALIDATOR_REDIS_URL=redis://queue:6379/0 gitops-validator worker --threads 4"
    assert redis_example in worker_help


def test_gunicorn_serves_the_documented_entry_point(env: dict[str, str]) -> None:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen([str(gunicorn), "--workers", "2", "--bind", "127.0.0.1:0",
                                "validator.app.wsgi:app"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        port = None
        for line in process.stderr:  # "Listening at: http://127.0.0.1:PORT"; ends if gunicorn exits
            match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if match:
                port = match[1]
                break
        assert port, "gunicorn did not start"
        threading.Thread(target=process.stderr.read, daemon=True).start()  # never let its pipe fill
        url = f"http://127.0.0.1:{port}"
        assert _request(f"{url}/readyz") == (200, "ready\n")
        status, _text = _deliver(url, "d-1")
        assert status == 202
        assert _deliver(url, "d-1")[0] == 200  # the other worker process sees the record too
    finally:
        process.terminate()
        process.wait(DEADLINE)
