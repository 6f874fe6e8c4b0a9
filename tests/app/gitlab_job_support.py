"""Set-up shared by the GitLab job tests: a project on the GitLab API test server, served from a
real git repository over HTTP, a merge request on it, and the app's settings (GitLab only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.action.scenario import deployment
from tests.app.job_support import Evaluations, PushDuringJob
from tests.change.gitrepo import GitRepo
from tests.support.gitlab_api import GitLabApiServer
from validator.app.context import JobContext, build_context
from validator.app.metrics import AppMetrics
from validator.app.model import JobKind, JobSpec, Platform
from validator.app.settings import AppSettings

PROJECT = "platform/team/gitops"
PUBLIC = "https://validator.example.test"
HOOK_SECRET = "gitlab-hook-secret"


@dataclass(frozen=True, kw_only=True)
class Project:
    """``PROJECT`` on the test server, served from ``origin``, and settings for it."""

    srv: GitLabApiServer
    origin: GitRepo
    project_id: int
    settings: AppSettings

    @property
    def clone_url(self) -> str:
        return self.srv.clone_url(self.project_id)

    def commit(self, files: dict[str, str], message: str = "change", *, branch: str = "feature") -> str:
        """Commit ``files`` on ``branch`` of origin (created from main when missing)."""
        return self.origin.commit_on(branch, files, message)

    def privileged_merge_request(self) -> tuple[str, str, int]:
        """A merge request making ``apps/web`` privileged (line 20): base, head and iid."""
        base = self.origin.git("rev-parse", "main")
        head = self.commit({"apps/web/deploy.yaml": deployment("web", privileged=True)})
        iid = self.srv.add_merge_request(self.project_id, source_branch="feature", target_branch="main",
                                         title="privileged web")
        return base, head, iid

    def job(self, *, head: str, iid: int, base: str = "", rerun: bool = False,
            delivery: str = "uuid-1") -> JobSpec:
        """The job intake queues for the merge request (base empty: the worker reads diff_refs)."""
        return JobSpec(kind=JobKind.PULL_REQUEST, installation_id=0, repository=PROJECT,
                       clone_url=self.clone_url, head_sha=head, base_sha=base, pull_number=iid,
                       head_ref="feature", base_ref="main", event="merge_request.open",
                       delivery=delivery, rerun=rerun, platform=Platform.GITLAB,
                       project_id=self.project_id)


def add_project(srv: GitLabApiServer, tmp: Path, **settings: object) -> Project:
    """``PROJECT`` with two deployments on main and the built-in policies; GitLab-only settings."""
    origin = GitRepo.init(tmp / "origin")
    (origin.root / ".gitops-validator.yaml").write_text("settings:\n  policies: [builtin]\n")
    for name in ("web", "api"):
        target = origin.root / "apps" / name / "deploy.yaml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(deployment(name))
    origin.git("add", "-A")
    origin.git("commit", "-q", "-m", "base")
    project_id = srv.add_project(PROJECT, origin.root)
    values: dict[str, object] = {"gitlab_url": srv.url, "gitlab_token": srv.token,
                                 "gitlab_webhook_secret": HOOK_SECRET, "data_dir": tmp / "data", **settings}
    return Project(srv=srv, origin=origin, project_id=project_id,
                   settings=AppSettings(**values))  # type: ignore[arg-type]


def context(project: Project) -> tuple[JobContext, PushDuringJob, Evaluations]:
    """The job's context on the embedded queue (in the test's data folder); close the queue."""
    project.settings.data_dir.mkdir(parents=True, exist_ok=True)
    lanes = PushDuringJob(project.settings.data_dir / "queue.sqlite3")
    evaluations = Evaluations(project.settings.data_dir / "evaluations.sqlite3")
    return build_context(project.settings, lanes, evaluations, AppMetrics()), lanes, evaluations
