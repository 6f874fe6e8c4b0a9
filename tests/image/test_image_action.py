"""The image's entrypoint, ``gitops-validator action``, run as a GitHub runner runs a Docker action.

The workspace (a real clone, owned by another user than the image's) and the event file
are mounted where GitHub mounts them; the GitHub API test server listens on the host's
loopback, which the container reaches with ``--network host``. A second run with
``--network none`` and no token shows that rendering and validation need no network: the
findings still come out as workflow-command annotations and in the job summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.change.gitrepo import GitRepo
from tests.image.container import WORKSPACE, Container, Mount
from tests.support.github_api import GitHubApiServer
from tests.support.github_events import PullRequestLike, pull_request_event

pytestmark = pytest.mark.image

REPO = "octo-org/gitops"
EVENT = "/github/workflow/event.json"
FILES = "/github/file_commands"
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            privileged: {privileged}
            allowPrivilegeEscalation: false
"""
PRIVILEGED_LINE = 20


@dataclass(frozen=True, kw_only=True)
class Runner:
    """The folders a runner mounts into a container action: workspace, event, file commands."""

    workspace: GitRepo
    base: str
    head: str
    files: Path
    home: Path

    def mounts(self, event: Path) -> list[Mount]:
        return [Mount(source=self.workspace.root, target=WORKSPACE, read_only=True),
                Mount(source=event, target=EVENT, read_only=True),
                Mount(source=self.files, target=FILES),
                Mount(source=self.home, target="/github/home")]

    def environment(self, **extra: str) -> dict[str, str]:
        """What GitHub sets for a Docker action's container (and the action's inputs)."""
        for name in ("output", "summary"):
            (self.files / name).write_text("")
            (self.files / name).chmod(0o666)
        return {"GITHUB_ACTIONS": "true", "CI": "true", "HOME": "/github/home",
                "GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": EVENT,
                "GITHUB_REPOSITORY": REPO, "GITHUB_WORKSPACE": WORKSPACE, "GITHUB_SHA": self.head,
                "GITHUB_OUTPUT": f"{FILES}/output", "GITHUB_STEP_SUMMARY": f"{FILES}/summary",
                "GITHUB_SERVER_URL": "https://github.example", "GITHUB_RUN_ID": "99",
                "INPUT_PATHS": "apps", "INPUT_POLICY": "builtin", **extra}

    def outputs(self) -> dict[str, str]:
        """The step's outputs from ``GITHUB_OUTPUT`` (``name=value`` or ``name<<DELIMITER`` blocks)."""
        outputs: dict[str, str] = {}
        lines = (self.files / "output").read_text().splitlines()
        while lines:
            line = lines.pop(0)
            if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
                name, delimiter = line.split("<<", 1)
                end = lines.index(delimiter)
                outputs[name], lines = "\n".join(lines[:end]), lines[end + 1:]
            elif line:
                name, value = line.split("=", 1)
                outputs[name] = value
        return outputs

    def summary(self) -> str:
        return (self.files / "summary").read_text()


@pytest.fixture
def runner(tmp_path: Path, github_api: GitHubApiServer) -> Runner:
    origin = GitRepo.init(tmp_path / "origin")
    origin.write("apps/web/deploy.yaml", DEPLOYMENT.format(privileged="false"))
    base = origin.commit("base")
    workspace = GitRepo(root=tmp_path / "workspace")
    origin.git("clone", "-q", f"file://{origin.root}", str(workspace.root))
    workspace.git("checkout", "-q", "-b", "feature")
    workspace.write("apps/web/deploy.yaml", DEPLOYMENT.format(privileged="true"))
    head = workspace.commit("a privileged container")
    workspace.git("push", "-q", "origin", "feature")
    github_api.add_repository(REPO, git_dir=origin.root)
    files, home = tmp_path / "file_commands", tmp_path / "home"
    for folder in (files, home):
        folder.mkdir()
        folder.chmod(0o777)  # the runner's folders belong to the container's user on GitHub
    assert workspace.root.stat().st_uid != 1001  # owned by another user: safe.directory at work
    return Runner(workspace=workspace, base=base, head=head, files=files, home=home)


def write_event(runner: Runner, pr: PullRequestLike, tmp_path: Path) -> Path:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(pull_request_event("opened", REPO, pr)))
    event.chmod(0o644)
    return event


def test_action_completes_the_check_run_over_loopback(container: Container, runner: Runner,
                                                      github_api: GitHubApiServer, tmp_path: Path) -> None:
    pr = github_api.add_pull_request(REPO, number=7, base_sha=runner.base, head_sha=runner.head)
    event = write_event(runner, pr, tmp_path)
    env = runner.environment(**{"GITHUB_API_URL": github_api.url,
                                "GITHUB_GRAPHQL_URL": github_api.graphql_url,
                                "INPUT_GITHUB-TOKEN": github_api.token})
    done = container.run([], network="host", mounts=runner.mounts(event), env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    [check] = [run for run in github_api.state.check_runs.values() if run["head_sha"] == runner.head]
    assert (check["status"], check["conclusion"]) == ("completed", "failure")
    annotations = github_api.state.annotations.get(check["id"], [])
    assert ("apps/web/deploy.yaml", PRIVILEGED_LINE, "failure") in {
        (a["path"], a["start_line"], a["annotation_level"]) for a in annotations}
    comments = [c for c in github_api.state.review_comments.values() if "K8S-001" in c["body"]]
    assert [(c["path"], c["line"]) for c in comments] == [("apps/web/deploy.yaml", PRIVILEGED_LINE)]
    assert runner.outputs()["conclusion"] == "failure"
    assert "K8S-001" in runner.summary()


def test_action_without_network_or_token_still_renders_and_validates(
        container: Container, runner: Runner, github_api: GitHubApiServer, tmp_path: Path) -> None:
    pr = github_api.add_pull_request(REPO, number=7, base_sha=runner.base, head_sha=runner.head)
    event = write_event(runner, pr, tmp_path)
    done = container.run([], network="none", mounts=runner.mounts(event), env=runner.environment())
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"::error file=apps/web/deploy.yaml,line={PRIVILEGED_LINE}," in done.stdout
    assert "K8S-001" in runner.summary()
    assert runner.outputs()["conclusion"] == "failure"
    assert github_api.requests == []
