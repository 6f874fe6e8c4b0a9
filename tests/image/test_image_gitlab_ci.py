"""The image runs the GitLab CI job of docs/examples/gitlab-ci.yml as GitLab would: the entrypoint
cleared, ``before_script`` then ``script`` in a shell, in a clone owned by another user
(``CI_PROJECT_DIR``). Without a network (``--no-publish``): the verdict is the exit code and the
report files land in the project folder for ``artifacts: reports``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.image.container import Container, Mount

pytestmark = pytest.mark.image

ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIR = "/builds/platform/gitops"
_BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: "two"
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
"""


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
                               "PATH": "/usr/bin:/bin", "HOME": str(repo)}).stdout.strip()


def _job_script() -> str:
    """The example job's ``before_script`` and ``script`` as GitLab's shell runs them, told
    not to publish (the container has no network and no token)."""
    job = yaml.safe_load((ROOT / "docs" / "examples" / "gitlab-ci.yml").read_text())["gitops-validator"]
    assert job["image"]["entrypoint"] == [""]
    lines = [str(line) for line in (*job["before_script"], *job["script"])]
    lines[-1] += " --no-publish"
    return "set -e\n" + "\n".join(lines[:-1]) + "\nset +e\n" + lines[-1] + "\necho exit=$?\n"


def test_image_runs_the_example_gitlab_ci_job(container: Container, tmp_path: Path) -> None:
    repo = tmp_path / "gitops"
    (repo / "apps" / "web").mkdir(parents=True)
    (repo / "apps" / "web" / "deploy.yaml").write_text(_BAD)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "web")
    head = _git(repo, "rev-parse", "HEAD")
    for path in [repo, *repo.rglob("*")]:  # the runner's clone: another user's, writable for the job
        path.chmod(0o777 if path.is_dir() else 0o666)
    assert repo.stat().st_uid != 1001
    env = {"CI": "true", "GITLAB_CI": "true", "CI_PROJECT_DIR": PROJECT_DIR, "CI_COMMIT_SHA": head,
           "CI_PROJECT_ID": "7", "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
           "CI_PROJECT_PATH": "platform/gitops", "CI_PROJECT_URL": "https://gitlab.example.com/platform/gitops",
           "CI_PIPELINE_ID": "11", "CI_JOB_URL": "https://gitlab.example.com/platform/gitops/-/jobs/12",
           "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main", "HOME": "/tmp"}
    done = container.run(["-c", _job_script()], entrypoint="/bin/sh", workdir=PROJECT_DIR,
                         mounts=[Mount(source=repo, target=PROJECT_DIR)], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "exit=1", (done.stdout, done.stderr)
    assert "apps/web/deploy.yaml" in done.stdout, "the job log lists the finding"
    report = json.loads((repo / "gl-code-quality-report.json").read_text())
    places = {(issue["location"]["path"], issue["location"]["lines"]["begin"], issue["check_name"])
              for issue in report}
    assert ("apps/web/deploy.yaml", 7, "schema/type") in places, report  # and the builtin policies'
    assert {path for path, _, _ in places} == {"apps/web/deploy.yaml"}
    assert (repo / "gitops-validator-junit.xml").read_text().startswith("<?xml"), done.stdout
