"""The embedded SQLite queue on real files: durability, coalescing, leases, poison, lanes."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.app.queue_support import pr_job
from validator.app.jobs import BackendUnavailable
from validator.app.queue.sqlite import SqliteBackend


def _open(path: Path, **kw: float) -> SqliteBackend:
    return SqliteBackend(path / "queue.sqlite3", lease_seconds=kw.get("lease", 60.0),
                         max_attempts=int(kw.get("attempts", 3)), retry_seconds=kw.get("retry", 0.0))


def test_restart_keeps_every_queued_job_and_leases_each_once(tmp_path: Path) -> None:
    queue = _open(tmp_path)
    for number in range(50):
        assert queue.enqueue(pr_job(number))
    assert queue.depth() == 50
    queue.close()
    queue = _open(tmp_path)
    seen: list[int | None] = []
    while (leased := queue.lease("w")) is not None:
        seen.append(leased.job.pull_number)
        assert leased.attempt == 1
        queue.done(leased)
    assert sorted(n or 0 for n in seen) == list(range(50))
    assert seen == list(range(50)), "oldest first"
    assert queue.depth() == 0
    queue.close()


def test_a_queued_or_leased_key_coalesces_and_a_done_one_may_come_again(tmp_path: Path) -> None:
    queue = _open(tmp_path)
    assert queue.enqueue(pr_job(1))
    assert not queue.enqueue(pr_job(1))
    leased = queue.lease("w")
    assert leased is not None
    assert not queue.enqueue(pr_job(1)), "running: the same job"
    assert queue.enqueue(pr_job(1, "c" * 40)), "another head is another job"
    queue.done(leased)
    assert queue.enqueue(pr_job(1)), "done: asked again"
    assert queue.depth() == 2
    queue.close()


def test_first_delivery_is_recorded_once(tmp_path: Path) -> None:
    queue = _open(tmp_path)
    assert queue.first_delivery("d-1")
    assert not queue.first_delivery("d-1")
    queue.close()
    assert not _open(tmp_path).first_delivery("d-1"), "survives a restart"


def test_accept_records_the_delivery_and_its_jobs_in_one_transaction(tmp_path: Path) -> None:
    queue = _open(tmp_path)
    assert queue.accept("d-1", [pr_job(1), pr_job(2)])
    assert not queue.accept("d-1", [pr_job(3)]), "a redelivery queues nothing"
    assert queue.depth() == 2
    assert queue.accept("d-2", [pr_job(1)]), "a new delivery of queued work: coalesced"
    assert queue.depth() == 2
    assert queue.accept("d-3", []), "an event that asks for nothing is still seen"
    assert not queue.first_delivery("d-3")
    queue.close()


def test_accept_that_cannot_enqueue_does_not_record_the_delivery(tmp_path: Path) -> None:
    queue = _open(tmp_path)
    queue.check_ready()
    connection = sqlite3.connect(tmp_path / "queue.sqlite3")
    connection.execute("CREATE TRIGGER refuse BEFORE INSERT ON jobs BEGIN "
                       "SELECT RAISE(ABORT, 'disk says no'); END")
    connection.commit()
    with pytest.raises(BackendUnavailable, match="disk says no"):
        queue.accept("d-1", [pr_job(1)])
    connection.execute("DROP TRIGGER refuse")
    connection.commit()
    connection.close()
    assert queue.accept("d-1", [pr_job(1)]), "GitHub's redelivery is not a duplicate"
    assert queue.depth() == 1
    queue.close()


def test_lanes_follow_the_newest_head_but_not_reruns(tmp_path: Path) -> None:
    queue = _open(tmp_path)
    lane = pr_job(7).lane
    assert queue.latest_head(lane) is None
    queue.enqueue(pr_job(7, "1" * 40))
    queue.enqueue(pr_job(7, "2" * 40))
    assert queue.latest_head(lane) == "2" * 40
    queue.enqueue(pr_job(7, "1" * 40, rerun=True, delivery="d-9"))
    assert queue.latest_head(lane) == "2" * 40
    queue.enqueue(pr_job(7, "1" * 40))
    assert queue.latest_head(lane) == "1" * 40, "coalesced but pushed back to: newest again"
    queue.close()


def test_an_expired_lease_is_taken_again_and_the_old_token_is_refused(tmp_path: Path) -> None:
    queue = _open(tmp_path, lease=0.2)
    queue.enqueue(pr_job(1))
    first = queue.lease("dead")
    assert first is not None
    assert queue.lease("other") is None
    assert queue.extend(first)
    deadline = time.monotonic() + 30
    second = None
    while second is None and time.monotonic() < deadline:
        time.sleep(0.05)
        second = queue.lease("other")
    assert second is not None
    assert second.attempt == 2
    assert second.token != first.token
    assert "lease expired" in second.last_error
    assert not queue.extend(first)
    assert not queue.done(first)
    assert queue.done(second)
    assert queue.depth() == 0
    queue.close()


def test_failed_is_retried_until_max_attempts_then_poisoned(tmp_path: Path) -> None:
    queue = _open(tmp_path, attempts=2)
    queue.enqueue(pr_job(1))
    first = queue.lease("w")
    assert first is not None
    assert queue.failed(first, "boom 1")
    second = queue.lease("w")
    assert second is not None
    assert second.attempt == 2
    assert second.last_error == "boom 1"
    assert not queue.failed(second, "boom 2")
    assert queue.lease("w") is None
    assert queue.depth() == 0
    assert queue.enqueue(pr_job(1)), "a poisoned key may be asked for again"
    queue.close()


def test_failed_waits_for_its_backoff(tmp_path: Path) -> None:
    queue = _open(tmp_path, retry=3600.0)
    queue.enqueue(pr_job(1))
    leased = queue.lease("w")
    assert leased is not None
    assert queue.failed(leased, "boom")
    assert queue.lease("w") is None
    assert queue.depth() == 1
    queue.close()


def test_an_exhausted_expired_lease_comes_back_for_its_poison_report(tmp_path: Path) -> None:
    queue = _open(tmp_path, lease=0.1, attempts=1)
    queue.enqueue(pr_job(1))
    assert queue.lease("dies") is not None
    deadline = time.monotonic() + 30
    report = None
    while report is None and time.monotonic() < deadline:
        time.sleep(0.05)
        report = queue.lease("w")
    assert report is not None
    assert report.attempt == 2
    assert report.exhausted(queue.max_attempts)
    assert not queue.failed(report, report.last_error)
    assert queue.depth() == 0
    queue.close()


def test_release_puts_the_job_back_without_spending_an_attempt(tmp_path: Path) -> None:
    queue = _open(tmp_path)
    queue.enqueue(pr_job(1))
    leased = queue.lease("w")
    assert leased is not None
    assert queue.release(leased)
    again = queue.lease("w")
    assert again is not None
    assert again.attempt == 1
    queue.close()


def test_prune_forgets_old_deliveries_and_finished_jobs(tmp_path: Path) -> None:
    queue = _open(tmp_path)
    queue.accept("d-old", [pr_job(1)])
    leased = queue.lease("w")
    assert leased is not None
    assert queue.done(leased)
    queue.enqueue(pr_job(2))
    assert queue.prune(before=time.time() + 1) == 2
    assert queue.first_delivery("d-old")
    assert queue.depth() == 1, "queued work is never pruned"
    queue.close()


def test_check_ready_names_the_file_when_it_cannot_be_used(tmp_path: Path) -> None:
    queue = _open(tmp_path)
    queue.check_ready()
    queue.close()
    (tmp_path / "blocked").write_text("a file, not a folder")
    with pytest.raises(BackendUnavailable, match="blocked"):
        SqliteBackend(tmp_path / "blocked" / "queue.sqlite3", lease_seconds=1, max_attempts=1)
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(BackendUnavailable, match=r"broken\.sqlite3"):
        SqliteBackend(broken, lease_seconds=1, max_attempts=1)
