"""The on-disk cache of prepared Kubernetes schemas, verified by content hash on every read.

Each cached schema file has a sidecar ``<file>.sha256`` holding the SHA-256 of its
bytes. A file whose bytes do not match (truncated by a full disk, edited by hand or
by anything else with write access to the cache) is never used: it is rebuilt from
the ``kubernetes-validate`` package and written again. Engines never read the cache
itself: the verified bytes are copied into the run's own folder first, so nothing
can change between the check and the use.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

_LOGGER = logging.getLogger(__name__)


def digest(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def read_verified(path: Path) -> bytes | None:
    """The bytes of the cached file at ``path`` if its recorded hash matches; else None."""
    try:
        data = path.read_bytes()
        recorded = _sidecar(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if recorded != digest(data):
        _LOGGER.warning("Schema cache file %s does not match its recorded hash; rebuilding it", path)
        return None
    return data


def write_verified(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and its hash to the sidecar (each atomically)."""
    write_bytes_atomic(path, data)
    write_bytes_atomic(_sidecar(path), digest(data).encode("ascii"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file and a rename (never half-written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
