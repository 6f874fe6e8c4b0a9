"""A real OCI registry on loopback: the CNCF distribution registry (``registry``, pinned in
tools.lock as a test-only tool), started per test with a temporary storage folder and config
file; charts are pushed to it with the real ``helm push``.

Where the binary is looked for: ``GITOPS_VALIDATOR_REGISTRY``, ``$GITOPS_VALIDATOR_TOOLS_DIR``,
the checkout's ``.tools/bin`` (``make setup`` builds it there), ``PATH``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from validator.process import Command, run, start, stop
from validator.tools import LOCAL_TOOLS_DIR, Tool, require_tool


def find_registry() -> Path:
    """The ``registry`` binary; the test fails (never skips) naming how to install it."""
    candidates = [os.environ.get("GITOPS_VALIDATOR_REGISTRY", "")]
    if tools := os.environ.get("GITOPS_VALIDATOR_TOOLS_DIR"):
        candidates.append(f"{tools}/registry")
    candidates += [str(LOCAL_TOOLS_DIR / "registry"), shutil.which("registry") or ""]
    for candidate in filter(None, candidates):
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    pytest.fail("the distribution registry is not installed: run `make setup` "
                "(scripts/install-tools.sh registry) or set GITOPS_VALIDATOR_REGISTRY")


#: The one user of a registry started with ``credentials=True`` and its password; the
#: htpasswd entry is its bcrypt hash (cost 4: a test registry, made with crypt's blowfish).
USER, PASSWORD = "reader", "s3cret"
_HTPASSWD = "reader:$2b$04$.jW3piASNert8PuwydZnDO8uacjns.uhaf/nBGn48hRLeJWZp1sfS\n"


@dataclass(frozen=True)
class OciRegistry:
    """A running registry: ``oci://<host>/...``."""

    host: str
    home: Path

    def url(self, path: str = "charts") -> str:
        return f"oci://{self.host}/{path}"

    def push(self, archive: Path, path: str = "charts") -> None:
        """``helm push archive oci://host/path --plain-http``."""
        login = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        (self.home / "registry.json").write_text(json.dumps({"auths": {self.host: {"auth": login}}}))
        env = {"HOME": str(self.home), "HELM_CACHE_HOME": f"{self.home}/cache",
               "HELM_CONFIG_HOME": f"{self.home}/config", "HELM_DATA_HOME": f"{self.home}/data",
               "HELM_REGISTRY_CONFIG": f"{self.home}/registry.json"}
        run(Command(args=(str(require_tool(Tool.HELM)), "push", str(archive), self.url(path),
                          "--plain-http"), env=env, timeout=60))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def oci_registry(folder: Path, *, credentials: bool = False) -> Iterator[OciRegistry]:
    """Start a registry storing under ``folder`` for the block; stop it after.
    ``credentials``: every request needs :data:`USER` and :data:`PASSWORD` (HTTP basic)."""
    binary = find_registry()
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    config = folder / "config.yml"
    auth = ""
    if credentials:
        (folder / "htpasswd").write_text(_HTPASSWD)
        auth = f"auth:\n  htpasswd:\n    realm: test\n    path: {folder / 'htpasswd'}\n"
    config.write_text(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                      f"    rootdirectory: {folder / 'data'}\nhttp:\n  addr: 127.0.0.1:{port}\n"
                      + auth)
    proc = start(Command(args=(str(binary), "serve", str(config)), cwd=folder),
                 log_path=folder / "registry.log")
    try:
        _wait_ready(f"http://127.0.0.1:{port}/v2/", proc.poll, folder / "registry.log")
        (folder / "helm").mkdir()
        yield OciRegistry(host=f"127.0.0.1:{port}", home=folder / "helm")
    finally:
        stop(proc)


def _wait_ready(url: str, exited: object, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - a loopback http URL
                return
        except urllib.error.HTTPError:
            return  # it answers (401 when auth is on)
        except OSError:
            if callable(exited) and exited() is not None:
                break
            time.sleep(0.1)
    pytest.fail(f"the registry did not start: {log.read_text(errors='replace')[-2000:]}")
