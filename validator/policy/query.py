"""Sending a run's documents to OPA: inputs in batches, queried concurrently.

One query evaluates a whole batch. A run is cut into as many batches as there are
CPUs (when each gets at least :data:`MIN_BATCH` documents) and never more than
:data:`MAX_BATCH` documents per batch, and the batches are queried concurrently:
OPA evaluates each request on its own goroutine, so parsing the input and
evaluating it use every core. ``combine`` sends one input holding every document
in conftest's shape: ``[{"path": <file>, "contents": <document>}, ...]`` sorted by path.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.errors import PolicyError
from validator.load import Document
from validator.policy.client import OpaSession
from validator.policy.encode import encode_input
from validator.policy.wrapper import RESULTS_RULE

#: Most documents in one query (bounds the request size of very large runs).
MAX_BATCH = 4000
#: Fewest documents worth a query of their own.
MIN_BATCH = 400


@dataclass(frozen=True, kw_only=True)
class Batch:
    """Documents evaluated by one query."""

    documents: tuple[Document | None, ...]
    """The documents, in input order; a single None for the combined input."""
    body: bytes
    """The request: ``{"input": {"documents": [{"input": ..., "file": {name, dir}}, ...]}}``."""


def _file_info(root: Path, path: str) -> dict[str, str]:
    # conftest sets data.conftest.file = {name, dir} of the absolute (not resolved) path
    absolute = Path(os.path.abspath(root / path))  # noqa: PTH100
    return {"name": absolute.name, "dir": str(absolute.parent)}


def make_batches(documents: Sequence[Document], *, root: Path, combine: bool) -> list[Batch]:
    """Cut the run into encoded batches (one for ``combine``).

    Thread-safe and I/O-free: the caller encodes while OPA starts and compiles.
    """
    if combine:
        ordered = sorted(documents, key=lambda d: d.path)
        combined = [{"path": d.path, "contents": d.body} for d in ordered]
        return [Batch(documents=(None,), body=encode_input(
            [{"input": combined, "file": _file_info(root, "Combined")}]))]
    count = max(1, math.ceil(len(documents) / MAX_BATCH),
                min(os.cpu_count() or 1, len(documents) // MIN_BATCH))
    size = math.ceil(len(documents) / count) or 1
    return [Batch(documents=tuple(chunk),
                  body=encode_input([{"input": d.body, "file": _file_info(root, d.path)}
                                     for d in chunk]))
            for chunk in (documents[i:i + size] for i in range(0, len(documents), size))]


def _query(session: OpaSession, package: Sequence[str], batch: Batch) -> dict[str, Any]:
    values = session.evaluate(package, RESULTS_RULE, batch.body)
    if not isinstance(values, dict):
        raise PolicyError(f"OPA returned {type(values).__name__} instead of the results object "
                          "(is another run using the same server and package?)")
    return values


def query_batches(session: OpaSession, package: Sequence[str],
                  batches: Sequence[Batch]) -> list[dict[str, Any]]:
    """Each batch's results (``{"<index>": {namespace: {rule: [value]}}}``), in order."""
    if len(batches) <= 1:
        return [_query(session, package, batch) for batch in batches]
    with ThreadPoolExecutor(max_workers=len(batches), thread_name_prefix="opa-query") as pool:
        futures = [pool.submit(_query, session, package, batch) for batch in batches]
        try:
            return [future.result() for future in futures]
        finally:
            for future in futures:
                future.cancel()
