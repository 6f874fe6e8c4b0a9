"""Set-up shared by the job tests: a GitHub App installed on a real repository the test
server serves over git smart HTTP, and the app's settings pointing at it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.action.scenario import deployment
from tests.change.gitrepo import GitRepo
from tests.support.github_api import GitHubApiServer
from validator.app.evaluation import Evaluation
from validator.app.evaluations_sqlite import SqliteEvaluations
from validator.app.model import JobSpec
from validator.app.queue.sqlite import SqliteBackend
from validator.app.settings import AppSettings

REPO = "octo-org/gitops"
APP_ID = 4242
INSTALLATION = 77
PERMISSIONS = {"checks": "write", "pull_requests": "write", "contents": "read", "metadata": "read"}


@dataclass(frozen=True, kw_only=True)
class Installed:
    """The test server with the app installed on ``REPO``, served from ``origin``."""

    gh: GitHubApiServer
    origin: GitRepo
    settings: AppSettings

    @property
    def clone_url(self) -> str:
        return self.gh.clone_url(REPO)

    def commit(self, files: dict[str, str], message: str = "change", *, branch: str = "feature") -> str:
        """Commit ``files`` on ``branch`` of origin (created from main when missing)."""
        return self.origin.commit_on(branch, files, message)


def install(gh: GitHubApiServer, tmp: Path, **settings: object) -> Installed:
    """``REPO`` with two deployments on main and the built-in policies selected by its
    configuration file; the app installed on it; settings for it."""
    origin = GitRepo.init(tmp / "origin")
    (origin.root / ".gitops-validator.yaml").write_text("settings:\n  policies: [builtin]\n")
    for name in ("web", "api"):
        target = origin.root / "apps" / name / "deploy.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(deployment(name))
    origin.git("add", "-A")
    origin.git("commit", "-q", "-m", "base")
    gh.add_repository(REPO, git_dir=origin.root)
    app = gh.add_app(app_id=APP_ID)
    gh.add_installation(APP_ID, installation_id=INSTALLATION, repositories=[REPO], permissions=PERMISSIONS)
    values: dict[str, object] = {"app_id": APP_ID, "private_key": app.private_key,
                                 "webhook_secret": "webhook-secret", "api_url": gh.url,
                                 "data_dir": tmp / "data", **settings}
    return Installed(gh=gh, origin=origin, settings=AppSettings(**values))  # type: ignore[arg-type]


class PushDuringJob(SqliteBackend):
    """The embedded queue, with a push that can land while a job runs: ``newer`` (when set)
    is enqueued right after the next read of its lane, as if its delivery arrived then."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, lease_seconds=60.0, max_attempts=3)
        self.newer: JobSpec | None = None

    def latest_head(self, lane: str) -> str | None:
        answer = super().latest_head(lane)
        if self.newer is not None and self.newer.lane == lane:
            newer, self.newer = self.newer, None
            self.enqueue(newer)
        return answer


class Evaluations(SqliteEvaluations):
    """The SQLite evaluation store, with every save also kept in order (``history``) and by
    id (``saved``), so a test can see the states an evaluation went through."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.saved: dict[str, Evaluation] = {}
        self.history: list[Evaluation] = []

    def save(self, evaluation: Evaluation) -> None:
        super().save(evaluation)
        self.saved[evaluation.id] = evaluation
        self.history.append(evaluation)
