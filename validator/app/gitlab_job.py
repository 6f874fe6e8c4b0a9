"""The job function for GitLab: one queued merge request job -> a final commit status.

The same steps as :mod:`validator.app.job`, with GitLab's parts: the merge request read
(``GET /projects/:id/merge_requests/:iid``: still opened, still at this head, its
``diff_refs``), the status ``pending`` then ``running``, base (``diff_refs.base_sha``) and head
fetched into the project's mirror with ``GITLAB_TOKEN`` in a header, the same ``run_diff``
(:func:`validator.action.validate.diff_validation`), then
:meth:`~validator.scm.gitlab.publisher.GitLabPublisher.complete`. Safe to repeat: a finished
status whose ``target_url`` is this evaluation's page and a saved finished evaluation mean an
earlier attempt published.
"""

from __future__ import annotations

from validator.app.context import JobContext
from validator.app.model import JobResult, JobSpec

__all__ = ["process_gitlab", "report_gitlab_failure"]


def process_gitlab(job: JobSpec, ctx: JobContext) -> JobResult:
    """Run ``job`` (``platform=gitlab``) to a final status."""
    raise NotImplementedError


def report_gitlab_failure(job: JobSpec, ctx: JobContext, error: str, attempts: int) -> None:
    """A poison job: set its status ``failed`` naming the error and the attempts."""
    raise NotImplementedError
