"""The values the webhook app passes between intake, queue and workers (pure data)."""

from __future__ import annotations

import enum
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["JobKind", "JobResult", "JobSpec", "Platform"]


class Platform(enum.StrEnum):
    """Where a job's change lives, and so who reports on it."""

    GITHUB = "github"
    """A GitHub App installation: check runs, review comments (``validator.app.job``)."""
    GITLAB = "gitlab"
    """A GitLab project: a commit status, merge request discussions (``validator.app.gitlab_job``)."""


class JobKind(enum.StrEnum):
    """What a job evaluates."""

    PULL_REQUEST = "pull_request"
    """A pull request's base against its head; check run and comments on the pull request."""
    MERGE_GROUP = "merge_group"
    """A merge queue's ``base_sha`` against its ``head_sha``; a check run, no comments."""
    COMMIT = "commit"
    """A head SHA whose pull requests are not known yet (a ``check_suite`` / ``check_run``
    event without ``pull_requests``, as GitHub sends for forks): the worker looks them up
    (``GET /repos/{owner}/{repo}/commits/{sha}/pulls``) and evaluates each open one."""


class JobResult(enum.StrEnum):
    """How a job ended (the worker acknowledges all three)."""

    COMPLETED = "completed"
    """The check run (GitLab: the commit status) was completed with the verdict."""
    SKIPPED = "skipped"
    """Nothing to do: superseded before it started, already published, or no open pull request."""
    CANCELLED = "cancelled"
    """A newer push superseded it while it ran: its check run was completed ``cancelled``
    (GitLab: its status set ``canceled``)."""


@dataclass(frozen=True, kw_only=True)
class JobSpec:
    """One evaluation to run, as the queue stores it (JSON, see :meth:`to_json`)."""

    kind: JobKind
    installation_id: int
    """The GitHub App installation; 0 for GitLab (the app's one token, ``GITLAB_TOKEN``)."""
    repository: str
    """``owner/name`` on GitHub; the project's ``path_with_namespace`` on GitLab
    (``group/subgroup/project``)."""
    clone_url: str
    """The repository's HTTPS clone URL from the payload (``repository.clone_url``; GitLab:
    ``project.git_http_url``)."""
    head_sha: str
    base_sha: str = ""
    """Empty for :attr:`JobKind.COMMIT` (resolved by the worker)."""
    pull_number: int | None = None
    """The pull request's number; on GitLab the merge request's ``iid``."""
    head_ref: str = ""
    base_ref: str = ""
    event: str = ""
    """``event.action`` that asked for it (``pull_request.synchronize``), for logs and the page."""
    delivery: str = ""
    """The ``X-GitHub-Delivery`` that asked for it."""
    rerun: bool = False
    """Asked again (``check_suite.rerequested``, ``check_run.rerequested``, the Re-run button):
    run even when this head already has a completed check run, and do not move the lane."""
    platform: Platform = Platform.GITHUB
    """GitHub or GitLab (a job queued before GitLab existed reads back as GitHub)."""
    project_id: int = 0
    """GitLab's numeric project id (``project.id``; the API addresses projects by it); 0 on GitHub."""
    requested_by: int = 0
    """GitLab: the user id of the note author whose ``/gitops-validator rerun`` asked for it
    (the worker checks their role in the project); 0 otherwise."""

    @property
    def lane(self) -> str:
        """What a newer push supersedes: the pull request (or merge group head ref), not the SHA."""
        scope = "" if self.platform is Platform.GITHUB else f"{self.platform.value}:"
        if self.pull_number is not None:
            mark = "#" if self.platform is Platform.GITHUB else "!"  # each platform's own notation
            return f"{scope}{self.repository}{mark}{self.pull_number}"
        return f"{scope}{self.repository}@{self.head_ref or self.head_sha}"

    @property
    def key(self) -> str:
        """Identical work: a second job with this key while one is queued or running is the
        same job (coalesced); the check run's ``external_id`` (see :attr:`evaluation_id`)."""
        base = f"{self.kind.value}:{self.lane}@{self.head_sha}"
        return f"{base}/rerun/{self.delivery}" if self.rerun else base

    @property
    def evaluation_id(self) -> str:
        """The id of this job's evaluation (details page, check run ``external_id``): the
        same for every attempt of the job, so a retried job finds what an earlier one made."""
        return hashlib.sha256(self.key.encode()).hexdigest()[:20]

    def to_json(self) -> str:
        """The job as the queue stores it."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> JobSpec:
        """A job read back from the queue; ``ValueError`` when it is not one."""
        data: Any = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("a queued job is not a JSON object")
        try:
            platform = Platform(data.get("platform", Platform.GITHUB.value))
            return cls(**{**data, "kind": JobKind(data["kind"]), "platform": platform})
        except (KeyError, TypeError) as err:
            raise ValueError(f"a queued job is malformed: {err}") from err
