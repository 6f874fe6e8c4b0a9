"""GroupCommit: callers that arrive during a commit share the next one; results stay per caller."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from validator.app.queue.group_commit import GroupCommit


def test_callers_waiting_during_a_commit_share_the_next_and_fail_alone() -> None:
    entered, release = threading.Event(), threading.Event()
    batches: list[list[str]] = []

    def run(requests: Sequence[str]) -> list[str | BaseException]:
        batches.append(list(requests))
        if requests == ["first"]:
            entered.set()
            assert release.wait(60)
        return [ValueError(r) if r == "bad" else r.upper() for r in requests]

    group: GroupCommit[str, str] = GroupCommit(run)
    results: dict[str, str] = {}

    def submit(request: str) -> None:
        try:
            results[request] = group.submit(request)
        except ValueError as err:
            results[request] = f"error {err}"

    threads = [threading.Thread(target=submit, args=("first",))]
    threads[0].start()
    assert entered.wait(60)
    threads += [threading.Thread(target=submit, args=(r,)) for r in ("good", "bad")]
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 60
    while group.pending() < 2:
        assert time.monotonic() < deadline, "the two callers never queued"
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(60)
    assert results == {"first": "FIRST", "good": "GOOD", "bad": "error bad"}
    assert batches[0] == ["first"]
    assert sorted(batches[1]) == ["bad", "good"]
    assert len(batches) == 2


def test_a_batch_that_fails_as_a_whole_fails_its_caller() -> None:
    def run(requests: Sequence[str]) -> list[str | BaseException]:
        raise OSError("disk full")

    group: GroupCommit[str, str] = GroupCommit(run)
    with pytest.raises(OSError, match="disk full"):
        group.submit("x")
    with pytest.raises(OSError, match="disk full"):
        group.submit("y")
