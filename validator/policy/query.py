"""Sending a run's documents to OPA: bounded batches, streamed, each failure confined to its batch.

Documents are encoded one at a time and cut into batches of at most
:data:`MAX_BATCH_DOCUMENTS` documents and :data:`MAX_BATCH_BYTES` bytes of JSON; at most
``workers`` batches are in flight at once (OPA evaluates each request on its own
goroutine, so that many use every core), and a batch's encoded text is dropped as
soon as OPA has answered. Memory on both sides therefore stays flat however many
documents a run has, and the policy timeout applies to one batch, not to the run.

A query that fails costs only its own documents (:class:`NotEvaluated`): a timeout
costs its batch; an error OPA answers with (a conflict at evaluation time, a request
too large) is narrowed down by evaluating the halves of the batch, within a budget
of :data:`SPLIT_BUDGET` extra queries per batch; a server that has died fails every
batch not yet answered, without sending it. ``combine`` sends one input holding every
document in conftest's shape: ``[{"path": <file>, "contents": <document>}, ...]``
sorted by path.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from validator.errors import EvaluationFailure, PolicyEvaluationError
from validator.load import Document
from validator.policy.client import OpaSession
from validator.policy.encode import encode_item, join_items
from validator.policy.wrapper import RESULTS_RULE

#: Most documents in one query.
MAX_BATCH_DOCUMENTS = 500
#: Most bytes of encoded input in one query (a single larger document is sent alone).
MAX_BATCH_BYTES = 4 * 1024 * 1024
#: Extra queries allowed per batch to narrow an error OPA answered with down to its documents.
SPLIT_BUDGET = 32


@dataclass(frozen=True, kw_only=True)
class Batch:
    """Documents evaluated by one query."""

    documents: tuple[Document, ...]
    """The documents, in input order."""
    items: tuple[bytes, ...]
    """Their encoded ``{"input": ..., "file": {name, dir}}`` entries (one, for ``combined``)."""
    combined: bool = False
    """True when ``items`` is the one combined input of every document."""


@dataclass(frozen=True, kw_only=True)
class Answered:
    """OPA's values for a batch: ``{"<index>": {namespace: {rule: [value]}}}``."""

    batch: Batch
    values: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class NotEvaluated:
    """A batch whose query failed: its documents were not evaluated."""

    batch: Batch
    reason: str
    """What went wrong (OPA's error, the timeout, why the server is gone)."""
    failure: EvaluationFailure


Outcome = Answered | NotEvaluated


def _file_info(root: Path, path: str) -> dict[str, str]:
    # conftest sets data.conftest.file = {name, dir} of the absolute (not resolved) path
    absolute = Path(os.path.abspath(root / path))  # noqa: PTH100
    return {"name": absolute.name, "dir": str(absolute.parent)}


def cut_batches(documents: Sequence[Document], *, root: Path, combine: bool) -> Iterator[Batch]:
    """Encode ``documents`` lazily into bounded batches (one batch for ``combine``)."""
    if combine:
        ordered = sorted(documents, key=lambda d: d.path)
        combined = [{"path": d.path, "contents": d.body} for d in ordered]
        item = encode_item({"input": combined, "file": _file_info(root, "Combined")})
        yield Batch(documents=tuple(ordered), items=(item,), combined=True)
        return
    chunk: list[Document] = []
    items: list[bytes] = []
    size = 0
    files: dict[str, dict[str, str]] = {}  # a file's documents are consecutive: one entry each
    for document in documents:
        if (file := files.get(document.path)) is None:
            files.clear()
            file = files[document.path] = _file_info(root, document.path)
        item = encode_item({"input": document.body, "file": file})
        if chunk and (len(chunk) >= MAX_BATCH_DOCUMENTS or size + len(item) > MAX_BATCH_BYTES):
            yield Batch(documents=tuple(chunk), items=tuple(items))
            chunk, items, size = [], [], 0
        chunk.append(document)
        items.append(item)
        size += len(item) + 1
    if chunk:
        yield Batch(documents=tuple(chunk), items=tuple(items))


def _query(session: OpaSession, package: Sequence[str], batch: Batch) -> Answered:
    values = session.evaluate(package, RESULTS_RULE, join_items(batch.items))
    if not isinstance(values, dict):
        raise PolicyEvaluationError(
            f"OPA returned {type(values).__name__} instead of the results object (is another "
            "run using the same server and package?)", failure=EvaluationFailure.INVALID_ANSWER)
    return Answered(batch=batch, values=values)


def _halves(batch: Batch) -> tuple[Batch, Batch]:
    middle = len(batch.documents) // 2
    return (Batch(documents=batch.documents[:middle], items=batch.items[:middle]),
            Batch(documents=batch.documents[middle:], items=batch.items[middle:]))


def query_batch(session: OpaSession, package: Sequence[str], batch: Batch) -> list[Outcome]:
    """Evaluate one batch; an error OPA answered with is narrowed down by halving the batch."""
    outcomes: list[Outcome] = []
    budget = SPLIT_BUDGET
    todo = [batch]
    while todo:
        part = todo.pop()
        try:
            outcomes.append(_query(session, package, part))
        except PolicyEvaluationError as exc:
            splittable = exc.failure is EvaluationFailure.REJECTED and len(part.documents) > 1
            if splittable and not part.combined and budget >= 2:
                budget -= 2
                todo += reversed(_halves(part))
            else:
                outcomes.append(NotEvaluated(batch=part, reason=str(exc), failure=exc.failure))
    return outcomes


def evaluate_batches(session: OpaSession, package: Sequence[str], batches: Iterator[Batch], *,
                     workers: int) -> Iterator[Outcome]:
    """Query ``batches`` with at most ``workers`` in flight; outcomes in batch order.

    Once a query finds the server gone, the batches not yet sent are not evaluated either.
    """
    gone: NotEvaluated | None = None
    pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="opa-query")
    pending: deque[Future[list[Outcome]]] = deque()
    try:
        for batch in batches:
            if gone is not None:
                yield NotEvaluated(batch=batch, reason=gone.reason, failure=gone.failure)
                continue
            pending.append(pool.submit(query_batch, session, package, batch))
            while len(pending) >= max(1, workers) or (pending and pending[0].done()):
                for outcome in pending.popleft().result():
                    if isinstance(outcome, NotEvaluated) and \
                            outcome.failure is EvaluationFailure.SERVER_GONE:
                        gone = outcome
                    yield outcome
        while pending:
            yield from pending.popleft().result()
    finally:
        # Never wait here for a query still running (Ctrl-C, an error): the caller stops
        # the server next, which ends it.
        pool.shutdown(wait=False, cancel_futures=True)
