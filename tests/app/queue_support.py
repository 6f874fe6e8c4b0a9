"""Jobs for the queue tests: distinct pull requests of one repository."""

from __future__ import annotations

from validator.app.model import JobKind, JobSpec


def pr_job(number: int, head: str = "a" * 40, *, rerun: bool = False, delivery: str = "") -> JobSpec:
    """A pull-request job; ``number`` picks the lane, ``head`` the SHA."""
    return JobSpec(kind=JobKind.PULL_REQUEST, installation_id=1, repository="org/repo",
                   clone_url="https://github.test/org/repo.git", head_sha=head,
                   base_sha="b" * 40, pull_number=number, event="pull_request.synchronize",
                   delivery=delivery, rerun=rerun)
