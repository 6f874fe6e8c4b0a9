"""A chart archive from an OCI registry, pulled by the real ``helm pull oci://...``.

Helm runs with network (this is the fetch step, never the render), with homes and a registry
configuration of its own in a temporary folder: nothing of the user's Helm setup is read, and
credentials (written to that registry configuration) exist only for this one command. Plain
HTTP is used only for a registry on the loopback interface (a local test registry).
"""

from __future__ import annotations

import base64
import ipaddress
import json
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from validator.charts.cache import digest_of
from validator.charts.model import DIGEST_MISMATCH, FETCH_FAILED, TOO_LARGE, ChartError, ChartRequest
from validator.errors import CommandError, ToolNotFoundError
from validator.process import Command, run
from validator.tools import Tool, require_tool


def fetch_from_registry(request: ChartRequest, *, max_bytes: int, deadline: float,
                        auth: tuple[str, str] | None) -> bytes:
    """The ``.tgz`` of ``request`` (``oci://host/path`` + chart); raise :class:`ChartError`."""
    reference = f"{request.repo_url.rstrip('/')}/{request.chart}"
    host = urlsplit(reference).netloc.rsplit("@", 1)[-1]
    left = deadline - time.monotonic()
    if left <= 0:
        raise ChartError(FETCH_FAILED, f"{reference}: the time limit was reached")
    try:
        helm = require_tool(Tool.HELM)
    except ToolNotFoundError as exc:
        raise ChartError(FETCH_FAILED, str(exc)) from exc
    with tempfile.TemporaryDirectory(prefix="gitops-validator-pull-") as tmp:
        home = Path(tmp)
        registry_config = home / "registry.json"
        auths = {} if auth is None else {host: {"auth": base64.b64encode(
            f"{auth[0]}:{auth[1]}".encode()).decode()}}
        registry_config.write_text(json.dumps({"auths": auths}))
        registry_config.chmod(0o600)
        out = home / "out"
        out.mkdir()
        args = [str(helm), "pull", reference, "--version", request.version,
                "--destination", str(out)]
        if _loopback(host):
            args.append("--plain-http")
        env = {"HOME": str(home), "HELM_CACHE_HOME": f"{home}/cache",
               "HELM_CONFIG_HOME": f"{home}/config", "HELM_DATA_HOME": f"{home}/data",
               "HELM_PLUGINS": f"{home}/plugins", "HELM_REGISTRY_CONFIG": str(registry_config),
               "HELM_REPOSITORY_CONFIG": f"{home}/repositories.yaml"}
        try:
            run(Command(args=tuple(args), cwd=home, env=env, timeout=left,
                        max_output=1024 * 1024, isolate_network=False))
        except CommandError as exc:
            message = (exc.stderr.strip().splitlines() or [str(exc)])[-1].removeprefix("Error: ")
            raise ChartError(FETCH_FAILED, f"helm pull {reference} --version "
                                             f"{request.version} failed: {message}") from exc
        archives = list(out.glob("*.tgz"))
        if len(archives) != 1:
            raise ChartError(FETCH_FAILED, f"helm pull {reference} left no chart archive")
        size = archives[0].stat().st_size
        if size > max_bytes:
            raise ChartError(TOO_LARGE, f"{reference} is {size} bytes, more than the limit of "
                                          f"{max_bytes} (charts.max_bytes)")
        data = archives[0].read_bytes()
    if request.digest and request.digest.lower() != digest_of(data):
        raise ChartError(DIGEST_MISMATCH, f"{reference} has digest {digest_of(data)}, the "
                                            f"request says {request.digest}: refused")
    return data


def _loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0].strip("[]") if not host.endswith("]") else host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
