"""The content-addressed chart cache, shared across runs.

Layout under the cache folder (``charts.cache_dir``)::

    v1/refs/<sha256 of key>     "sha256:<hex>" of the archive a request resolved to
    v1/blobs/<hex>.tgz           the archive, verified against its name before every use
    v1/trees/<hex>/<chart>/      the archive unpacked (safely), what is rendered

The key is the normalised repository URL, the chart, the version and the digest the request
pinned (if any): a pinned version of an allowlisted repository is fetched once. Every write goes
to a temporary name and is renamed into place, so concurrent runs never see half an entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from validator.charts.allowlist import normalise_url
from validator.charts.extract import extract_chart
from validator.charts.model import ChartError, ChartRequest, FetchedChart


def digest_of(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


class ChartCache:
    """One cache folder."""

    def __init__(self, folder: Path) -> None:
        self.root = folder / "v1"

    @staticmethod
    def key(request: ChartRequest) -> str:
        text = "\n".join((normalise_url(request.repo_url), request.chart, request.version,
                          request.digest))
        return hashlib.sha256(text.encode()).hexdigest()

    def lookup(self, request: ChartRequest, *, max_bytes: int) -> FetchedChart | None:
        """The cached chart for ``request``, or None (absent, or an entry that fails its check:
        it is dropped and fetched again)."""
        ref = self.root / "refs" / self.key(request)
        try:
            digest = ref.read_text().strip()
            data = (self.root / "blobs" / f"{digest.removeprefix('sha256:')}.tgz").read_bytes()
        except (OSError, UnicodeDecodeError):
            return None
        if digest_of(data) != digest:
            with contextlib.suppress(OSError):
                ref.unlink()
            return None
        try:
            return FetchedChart(path=self._tree(digest, data, max_bytes=max_bytes), digest=digest,
                                cached=True)
        except ChartError:
            return None

    def store(self, request: ChartRequest, data: bytes, *, max_bytes: int) -> FetchedChart:
        """Keep ``data`` (a verified archive) for ``request``; raise :class:`ChartError` when it
        cannot be unpacked safely (nothing is kept then)."""
        digest = digest_of(data)
        path = self._tree(digest, data, max_bytes=max_bytes)
        self._write(self.root / "blobs" / f"{digest.removeprefix('sha256:')}.tgz", data)
        self._write(self.root / "refs" / self.key(request), f"{digest}\n".encode())
        return FetchedChart(path=path, digest=digest)

    def _tree(self, digest: str, data: bytes, *, max_bytes: int) -> Path:
        """The unpacked chart folder of the archive ``data`` (unpacked now if not yet)."""
        trees = self.root / "trees"
        folder = trees / digest.removeprefix("sha256:")
        if folder.is_dir():
            charts = [p for p in folder.iterdir() if (p / "Chart.yaml").is_file()]
            if len(charts) == 1:
                return charts[0]
        trees.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=trees))
        try:
            top = extract_chart(data, staging, max_bytes=max_bytes)
            with contextlib.suppress(OSError):  # another run won the race: theirs is the same
                staging.rename(folder)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
        return folder / top

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        Path(temp).replace(path)
