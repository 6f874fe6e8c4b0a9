"""Security of the delivery route against an attacker who can only send HTTP to the app."""

from __future__ import annotations

import socket
import threading
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from validator.app.services import AppServices, open_services
from validator.app.settings import AppSettings
from validator.app.web import WEBHOOK_PATH, create_app

#: A large (but allowed) cap, so that whatever scales with it shows in the measurement.
_CAP = 64 * 1024 * 1024


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[int, AppServices]]:
    """The app on a loopback port (Werkzeug's threaded server, as ``serve`` runs it)."""
    services = open_services(AppSettings(app_id=4242, private_key="", webhook_secret="s3cret",
                                         data_dir=tmp_path / "data", max_body_bytes=_CAP))
    server = make_server("127.0.0.1", 0, create_app(services), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port, services
    finally:
        server.shutdown()
        thread.join(10)
        services.close()


def _headers_only(port: int, length: int) -> bytes:
    """A request that announces ``length`` bytes of body and sends none of them."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n"
                     "X-GitHub-Event: pull_request\r\nX-GitHub-Delivery: d\r\n"
                     "Connection: close\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    return answer


def test_an_announced_oversize_body_costs_no_memory_of_its_size(served: tuple[int, AppServices]) -> None:
    """A few header bytes claiming a body over the cap are refused (413) without the server
    allocating anything near the cap: otherwise each such request (no body sent, no
    signature needed) makes the app hold ``max_body_bytes`` of memory, and a handful of
    parallel ones exhaust it."""
    port, _ = served
    tracemalloc.start()
    try:
        answer = _headers_only(port, _CAP + 1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert peak < 4 * 1024 * 1024, f"the refusal allocated {peak} bytes (cap {_CAP})"
