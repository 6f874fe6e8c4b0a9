"""A local Helm chart repository on loopback: charts packaged by the real ``helm package``,
an ``index.yaml`` by the real ``helm repo index``, served over HTTP; every request counted.

Tests fetch from it as from any Helm repository, then assert on :attr:`HelmRepo.requests`
(a cache hit must make none) or tamper with what it serves (:meth:`HelmRepo.replace_archive`
serves other bytes than the index's digest says).
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from validator.process import run_args
from validator.tools import Tool, require_tool


def write_chart(folder: Path, name: str, version: str, *, templates: dict[str, str] | None = None,
                values: str = "", dependencies: str = "") -> Path:
    """A minimal chart folder ``folder/name`` (apiVersion v2)."""
    chart = folder / name
    (chart / "templates").mkdir(parents=True, exist_ok=True)
    (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: {version}\n"
                                      f"{dependencies}")
    (chart / "values.yaml").write_text(values)
    for file, text in (templates or {"configmap.yaml": _CONFIGMAP}).items():
        (chart / "templates" / file).write_text(text)
    return chart


_CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-{{ .Chart.Name }}
data:
  version: {{ .Chart.Version | quote }}
"""


def package(chart: Path, destination: Path) -> Path:
    """``helm package chart -d destination``: the ``.tgz`` it wrote."""
    destination.mkdir(parents=True, exist_ok=True)
    run_args([str(require_tool(Tool.HELM)), "package", str(chart), "-d", str(destination)],
             timeout=60)
    name, version = _name_version(chart)
    return destination / f"{name}-{version}.tgz"


def _name_version(chart: Path) -> tuple[str, str]:
    fields = dict(line.split(":", 1) for line in (chart / "Chart.yaml").read_text().splitlines()
                  if ":" in line and not line.startswith(" "))
    return fields["name"].strip(), fields["version"].strip()


@dataclass
class HelmRepo:
    """The served folder and what was asked of it."""

    folder: Path
    port: int = 0
    requests: list[str] = field(default_factory=list)
    """Request paths, in order."""
    auth_headers: list[str] = field(default_factory=list)
    """The Authorization header of each request ('' when none)."""
    overrides: dict[str, bytes] = field(default_factory=dict)
    """Path -> bytes served instead of the file."""
    credentials: tuple[str, str] | None = None
    """When set, every request must carry them (HTTP basic) or gets 401."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, chart: Path) -> Path:
        """Package ``chart`` into the repository and index it again (``helm repo index``)."""
        archive = package(chart, self.folder)
        run_args([str(require_tool(Tool.HELM)), "repo", "index", str(self.folder),
                  "--url", self.url], timeout=60)
        return archive

    def replace_archive(self, archive: Path, data: bytes) -> None:
        """Serve ``data`` at ``archive``'s URL (the index keeps the real digest)."""
        self.overrides[f"/{archive.name}"] = data


@contextmanager
def helm_repository(folder: Path) -> Iterator[HelmRepo]:
    """Serve ``folder`` on a free loopback port for the block."""
    folder.mkdir(parents=True, exist_ok=True)
    repo = HelmRepo(folder=folder)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            repo.requests.append(self.path)
            header = self.headers.get("Authorization", "")
            repo.auth_headers.append(header)
            if repo.credentials is not None:
                wanted = "Basic " + base64.b64encode(":".join(repo.credentials).encode()).decode()
                if header != wanted:
                    self._answer(401, b"unauthorised")
                    return
            body = repo.overrides.get(self.path)
            file = folder / self.path.lstrip("/")
            if body is None and file.is_file() and file.parent == folder:
                body = file.read_bytes()
            self._answer(200, body) if body is not None else self._answer(404, b"not found")

        def _answer(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            del format, args

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    repo.port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="helm-repo", daemon=True)
    thread.start()
    try:
        yield repo
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
