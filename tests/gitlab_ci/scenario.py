"""A GitOps repository with a merge request branch, cloned shallow as a GitLab runner clones it
(``GIT_DEPTH``), and ``python -m validator gitlab-ci`` run in it as a subprocess with the
``CI_*`` variables a merge request pipeline sets."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.action.scenario import deployment
from tests.change.gitrepo import GIT_TEST_ENV, GitRepo
from validator.gitlab_ci.env import TOKEN_VARIABLE
from validator.process import Command, run

REPO_ROOT = Path(__file__).resolve().parents[2]
#: How the tests start the command (the console script ``gitops-validator``, from this tree).
VALIDATOR = (sys.executable, "-m", "validator")
SECRET = "glpat-never-printed-0123456789"


@dataclass(frozen=True, kw_only=True)
class CIRun:
    """What one run left behind."""

    exit_code: int
    stdout: str
    stderr: str
    project_dir: Path

    def file(self, name: str) -> str | None:
        path = self.project_dir / name
        return path.read_text() if path.exists() else None


@dataclass(kw_only=True)
class Project:
    """``origin`` (what GitLab hosts: ``main`` and a ``feature`` branch) and the runner's clone."""

    tmp: Path
    origin: GitRepo

    @classmethod
    def create(cls, tmp: Path) -> Project:
        origin = GitRepo.init(tmp / "origin")
        origin.write("apps/web/deploy.yaml", deployment("web"))
        origin.write("apps/api/deploy.yaml", deployment("api"))
        origin.commit("base")
        origin.git("config", "uploadpack.allowAnySHA1InWant", "true")  # GitLab serves any SHA
        return cls(tmp=tmp, origin=origin)

    def feature(self, files: dict[str, str], message: str = "change") -> str:
        """Commit ``files`` on ``feature`` (created from main the first time); its head."""
        exists = bool(self.origin.git("branch", "--list", "feature"))
        self.origin.git("checkout", "-q", *(("feature",) if exists else ("-b", "feature")))
        for path, text in files.items():
            self.origin.write(path, text)
        sha = self.origin.commit(message)
        self.origin.git("checkout", "-q", "main")
        return sha

    def sha(self, ref: str) -> str:
        return self.origin.git("rev-parse", ref)

    def runner_clone(self, ref: str, *, depth: int = 1) -> Path:
        """The clone a runner makes for a pipeline on ``ref``: shallow, detached at its head."""
        count = len(list(self.tmp.glob("build-*")))
        build = GitRepo(root=self.tmp / f"build-{count}")
        self.origin.git("clone", "-q", f"--depth={depth}", "--no-local", "--branch", ref,
                        f"file://{self.origin.root}", str(build.root))
        build.git("checkout", "-q", "--detach")
        return build.root

    def environ(self, project_dir: Path, *, api_url: str = "https://gitlab.example/api/v4",
                project_id: int = 14, iid: int | None = 7, token: str = SECRET,
                extra: dict[str, str] | None = None) -> dict[str, str]:
        """The variables GitLab CI sets for a merge request pipeline (``iid`` None: a branch one)."""
        head = GitRepo(root=project_dir).git("rev-parse", "HEAD")
        (self.tmp / "home").mkdir(exist_ok=True)
        env = {
            **GIT_TEST_ENV, "HOME": str(self.tmp / "home"), "PATH": os.environ["PATH"],
            "PYTHONPATH": str(REPO_ROOT),
            "GITOPS_VALIDATOR_TOOLS_DIR": os.environ.get("GITOPS_VALIDATOR_TOOLS_DIR", ""),
            "GITLAB_CI": "true", "CI": "true", "CI_API_V4_URL": api_url,
            "CI_PROJECT_ID": str(project_id), "CI_PROJECT_PATH": "platform/gitops",
            "CI_PROJECT_URL": api_url.removesuffix("/api/v4") + "/platform/gitops",
            "CI_PROJECT_DIR": str(project_dir), "CI_COMMIT_SHA": head, "CI_PIPELINE_ID": "901",
            "CI_JOB_URL": api_url.removesuffix("/api/v4") + "/platform/gitops/-/jobs/55",
            "CI_COMMIT_REF_NAME": "feature" if iid is not None else "main",
        }
        if iid is not None:
            env |= {"CI_MERGE_REQUEST_IID": str(iid), "CI_PIPELINE_SOURCE": "merge_request_event",
                    "CI_MERGE_REQUEST_DIFF_BASE_SHA": self.origin.git("merge-base", "main", head),
                    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature",
                    "CI_MERGE_REQUEST_REF_PATH": f"refs/merge-requests/{iid}/head"}
        if token:
            env[TOKEN_VARIABLE] = token
        return env | (extra or {})

    def run(self, project_dir: Path, env: dict[str, str], *args: str) -> CIRun:
        """``python -m validator gitlab-ci ARGS`` in the build folder, as a runner starts it."""
        return self.run_command(project_dir, env, "gitlab-ci", *args)

    def run_command(self, project_dir: Path, env: dict[str, str], *args: str) -> CIRun:
        """``python -m validator ARGS`` in ``project_dir``."""
        result = run(Command(args=(*VALIDATOR, *args), cwd=project_dir, env=env,
                             ok_codes=frozenset({0, 1, 2}), timeout=300))
        return CIRun(exit_code=result.returncode, stdout=result.stdout.decode(),
                     stderr=result.stderr, project_dir=project_dir)
