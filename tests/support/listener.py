"""A loopback TCP listener that records every connection made to it.

Hostile fixtures point schema references, chart dependencies, remote bases and the
like at ``listener.url``; a test then asserts ``listener.connections == []``. The
listener answers anything with a small HTTP 200 so that a client that does connect
gets content (and would leak it into a report if it were read), which makes a leak
visible instead of looking like a refused connection.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

_BODY = b'{"type": "object", "properties": {"leaked": {"const": "LEAKED-FROM-LISTENER"}}}'
_RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
             + str(len(_BODY)).encode() + b"\r\nConnection: close\r\n\r\n" + _BODY)


@dataclass
class Listener:
    """A listening socket on 127.0.0.1 and what arrived there."""

    port: int
    connections: list[bytes] = field(default_factory=list)
    """The first bytes each connection sent (the request line, for HTTP clients)."""

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        """``127.0.0.1:<port>`` (for OCI references and the like)."""
        return f"127.0.0.1:{self.port}"


@contextmanager
def loopback_listener() -> Iterator[Listener]:
    """Listen on a free loopback port for the block; record and answer every connection."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.1)
    listener = Listener(port=int(server.getsockname()[1]))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(1.0)
                try:
                    first = conn.recv(4096)
                except OSError:
                    first = b""
                listener.connections.append(first)
                with suppress(OSError):
                    conn.sendall(_RESPONSE)

    thread = threading.Thread(target=serve, name="loopback-listener", daemon=True)
    thread.start()
    try:
        yield listener
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
